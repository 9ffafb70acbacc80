package minhash

import (
	"slices"
	"testing"
)

// FuzzShingleSign feeds arbitrary bytes through every shingle mode and the
// signer: no panic, deterministic results, the documented shingle count, and
// a signature exactly when there are shingles.
func FuzzShingleSign(f *testing.F) {
	for _, s := range []string{"", "a", "one two three", "Größe naïve café 東京 42", "\xff\xfe\x00 a b c", "x,y;z!w", "\u0301\u0301 a"} {
		f.Add(s)
	}
	cfgs := []Config{
		{NumPerm: 16},
		{NumPerm: 16, Shingle: ShingleConfig{N: 1, KeepPunct: true, CaseSensitive: true}},
		{NumPerm: 16, Shingle: ShingleConfig{Kind: Chars, N: 3, FoldDigits: true}},
		{NumPerm: 16, Shingle: ShingleConfig{Kind: Chars, N: 2, KeepPunct: true}},
	}
	hashers := make([]*MinHasher, len(cfgs))
	for i, c := range cfgs {
		hashers[i] = mustMinHasher(f, c)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, mh := range hashers {
			sh := mh.Shingler()
			a := sh.appendShingles(nil, text)
			b := sh.appendShingles(make([]uint64, 0, 1), text)
			if !slices.Equal(a, b) {
				t.Fatalf("Append not deterministic for %q", text)
			}
			set := sh.AppendSet(nil, text)
			if !slices.IsSorted(set) || len(slices.Compact(slices.Clone(set))) != len(set) || len(set) > len(a) {
				t.Fatalf("AppendSet(%q) not a sorted distinct subset", text)
			}
			sig, n := mh.Sign(text)
			sig2, _ := mh.Sign(text)
			if n != len(a) || (n == 0) != (sig == nil) || !slices.Equal(sig, sig2) {
				t.Fatalf("Sign(%q): n=%d shingles=%d sig=%v", text, n, len(a), sig)
			}
			if n > 0 && Similarity(sig, mh.appendSignature(nil, set)) != 1 {
				t.Fatalf("signature of the set differs for %q", text)
			}
		}
	})
}
