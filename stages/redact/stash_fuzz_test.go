package redact

import (
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline/stashtest"
	"github.com/tuneprep/tuneprep/schemas"
)

// FuzzReadStash: no bytes make ReadStash panic; a found it reads writes
// and reads back the same (see stashtest.Fuzz), and a stage takes it:
// Sequence, the audit line and the report.
func FuzzReadStash(f *testing.F) {
	cfg := stashConfigs()["tag"]
	s, err := New(cfg, env)
	if err != nil {
		f.Fatal(err)
	}
	var seeds [][]byte
	for _, d := range stashDocs() {
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
		st, err := New(cfg, env)
		if err != nil {
			t.Fatal(err)
		}
		st.enc = json.NewEncoder(io.Discard)
		if _, err := st.Sequence(context.Background(), &schemas.Document{ID: "x", Stash: stash}); err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(st.Stats()); err != nil {
			t.Fatal(err)
		}
	}, seeds...)
}
