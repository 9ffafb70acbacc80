package tokenizer

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	tiktoken "github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"
)

func offlineLoader() tiktoken.BpeLoader { return tiktoken_loader.NewOfflineLoader() }

// refIDs returns tiktoken-go's ids for text, encoded as ordinary text.
func refIDs(tb testing.TB, enc, text string) []int {
	return tiktokenGo(tb, enc).EncodeOrdinary(text)
}

// comparableText reports whether tiktoken-go is a faithful reference for
// text: it replaces invalid UTF-8 byte by byte, unlike the reference.
func comparableText(text string) bool {
	return utf8.ValidString(text)
}

// TestMatchesTiktokenGo checks ids against tiktoken-go on inputs that
// exercise each branch of the hand-written split functions.
func TestMatchesTiktokenGo(t *testing.T) {
	texts := []string{
		"Hello, world! It's a test.",
		"  multiple   spaces\tand\ttabs \n\n trailing  ",
		"CamelCaseWords and ALLCAPS and mIxEd",
		"don't won't I'd we'll you've they're she's 'tis",
		"x\r\n\r\n  \r\ny",
		"prices: $1,234.56 (approx.) -- 50% off!!!",
		"emoji 🤖🚀 and ZWJ 👩‍💻",
		"Übergrößenträger straße ÆØÅ æøå",
		"日本語と English の混在テキスト123",
		"\u0301\u0302 marks \u0301x ' \u0301",
		"a\u00a0\u00a0b \u2003\u2003c",
		"//comment\n/* block */\n#!/bin/sh\n",
		"'",
		" ",
		"\n",
		"a'",
		"'S'T'RE'VE'M'LL'D",
	}
	// p50k_base and r50k_base are checked against npm tiktoken only
	// (TestReferenceEdgeCases): building tiktoken-go's encoders is slow.
	for _, enc := range []string{CL100KBase, O200KBase} {
		tok := mustGet(t, enc)
		for _, text := range texts {
			if got, want := tok.Encode(text), refIDs(t, enc, text); !slices.Equal(got, want) {
				t.Errorf("%s Encode(%q)\n got %v\nwant %v", enc, text, got, want)
			}
		}
	}
}

// TestLongRuns checks the tree merge (pieces over shortPiece bytes) against
// tiktoken-go on runs up to 3 KB, where tiktoken-go is still fast enough.
func TestLongRuns(t *testing.T) {
	units := []string{"a", " ", "7", "\n", "ab", "abc ", "字", "Ab", "\t ", "!", "é"}
	lengths := []int{127, 128, 129, 200, 1000, 2500}
	if raceEnabled {
		lengths = lengths[:5] // tiktoken-go is quadratic, and slow under -race
	}
	for _, enc := range []string{CL100KBase, O200KBase} {
		tok := mustGet(t, enc)
		for _, u := range units {
			for _, n := range lengths {
				text := strings.Repeat(u, n/len(u)+1)[:n/len(u)*len(u)]
				got, want := tok.Encode(text), refIDs(t, enc, text)
				if !slices.Equal(got, want) {
					t.Errorf("%s %d bytes of %q: got %d ids, want %d (first diff at %d)",
						enc, len(text), u, len(got), len(want), firstDiff(got, want))
				}
			}
		}
	}
}

// TestMegabyteRuns proves the worst case is not quadratic: 1 MB runs of one
// character finish (about 0.2 s each on one core; timing is not asserted),
// Count agrees with Encode, and the ids decode to the input. Their exactness
// rests on TestLongRuns and TestTreeMatchesScan: the same code on shorter runs.
func TestMegabyteRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("megabyte runs skipped in -short mode")
	}
	size := 1 << 20
	if raceEnabled {
		size = 1 << 17 // same code paths; the race detector slows them tenfold
	}
	for _, enc := range []string{CL100KBase, O200KBase} {
		tok := mustGet(t, enc)
		for _, u := range []string{"a", " ", "7", "\n", "字"} {
			text := strings.Repeat(u, size/len(u))
			ids := tok.Encode(text)
			if len(ids) == 0 || len(ids) != tok.Count(text) {
				t.Errorf("%s 1 MB of %q: %d ids, Count %d", enc, u, len(ids), tok.Count(text))
			}
			if got, err := tok.Decode(ids); err != nil || got != text {
				t.Errorf("%s 1 MB of %q: ids do not decode to the input (%v)", enc, u, err)
			}
		}
	}
}

// TestTreeMatchesScan cross-checks the two merge algorithms on every piece
// length up to shortPiece bytes, where both apply.
func TestTreeMatchesScan(t *testing.T) {
	tok := mustGet(t, CL100KBase)
	for _, u := range []string{"a", "ab", "xyz", "0", "é", " ", "qwertyuiop"} {
		for n := 1; n <= shortPiece; n++ {
			piece := strings.Repeat(u, n)[:n]
			if !utf8.ValidString(piece) {
				continue
			}
			var starts [shortPiece + 1]int32
			m := tok.mergeShort(piece, &starts)
			var scan []int
			for k := range m {
				scan = append(scan, int(tok.rank(piece[starts[k]:starts[k+1]])))
			}
			if tree := tok.mergeLong(nil, piece); !slices.Equal(scan, tree) {
				t.Errorf("%q: scan %v, tree %v", piece, scan, tree)
			}
		}
	}
}

func firstDiff(a, b []int) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// FuzzMatchesTiktokenGo compares ids with tiktoken-go on valid UTF-8 inputs
// of up to 2 KB (tiktoken-go is quadratic on long runs).
func FuzzMatchesTiktokenGo(f *testing.F) {
	for _, s := range []string{
		"Hello world", "I'M DON'T", "a\n  \nb", "日本語 テキスト", "👨‍👩‍👧 ok", "x\u0301y",
		"12345 6789", "  !!\n//", "<|endoftext|>", "HTTPServer's", "\t\r\n \u3000",
	} {
		f.Add(s)
	}
	cl, o2 := mustGet(f, CL100KBase), mustGet(f, O200KBase)
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 2048 || !comparableText(text) {
			t.Skip()
		}
		for _, tok := range []*Tokenizer{cl, o2} {
			got, want := tok.Encode(text), refIDs(t, tok.Name(), text)
			if !slices.Equal(got, want) {
				t.Fatalf("%s Encode(%q)\n got %v\nwant %v", tok.Name(), text, got, want)
			}
			if n := tok.Count(text); n != len(want) {
				t.Fatalf("%s Count(%q) = %d, want %d", tok.Name(), text, n, len(want))
			}
		}
	})
}

// FuzzRoundTrip checks, for any bytes and every encoding, that encoding
// terminates, that Count agrees with Encode and that the ids decode to the
// input (after the documented replacement of invalid UTF-8).
func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{"Hello world", "a\xffb\xe2\x82", "  \n\n\t x", "字字字", "I'ſ", "9999999"} {
		f.Add(s)
	}
	var toks []*Tokenizer
	for _, enc := range []string{CL100KBase, O200KBase, P50KBase, R50KBase} {
		toks = append(toks, mustGet(f, enc))
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, tok := range toks {
			ids := tok.Encode(text)
			if n := tok.Count(text); n != len(ids) {
				t.Fatalf("%s Count(%q) = %d, len(Encode) = %d", tok.Name(), text, n, len(ids))
			}
			if got, err := tok.Decode(ids); err != nil || got != validUTF8(text) {
				t.Fatalf("%s: Decode(Encode(%q)) = %q, %v", tok.Name(), text, got, err)
			}
		}
	})
}
