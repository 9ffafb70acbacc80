package pipeline

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

// sectioned is a stage whose statistics add a section to report.html.
type sectioned struct{}

type sectionStats struct {
	N int `json:"n"`
}

func (sectionStats) Section() Section {
	return Section{Title: "Advice <&>", Lead: []string{"use <b>this</b>"},
		Tables: []SectionTable{{Caption: "figures", Header: []string{"label", "n"}, Rows: [][]string{{"a&b", "1"}}}},
		Notes:  []string{"a note"}}
}

func (sectioned) Name() string { return "sectioned" }
func (sectioned) Sequence(context.Context, *schemas.Document) (*schemas.Drop, error) {
	return nil, nil
}
func (sectioned) Stats() any { return sectionStats{N: 1} }

// TestReportSection: statistics that are a Sectioner get a section of
// report.html, escaped, before the raw statistics; others get none.
func TestReportSection(t *testing.T) {
	_, out, err := runPlan(t, Plan{Source: &counter{n: 3}, Stages: []Stage{sectioned{}}})
	if err != nil {
		t.Fatal(err)
	}
	page := readFile(t, filepath.Join(out, "reports/report.html"))
	for _, want := range []string{"<h2>Advice &lt;&amp;&gt;</h2>", "<p>use &lt;b&gt;this&lt;/b&gt;</p>", "<caption>figures</caption>",
		"<th>label</th><th>n</th>", "<td>a&amp;b</td><td class=\"n\">1</td>", "<li>a note</li>"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %s", want)
		}
	}
	if strings.Index(page, "<h2>Advice") > strings.Index(page, "<h2>Stage statistics") {
		t.Error("the section comes after the raw statistics")
	}
	if strings.Count(page, "<h2>") != 7 { // gates, funnel, drops, the section, timings, outputs, statistics
		t.Errorf("%d sections:\n%s", strings.Count(page, "<h2>"), page)
	}
}
