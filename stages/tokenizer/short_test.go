package tokenizer

import (
	"testing"

	"github.com/tuneprep/tuneprep/stages/shortkey"
)

// The flat tables agree with the vocabulary on every token of at most 16
// bytes, and on pieces that are not tokens: a token with a zero byte or
// another byte appended or cut off (keys are zero-padded, so a length mix-up
// would show there). Longer tokens come from the map.
func TestShortTableAgreesWithVocabulary(t *testing.T) {
	for _, enc := range []string{CL100KBase, O200KBase, R50KBase} {
		tok, err := Get(enc)
		if err != nil {
			t.Fatal(err)
		}
		vocab := map[string]uint32{}
		for r, piece := range tok.tokens {
			if piece != "" {
				vocab[piece] = uint32(r)
			}
		}
		checked, absent := 0, 0
		for piece, r := range vocab {
			if len(piece) > shortkey.WideMax {
				if got := tok.rank(piece); got != r {
					t.Fatalf("%s: rank(%q) = %d, want %d", enc, piece, got, r)
				}
				continue
			}
			if got := tok.rank(piece); got != r {
				t.Fatalf("%s: rank(%q) = %d, want %d", enc, piece, got, r)
			}
			checked++
			for _, other := range []string{piece + "\x00", piece + "q", piece[:len(piece)-1], "\x00" + piece} {
				if len(other) == 0 || len(other) > shortkey.WideMax {
					continue
				}
				want, ok := vocab[other]
				if !ok {
					want = noRank
					absent++
				}
				if got := tok.rank(other); got != want {
					t.Fatalf("%s: rank(%q) = %d, want %d", enc, other, got, want)
				}
			}
		}
		if checked < 30000 || absent < 10000 {
			t.Fatalf("%s: checked %d tokens and %d absent pieces: vocabulary not loaded?", enc, checked, absent)
		}
	}
}
