package report

import (
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/tuneprep/tuneprep/schemas"
)

// Change is a figure that differs between two runs. Old and New are
// numbers, except for statuses and gate verdicts; Diff says by how much.
type Change struct {
	What string `json:"what"`
	Old  any    `json:"old"`
	New  any    `json:"new"`
	Diff string `json:"change"`
}

// Comparison is what changed from one run to the next.
type Comparison struct {
	Old     string   `json:"old"`
	New     string   `json:"new"`
	Changes []Change `json:"changes"`
	// Compared is how many figures were compared.
	Compared int `json:"compared"`
}

// Compare lists what changed from old to new: the status, the outcome
// totals, each stage's counts and drop reasons, PII by type, duplicates,
// examples and tokens per split, banks and gate results.
func Compare(old, cur *Run) Comparison {
	c := Comparison{Old: old.Dir, New: cur.Dir, Changes: []Change{}}
	c.text("status", old.Status, cur.Status)
	c.num("records read", old.Totals.Read, cur.Totals.Read)
	c.num("emitted", old.Totals.Emitted, cur.Totals.Emitted)
	c.num("dropped", old.Totals.Dropped, cur.Totals.Dropped)
	c.num("rejected", old.Totals.Rejected, cur.Totals.Rejected)
	for _, name := range union(stageNames(old), stageNames(cur)) {
		a, b := stageOf(old, name), stageOf(cur, name)
		c.num(name+" in", a.In, b.In)
		c.num(name+" out", a.Out, b.Out)
		da, db := countMap(a.Dropped), countMap(b.Dropped)
		for _, why := range union(sortedKeys(da), sortedKeys(db)) {
			c.num(name+" dropped "+why, da[why], db[why])
		}
	}
	pa, pb := piiOf(old), piiOf(cur)
	ta, tb := countMap(pa.ByType), countMap(pb.ByType)
	for _, typ := range union(sortedKeys(ta), sortedKeys(tb)) {
		c.num("PII "+typ, ta[typ], tb[typ])
	}
	c.num("PII left after redaction", pa.Residual, pb.Residual)
	da, db := dupsOf(old), dupsOf(cur)
	c.num("exact duplicates", da.Exact, db.Exact)
	c.num("near duplicates", da.Near, db.Near)
	c.num("conflicts", da.Conflicts, db.Conflicts)
	c.num("duplicate clusters", int64(da.Clusters), int64(db.Clusters))
	for _, name := range union(splitNames(old), splitNames(cur)) {
		a, b := old.Split(name), cur.Split(name)
		label := "split " + SplitName(name)
		c.num(label+" examples", a.Examples, b.Examples)
		ka, kb := tokensOf(a), tokensOf(b)
		c.num(label+" tokens", ka.Total, kb.Total)
		c.num(label+" tokens p50", int64(ka.P50), int64(kb.P50))
		c.num(label+" tokens p95", int64(ka.P95), int64(kb.P95))
		c.num(label+" tokens max", int64(ka.Max), int64(kb.Max))
	}
	ba, bb := banksOf(old), banksOf(cur)
	c.num("few-shot banks", int64(len(ba.Banks)), int64(len(bb.Banks)))
	c.num("few-shot examples", bankExamples(ba), bankExamples(bb))
	c.gates(old, cur)
	return c
}

func (c *Comparison) num(what string, a, b int64) {
	c.Compared++
	if a == b {
		return
	}
	d := strconv.FormatInt(b-a, 10)
	if b > a {
		d = "+" + d
	}
	if a != 0 {
		d += fmt.Sprintf(" (%+.1f%%)", 100*float64(b-a)/float64(a))
	}
	c.Changes = append(c.Changes, Change{What: what, Old: a, New: b, Diff: d})
}

func (c *Comparison) text(what, a, b string) {
	c.Compared++
	if a != b {
		c.Changes = append(c.Changes, Change{What: what, Old: a, New: b, Diff: a + " -> " + b})
	}
}

