package redact

import (
	"encoding/json"
	"io"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline/stashtest"
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
	seeds := stashtest.Seeds(f, s, stashDocs())
	stashtest.Fuzz(f, s, stashtest.SequenceTakes(func(t *testing.T) stashtest.Sequencer {
		st, err := New(cfg, env)
		if err != nil {
			t.Fatal(err)
		}
		st.enc = json.NewEncoder(io.Discard)
		return st
	}), seeds...)
}
