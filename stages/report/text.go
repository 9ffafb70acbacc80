package report

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/tuneprep/tuneprep/pipeline"
)

// maxBankRows is how many banks the terminal page lists; --json has all.
const maxBankRows = 8

// WriteText writes the run on one terminal screen: the verdict, the stage
// funnel, PII, duplicates, tokens per split, banks and gates.
func WriteText(w io.Writer, r *Run) error {
	p := &printer{w: w}
	where := ""
	if r.Dir != "" {
		where = " " + r.Dir
	}
	p.f("tuneprep run%s: %s\n", where, verdict(r))
	p.f("  version %s, started %s, %s, %d workers%s\n", r.Version, r.Started, pipeline.Duration(r.Seconds), r.Workers, runID(r))
	t := r.Totals
	p.f("  %s read: %s emitted, %s dropped, %s rejected\n\n", Group(t.Read), Group(t.Emitted), Group(t.Dropped), Group(t.Rejected))

	rows := [][]string{}
	for _, s := range r.Stages {
		var parts []string
		for _, c := range s.Dropped {
			parts = append(parts, c.Name+" "+Group(c.N))
		}
		rows = append(rows, []string{s.Name, Group(s.In), Group(s.Out), pipeline.Duration(s.BusySeconds), fmt.Sprintf("%.1f", s.MBPerSecond), strings.Join(parts, ", ")})
	}
	p.table([]string{"stage", "in", "out", "busy", "MB/s", "dropped"}, rows, map[int]bool{1: true, 2: true, 3: true, 4: true})

	if pii := r.PII; pii != nil {
		var parts []string
		for _, c := range pii.ByType {
			parts = append(parts, c.Name+" "+Group(c.N))
		}
		types := ""
		if len(parts) > 0 {
			types = ": " + strings.Join(parts, ", ")
		}
		p.f("\nPII (%s): %s found in %s records%s; %s left after redaction\n", pii.Mode, Group(pii.Found), Group(pii.Records), types, Group(pii.Residual))
	}
	if d := r.Dups; d != nil {
		var sizes []string
		for _, s := range d.Sizes {
			sizes = append(sizes, fmt.Sprintf("%d of size %d", s.Clusters, s.Size))
		}
		p.f("duplicates: %s exact, %s near, %s conflicts; %d clusters", Group(d.Exact), Group(d.Near), Group(d.Conflicts), d.Clusters)
		if len(sizes) > 0 {
			p.f(" (%s)", strings.Join(sizes, ", "))
		}
		p.f("\n")
	}
	if l := r.Leakage; l != nil {
		p.f("leakage: %s train/evaluation pairs, %s train records\n", Group(l.Pairs), Group(l.Records))
	}

	tk := r.Tokens
	p.f("\ntokens%s:\n", tokenHead(tk))
	rows = nil
	for _, s := range tk.Splits {
		row := []string{SplitName(s.Split), Group(s.Examples), "", "", "", "", ""}
		if tc := s.Tokens; tc != nil {
			row[2], row[3], row[4], row[5] = Group(tc.Total), Group(int64(tc.P50)), Group(int64(tc.P95)), Group(int64(tc.Max))
			if tk.Limit > 0 {
				row[6] = pct(float64(tc.Max) / float64(tk.Limit))
			}
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		p.f("  nothing emitted\n")
	} else {
		p.table([]string{"split", "examples", "tokens", "p50", "p95", "max", "max/limit"}, rows, map[int]bool{1: true, 2: true, 3: true, 4: true, 5: true, 6: true})
	}

	if b := r.Banks; b != nil && len(b.Banks) > 0 {
		p.f("\nfew-shot banks (%s%s): %s\n", b.Model, asOf(b.PricesAsOf), bankLine(b))
		rows = nil
		for _, bank := range b.Banks[:min(len(b.Banks), maxBankRows)] {
			rows = append(rows, []string{bank.Label, strconv.Itoa(bank.Examples), Group(int64(bank.Tokens)), usd(bank.CostPer1000)})
		}
		p.table([]string{"bank", "examples", "tokens/request", "$ per 1,000 requests"}, rows, map[int]bool{1: true, 2: true, 3: true})
		if n := len(b.Banks) - maxBankRows; n > 0 {
			p.f("  ... and %d more (tuneprep report --json lists all)\n", n)
		}
	}

	p.f("\ngates: %s\n", gateLine(r))
	for _, g := range r.Gates {
		mark := "passed"
		if !g.Passed {
			mark = "FAILED"
		}
		p.f("  %-6s  %s: %s\n", mark, g.Gate, g.Message)
	}
	for _, g := range r.Failed {
		if g.Stage != "gates" {
			p.f("  FAILED  %s: %s\n", g.Stage, g.Message)
		}
	}
	return p.err
}

func verdict(r *Run) string {
	switch r.Status {
	case "failed":
		return "GATE FAILED (output written)"
	case "blocked":
		return "GATE FAILED (output blocked: the previous output was kept)"
	}
	return "ok"
}

func runID(r *Run) string {
	if r.RunID == "" {
		return ""
	}
	return ", run " + r.RunID
}

func tokenHead(t Tokens) string {
	var parts []string
	for _, s := range []string{t.Encoding, t.Model} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if t.Limit > 0 {
		parts = append(parts, "training limit "+Group(int64(t.Limit)))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// SplitName names a split for people: "(no split)" for none.
func SplitName(s string) string {
	if s == "" {
		return "(no split)"
	}
	return s
}

func asOf(s string) string {
	if s == "" {
		return ""
	}
	return ", prices as of " + s
}

// bankLine sums the banks up: how many, examples, the range of tokens and cost.
func bankLine(b *Banks) string {
	examples, lo, hi := 0, math.MaxInt, 0
	var clo, chi *float64
	for _, x := range b.Banks {
		examples += x.Examples
		lo, hi = min(lo, x.Tokens), max(hi, x.Tokens)
		if c := x.CostPer1000; c != nil {
			if clo == nil || *c < *clo {
				clo = c
			}
			if chi == nil || *c > *chi {
				chi = c
			}
		}
	}
	s := fmt.Sprintf("%d banks, %d examples; %s-%s tokens per request", len(b.Banks), examples, Group(int64(lo)), Group(int64(hi)))
	if clo != nil {
		s += fmt.Sprintf(", %s-%s per 1,000 requests", usd(clo), usd(chi))
	}
	return s
}

func gateLine(r *Run) string {
	passed, failed := 0, 0
	for _, g := range r.Gates {
		if g.Passed {
			passed++
		} else {
			failed++
		}
	}
	for _, g := range r.Failed {
		if g.Stage != "gates" {
			failed++
		}
	}
	if passed+failed == 0 {
		return "none configured (gates: in the config, or --gate name=value)"
	}
	return fmt.Sprintf("%d passed, %d failed", passed, failed)
}

func usd(v *float64) string {
	if v == nil {
		return "unknown"
	}
	return fmt.Sprintf("$%.4f", *v)
}

func pct(x float64) string {
	switch {
	case x == 0:
		return "0%"
	case x < 0.001:
		return "<0.1%"
	}
	return fmt.Sprintf("%.1f%%", 100*x)
}

// Group formats n with thousands separators.
func Group(n int64) string { return pipeline.Thousands(n) }

// printer writes formatted text and keeps the first error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// table aligns rows under a header, two spaces apart, indented; the columns
// in right are right-aligned; the last column is not padded.
func (p *printer) table(head []string, rows [][]string, right map[int]bool) {
	width := make([]int, len(head))
	for _, r := range append([][]string{head}, rows...) {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	line := func(cells []string) {
		parts := make([]string, len(cells))
		for i, c := range cells {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			switch {
			case right[i]:
				parts[i] = pad + c
			case i == len(cells)-1:
				parts[i] = c
			default:
				parts[i] = c + pad
			}
		}
		p.f("  %s\n", strings.TrimRight(strings.Join(parts, "  "), " "))
	}
	line(head)
	for _, r := range rows {
		line(r)
	}
}
