package dedup

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/pipeline/stashtest"
	"github.com/tuneprep/tuneprep/schemas"
)

// stashRecords are exact, near, grouped, conflicting and too-short records
// with a priority field (one missing, one not a number).
func stashRecords() records {
	a, b, c := words(60), words(120)[60:], words(180)[120:]
	return records{
		{"text", text(a), "p", "1", "answer", "x"},
		{"text", text(b), "p", "2", "answer", "y"},
		{"text", text(edit(a, "n", 10)), "p", "5", "answer", "x"},                // near a
		{"text", text(a), "p", "9", "answer", "z"},                               // exact a, conflicting
		{"text", "hi there", "p", "3", "answer", "x"},                            // too short for near
		{"text", "", "answer", "y"},                                              // empty, no priority
		{"text", text(edit(b, "m", 5, 30)), "p", "x", "answer", "y"},             // near b
		{"text", text(edit(a, "g", 3, 15, 27, 39, 51)), "p", "4", "answer", "q"}, // grouped with a
		{"text", text(b), "p", "7", "answer", "y"},                               // exact b
		{"text", text(edit(b, "k", 40)), "p", "8", "answer", "w"},                // near b, conflicting
		{"text", text(c), "p", "1", "answer", "x"},
		{"text", text(edit(c, "j", 20)), "p", "6", "answer", "x"}, // near c, survives by priority
	}
}

// stashConfigs: a streaming rule (Sequence drops) and a holding one with a
// score (Replay drops), both with exact verification and conflict fields.
func stashConfigs() map[string]Config {
	first := exactVerify()
	first.ConflictFields = []string{"answer"}
	priority := first
	priority.Survivor, priority.PriorityField, priority.Conflicts = "priority", "p", "drop-all"
	return map[string]Config{"first": first, "priority": priority}
}