// gates compares the verdicts and values of the gates of either run, and
// the built-in gates that failed in either.
func (c *Comparison) gates(old, cur *Run) {
	ga, gb := gateMap(old), gateMap(cur)
	for _, name := range union(sortedKeys(ga), sortedKeys(gb)) {
		c.Compared++
		a, okA := ga[name]
		b, okB := gb[name]
		va, vb := gateText(a, okA), gateText(b, okB)
		if va != vb {
			c.Changes = append(c.Changes, Change{What: "gate " + name, Old: va, New: vb, Diff: verdictOf(a, okA) + " -> " + verdictOf(b, okB)})
		}
	}
	fa, fb := builtinFailed(old), builtinFailed(cur)
	for _, msg := range union(sortedKeys(fa), sortedKeys(fb)) {
		c.Compared++
		if fa[msg] != fb[msg] {
			c.Changes = append(c.Changes, Change{What: "gate " + msg, Old: failText(fa[msg]), New: failText(fb[msg]),
				Diff: failText(fa[msg]) + " -> " + failText(fb[msg])})
		}
	}
}

func gateMap(r *Run) map[string]schemas.GateResult {
	m := map[string]schemas.GateResult{}
	for _, g := range r.Gates {
		m[g.Gate] = g
	}
	return m
}

func gateText(g schemas.GateResult, ok bool) string {
	if !ok {
		return "not configured"
	}
	v := "n/a"
	if g.Value != nil {
		v = strconv.FormatFloat(*g.Value, 'g', -1, 64)
	}
	return fmt.Sprintf("%s (%s, threshold %s)", verdictOf(g, true), v, strconv.FormatFloat(g.Threshold, 'g', -1, 64))
}

func verdictOf(g schemas.GateResult, ok bool) string {
	switch {
	case !ok:
		return "not configured"
	case g.Passed:
		return "passed"
	}
	return "FAILED"
}

// builtinFailed keys the failed built-in gates (not configured ones) by stage.
func builtinFailed(r *Run) map[string]bool {
	m := map[string]bool{}
	for _, g := range r.Failed {
		if g.Stage != "gates" {
			m[g.Stage] = true
		}
	}
	return m
}

func failText(failed bool) string {
	if failed {
		return "FAILED"
	}
	return "passed"
}

// WriteCompare writes a comparison as a table: what, old, new, change.
func WriteCompare(w io.Writer, c Comparison) error {
	p := &printer{w: w}
	p.f("%s -> %s: %d of %d figures changed\n", c.Old, c.New, len(c.Changes), c.Compared)
	if len(c.Changes) == 0 {
		return p.err
	}
	rows := make([][]string, len(c.Changes))
	for i, ch := range c.Changes {
		rows[i] = []string{ch.What, cell(ch.Old), cell(ch.New), ch.Diff}
	}
	p.table([]string{"what", "old", "new", "change"}, rows, map[int]bool{1: true, 2: true})
	return p.err
}

func cell(v any) string {
	if n, ok := v.(int64); ok {
		return Group(n)
	}
	return fmt.Sprint(v)
}

// The zero values stand in for what a run does not have.
func stageOf(r *Run, name string) Stage {
	if s := r.Stage(name); s != nil {
		return *s
	}
	return Stage{}
}

func piiOf(r *Run) PII {
	if r.PII != nil {
		return *r.PII
	}
	return PII{}
}

func dupsOf(r *Run) Duplicates {
	if r.Dups != nil {
		return *r.Dups
	}
	return Duplicates{}
}

func banksOf(r *Run) Banks {
	if r.Banks != nil {
		return *r.Banks
	}
	return Banks{}
}

func tokensOf(s schemas.SplitSummary) schemas.TokenSummary {
	if s.Tokens != nil {
		return *s.Tokens
	}
	return schemas.TokenSummary{}
}

func bankExamples(b Banks) int64 {
	var n int64
	for _, x := range b.Banks {
		n += int64(x.Examples)
	}
	return n
}

func stageNames(r *Run) []string {
	out := make([]string, len(r.Stages))
	for i, s := range r.Stages {
		out[i] = s.Name
	}
	return out
}

func splitNames(r *Run) []string {
	out := make([]string, len(r.Tokens.Splits))
	for i, s := range r.Tokens.Splits {
		out[i] = s.Split
	}
	return out
}

func countMap(cs []Count) map[string]int64 {
	m := make(map[string]int64, len(cs))
	for _, c := range cs {
		m[c.Name] = c.N
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// union is a's names in order, then b's that a lacks, in order.
func union(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range append(append([]string(nil), a...), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
