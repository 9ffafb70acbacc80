package filter

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline/stashtest"
	"github.com/tuneprep/tuneprep/schemas"
)

// TestStashRoundTrip: the Stash of a truncated record reads back as true,
// every truncation and a byte left over are errors, and Sequence over the
// decoded stashes counts what it counts over the originals.
func TestStashRoundTrip(t *testing.T) {
	cfg := Config{MaxTokens: 40, MinTokens: 1, Truncate: true}
	a, b := stage(t, cfg), stage(t, cfg)
	docs := []*schemas.Document{
		doc(a, &schemas.Example{Kind: schemas.KindText, Text: strings.Repeat("héllo wörld ", 40)}), // truncated
		doc(a, chat("question", "a fine answer")),                                                  // kept
		doc(a, chat("q", strings.Repeat("long answer ", 40))),                                      // dropped
		doc(a, chat(strings.Repeat("old question ", 10), strings.Repeat("old answer ", 10), "new question", "new answer")),
	}
	orig, dec := make([]any, len(docs)), make([]any, len(docs))
	for i, d := range docs {
		if _, err := a.Process(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		if orig[i] = d.Stash; d.Stash == nil {
			continue
		}
		enc, err := a.AppendStash(nil, d.Stash)
		if err != nil {
			t.Fatal(err)
		}
		if dec[i], err = b.ReadStash(enc); err != nil || dec[i] != true {
			t.Fatalf("read back %v, %v", dec[i], err)
		}
		stashtest.Damaged(t, b, enc, d.ID)
	}
	var stats [2]string
	stashes := [2][]any{orig, dec}
	for i, s := range []*Stage{a, b} {
		for j, d := range docs {
			d.Stash = stashes[i][j]
			if _, err := s.Sequence(context.Background(), d); err != nil {
				t.Fatal(err)
			}
		}
		st, _ := json.Marshal(s.Stats())
		stats[i] = string(st)
	}
	if !strings.Contains(stats[0], `"truncated":2`) || stats[0] != stats[1] {
		t.Errorf("decoded stashes count otherwise: %s vs %s", stats[0], stats[1])
	}
}

// TestStashBadInput: a wrong stash type and a byte other than 0 or 1 are errors.
func TestStashBadInput(t *testing.T) {
	s := stage(t, Config{})
	for _, x := range []any{"true", 1, &struct{}{}} {
		if _, err := s.AppendStash(nil, x); err == nil {
			t.Errorf("AppendStash(%T) gave no error", x)
		}
	}
	if _, err := s.ReadStash([]byte{2}); err == nil {
		t.Error("byte 2 read without an error")
	}
}
