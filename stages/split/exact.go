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
	key   string
	u     float64 // seeded hash: the order in which groups are dealt
	label string  // the label of the group's first record: its stratum
	docs  []*schemas.Document
}

func (e *exactSplit) add(d *schemas.Document, key string, u float64) {
	e.docs = append(e.docs, d)
	g := e.groups[key]
	if g == nil {
		g = &group{key: key, u: u, label: d.Label}
		e.groups[key] = g
		e.order = append(e.order, g)
	}
	g.docs = append(g.docs, d)
}

// assign deals the groups of each stratum, in seeded-hash order, to the
// split furthest below its target: with single-record groups every split
// ends within one record of its share of the stratum.
func (e *exactSplit) assign(shares [3]float64, stratify bool) {
	strata := map[string][]*group{}
	var names []string
	for _, g := range e.order {
		k := ""
		if stratify {
			k = g.label
		}
		if _, ok := strata[k]; !ok {
			names = append(names, k)
		}
		strata[k] = append(strata[k], g)
	}
	sort.Strings(names)
	for _, k := range names {
		gs := strata[k]
		sort.Slice(gs, func(i, j int) bool {
			if gs[i].u != gs[j].u {
				return gs[i].u < gs[j].u
			}
			return gs[i].key < gs[j].key
		})
		total := 0
		for _, g := range gs {
			total += len(g.docs)
		}
		var filled [3]int
		for _, g := range gs {
			best, deficit := 0, -1e18
			for i := range shares {
				if shares[i] == 0 {
					continue
				}
				// The deficit after adding the group, so that large groups go
				// where they overshoot least.
				d := shares[i]*float64(total) - float64(filled[i]) - float64(len(g.docs))/2
				if d > deficit {
					best, deficit = i, d
				}
			}
			filled[best] += len(g.docs)
			for _, d := range g.docs {
				d.Split = Names[best]
			}
		}
	}
}
