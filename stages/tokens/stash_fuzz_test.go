package tokens

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline/stashtest"
	"github.com/tuneprep/tuneprep/schemas"
)

// FuzzReadStash: no bytes make ReadStash panic; counts it reads write and
// read back the same (see stashtest.Fuzz), and a stage takes them:
// Sequence and the report (percentiles, histogram, over-limit counts).
func FuzzReadStash(f *testing.F) {
	r, err := Resolve(Config{Model: "gpt-4o-mini"})
	if err != nil {
		f.Fatal(err)
	}
	s := New(r)
	var seeds [][]byte
	for _, ex := range []*schemas.Example{
		{Kind: schemas.KindChat, Messages: []schemas.Message{{Role: "system", Content: "You are terse."},
			{Role: "user", Content: "Name three colours."}, {Role: "assistant", Content: "Red, green, blue."}}},
		{Kind: schemas.KindCompletion, Prompt: "2+2=", Completion: "4"},
		{Kind: schemas.KindText, Text: ""},
	} {
		d := &schemas.Document{Example: ex}
		if _, err := s.Process(context.Background(), d); err != nil {
			f.Fatal(err)
		}
		enc, err := s.AppendStash(nil, d.Stash)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, enc)
	}
	stashtest.Fuzz(f, s, func(t *testing.T, stash any) {
		st := New(r)
		if _, err := st.Sequence(context.Background(), &schemas.Document{ID: "x", Stash: stash}); err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(st.Stats()); err != nil {
			t.Fatal(err)
		}
	}, seeds...)
}
