package split

import (
	"cmp"
	"slices"

	"github.com/tuneprep/tuneprep/stages/keyhash"
)

// exactSplit keeps, until the input ends, one compact entry per group and
// no record: the exact and stable methods hold the records in the engine
// (spilled to disk past Plan.HoldMemory), and find each record's split
// again by its group key when the engine replays it.
//
// A group is known by the 64-bit hash of its key (the key the ledger
// writes): two keys with the same hash would share a split, which at 10
// million groups happens with probability about 3e-6 and costs nothing but
// that.
type exactSplit struct {
	index  map[uint64]int32 // group hash -> position in groups
	groups []group          // in order of first appearance
	// labels interns the labels the groups count by (all "" unstratified).
	labels  map[string]int32
	nLabels int32
	// more holds the label counts of groups with records of several
	// labels, past the first label (rare: a group is usually one record,
	// or the near variants of one).
	more map[int32][]labelCount
}

// group is 32 bytes: a split's worth of state per group, whatever the size
// of its records.
type group struct {
	hash  uint64
	u     float64 // seeded hash: the order in which groups are dealt
	n     int32   // records
	label int32   // the first record's label; its count is n minus more's
	// fixed is the split a ledger of an earlier run gave the group (-1:
	// none); split is the one dealt.
	fixed, split int8
}

type labelCount struct{ label, n int32 }

func newExactSplit() *exactSplit {
	return &exactSplit{index: map[uint64]int32{}, labels: map[string]int32{}, more: map[int32][]labelCount{}}
}

func (e *exactSplit) labelID(l string) int32 {
	id, ok := e.labels[l]
	if !ok {
		id = e.nLabels
		e.labels[l] = id
		e.nLabels++
	}
	return id
}

// add counts a record of the group with key (label "" unstratified).
func (e *exactSplit) add(key string, seed uint64, label string) {
	h := groupHash(key)
	l := e.labelID(label)
	i, ok := e.index[h]
	if !ok {
		e.index[h] = int32(len(e.groups))
		e.groups = append(e.groups, group{hash: h, u: keyhash.Unit(seed, key), n: 1, label: l, fixed: -1})
		return
	}
	g := &e.groups[i]
	g.n++
	if l == g.label {
		return
	}
	extra := e.more[i]
	for j := range extra {
		if extra[j].label == l {
			extra[j].n++
			return
		}
	}
	e.more[i] = append(extra, labelCount{l, 1})
}

// splitOf is the split dealt to the group with key.
func (e *exactSplit) splitOf(key string) string {
	return names[e.groups[e.index[groupHash(key)]].split]
}

// counts lists group i's records per label, the first label first.
func (e *exactSplit) counts(i int32, buf []labelCount) []labelCount {
	g := &e.groups[i]
	first := g.n
	for _, c := range e.more[i] {
		first -= c.n
	}
	return append(append(buf[:0], labelCount{g.label, first}), e.more[i]...)
}

// assign deals the groups to splits: the largest groups first (in
// seeded-hash order among equals), each to the split where its records are
// furthest below their labels' targets, so that the single records dealt
// last even out what the groups left; with enough single records every
// split ends within one record of its share of every label. A group whose
// records carry several labels weighs each label's deficit by its records.
func (e *exactSplit) assign(shares [4]float64) {
	totals := make([]int, e.nLabels)
	filled := make([][4]int, e.nLabels)
	var buf []labelCount
	// Groups an earlier run placed keep their split and count toward the
	// targets; the others are dealt around them.
	var deal []int32
	for i := range e.groups {
		g := &e.groups[i]
		buf = e.counts(int32(i), buf)
		for _, c := range buf {
			totals[c.label] += int(c.n)
		}
		if g.fixed < 0 {
			deal = append(deal, int32(i))
			continue
		}
		g.split = g.fixed
		for _, c := range buf {
			filled[c.label][g.fixed] += int(c.n)
		}
	}
	slices.SortFunc(deal, func(a, b int32) int {
		ga, gb := &e.groups[a], &e.groups[b]
		return cmp.Or(cmp.Compare(gb.n, ga.n), cmp.Compare(ga.u, gb.u), cmp.Compare(ga.hash, gb.hash))
	})
	for _, i := range deal {
		buf = e.counts(i, buf)
		best, score := -1, 0.0
		for s := range shares {
			if shares[s] == 0 {
				continue
			}
			sc := 0.0
			for _, c := range buf {
				// The deficit left after half the group's records of the label.
				deficit := shares[s]*float64(totals[c.label]) - float64(filled[c.label][s]) - float64(c.n)/2
				sc += float64(c.n) * deficit
			}
			if best < 0 || sc > score {
				best, score = s, sc
			}
		}
		for _, c := range buf {
			filled[c.label][best] += int(c.n)
		}
		e.groups[i].split = int8(best)
	}
}
