package split

import (
	"sort"

	"github.com/tuneprep/tuneprep/schemas"
)

// exactSplit holds the records and their groups until the input ends.
type exactSplit struct {
	docs   []*schemas.Document
	groups map[string]*group
	order  []*group // in order of first appearance
}

type group struct {
	key  string
	u    float64 // seeded hash: the order in which groups are dealt
	docs []*schemas.Document
	// fixed is the split a ledger of an earlier run gave the group (-1: none).
	fixed int
}

func (e *exactSplit) add(d *schemas.Document, key string, u float64) {
	e.docs = append(e.docs, d)
	g := e.groups[key]
	if g == nil {
		g = &group{key: key, u: u, fixed: -1}
		e.groups[key] = g
		e.order = append(e.order, g)
	}
	g.docs = append(g.docs, d)
}

// assign deals the groups to splits: the largest groups first (in
// seeded-hash order among equals), each to the split where its records are
// furthest below their labels' targets, so that the single records dealt
// last even out what the groups left; with enough single records every
// split ends within one record of its share of every label. A group whose
// records carry several labels weighs each label's deficit by its records.
func (e *exactSplit) assign(shares [4]float64, stratify bool) {
	labelOf := func(d *schemas.Document) string {
		if stratify {
			return d.Label
		}
		return ""
	}
	totals := map[string]int{}
	for _, d := range e.docs {
		totals[labelOf(d)]++
	}
	filled := map[string]*[4]int{}
	for l := range totals {
		filled[l] = &[4]int{}
	}
	// Groups an earlier run placed keep their split and count toward the
	// targets; the others are dealt around them.
	var gs []*group
	for _, g := range e.order {
		if g.fixed < 0 {
			gs = append(gs, g)
			continue
		}
		for _, d := range g.docs {
			filled[labelOf(d)][g.fixed]++
			d.Split = names[g.fixed]
		}
	}
	sort.Slice(gs, func(i, j int) bool {
		if len(gs[i].docs) != len(gs[j].docs) {
			return len(gs[i].docs) > len(gs[j].docs)
		}
		if gs[i].u != gs[j].u {
			return gs[i].u < gs[j].u
		}
		return gs[i].key < gs[j].key
	})
	for _, g := range gs {
		n := map[string]int{} // the group's records per label
		var labels []string
		for _, d := range g.docs {
			l := labelOf(d)
			if n[l] == 0 {
				labels = append(labels, l)
			}
			n[l]++
		}
		best, score := -1, 0.0
		for i := range shares {
			if shares[i] == 0 {
				continue
			}
			sc := 0.0
			for _, l := range labels {
				// The deficit left after half the group's records of the label.
				deficit := shares[i]*float64(totals[l]) - float64(filled[l][i]) - float64(n[l])/2
				sc += float64(n[l]) * deficit
			}
			if best < 0 || sc > score {
				best, score = i, sc
			}
		}
		for _, l := range labels {
			filled[l][best] += n[l]
		}
		for _, d := range g.docs {
			d.Split = names[best]
		}
	}
}
