package dedup

import (
	"context"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

// feedSeqs is feed with the given sequence numbers instead of 0, 1, 2...
func feedSeqs(t *testing.T, s *Stage, docs []*schemas.Document, seqs []int64) []*schemas.Drop {
	t.Helper()
	ctx := context.Background()
	drops := make([]*schemas.Drop, len(docs))
	for i, d := range docs {
		d.Seq = seqs[i]
		if drop, err := s.Process(ctx, d); err != nil || drop != nil {
			t.Fatalf("Process(%s): %v %v", d.ID, drop, err)
		}
		var err error
		if drops[i], err = s.Sequence(ctx, d); err != nil {
			t.Fatalf("Sequence(%s, seq %d): %v", d.ID, d.Seq, err)
		}
		d.Stash = nil
	}
	return drops
}

type released struct {
	id   string
	drop *schemas.Drop
}

// release does what the engine does once the input has ended: Decide, then
// Replay of the records still alive, in input order. It returns the drops.
func release(t *testing.T, s *Stage, docs []*schemas.Document) []released {
	t.Helper()
	ctx := context.Background()
	if err := s.Decide(ctx); err != nil {
		t.Fatal(err)
	}
	var out []released
	for _, d := range docs {
		if !d.Alive() {
			continue
		}
		drop, err := s.Replay(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if drop != nil {
			out = append(out, released{d.ID, drop})
		}
	}
	return out
}

// TestSeqAbove32Bits: sequence numbers are int64. Records 2^32 apart must
// not share an index ID (uint32(seq) made the second one "already in the
// index" and stopped the run), and duplicates past 2^32 name the right record.
func TestSeqAbove32Bits(t *testing.T) {
	a, b := words(60), words(120)[60:]
	const big = int64(1) << 32
	for _, survivor := range []string{"first", "longest"} {
		t.Run(survivor, func(t *testing.T) {
			for _, verify := range []string{"estimate", "exact"} {
				cfg := Defaults()
				cfg.Survivor, cfg.Near.Verify = survivor, verify
				s := mustNew(t, cfg)
				docs := []*schemas.Document{
					textDoc("a", text(a)),                     // seq 0
					textDoc("b", text(b)),                     // seq 2^32: wrapped to 0 before
					textDoc("b-near", text(edit(b, "x", 30))), // near-duplicate of b
					textDoc("a-copy", text(a)),                // exact duplicate of a
					textDoc("b-near2", text(edit(b, "y", 40))),
				}
				seqs := []int64{0, big, big + 1, 3*big + 7, 5 * big}
				drops := feedSeqs(t, s, docs, seqs)
				if survivor == "longest" {
					var held []string
					for _, r := range release(t, s, docs) {
						held = append(held, r.id+" "+r.drop.Reason+" "+keptID(r.drop.Detail))
					}
					want := "b-near near-duplicate b|a-copy exact-duplicate a|b-near2 near-duplicate b" // input order
					if strings.Join(held, "|") != want {
						t.Errorf("%s: released %q, want %q", verify, held, want)
					}
					continue
				}
				want := []string{"", "", "b", "a", "b"}
				for i, d := range drops {
					got := ""
					if d != nil {
						got = keptID(d.Detail)
					}
					if got != want[i] {
						t.Errorf("%s: %s (seq %d): duplicate of %q, want %q", verify, docs[i].ID, seqs[i], got, want[i])
					}
				}
			}
		})
	}
}