func stashDocs(t *testing.T) []*schemas.Document {
	var docs []*schemas.Document
	err := stashRecords().Read(context.Background(), nil, func(d *schemas.Document) error {
		d.Seq = int64(len(docs))
		docs = append(docs, d)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// sequenceAll runs Sequence over docs with the given stashes, then Decide
// and Replay when the stage holds, and returns each record's outcome and
// the stats as JSON.
func sequenceAll(t *testing.T, s *Stage, docs []*schemas.Document, stashes []any) (string, string) {
	t.Helper()
	ctx := context.Background()
	var out strings.Builder
	for i, d := range docs {
		d.Stash = stashes[i]
		drop, err := s.Sequence(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		d.Stash, d.Drop = nil, drop
		fmt.Fprintf(&out, "%s %s %v\n", d.ID, d.Cluster, drop)
	}
	if s.Holds() {
		if err := s.Decide(ctx); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			if d.Alive() {
				drop, err := s.Replay(ctx, d)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&out, "replay %s %v\n", d.ID, drop)
			}
		}
	}
	st, err := json.Marshal(s.Stats())
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), string(st)
}

// TestStashRoundTrip: every prep reads back equal, and a second stage
// running Sequence (Decide, Replay) over the decoded preps decides as the
// first does over the originals.
func TestStashRoundTrip(t *testing.T) {
	for name, cfg := range stashConfigs() {
		a, b := mustNew(t, cfg), mustNew(t, cfg)
		docs1, docs2 := stashDocs(t), stashDocs(t)
		orig, dec := make([]any, len(docs1)), make([]any, len(docs1))
		var sets, nilSets, scores int
		for i, d := range docs1 {
			if _, err := a.Process(context.Background(), d); err != nil {
				t.Fatal(err)
			}
			orig[i] = d.Stash
			enc, err := a.AppendStash(nil, d.Stash)
			if err != nil {
				t.Fatal(err)
			}
			if dec[i], err = b.ReadStash(enc); err != nil {
				t.Fatalf("%s %s: %v", name, d.ID, err)
			}
			if !reflect.DeepEqual(dec[i], orig[i]) {
				t.Fatalf("%s %s: read back %+v, want %+v", name, d.ID, dec[i], orig[i])
			}
			p := d.Stash.(*prep)
			if p.set == nil {
				nilSets++
			} else if p.conflict != 0 {
				sets++
			}
			if p.score > 0 {
				scores++
			}
		}
		if nilSets == 0 || sets == 0 || name == "priority" && scores == 0 {
			t.Fatalf("%s: the records do not exercise the stash (%d nil sets, %d sets, %d scores)", name, nilSets, sets, scores)
		}
		out1, st1 := sequenceAll(t, a, docs1, orig)
		out2, st2 := sequenceAll(t, b, docs2, dec)
		for _, want := range []string{`"exact_duplicates":2`, `"near_duplicates":4`, `"conflicts":2`, `"grouped_variants":1`, `"too_short_for_near":2`} {
			if !strings.Contains(st1, want) {
				t.Errorf("%s: stats lack %s: %s", name, want, st1)
			}
		}
		if out1 != out2 || st1 != st2 {
			t.Errorf("%s: decoded preps decide otherwise:\n%s%s\nvs\n%s%s", name, out1, st1, out2, st2)
		}
	}
}

// viaCodec is the stage with every Stash written and read back between
// Process and Sequence, as a sharded run does.
type viaCodec struct{ *Stage }

func (v viaCodec) Process(ctx context.Context, d *schemas.Document) (*schemas.Drop, error) {
	drop, err := v.Stage.Process(ctx, d)
	if err != nil || d.Stash == nil {
		return drop, err
	}
	b, err := v.AppendStash(nil, d.Stash)
	if err != nil {
		return nil, err
	}
	d.Stash, err = v.ReadStash(b)
	return drop, err
}

// TestStashInRun: a run whose stashes pass through the codec writes the
// same records, drops, clusters (Finish) and stats as a run whose do not.
func TestStashInRun(t *testing.T) {
	files := []string{"records.jsonl", pipeline.DroppedFile, "dedup/clusters.jsonl"}
	for name, cfg := range stashConfigs() {
		var want []string
		for i, st := range []pipeline.Reporter{mustNew(t, cfg), viaCodec{mustNew(t, cfg)}} {
			out := filepath.Join(t.TempDir(), "out")
			plan := pipeline.Plan{Source: stashRecords(), Stages: []pipeline.Stage{st.(pipeline.Stage), &dumpRecords{}}, Workers: 3, BatchSize: 2}
			if _, err := pipeline.Run(context.Background(), pipeline.RunOptions{Plan: plan, OutDir: out}); err != nil {
				t.Fatal(err)
			}
			stats, _ := json.Marshal(st.Stats())
			got := []string{string(stats)}
			for _, f := range files {
				b, err := os.ReadFile(filepath.Join(out, f))
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, string(b))
			}
			if i == 0 {
				want = got
			} else if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: stats or files differ through the codec:\n%q\nvs\n%q", name, got, want)
			}
		}
	}
}

// TestStashBadBytes: every truncation, a byte left over, a signature of
// the wrong length and a wrong stash type are errors.
func TestStashBadBytes(t *testing.T) {
	s := mustNew(t, exactVerify())
	for _, d := range stashDocs(t) {
		if _, err := s.Process(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		enc, err := s.AppendStash(nil, d.Stash)
		if err != nil {
			t.Fatal(err)
		}
		stashtest.Damaged(t, s, enc, d.ID)
	}
	p := &prep{sig: make([]uint32, 3), shingles: 5}
	if enc, err := s.AppendStash(nil, p); err != nil {
		t.Fatal(err)
	} else if _, err := s.ReadStash(enc); err == nil {
		t.Error("a short signature read without an error")
	}
	for _, x := range []any{true, prep{}, (*prep)(nil)} {
		if _, err := s.AppendStash(nil, x); err == nil {
			t.Errorf("AppendStash(%T) gave no error", x)
		}
	}
}
