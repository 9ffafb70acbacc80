package filter

import (
	"context"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline/stashtest"
	"github.com/tuneprep/tuneprep/schemas"
)

// FuzzReadStash: no bytes make ReadStash panic; a Stash it reads writes
// and reads back the same (see stashtest.Fuzz), and Sequence takes it.
func FuzzReadStash(f *testing.F) {
	s := new(Stage) // the codec and Sequence need no configuration
	stashtest.Fuzz(f, s, func(t *testing.T, stash any) {
		if _, err := s.Sequence(context.Background(), &schemas.Document{ID: "x", Stash: stash}); err != nil {
			t.Fatal(err)
		}
	}, []byte{0}, []byte{1})
}
