package stashtest

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

// Codec is the half of a pipeline.StashCodec that reads and the half that
// writes.
type Codec interface {
	Reader
	AppendStash(dst []byte, stash any) ([]byte, error)
}

// Fuzz runs a fuzz target of c: whatever the bytes, ReadStash returns an
// error or a Stash, never a panic or a nil Stash; a Stash it returns
// encodes; that encoding reads back and encodes to the same bytes (the
// bytes read may differ from it: a varint may be written longer than
// needed). seeds are encodings of real Stashes; use, when set, is called on
// every Stash read, to check that the stage can take it (its Sequence,
// say).
func Fuzz(f *testing.F, c Codec, use func(t *testing.T, stash any), seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s)
		if len(s) > 0 {
			f.Add(s[:len(s)-1])
		}
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		stash, err := c.ReadStash(b)
		if err != nil {
			return
		}
		if stash == nil {
			t.Fatalf("% x: no error and no Stash", b)
		}
		enc, err := c.AppendStash(nil, stash)
		if err != nil {
			t.Fatalf("% x read as %#v, which does not encode: %v", b, stash, err)
		}
		again, err := c.ReadStash(enc)
		if err != nil {
			t.Fatalf("% x read as %#v, encoded as % x, which does not read: %v", b, stash, enc, err)
		}
		enc2, err := c.AppendStash(nil, again)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("% x read as %#v, encoded as % x, read as %#v, encoded as % x (%v)", b, stash, enc, again, enc2, err)
		}
		if use != nil {
			use(t, stash)
		}
	})
}

// Processor is a stage whose Process leaves a Stash that it encodes.
type Processor interface {
	Codec
	Process(ctx context.Context, d *schemas.Document) (*schemas.Drop, error)
}

// Seeds runs p's Process on each of docs and returns the encodings of the
// Stashes it left: seeds for Fuzz.
func Seeds(tb testing.TB, p Processor, docs []*schemas.Document) [][]byte {
	tb.Helper()
	var seeds [][]byte
	for _, d := range docs {
		if _, err := p.Process(context.Background(), d); err != nil {
			tb.Fatal(err)
		}
		enc, err := p.AppendStash(nil, d.Stash)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, enc)
	}
	return seeds
}

// Sequencer is a stage that takes a Stash in Sequence and reports on what
// it took.
type Sequencer interface {
	Sequence(ctx context.Context, d *schemas.Document) (*schemas.Drop, error)
	Stats() any
}

// SequenceTakes is a use for Fuzz: a fresh stage from fresh takes the
// Stash in Sequence, and its statistics still marshal.
func SequenceTakes(fresh func(t *testing.T) Sequencer) func(t *testing.T, stash any) {
	return func(t *testing.T, stash any) {
		st := fresh(t)
		if _, err := st.Sequence(context.Background(), &schemas.Document{ID: "x", Stash: stash}); err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(st.Stats()); err != nil {
			t.Fatal(err)
		}
	}
}
