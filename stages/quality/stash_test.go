package quality

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline/stashtest"
	"github.com/tuneprep/tuneprep/schemas"
)

// processAll runs Process over docs (the corpus mix, language filter on)
// and returns the stage and each record's Stash.
func processAll(t *testing.T, docs []*schemas.Document) (*Stage, []any) {
	t.Helper()
	s := stage(t, func(c *Config) { c.Language.Languages = []string{"en"} })
	stashes := make([]any, len(docs))
	for i, d := range docs {
		if drop, err := s.Process(context.Background(), d); drop != nil || err != nil {
			t.Fatalf("Process(%s) = %v, %v", d.ID, drop, err)
		}
		stashes[i] = d.Stash
	}
	return s, stashes
}

// withStashes gives docs the stashes, in order, and returns them.
func withStashes(docs []*schemas.Document, stashes []any) []*schemas.Document {
	for i, d := range docs {
		d.Stash = stashes[i]
	}
	return docs
}

// sequenceAll runs Sequence over docs in order and returns the drops and
// the report as JSON.
func sequenceAll(t *testing.T, s *Stage, docs []*schemas.Document) (string, string) {
	t.Helper()
	var drops strings.Builder
	for _, d := range docs {
		drop, err := s.Sequence(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		if drop != nil {
			fmt.Fprintf(&drops, "%s %s %s\n", d.ID, drop.Reason, drop.Detail)
		}
	}
	report, err := json.Marshal(s.Stats())
	if err != nil {
		t.Fatal(err)
	}
	return drops.String(), string(report)
}

// TestStashRoundTrip: every result of the corpus mix reads back equal (into
// a pooled result left dirty), and Sequence over the decoded results gives
// the drops and report the originals give.
func TestStashRoundTrip(t *testing.T) {
	docs := corpusMix()
	a, orig := processAll(t, docs)
	b := stage(t, func(c *Config) { c.Language.Languages = []string{"en"} })
	dec := make([]any, len(orig))
	var lang, failed, over int
	for i, x := range orig {
		r := x.(*result)
		enc, err := a.AppendStash(nil, r)
		if err != nil {
			t.Fatal(err)
		}
		dirty := &result{fail: 3, detail: "dirty", langRan: true, lang: "xx", conf: 9}
		for c := range numChecks {
			dirty.value[c], dirty.applied[c], dirty.over[c] = 7, true, true
		}
		b.results.Put(dirty)
		if dec[i], err = b.ReadStash(enc); err != nil {
			t.Fatalf("%s: %v", docs[i].ID, err)
		}
		if got := dec[i].(*result); !reflect.DeepEqual(*got, *r) {
			t.Fatalf("%s: read back %+v, want %+v", docs[i].ID, *got, *r)
		}
		if r.langRan && r.lang != "" && r.conf > 0 {
			lang++
		}
		if r.fail >= 0 && r.detail != "" {
			failed++
		}
		for c := range numChecks {
			if r.over[c] && c != r.fail {
				over++ // over, not the drop's check
			}
		}
	}
	if lang == 0 || failed == 0 || over == 0 {
		t.Fatalf("the corpus does not exercise the stash: %d with a language, %d failed, %d partly over", lang, failed, over)
	}
	drops1, report1 := sequenceAll(t, a, withStashes(docs, orig))
	drops2, report2 := sequenceAll(t, b, withStashes(docs, dec))
	if drops1 == "" || drops1 != drops2 || report1 != report2 {
		t.Errorf("decoded stashes give other drops or stats:\n%s\n%s\nvs\n%s\n%s", drops1, report1, drops2, report2)
	}
}

// TestStashBadBytes: every truncation, a byte left over, an out-of-range
// field and a wrong stash type are errors; a flipped byte never panics,
// neither in ReadStash nor in Sequence.
func TestStashBadBytes(t *testing.T) {
	docs := corpusMix()[:40]
	s, stashes := processAll(t, docs)
	scratch := stage(t, nil)
	for i, x := range stashes {
		enc, err := s.AppendStash(nil, x)
		if err != nil {
			t.Fatal(err)
		}
		stashtest.Damaged(t, s, enc, docs[i].ID)
		for n := range len(enc) {
			flipped := append([]byte(nil), enc...)
			flipped[n] ^= 0xa5
			if r, err := s.ReadStash(flipped); err == nil {
				d := &schemas.Document{ID: "x", Stash: r}
				if _, err := scratch.Sequence(context.Background(), d); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	bad := &result{fail: numChecks}
	if enc, err := s.AppendStash(nil, bad); err != nil {
		t.Fatal(err)
	} else if _, err := s.ReadStash(enc); err == nil {
		t.Error("fail out of range read without an error")
	}
	if _, err := s.ReadStash(binary.AppendUvarint(nil, 1<<numChecks)); err == nil {
		t.Error("a mask out of range read without an error")
	}
	for _, x := range []any{true, result{}, (*result)(nil)} {
		if _, err := s.AppendStash(nil, x); err == nil {
			t.Errorf("AppendStash(%T) gave no error", x)
		}
	}
}
