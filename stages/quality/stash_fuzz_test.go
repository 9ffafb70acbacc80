package quality

import (
	"testing"

	"github.com/tuneprep/tuneprep/pipeline/stashtest"
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
	seeds := stashtest.Seeds(f, s, corpusMix()[:30])
	stashtest.Fuzz(f, s, stashtest.SequenceTakes(func(t *testing.T) stashtest.Sequencer {
		st, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}), seeds...)
}
