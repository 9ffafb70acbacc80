package advise

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tuneprep/tuneprep/pipeline"
)

// unknown is how a figure the inputs cannot give reads in text.
const unknown = "unknown"

// header is the figures table's header; rows gives its rows.
var header = []string{"label", "train", "val", "test", "train $", "bank tok", "bank $/1k", "prompted $/1k", "tuned $/1k", "break-even", "advice"}

// rows are the figures table: one row per label, then the overall row
// (when there are labels), as text cells.
func (a Advice) rows() [][]string {
	var out [][]string
	single := len(a.Labels) == 1 && a.Labels[0].Label == ""
	for _, e := range a.Labels {
		out = append(out, e.row(labelName(e.Label, single)))
	}
	if !single {
		out = append(out, a.Overall.row("(all, as one task)"))
	}
	return out
}

func labelName(l string, single bool) string {
	switch {
	case single:
		return "(all)"
	case l == "":
		return "(no label)"
	}
	return l
}

func (e Entry) row(label string) []string {
	return []string{label, group(e.Examples.Train), group(e.Examples.Validation), group(e.Examples.Test),
		dollars(e.FineTune.CostUSD), figure(e.Prompt.BankTokensPerRequest), dollars(e.Prompt.CostPer1kRequestsUSD),
		dollars(e.Prompt.RequestPer1kUSD), dollars(e.FineTunedPer1k), e.BreakEven.short(), e.Recommendation}
}

// short is the break-even as a table cell.
func (b BreakEven) short() string {
	switch {
	case b.Never:
		return "never"
	case b.Requests == nil:
		if strings.HasPrefix(b.Why, "no training") {
			return "-"
		}
		return unknown
	case b.Months == nil:
		return group(*b.Requests) + " req"
	}
	return group(*b.Requests) + " req, " + strconv.FormatFloat(*b.Months, 'f', 2, 64) + " mo"
}

// WriteText writes the advice for a person: the recommendation, the
// figures per label, the rules that decided and the notes. --json has
// every rule of every label.
func (a Advice) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Prompt or fine-tune? %s\n", a.headline())
	fmt.Fprintf(&b, "recommendation: %s: %s\n\n", a.Recommendation, a.Reason)
	b.WriteString(table(header, a.rows()))
	ft := a.Overall.FineTune
	fmt.Fprintf(&b, "\nfine-tuning everything: %s training examples x %d epochs = %s billed tokens, %s\n",
		group(ft.Examples), ft.Epochs, group(ft.BilledTokens), dollars(ft.CostUSD))
	if j := a.Plan.Job; j != nil && a.Recommendation == Hybrid {
		fmt.Fprintf(&b, "fine-tuning the %d labels to fine-tune: %s examples x %d epochs = %s billed tokens, %s\n",
			len(a.Plan.FineTune), group(j.Examples), j.Epochs, group(j.BilledTokens), dollars(j.CostUSD))
	}
	b.WriteString("\nrules:\n")
	b.WriteString(table([]string{"fired", "rule", "value", "when", "threshold", "effect", "says"}, ruleRows(a.Rules)))
	if len(a.Labels) > 1 || a.Labels[0].Label != "" {
		b.WriteString("\nper label, the rules that fired (tuneprep advise --json lists every rule):\n")
		for _, e := range a.Labels {
			fmt.Fprintf(&b, "  %s: %s\n", labelName(e.Label, false), firedList(e.Rules))
		}
	}
	b.WriteString("\nnotes:\n")
	for _, n := range a.Notes {
		fmt.Fprintf(&b, "  - %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (a Advice) headline() string {
	vol := "no request volume given"
	if a.RequestsPerMonth != nil {
		vol = group(*a.RequestsPerMonth) + " requests a month"
	}
	return fmt.Sprintf("%s, prices as of %s, tokens in %s, %s", a.Model, a.PricesAsOf, a.Encoding, vol)
}

func ruleRows(rules []Rule) [][]string {
	var rows [][]string
	for _, r := range rules {
		fired := "no"
		if r.Fired {
			fired = "yes"
		}
		rows = append(rows, []string{fired, r.Name, figure(r.Value), r.When, strconv.FormatFloat(r.Threshold, 'f', -1, 64), r.Effect, r.Says})
	}
	return rows
}

func firedList(rules []Rule) string {
	var parts []string
	for _, r := range rules {
		if r.Fired {
			op := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(r.When, "value"), "threshold"))
			parts = append(parts, fmt.Sprintf("%s (%s %s %s)", r.Name, figure(r.Value), op, strconv.FormatFloat(r.Threshold, 'f', -1, 64)))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// Section is the advice as a part of report.html.
func (a Advice) Section() pipeline.Section {
	s := pipeline.Section{Title: "Prompt or fine-tune?",
		Lead: []string{a.headline() + ".", "Recommendation: " + a.Recommendation + ": " + a.Reason + "."},
		Tables: []pipeline.SectionTable{
			{Caption: "Per label", Header: header, Rows: a.rows()},
			{Caption: "Rules that decided", Header: []string{"fired", "rule", "value", "when", "threshold", "effect", "says"}, Rows: ruleRows(a.Rules)},
		},
		Notes: a.Notes}
	if len(a.Labels) > 1 || a.Labels[0].Label != "" {
		var rows [][]string
		for _, e := range a.Labels {
			for _, r := range ruleRows(e.Rules) {
				rows = append(rows, append([]string{labelName(e.Label, false)}, r...))
			}
		}
		s.Tables = append(s.Tables, pipeline.SectionTable{Caption: "Every rule of every label",
			Header: []string{"label", "fired", "rule", "value", "when", "threshold", "effect", "says"}, Rows: rows})
	}
	return s
}

// table aligns rows under a header, two spaces apart; numbers right-aligned.
func table(head []string, rows [][]string) string {
	width := make([]int, len(head))
	for i, h := range head {
		width[i] = len([]rune(h))
	}
	for _, r := range rows {
		for i, c := range r {
			if i < len(width)-1 { // the last column is not padded
				width[i] = max(width[i], len([]rune(c)))
			}
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		var parts []string
		for i, c := range cells {
			pad := strings.Repeat(" ", max(0, width[i]-len([]rune(c))))
			switch {
			case i == len(cells)-1:
				parts = append(parts, c)
			case numeric(c):
				parts = append(parts, pad+c)
			default:
				parts = append(parts, c+pad)
			}
		}
		b.WriteString("  " + strings.TrimRight(strings.Join(parts, "  "), " ") + "\n")
	}
	line(head)
	for _, r := range rows {
		line(r)
	}
	return b.String()
}

func numeric(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	return c >= '0' && c <= '9' || c == '$' || c == '-' && len(s) == 1
}

// group formats an integer with thousands separators.
func group(n int64) string { return pipeline.Thousands(n) }

func dollars(v *float64) string {
	if v == nil {
		return unknown
	}
	return "$" + strconv.FormatFloat(*v, 'f', 4, 64)
}

func figure(v *float64) string {
	if v == nil {
		return unknown
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}
