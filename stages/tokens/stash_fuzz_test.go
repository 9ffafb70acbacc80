package tokens

import (
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
	var docs []*schemas.Document
	for _, ex := range []*schemas.Example{
		{Kind: schemas.KindChat, Messages: []schemas.Message{{Role: "system", Content: "You are terse."},
			{Role: "user", Content: "Name three colours."}, {Role: "assistant", Content: "Red, green, blue."}}},
		{Kind: schemas.KindCompletion, Prompt: "2+2=", Completion: "4"},
		{Kind: schemas.KindText, Text: ""},
	} {
		docs = append(docs, &schemas.Document{Example: ex})
	}
	stashtest.Fuzz(f, s, stashtest.SequenceTakes(func(*testing.T) stashtest.Sequencer { return New(r) }), stashtest.Seeds(f, s, docs)...)
}
