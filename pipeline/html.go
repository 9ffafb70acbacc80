package pipeline

import (
	"bytes"
	"encoding/json"
	"html/template"

	"github.com/tuneprep/tuneprep/schemas"
)

// reportPage is reports/report.html: the run on one page for a person, the
// same numbers as the JSON reports.
var reportPage = template.Must(template.New("report").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tuneprep run</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#a00}
pre{background:#f7f7f7;padding:.6em;overflow:auto;max-height:30em}
</style></head><body>
<h1>tuneprep run</h1>
<p>{{.M.Totals.Read}} records read: <b>{{.M.Totals.Emitted}} emitted</b>, {{.M.Totals.Dropped}} dropped, {{.M.Totals.Rejected}} rejected.
Version {{.M.Version}}.</p>
{{if .M.Gates}}<h2 class="bad">Quality gates failed</h2><ul>{{range .M.Gates}}<li class="bad">{{.Stage}}: {{.Message}}</li>{{end}}</ul>{{end}}
<h2>Stages</h2>
<table><tr><th>#</th><th>stage</th><th>in</th><th>out</th><th>dropped (reason: count)</th></tr>
{{range .Reports}}<tr><td class="n">{{.Index}}</td><td>{{.Stage}}</td><td class="n">{{.In}}</td><td class="n">{{.Out}}</td>
<td>{{range $r, $n := .Dropped}}{{$r}}: {{$n}}<br>{{end}}</td></tr>{{end}}
</table>
<h2>Outputs</h2>
<table><tr><th>file</th><th>records</th><th>bytes</th></tr>
{{range .M.Outputs}}<tr><td>{{.Path}}</td><td class="n">{{if .Records}}{{.Records}}{{end}}</td><td class="n">{{.Bytes}}</td></tr>{{end}}
</table>
{{range .Sections}}<h2>{{.Title}}</h2>
{{range .Lead}}<p>{{.}}</p>
{{end}}{{range .Tables}}<table>{{if .Caption}}<caption>{{.Caption}}</caption>{{end}}<tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
{{end}}{{if .Notes}}<ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{end}}<h2>Stage statistics</h2>
{{range .Stats}}<details><summary>{{.Name}}</summary><pre>{{.JSON}}</pre></details>{{end}}
</body></html>
`))

type statBlock struct {
	Name string
	JSON string
}

// Section is a part of report.html that a stage's statistics add for
// people, before the raw statistics: paragraphs, tables of text cells and
// notes, all escaped. A Reporter's Stats value that is a Sectioner gets
// one; the engine knows nothing of what it says.
type Section struct {
	Title  string
	Lead   []string
	Tables []SectionTable
	Notes  []string
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

// writeHTML renders the report page.
func writeHTML(env *Env, m *schemas.RunManifest, reports []schemas.StageReport) error {
	var blocks []statBlock
	var sections []Section
	for _, r := range reports {
		if r.Stats == nil {
			continue
		}
		if sc, ok := r.Stats.(Sectioner); ok {
			sections = append(sections, sc.Section())
		}
		b, err := json.MarshalIndent(r.Stats, "", "  ")
		if err != nil {
			return err
		}
		blocks = append(blocks, statBlock{r.Stage, string(b)})
	}
	var buf bytes.Buffer
	if err := reportPage.Execute(&buf, struct {
		M        *schemas.RunManifest
		Reports  []schemas.StageReport
		Sections []Section
		Stats    []statBlock
	}{m, reports, sections, blocks}); err != nil {
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
