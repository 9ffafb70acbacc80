package pipeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"sort"
	"strconv"
	"strings"

	"github.com/tuneprep/tuneprep/schemas"
)

// reportPage is reports/report.html: the run on one page for a person, the
// same numbers as the JSON reports. It is one self-contained file: inline
// CSS and SVG, no script, nothing fetched.
var reportPage = template.Must(template.New("report").Funcs(template.FuncMap{
	"group": group, "seconds": Duration, "source": sourceText, "numeric": numeric,
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>tuneprep run: {{.Verdict}}</title>
<style>
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em auto;max-width:1180px;padding:0 1em;color:#1d1d1f;background:#fff}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin:1.6em 0 .4em;padding-top:.4em;border-top:1px solid #ddd}h3{font-size:1.02em;margin:1.1em 0 .3em}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #d4d4d4;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}caption{text-align:left;font-weight:600;padding:.3em 0}
.badge{display:inline-block;padding:.1em .6em;border-radius:.3em;font-size:.75em;vertical-align:middle;color:#fff}
.ok{background:#2e7d32}.failed,.blocked{background:#c62828}.pass{color:#2e7d32;font-weight:600}.fail{color:#c62828;font-weight:600}
.lead{font-size:1.08em}.muted{color:#666}svg{display:block;max-width:100%;height:auto;margin:.4em 0}
svg text{font:13px system-ui,-apple-system,"Segoe UI",sans-serif;fill:#1d1d1f}
td.x{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.88em;max-width:46em;word-break:break-word;background:#fafafa}
pre{background:#f6f6f6;padding:.6em;overflow:auto;max-height:30em}nav a{margin-right:1em}
</style></head><body>
<h1>tuneprep run <span class="badge {{.M.Status}}">{{.Verdict}}</span></h1>
<p class="lead">{{group .M.Totals.Read}} records read: <b>{{group .M.Totals.Emitted}} emitted</b>, {{group .M.Totals.Dropped}} dropped, {{group .M.Totals.Rejected}} rejected.</p>
<p class="muted">tuneprep {{.M.Version}}; started {{.M.Execution.Started}}, {{seconds .M.Execution.Seconds}}, {{.M.Execution.Workers}} workers{{with .M.Execution.RunID}}; run {{.}}{{end}}.{{if eq .M.Status "blocked"}} The previous output was kept; this output was set aside.{{end}}</p>
<nav><a href="#gates">Gates</a><a href="#funnel">Funnel</a><a href="#drops">Drops</a>{{range .Sections}}<a href="#{{.ID}}">{{.Title}}</a>{{end}}<a href="#timings">Timings</a><a href="#outputs">Outputs</a></nav>
<section id="gates"><h2>Quality gates</h2>
{{if or .M.GateResults .Builtin}}<table><tr><th>verdict</th><th>gate</th><th>value</th><th>threshold</th><th>what was measured</th></tr>
{{range .M.GateResults}}<tr><td class="{{if .Passed}}pass{{else}}fail{{end}}">{{if .Passed}}passed{{else}}FAILED{{end}}</td><td>{{.Gate}}</td><td class="n">{{with .Value}}{{.}}{{else}}n/a{{end}}</td><td class="n">{{.Threshold}}</td><td>{{.Message}}</td></tr>
{{end}}{{range .Builtin}}<tr><td class="fail">FAILED</td><td>{{.Stage}}</td><td></td><td></td><td>{{.Message}}</td></tr>
{{end}}</table>{{else}}<p>No gates configured: set them under <code>gates:</code> in the config or with <code>--gate name=value</code>.</p>{{end}}
{{with .M.Warnings}}<details{{if le (len .) 3}} open{{end}}><summary>{{len .}} warnings (they do not fail the run)</summary><ul>{{range .}}<li>{{.Stage}}: {{.Message}}</li>{{end}}</ul></details>{{end}}
</section>
<section id="funnel"><h2>Stage funnel</h2>
{{.Funnel}}
<table><tr><th>#</th><th>stage</th><th>in</th><th>out</th><th>dropped (reason: count)</th><th>busy</th><th>MB/s</th></tr>
{{range .Reports}}<tr><td class="n">{{.Index}}</td><td>{{.Stage}}</td><td class="n">{{group .In}}</td><td class="n">{{group .Out}}</td>
<td>{{range $r, $n := .Dropped}}{{$r}}: {{group $n}}<br>{{end}}</td><td class="n">{{seconds .Timing.BusySeconds}}</td><td class="n">{{.Timing.MBPerSecond}}</td></tr>
{{end}}</table>
</section>
<section id="drops"><h2>Drop reasons</h2>
{{if .Drops}}{{.Drops}}
<p>The first records dropped for each reason, in input order (all of them are in <code>dropped.jsonl</code> and <code>rejects.jsonl</code>, without text). Excerpts are of the text as it was when the record was dropped, with sensitive values replaced by their type.</p>
{{range .Samples}}<h3>{{.Stage}} / {{.Reason}} ({{group .Count}})</h3>
<table><tr><th>id</th><th>source</th><th>detail</th><th>excerpt</th></tr>
{{range .Records}}<tr><td>{{.ID}}</td><td>{{source .Source}}</td><td>{{.Detail}}</td><td class="x">{{.Excerpt}}</td></tr>
{{end}}</table>
{{end}}{{else}}<p>No record was dropped or rejected.</p>{{end}}
</section>
{{range .Sections}}<section id="{{.ID}}"><h2>{{.Title}}</h2>
{{range .Lead}}<p>{{.}}</p>
{{end}}{{range .Charts}}{{.SVG}}
{{end}}{{range .Tables}}<table>{{if .Caption}}<caption>{{.Caption}}</caption>{{end}}<tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td{{if numeric .}} class="n"{{end}}>{{.}}</td>{{end}}</tr>
{{end}}</table>
{{end}}{{if .Notes}}<ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
</section>
{{end}}<section id="timings"><h2>Stage timings</h2>
<p>Busy time is the time a stage's workers spent on records; parallel stages can be busy longer than the run took.</p>
{{.Timings}}
</section>
<section id="outputs"><h2>Outputs</h2>
<table><tr><th>file</th><th>records</th><th>bytes</th></tr>
{{range .M.Outputs}}<tr><td>{{.Path}}</td><td class="n">{{if .Records}}{{group .Records}}{{end}}</td><td class="n">{{group .Bytes}}</td></tr>{{end}}
</table>
</section>
<section id="stats"><h2>Stage statistics</h2>
{{range .Stats}}<details><summary>{{.Name}}</summary><pre>{{.JSON}}</pre></details>{{end}}
</section>
</body></html>
`))

type statBlock struct {
	Name string
	JSON string
}

// Section is a part of report.html that adds what the engine does not know
// to the page: paragraphs, charts, tables of text cells and notes, all
// escaped. A Reporter's Stats value that is a Sectioner gets one, and
// RunOptions.Sections adds more; the engine knows nothing of what they say.
type Section struct {
	Title  string
	Lead   []string
	Charts []Chart
	Tables []SectionTable
	Notes  []string
}

// ID is the section's anchor on the page.
func (s Section) ID() string {
	var b strings.Builder
	for _, r := range strings.ToLower(s.Title) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	return "s-" + strings.TrimSuffix(b.String(), "-")
}

// SectionTable is a table of a Section.
type SectionTable struct {
	Caption string
	Header  []string
	Rows    [][]string
}

// Sectioner is implemented by statistics that add a Section to report.html.
type Sectioner interface {
	Section() Section
}

// sampleBlock is one drop reason's samples on the page.
type sampleBlock struct {
	Stage, Reason string
	Count         int64
	Records       []schemas.DropSample
}

// writeHTML renders the report page; sections come after the drop reasons.
func writeHTML(env *Env, m *schemas.RunManifest, reports []schemas.StageReport, sections []Section) error {
	var blocks []statBlock
	var own []Section
	for _, r := range reports {
		if r.Stats == nil {
			continue
		}
		if sc, ok := r.Stats.(Sectioner); ok {
			own = append(own, sc.Section())
		}
		b, err := json.MarshalIndent(r.Stats, "", "  ")
		if err != nil {
			return err
		}
		blocks = append(blocks, statBlock{r.Stage, string(b)})
	}
	var builtin []schemas.Gate // failed gates that are not configured ones
	for _, g := range m.Gates {
		if g.Stage != "gates" {
			builtin = append(builtin, g)
		}
	}
	verdict := map[string]string{schemas.StatusOK: "passed", schemas.StatusFailed: "gate failed",
		schemas.StatusBlocked: "gate failed, output blocked"}[m.Status]
	var buf bytes.Buffer
	if err := reportPage.Execute(&buf, struct {
		M        *schemas.RunManifest
		Verdict  string
		Builtin  []schemas.Gate
		Reports  []schemas.StageReport
		Funnel   template.HTML
		Drops    template.HTML
		Samples  []sampleBlock
		Sections []Section
		Timings  template.HTML
		Stats    []statBlock
	}{m, verdict, builtin, reports, funnelChart(reports).SVG(), dropChart(reports, m.Totals.Read).SVG(),
		samples(reports), append(sections, own...), timingChart(reports).SVG(), blocks}); err != nil {
		return err
	}
	f, err := env.Create("reports/report.html")
	if err != nil {
		return err
	}
	f.Write(buf.Bytes())
	f.SetRecords(1)
	return f.Close()
}

// funnelChart draws each stage's records in as a bar: the part that went
// on, and the part dropped (or, at the source, rejected).
func funnelChart(reports []schemas.StageReport) Chart {
	c := Chart{Title: "Records into each stage: kept and dropped", Series: []string{"kept", "dropped or rejected"}}
	for _, r := range reports {
		note := group(r.In) + " → " + group(r.Out)
		if d := r.In - r.Out; d > 0 {
			note += " (−" + group(d) + ")"
		}
		c.Bars = append(c.Bars, Bar{Label: r.Stage, Values: []float64{float64(r.Out), float64(r.In - r.Out)}, Note: note})
	}
	return c
}

// dropChart draws the drop reasons of every stage, most records first; past
// 24 reasons the rest are one bar.
func dropChart(reports []schemas.StageReport, read int64) Chart {
	c := Chart{Title: "Records dropped or rejected, by stage and reason"}
	for _, r := range reports {
		for _, why := range sortedReasons(r.Dropped) {
			c.Bars = append(c.Bars, Bar{Label: r.Stage + " / " + why, Values: []float64{float64(r.Dropped[why])}, Alert: true})
		}
	}
	if len(c.Bars) == 0 {
		return Chart{}
	}
	sort.SliceStable(c.Bars, func(i, j int) bool { return c.Bars[i].Values[0] > c.Bars[j].Values[0] })
	if len(c.Bars) > 24 {
		rest := Bar{Label: fmt.Sprintf("%d other reasons", len(c.Bars)-23), Alert: true, Values: []float64{0}}
		for _, b := range c.Bars[23:] {
			rest.Values[0] += b.Values[0]
		}
		c.Bars = append(c.Bars[:23], rest)
	}
	for i := range c.Bars {
		n := int64(c.Bars[i].Values[0])
		c.Bars[i].Note = group(n)
		if read > 0 {
			c.Bars[i].Note += fmt.Sprintf(" (%.1f%% of read)", 100*float64(n)/float64(read))
		}
	}
	return c
}

// timingChart draws each stage's busy time, with its throughput.
func timingChart(reports []schemas.StageReport) Chart {
	c := Chart{Title: "Busy seconds per stage"}
	for _, r := range reports {
		note := Duration(r.Timing.BusySeconds)
		if r.Timing.MBPerSecond > 0 {
			note += fmt.Sprintf(", %.1f MB/s", r.Timing.MBPerSecond)
		}
		c.Bars = append(c.Bars, Bar{Label: r.Stage, Values: []float64{r.Timing.BusySeconds}, Note: note})
	}
	return c
}

// samples lists the drop samples of every stage, in stage order, reasons sorted.
func samples(reports []schemas.StageReport) []sampleBlock {
	var out []sampleBlock
	for _, r := range reports {
		for _, why := range sortedReasons(r.Dropped) {
			if s := r.Samples[why]; len(s) > 0 {
				out = append(out, sampleBlock{Stage: r.Stage, Reason: why, Count: r.Dropped[why], Records: s})
			}
		}
	}
	return out
}

// numeric reports whether a table cell is a figure (1,234, $0.05, 12%),
// to align it right.
func numeric(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9', r == ',', r == '.', r == '%':
		case (r == '$' || r == '-' || r == '+' || r == '<') && i == 0:
		default:
			return false
		}
	}
	return true
}

func sourceText(s schemas.Source) string {
	t := schemas.PrintablePath(s.Path) + ":" + strconv.Itoa(s.Line)
	if s.Item > 0 {
		t += "#" + strconv.Itoa(s.Item)
	}
	return t
}

// group formats n with thousands separators.
func group(n any) string {
	var v int64
	switch x := n.(type) {
	case int64:
		v = x
	case *int64:
		v = *x
	case int:
		v = int64(x)
	}
	return Thousands(v)
}

// Thousands formats n with thousands separators: 1234567 is "1,234,567".
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Duration formats seconds for people: "12.3 s", "1.23 s", "45.6 ms".
func Duration(s float64) string {
	switch {
	case s >= 10:
		return fmt.Sprintf("%.1f s", s)
	case s >= 1:
		return fmt.Sprintf("%.2f s", s)
	}
	return fmt.Sprintf("%.1f ms", s*1000)
}
