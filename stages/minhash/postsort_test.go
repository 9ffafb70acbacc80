package minhash

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortPostings checks the radix sort against a stable sort on uniform
// hashes, on hashes that share their top bytes or are all equal (the
// recursion must reach the last byte and stop), and on short runs.
func TestSortPostings(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	gens := map[string]func(i int) uint64{
		"uniform":    func(int) uint64 { return r.Uint64() },
		"few":        func(int) uint64 { return uint64(r.IntN(7)) << 61 },
		"shared top": func(int) uint64 { return 0xABCDEF<<40 | r.Uint64()>>24 },
		"low bits":   func(int) uint64 { return r.Uint64() & 0x3ff },
		"equal":      func(int) uint64 { return 42 },
	}
	for name, gen := range gens {
		for _, n := range []int{0, 1, 2, insertionRun, insertionRun + 1, 1000, 70_000} {
			p := make([]posting, n)
			for i := range p {
				p[i] = posting{gen(i), uint32(i)}
			}
			want := slices.Clone(p)
			slices.SortStableFunc(want, func(a, b posting) int { return cmp.Compare(a.h, b.h) })
			sortPostings(p)
			if !slices.IsSortedFunc(p, func(a, b posting) int { return cmp.Compare(a.h, b.h) }) {
				t.Errorf("%s, %d postings: not sorted by hash", name, n)
				continue
			}
			// The same postings: sorted by (hash, id), both are want.
			byBoth := func(a, b posting) int { return cmp.Or(cmp.Compare(a.h, b.h), cmp.Compare(a.id, b.id)) }
			slices.SortFunc(p, byBoth)
			slices.SortFunc(want, byBoth)
			if !slices.Equal(p, want) {
				t.Errorf("%s, %d postings: not the postings it was given", name, n)
			}
		}
	}
}

// BenchmarkSortPostings sorts a merge batch of 2M postings (minMerge):
// "radix" as the merge does, "pdq" with slices.SortFunc as it did.
func BenchmarkSortPostings(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	src := make([]posting, minMerge)
	for i := range src {
		src[i] = posting{r.Uint64(), uint32(i / 200)}
	}
	p := make([]posting, len(src))
	for _, way := range []string{"radix", "pdq"} {
		b.Run(way, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				copy(p, src)
				b.StartTimer()
				if way == "radix" {
					sortPostings(p)
				} else {
					slices.SortFunc(p, func(a, b posting) int { return cmp.Compare(a.h, b.h) })
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(p)), "ns/posting")
		})
	}
}
