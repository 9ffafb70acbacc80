// Package lengthdist summarises a stream of lengths (tokens per example,
// messages per example) exactly, in memory that grows with the number of
// distinct lengths rather than the number of examples: a million examples
// of at most 16k tokens keep at most 16k counters.
package lengthdist

import (
	"fmt"
	"slices"
)

// Dist is the distribution of the lengths added so far. The zero value is
// empty and ready to use. It is not safe for concurrent use.
type Dist struct {
	counts map[int]int64 // length -> examples; looked up, never iterated into output
	n, sum int64
	sorted []int // distinct lengths ascending; rebuilt after Add
}

// Add records one length.
func (d *Dist) Add(x int) {
	if d.counts == nil {
		d.counts = map[int]int64{}
	}
	if d.counts[x] == 0 {
		d.sorted = nil
	}
	d.counts[x]++
	d.n++
	d.sum += int64(x)
}

// N returns the number of lengths added.
func (d *Dist) N() int64 { return d.n }

// Sum returns the sum of the lengths added.
func (d *Dist) Sum() int64 { return d.sum }

// values returns the distinct lengths in ascending order. Sorting costs
// O(k log k) for k distinct lengths, once after a run of Adds.
func (d *Dist) values() []int {
	if d.sorted == nil && d.n > 0 {
		d.sorted = make([]int, 0, len(d.counts))
		for x := range d.counts {
			d.sorted = append(d.sorted, x)
		}
		slices.Sort(d.sorted)
	}
	return d.sorted
}

// Min returns the smallest length, 0 when empty.
func (d *Dist) Min() int {
	if v := d.values(); len(v) > 0 {
		return v[0]
	}
	return 0
}

// Max returns the largest length, 0 when empty.
func (d *Dist) Max() int {
	if v := d.values(); len(v) > 0 {
		return v[len(v)-1]
	}
	return 0
}

// Mean returns the mean length rounded toward zero, 0 when empty.
func (d *Dist) Mean() int {
	if d.n == 0 {
		return 0
	}
	return int(d.sum / d.n)
}

// Percentile returns the p-th percentile (0 <= p <= 100) by the lower
// nearest rank: the length at index (N-1)*p/100 of the sorted lengths, as
// sorted[(len-1)*p/100] would give. It is 0 when empty.
func (d *Dist) Percentile(p int) int {
	if d.n == 0 {
		return 0
	}
	rank := (d.n - 1) * int64(p) / 100
	var seen int64
	for _, x := range d.values() {
		if seen += d.counts[x]; seen > rank {
			return x
		}
	}
	return d.Max()
}

// AtMost returns how many lengths are at most x.
func (d *Dist) AtMost(x int) int64 {
	var n int64
	for _, v := range d.values() {
		if v > x {
			break
		}
		n += d.counts[v]
	}
	return n
}

// Summary returns min, p50, p90, p95, p99, max and mean (see Percentile and
// Mean) by those names; an empty map when nothing was added. It is what the
// tokens report and `tuneprep validate` print per example.
func (d *Dist) Summary() map[string]int {
	s := map[string]int{}
	if d.n == 0 {
		return s
	}
	s["min"], s["max"], s["mean"] = d.Min(), d.Max(), d.Mean()
	for _, p := range []int{50, 90, 95, 99} {
		s[fmt.Sprintf("p%d", p)] = d.Percentile(p)
	}
	return s
}
