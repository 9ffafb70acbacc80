package lengthdist

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// sortedSummary is the definition Dist must match: sort every length, index.
func sortedSummary(xs []int) map[string]int {
	d := map[string]int{}
	if len(xs) == 0 {
		return d
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	sum := 0
	for _, x := range s {
		sum += x
	}
	d["min"], d["max"], d["mean"] = s[0], s[len(s)-1], sum/len(s)
	for _, p := range []int{50, 90, 95, 99} {
		d[fmt.Sprintf("p%d", p)] = s[(len(s)-1)*p/100]
	}
	return d
}

func TestSummaryMatchesSorting(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 10, 99, 100, 101, 1000, 5000} {
		for _, spread := range []int{1, 7, 300, 100000} {
			var d Dist
			xs := make([]int, n)
			for i := range xs {
				xs[i] = rng.IntN(spread) + rng.IntN(3)*rng.IntN(spread)
				d.Add(xs[i])
				if i == n/2 {
					d.Summary() // a summary in the middle must not go stale
				}
			}
			if got, want := d.Summary(), sortedSummary(xs); !maps.Equal(got, want) {
				t.Errorf("n=%d spread=%d: %v, want %v", n, spread, got, want)
			}
			if d.N() != int64(n) {
				t.Errorf("N = %d, want %d", d.N(), n)
			}
		}
	}
}

func TestAtMostAndEmpty(t *testing.T) {
	var d Dist
	if d.Min() != 0 || d.Max() != 0 || d.Mean() != 0 || d.Percentile(50) != 0 || d.AtMost(10) != 0 || len(d.Summary()) != 0 {
		t.Errorf("empty: %v", d.Summary())
	}
	for _, x := range []int{5, 1, 5, 9, 3, 5} {
		d.Add(x)
	}
	for _, c := range []struct {
		x    int
		want int64
	}{{0, 0}, {1, 1}, {4, 2}, {5, 5}, {8, 5}, {9, 6}, {100, 6}} {
		if got := d.AtMost(c.x); got != c.want {
			t.Errorf("AtMost(%d) = %d, want %d", c.x, got, c.want)
		}
	}
	if d.Sum() != 28 || d.Percentile(0) != 1 || d.Percentile(100) != 9 {
		t.Errorf("sum %d p0 %d p100 %d", d.Sum(), d.Percentile(0), d.Percentile(100))
	}
}

// TestMemoryByDistinctLengths: a million examples of few distinct lengths
// keep one counter per length.
func TestMemoryByDistinctLengths(t *testing.T) {
	var d Dist
	for i := range 1_000_000 {
		d.Add(i % 1000)
	}
	if len(d.counts) != 1000 || d.Percentile(50) != 499 {
		t.Errorf("%d counters, p50 %d", len(d.counts), d.Percentile(50))
	}
}

func BenchmarkAdd(b *testing.B) {
	var d Dist
	i := 0
	for b.Loop() {
		d.Add(i & 4095)
		i++
	}
}
