package minhash

import (
	"slices"
	"strings"
	"testing"
)

func mustShingler(t testing.TB, cfg ShingleConfig) *Shingler {
	t.Helper()
	s, err := newShingler(cfg)
	if err != nil {
		t.Fatalf("newShingler(%+v): %v", cfg, err)
	}
	return s
}

func TestShingleCounts(t *testing.T) {
	tests := []struct {
		name string
		cfg  ShingleConfig
		text string
		want int // shingles with repeats
	}{
		{"empty", ShingleConfig{}, "", 0},
		{"fewer words than n", ShingleConfig{}, "two words", 0},
		{"exactly n words", ShingleConfig{}, "one two three", 1},
		{"punctuation separates", ShingleConfig{}, "one,two;three!four", 2},
		{"punctuation tokens kept", ShingleConfig{KeepPunct: true}, "one, two", 1},
		{"unicode letters", ShingleConfig{N: 2}, "Größe naïve café 東京", 3},
		{"apostrophe splits", ShingleConfig{N: 1}, "don't", 2},
		{"digits are word runes", ShingleConfig{N: 1}, "5.1 and 10", 4},
		{"five-grams", ShingleConfig{N: 5}, "a b c d e f g", 3},
		{"chars", ShingleConfig{Kind: Chars, N: 3}, "abcd", 2},
		{"chars fold separators", ShingleConfig{Kind: Chars, N: 3}, "  ab,  -- cd  ", 3}, // "ab cd"
		{"chars keep punct", ShingleConfig{Kind: Chars, N: 3, KeepPunct: true}, "ab,cd", 3},
		{"chars fewer runes", ShingleConfig{Kind: Chars, N: 24}, "short", 0},
		{"invalid utf8 is a separator symbol", ShingleConfig{N: 1}, "a\xffb", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustShingler(t, tt.cfg).appendShingles(nil, tt.text)
			if len(got) != tt.want {
				t.Errorf("Append(%q) gave %d shingles, want %d", tt.text, len(got), tt.want)
			}
		})
	}
}

// TestShingleFolding checks which texts must hash to the same shingle set.
func TestShingleFolding(t *testing.T) {
	tests := []struct {
		name  string
		cfg   ShingleConfig
		a, b  string
		equal bool
	}{
		{"case folded", ShingleConfig{}, "The Quick Brown Fox", "the quick brown fox", true},
		{"case kept", ShingleConfig{CaseSensitive: true}, "The Quick Brown Fox", "the quick brown fox", false},
		{"unicode case folded", ShingleConfig{N: 1}, "ÉTÉ ΣΟΦΙΑ", "été σοφια", true},
		{"punctuation ignored", ShingleConfig{}, "one, two. three", "one two three", true},
		{"punctuation kept", ShingleConfig{KeepPunct: true}, "one, two. three", "one two three", false},
		{"whitespace ignored", ShingleConfig{}, "one\n\ttwo   three", "one two three", true},
		{"digits kept", ShingleConfig{}, "dose 10 mg daily", "dose 20 mg daily", false},
		{"digits folded", ShingleConfig{FoldDigits: true}, "dose 10 mg daily", "dose 20 mg daily", true},
		{"word order matters", ShingleConfig{}, "one two three", "three two one", false},
		{"chars whitespace folded", ShingleConfig{Kind: Chars, N: 4}, "ab  cd\nef", "ab cd ef", true},
		{"chars punct folded", ShingleConfig{Kind: Chars, N: 4}, "ab, cd!", "ab cd", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustShingler(t, tt.cfg)
			a, b := s.AppendSet(nil, tt.a), s.AppendSet(nil, tt.b)
			if got := slices.Equal(a, b); got != tt.equal {
				t.Errorf("sets of %q and %q equal=%v, want %v", tt.a, tt.b, got, tt.equal)
			}
		})
	}
	a := mustShingler(t, ShingleConfig{}).appendShingles(nil, "one two three")
	b := mustShingler(t, ShingleConfig{Seed: 1}).appendShingles(nil, "one two three")
	if slices.Equal(a, b) {
		t.Error("different seeds gave the same shingle hashes")
	}
}

func TestShingleAppendKeepsPrefix(t *testing.T) {
	s := mustShingler(t, ShingleConfig{Kind: Chars, N: 2})
	dst := []uint64{7, 8}
	got := s.appendShingles(dst, "  ab cd")
	want := s.appendShingles(nil, "ab cd")
	if !slices.Equal(got[:2], []uint64{7, 8}) || !slices.Equal(got[2:], want) {
		t.Errorf("Append onto a prefix: got %v, want [7 8]+%v", got, want)
	}
	set := s.AppendSet([]uint64{9}, "ab ab ab")
	if len(set) != 1+3 || set[0] != 9 || !slices.IsSorted(set[1:]) {
		t.Errorf("AppendSet: got %v, want 9 then 3 sorted distinct hashes", set)
	}
}

// TestDistinctIsTheSet checks appendDistinct against AppendSet: the same
// hashes, each once, in the order of first occurrence, on texts with
// repeats, on hash 0, and with the table reused from a larger call.
func TestDistinctIsTheSet(t *testing.T) {
	s := mustShingler(t, ShingleConfig{N: 2})
	var tab distinctTable
	for _, text := range []string{
		strings.Repeat("the cat sat on the mat and the cat sat down ", 40),
		"", "one", "a b", "a b a b a b", "x y z",
	} {
		got := s.appendDistinct([]uint64{9}, text, &tab)
		want := s.AppendSet(nil, text)
		if got[0] != 9 || !slices.Equal(slices.Sorted(slices.Values(got[1:])), want) {
			t.Errorf("%.20q: appendDistinct gave %d hashes, AppendSet %d distinct", text, len(got)-1, len(want))
		}
		all := s.appendShingles(nil, text)
		for i, j := 0, 0; i < len(all); i++ {
			if !slices.Contains(all[:i], all[i]) {
				if got[1+j] != all[i] {
					t.Errorf("%.20q: distinct hash %d is %x, first occurrence order says %x", text, j, got[1+j], all[i])
				}
				j++
			}
		}
	}
	hs := []uint64{5, 0, 5, 1 << 63, 0, 1 << 63, 7}
	if n := tab.compact(hs); !slices.Equal(hs[:n], []uint64{5, 0, 1 << 63, 7}) {
		t.Errorf("compact with zeros: got %v, want [5 0 %d 7]", hs[:n], uint64(1<<63))
	}
}

func TestShingleNoAllocs(t *testing.T) {
	s := mustShingler(t, ShingleConfig{})
	text := strings.Repeat("Größe, naïve café — the quick brown fox 42. ", 50)
	buf := make([]uint64, 0, 4096)
	allocs := testing.AllocsPerRun(20, func() { buf = s.appendShingles(buf[:0], text) })
	if allocs != 0 {
		t.Errorf("Append with a large enough buffer: %v allocations, want 0", allocs)
	}
}

func TestNewShinglerValidation(t *testing.T) {
	bad := []ShingleConfig{{Kind: 7}, {N: -1}, {N: maxN + 1}}
	for _, cfg := range bad {
		if _, err := newShingler(cfg); err == nil {
			t.Errorf("newShingler(%+v): no error", cfg)
		}
	}
	if got := mustShingler(t, ShingleConfig{Kind: Chars}).Config().N; got != defaultCharN {
		t.Errorf("chars default n = %d, want %d", got, defaultCharN)
	}
	if got := mustShingler(t, ShingleConfig{}).Config().N; got != DefaultWordN {
		t.Errorf("words default n = %d, want %d", got, DefaultWordN)
	}
}
