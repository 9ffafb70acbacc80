package gates

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/report"
)

// Evaluate judges a finished run by every gate that is on, in the order of
// the config reference, then the scoped gates sorted by key. labels counts
// the emitted examples per label ("" for records without one). A gate whose
// figure the run lacks (no leakage check, no banks) fails, and says why;
// max_residual_pii is left out when the run did not redact.
func Evaluate(c Config, r *report.Run, labels map[string]int64) []schemas.GateResult {
	var out []schemas.GateResult
	t := r.Totals
	if c.On("max_reject_rate") {
		v := share(t.Rejected, t.Read)
		out = append(out, atMost("max_reject_rate", c.MaxRejectRate, &v, true,
			fmt.Sprintf("%s of %s records read were rejected as unreadable (%s)", report.Group(t.Rejected), report.Group(t.Read), percent(v))))
	}
	if c.On("max_drop_rate") {
		v := share(t.Dropped, t.Read)
		out = append(out, atMost("max_drop_rate", c.MaxDropRate, &v, true,
			fmt.Sprintf("%s of %s records read were dropped by the stages (%s)", report.Group(t.Dropped), report.Group(t.Read), percent(v))))
	}
	if c.On("min_examples") {
		out = append(out, minExamples(r, float64(c.MinExamples)))
	}
	if c.On("min_examples_per_label") {
		out = append(out, minPerLabel(labels, float64(c.MinExamplesPerLabel)))
	}
	if c.On("max_residual_pii") && r.PII != nil {
		v := float64(r.PII.Residual)
		out = append(out, atMost("max_residual_pii", float64(c.MaxResidualPII), &v, false,
			fmt.Sprintf("%s sensitive values found again after redaction", report.Group(r.PII.Residual))))
	}
	if c.On("max_leakage_pairs") {
		if l := r.Leakage; l != nil {
			v := float64(l.Pairs)
			out = append(out, atMost("max_leakage_pairs", float64(c.MaxLeakagePairs), &v, false,
				fmt.Sprintf("%s training/evaluation pairs overlap (%s training records)", report.Group(l.Pairs), report.Group(l.Records))))
		} else {
			out = append(out, missing("max_leakage_pairs", float64(c.MaxLeakagePairs), "the run has no leakage report (split.leakage.enabled is off)"))
		}
	}
	if c.On("max_conflicts") {
		if d := r.Dups; d != nil {
			v := float64(d.Conflicts)
			out = append(out, atMost("max_conflicts", float64(c.MaxConflicts), &v, false,
				fmt.Sprintf("%s duplicates with conflicting outputs", report.Group(d.Conflicts))))
		} else {
			out = append(out, missing("max_conflicts", float64(c.MaxConflicts), "the run has no dedup report"))
		}
	}
	if c.On("min_bank_examples") {
		out = append(out, minBanks(r, float64(c.MinBankExamples)))
	}
	scoped := append([]Scoped(nil), c.Scoped...)
	sort.Slice(scoped, func(i, j int) bool { return scoped[i].Key() < scoped[j].Key() })
	for _, s := range scoped {
		switch s.Gate {
		case "max_drop_rate":
			st := r.Stage(s.Scope)
			if st == nil {
				out = append(out, missing(s.Key(), s.Threshold, "the run has no stage "+s.Scope))
				continue
			}
			n := st.DroppedBy()
			v := share(n, st.In)
			out = append(out, atMost(s.Key(), s.Threshold, &v, true,
				fmt.Sprintf("%s dropped %s of the %s records that entered it (%s)", s.Scope, report.Group(n), report.Group(st.In), percent(v))))
		case "min_examples":
			n := r.Split(s.Scope).Examples
			v := float64(n)
			out = append(out, atLeast(s.Key(), s.Threshold, &v, fmt.Sprintf("split %s has %s examples", s.Scope, report.Group(n))))
		}
	}
	if out == nil {
		out = []schemas.GateResult{}
	}
	return out
}

