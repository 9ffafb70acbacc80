package pipeline

import (
	"sort"

	"github.com/tuneprep/tuneprep/schemas"
)

// emitted tallies the records that left the pipeline alive, by split and by
// label, in the sink (one goroutine). Token lengths are kept as a count per
// distinct length, so memory grows with the distinct lengths and labels,
// not with the records.
type emitted struct {
	splits map[string]*splitTally
	labels map[string]int64 // label -> examples, over all splits
}

type splitTally struct {
	examples int64
	encoding string
	counted  int64         // examples with token counts
	total    int64         // their tokens
	lengths  map[int]int64 // tokens -> examples
	labels   map[string]struct{}
}

func (e *emitted) add(d *schemas.Document) {
	if e.splits == nil {
		e.splits, e.labels = map[string]*splitTally{}, map[string]int64{}
	}
	t := e.splits[d.Split]
	if t == nil {
		t = &splitTally{lengths: map[int]int64{}, labels: map[string]struct{}{}}
		e.splits[d.Split] = t
	}
	t.examples++
	t.labels[d.Label] = struct{}{}
	e.labels[d.Label]++
	if tc := d.Tokens; tc != nil {
		if t.encoding == "" {
			t.encoding = tc.Encoding
		}
		t.counted++
		t.total += int64(tc.Total)
		t.lengths[tc.Total]++
	}
}

// splitOrder is the order of the known splits in the manifest; other
// names follow, sorted.
var splitOrder = map[string]int{"train": 0, "validation": 1, "test": 2, "bank": 3}

// summaries are the manifest's splits.
func (e *emitted) summaries() []schemas.SplitSummary {
	out := []schemas.SplitSummary{}
	if e == nil {
		return out
	}
	names := make([]string, 0, len(e.splits))
	for n := range e.splits {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		oi, ki := splitOrder[names[i]]
		oj, kj := splitOrder[names[j]]
		switch {
		case ki && kj:
			return oi < oj
		case ki != kj:
			return ki
		}
		return names[i] < names[j]
	})
	for _, n := range names {
		t := e.splits[n]
		s := schemas.SplitSummary{Split: n, Examples: t.examples, Labels: len(t.labels)}
		if t.counted > 0 {
			s.Tokens = t.tokenSummary()
		}
		out = append(out, s)
	}
	return out
}

// tokenSummary computes exact percentiles (lower nearest rank: the length
// at index (N-1)*p/100 of the sorted lengths, as the tokens report has
// them) and the power-of-two histogram, from 16 tokens up to the bin that
// holds the longest example.
func (t *splitTally) tokenSummary() *schemas.TokenSummary {
	lengths := make([]int, 0, len(t.lengths))
	for x := range t.lengths {
		lengths = append(lengths, x)
	}
	sort.Ints(lengths)
	at := func(p int64) int {
		rank := (t.counted - 1) * p / 100
		var seen int64
		for _, x := range lengths {
			if seen += t.lengths[x]; seen > rank {
				return x
			}
		}
		return lengths[len(lengths)-1]
	}
	s := &schemas.TokenSummary{Encoding: t.encoding, Total: t.total, Min: lengths[0], P50: at(50), P95: at(95),
		Max: lengths[len(lengths)-1], Mean: int(t.total / t.counted)}
	i := 0
	for upTo := 16; ; upTo *= 2 {
		bin := schemas.LengthBin{UpTo: upTo}
		for ; i < len(lengths) && lengths[i] <= upTo; i++ {
			bin.Examples += t.lengths[lengths[i]]
		}
		s.Histogram = append(s.Histogram, bin)
		if i == len(lengths) {
			return s
		}
	}
}
