package report

import (
	"fmt"
	"math"
	"strconv"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
)

// Sections are the parts of report.html that know the stages' statistics:
// tokens per split against the model's limit, PII by type, duplicate
// clusters and the few-shot banks with their cost.
func Sections(r *Run) []pipeline.Section {
	out := []pipeline.Section{tokenSection(r)}
	if r.PII != nil {
		out = append(out, piiSection(r.PII))
	}
	if r.Dups != nil {
		out = append(out, dupSection(r.Dups))
	}
	if r.Banks != nil {
		out = append(out, bankSection(r.Banks))
	}
	return out
}

func tokenSection(r *Run) pipeline.Section {
	t := r.Tokens
	s := pipeline.Section{Title: "Tokens per split"}
	lead := "Token counts of the emitted examples"
	if h := tokenHead(t); h != "" {
		lead += h
	}
	s.Lead = []string{lead + ". Bins double in width; the dashed line is the model's training limit, and examples right of it would be rejected by the provider."}
	table := pipeline.SectionTable{Header: []string{"split", "examples", "labels", "tokens", "min", "p50", "p95", "max", "mean", "max / limit"}}
	for _, sp := range t.Splits {
		row := []string{SplitName(sp.Split), Group(sp.Examples), strconv.Itoa(sp.Labels), "", "", "", "", "", "", ""}
		if tc := sp.Tokens; tc != nil {
			row[3], row[4], row[5], row[6], row[7], row[8] = Group(tc.Total), Group(int64(tc.Min)), Group(int64(tc.P50)),
				Group(int64(tc.P95)), Group(int64(tc.Max)), Group(int64(tc.Mean))
			if t.Limit > 0 {
				row[9] = pct(float64(tc.Max) / float64(t.Limit))
			}
			s.Charts = append(s.Charts, histogram(SplitName(sp.Split), tc, t.Limit, t.Model))
		}
		table.Rows = append(table.Rows, row)
	}
	if len(t.Splits) == 0 {
		s.Lead = append(s.Lead, "Nothing was emitted.")
	}
	s.Tables = []pipeline.SectionTable{table}
	return s
}

// histogram draws one split's token lengths in power-of-two bins, extended
// to the bin that holds the model's limit, which it marks.
func histogram(split string, tc *schemas.TokenSummary, limit int, model string) pipeline.Chart {
	bins := append([]schemas.LengthBin(nil), tc.Histogram...)
	if len(bins) == 0 {
		return pipeline.Chart{}
	}
	for limit > 0 && bins[len(bins)-1].UpTo < limit {
		bins = append(bins, schemas.LengthBin{UpTo: bins[len(bins)-1].UpTo * 2})
	}
	c := pipeline.Chart{Title: fmt.Sprintf("%s: %s examples by tokens (p50 %s, p95 %s, max %s)", split,
		Group(int64(sum(bins))), Group(int64(tc.P50)), Group(int64(tc.P95)), Group(int64(tc.Max))), Columns: true}
	for _, b := range bins {
		note := ""
		if b.Examples > 0 {
			note = Group(b.Examples)
		}
		c.Bars = append(c.Bars, pipeline.Bar{Label: "≤" + short(b.UpTo), Values: []float64{float64(b.Examples)}, Note: note})
	}
	if limit > 0 {
		at := 0.0
		for i, b := range bins {
			lo := 0
			if i > 0 {
				lo = bins[i-1].UpTo
			}
			if limit <= b.UpTo {
				at = float64(i) + float64(limit-lo)/float64(b.UpTo-lo)
				if lo > 0 { // the bin is [lo, 2lo]: place the limit on the doubling scale
					at = float64(i) + math.Log2(float64(limit)/float64(lo))
				}
				break
			}
		}
		name := "limit"
		if model != "" {
			name = model + " limit"
		}
		c.Marker = &pipeline.Marker{At: at, Label: name + " " + Group(int64(limit))}
	}
	return c
}

func sum(bins []schemas.LengthBin) int64 {
	var n int64
	for _, b := range bins {
		n += b.Examples
	}
	return n
}

// short writes a bin edge compactly: 512, 2K, 64K, 1M.
func short(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + "M"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + "K"
	}
	return strconv.Itoa(n)
}

func piiSection(p *PII) pipeline.Section {
	s := pipeline.Section{Title: "Sensitive values found and replaced"}
	s.Lead = []string{fmt.Sprintf("Mode %s: %s values in %s records were replaced; the second scan found %s left. "+
		"Counts only: redact/spans.jsonl lists each finding's place and type, never its value.",
		p.Mode, Group(p.Found), Group(p.Records), Group(p.Residual))}
	if p.FieldsDropped+p.FieldsMasked+p.FieldsHashed > 0 {
		s.Lead = append(s.Lead, fmt.Sprintf("Field policies: %s fields dropped, %s masked, %s hashed.",
			Group(p.FieldsDropped), Group(p.FieldsMasked), Group(p.FieldsHashed)))
	}
	if len(p.ByType) == 0 {
		s.Lead = append(s.Lead, "No sensitive value was found.")
		return s
	}
	c := pipeline.Chart{Title: "Values replaced, by type"}
	for _, t := range p.ByType {
		c.Bars = append(c.Bars, pipeline.Bar{Label: t.Name, Values: []float64{float64(t.N)}, Note: Group(t.N)})
	}
	s.Charts = []pipeline.Chart{c}
	return s
}

func dupSection(d *Duplicates) pipeline.Section {
	s := pipeline.Section{Title: "Duplicate clusters"}
	s.Lead = []string{fmt.Sprintf("%s exact and %s near duplicates removed, %s conflicts; %d clusters with more than one record "+
		"(dedup/clusters.jsonl lists every member and which one was kept).", Group(d.Exact), Group(d.Near), Group(d.Conflicts), d.Clusters)}
	if len(d.Sizes) == 0 {
		return s
	}
	c := pipeline.Chart{Title: "Clusters by number of records"}
	for _, z := range d.Sizes {
		c.Bars = append(c.Bars, pipeline.Bar{Label: fmt.Sprintf("%d records", z.Size), Values: []float64{float64(z.Clusters)},
			Note: fmt.Sprintf("%s clusters", Group(int64(z.Clusters)))})
	}
	s.Charts = []pipeline.Chart{c}
	return s
}

func bankSection(b *Banks) pipeline.Section {
	s := pipeline.Section{Title: "Few-shot banks"}
	s.Lead = []string{fmt.Sprintf("%s (%s%s). A bank's tokens are added to every request that uses it.", bankLine(b), b.Model, asOf(b.PricesAsOf))}
	c := pipeline.Chart{Title: "Tokens each bank adds to a request"}
	t := pipeline.SectionTable{Header: []string{"bank", "examples", "tokens per request", "input $ per 1,000 requests", "note"}}
	for _, x := range b.Banks {
		c.Bars = append(c.Bars, pipeline.Bar{Label: x.Label, Values: []float64{float64(x.Tokens)},
			Note: fmt.Sprintf("%s tokens, %s per 1,000", Group(int64(x.Tokens)), usd(x.CostPer1000)), Alert: x.Examples < b.K})
		note := ""
		if x.Examples < b.K {
			note = fmt.Sprintf("%d of %d: %s", x.Examples, b.K, x.Short)
		}
		t.Rows = append(t.Rows, []string{x.Label, strconv.Itoa(x.Examples), Group(int64(x.Tokens)), usd(x.CostPer1000), note})
	}
	s.Charts = []pipeline.Chart{c}
	s.Tables = []pipeline.SectionTable{t}
	return s
}