// minExamples checks every split with a share (every split emitted into
// when the run has no split stage): the value is the smallest.
func minExamples(r *report.Run, min float64) schemas.GateResult {
	var names []string
	for n := range r.Targets {
		names = append(names, n)
	}
	if r.Targets == nil {
		for _, s := range r.Tokens.Splits {
			names = append(names, s.Split)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		return splitRank(names[i]) < splitRank(names[j]) || splitRank(names[i]) == splitRank(names[j]) && names[i] < names[j]
	})
	if len(names) == 0 {
		v := 0.0
		return atLeast("min_examples", min, &v, "nothing was emitted")
	}
	var parts, short []string
	smallest := int64(-1)
	for _, n := range names {
		e := r.Split(n).Examples
		parts = append(parts, fmt.Sprintf("%s %s", report.SplitName(n), report.Group(e)))
		if float64(e) < min {
			short = append(short, report.SplitName(n))
		}
		if smallest < 0 || e < smallest {
			smallest = e
		}
	}
	v := float64(smallest)
	msg := "examples per split: " + strings.Join(parts, ", ")
	if len(short) > 0 {
		msg = fmt.Sprintf("%s below %s; %s", strings.Join(short, ", "), strconv.FormatFloat(min, 'f', -1, 64), msg)
	}
	return atLeast("min_examples", min, &v, msg)
}

// maxListed is how many labels or banks a message names.
const maxListed = 5

func minPerLabel(labels map[string]int64, min float64) schemas.GateResult {
	if len(labels) == 0 {
		v := 0.0
		return atLeast("min_examples_per_label", min, &v, "nothing was emitted")
	}
	type lc struct {
		label string
		n     int64
	}
	all := make([]lc, 0, len(labels))
	for l, n := range labels {
		all = append(all, lc{l, n})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].n < all[j].n || all[i].n == all[j].n && all[i].label < all[j].label })
	var short []string
	for _, x := range all {
		if float64(x.n) < min {
			short = append(short, fmt.Sprintf("%s %s", labelName(x.label), report.Group(x.n)))
		}
	}
	v := float64(all[0].n)
	msg := fmt.Sprintf("%d labels; fewest examples: %s with %s", len(all), labelName(all[0].label), report.Group(all[0].n))
	if len(short) > 0 {
		msg = fmt.Sprintf("%d of %d labels below %s: %s", len(short), len(all), strconv.FormatFloat(min, 'f', -1, 64), listed(short))
	}
	return atLeast("min_examples_per_label", min, &v, msg)
}

func minBanks(r *report.Run, min float64) schemas.GateResult {
	if r.Banks == nil || len(r.Banks.Banks) == 0 {
		return missing("min_bank_examples", min, "the run built no few-shot bank")
	}
	banks := append([]report.Bank(nil), r.Banks.Banks...)
	sort.SliceStable(banks, func(i, j int) bool { return banks[i].Examples < banks[j].Examples })
	var short []string
	for _, b := range banks {
		if float64(b.Examples) < min {
			short = append(short, fmt.Sprintf("%s %d", labelName(b.Label), b.Examples))
		}
	}
	v := float64(banks[0].Examples)
	msg := fmt.Sprintf("%d banks; smallest: %s with %d examples", len(banks), labelName(banks[0].Label), banks[0].Examples)
	if len(short) > 0 {
		msg = fmt.Sprintf("%d of %d banks below %s: %s", len(short), len(banks), strconv.FormatFloat(min, 'f', -1, 64), listed(short))
	}
	return atLeast("min_bank_examples", min, &v, msg)
}

func atMost(gate string, max float64, v *float64, rate bool, measured string) schemas.GateResult {
	g := schemas.GateResult{Gate: gate, Threshold: max, Value: v, Passed: *v <= max}
	limit := strconv.FormatFloat(max, 'f', -1, 64)
	if rate {
		limit = percent(max)
		rv := round(*v)
		g.Value = &rv
	}
	g.Message = measured + "; at most " + limit + " allowed"
	return g
}

func atLeast(gate string, min float64, v *float64, measured string) schemas.GateResult {
	return schemas.GateResult{Gate: gate, Threshold: min, Value: v, Passed: *v >= min,
		Message: measured + "; at least " + strconv.FormatFloat(min, 'f', -1, 64) + " wanted"}
}

func missing(gate string, threshold float64, why string) schemas.GateResult {
	return schemas.GateResult{Gate: gate, Threshold: threshold, Message: "cannot be checked: " + why}
}

func share(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

func percent(x float64) string {
	return strconv.FormatFloat(math.Round(x*1e4)/100, 'f', -1, 64) + "%"
}

func splitRank(s string) int {
	if i, ok := map[string]int{"train": 0, "validation": 1, "test": 2, "bank": 3}[s]; ok {
		return i
	}
	return 4
}

func labelName(l string) string {
	if l == "" {
		return "(no label)"
	}
	return strconv.Quote(l)
}

// listed joins up to maxListed items and says how many more there are.
func listed(items []string) string {
	if len(items) <= maxListed {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:maxListed], ", ") + fmt.Sprintf(" and %d more", len(items)-maxListed)
}
