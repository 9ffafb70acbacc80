package quality

import (
	"cmp"
	"slices"
	"strconv"
)

// MaxExamples is how many dropped record IDs the report keeps per check.
const MaxExamples = 5

// Stats is the quality report: per check, its drops and the distribution
// of its measure; the language mix.
type Stats struct {
	Checks []CheckStats `json:"checks"`
	// Languages is the language mix of the records the language filter
	// saw, most frequent first; "und" is undetermined.
	Languages []LanguageCount `json:"languages,omitempty"`
}

// CheckStats is one check's part of the report.
type CheckStats struct {
	Filter  string `json:"filter"`
	Reason  string `json:"reason"`
	Measure string `json:"measure"`
	// Measured counts the records the check applied to (enabled, long
	// enough); Over those over its threshold, whether or not an earlier
	// check dropped them; Dropped those it dropped.
	Measured int64 `json:"measured"`
	Over     int64 `json:"over"`
	Dropped  int64 `json:"dropped"`
	// Histogram is the distribution of the measure over Measured records.
	Histogram []Bin `json:"histogram,omitempty"`
	// Examples are the IDs of the first records it dropped, in input order.
	Examples []string `json:"examples,omitempty"`
}

// Bin is one histogram bin: a range of the measure ("0.10-0.15", "> 1024")
// and how many records fell in it.
type Bin struct {
	Range string `json:"range"`
	Count int64  `json:"count"`
}

// LanguageCount is how many records were identified as a language.
type LanguageCount struct {
	Language string `json:"language"`
	Records  int64  `json:"records"`
}

// stats accumulates the report in Sequence, in input order.
type stats struct {
	checks [numChecks]struct {
		measured, over, dropped int64
		bins                    []int64
		examples                []string
	}
	langs map[string]int64
}

func (st *stats) init() {
	for i := range st.checks {
		st.checks[i].bins = make([]int64, len(checks[i].bins)+1)
	}
	st.langs = map[string]int64{}
}

// bin returns the index of v's bin: the first upper bound it does not
// exceed, else the last bin.
func bin(bounds []float64, v float64) int {
	i, _ := slices.BinarySearch(bounds, v)
	return i
}

func (st *stats) add(r *result, id string) {
	for c := range numChecks {
		if !r.applied[c] {
			continue
		}
		cs := &st.checks[c]
		cs.measured++
		cs.bins[bin(checks[c].bins, r.value[c])]++
		if r.over[c] {
			cs.over++
		}
		if r.fail == c {
			cs.dropped++
			if len(cs.examples) < MaxExamples {
				cs.examples = append(cs.examples, id)
			}
		}
	}
	if r.langRan {
		code := r.lang
		if code == "" {
			code = "und"
		}
		st.langs[code]++
	}
}

// Stats implements pipeline.Reporter.
func (s *Stage) Stats() any {
	out := Stats{Checks: []CheckStats{}}
	for c := range numChecks {
		cs := &s.st.checks[c]
		info := checks[c]
		row := CheckStats{Filter: info.filter, Reason: info.reason, Measure: info.measure,
			Measured: cs.measured, Over: cs.over, Dropped: cs.dropped, Examples: cs.examples}
		if cs.measured > 0 {
			for i, n := range cs.bins {
				row.Histogram = append(row.Histogram, Bin{Range: binRange(info.bins, i), Count: n})
			}
		}
		out.Checks = append(out.Checks, row)
	}
	for code, n := range s.st.langs {
		out.Languages = append(out.Languages, LanguageCount{code, n})
	}
	slices.SortFunc(out.Languages, func(a, b LanguageCount) int {
		return cmp.Or(cmp.Compare(b.Records, a.Records), cmp.Compare(a.Language, b.Language))
	})
	return out
}

// binRange names bin i of bounds: "<= b0", "b0-b1", ..., "> bn".
func binRange(bounds []float64, i int) string {
	switch {
	case i == 0:
		return "<= " + ftoa(bounds[0])
	case i == len(bounds):
		return "> " + ftoa(bounds[i-1])
	}
	return ftoa(bounds[i-1]) + "-" + ftoa(bounds[i])
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
