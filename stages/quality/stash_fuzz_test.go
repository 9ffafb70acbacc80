package quality

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline/stashtest"
	"github.com/tuneprep/tuneprep/schemas"
)

// FuzzReadStash: no bytes make ReadStash panic; a result it reads writes
// and reads back the same (see stashtest.Fuzz), and a stage takes it:
// Sequence and the report.
func FuzzReadStash(f *testing.F) {
	cfg := Defaults()
	cfg.Language.Languages = []string{"en"}
	s, err := New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	var seeds [][]byte
	for _, d := range corpusMix()[:30] {
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
		scratch, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := scratch.Sequence(context.Background(), &schemas.Document{ID: "x", Stash: stash}); err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(scratch.Stats()); err != nil {
			t.Fatal(err)
		}
	}, seeds...)
}
