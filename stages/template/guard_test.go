package template

import (
	"fmt"
	"strings"
	"testing"
	"text/template"

	"github.com/tuneprep/tuneprep/schemas"
)

// guardFields is a record with string, JSON object and JSON list fields;
// the second object of objs has no "t".
var guardFields = schemas.Fields{
	{Name: "a", Value: "alpha"}, {Name: "b", Value: " beta "}, {Name: "h", Value: `<i>"x" & y</i>`},
	{Name: "j", Value: `{"k":[1,2],"m":{"n":"x"}}`, Raw: true},
	{Name: "l", Value: `["1","2","3"]`, Raw: true},
	{Name: "objs", Value: `[{"t":"a"},{"u":"b"},{"t":"c"}]`, Raw: true},
}

// guardedPart returns the compiled (guarded) text part of src, and the same
// template executed by text/template as it is.
func guardedPart(t *testing.T, src string) (guarded, plain *part) {
	t.Helper()
	s, err := New(Config{Rules: []Rule{{Kind: "text", Text: src}}})
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	tp, err := template.New("text").Option("missingkey=zero").Funcs(funcs).Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	required, refs := fieldRefs(tp.Tree.Root)
	return s.rules[0].txt, &part{t: tp, required: required, refs: refs}
}

// TestGuardKeepsOutput: the rewritten templates print what text/template
// prints, over every function and construct a template may use, except
// that a missing optional value prints as nothing instead of "<no value>".
func TestGuardKeepsOutput(t *testing.T) {
	srcs := []string{
		`{{.a | trim}}`, `{{upper .a}} {{lower .b}}`, `{{printf "%s-%s|%5.2f" .a .b 3.14159}}`, `{{if .a}}A{{else}}B{{end}}`,
		`{{with .j}}{{.k}}{{end}}`, `{{range .l}}[{{.}}]{{end}}`, `{{range $i, $e := .l}}{{$i}}={{$e}};{{end}}`, `{{index .l 1}}`,
		`{{len .l}}`, `{{.j.k}} {{.j.m.n}}`, `{{default "d" .z}}`, `{{$x := .a}}{{$x}}{{$x | upper}}`, `{{eq .a "alpha"}} {{ne .a .b}} {{lt .a .b}}`,
		`{{slice .a 1 3}}`, `{{html .h}} {{js .h}} {{urlquery .h}}`, `{{println .a .b}}`, `{{print .j}}|{{.j}}|{{.l}}|{{.objs}}`,
		`{{range .l}}{{if eq . "2"}}two{{end}}{{end}}`, `{{and .a .b}} {{or .z .b}} {{not .a}}`, `{{.a}}{{/* c */}}`, `{{range 3}}x{{end}}`,
		`{{range $k, $v := .j}}{{$k}}:{{$v}};{{end}}`, `{{(index .objs 0).t}}`, `{{$.a}}`, `{{range .objs}}{{$.a}}{{.t}}{{.u}};{{end}}`,
		`{{range .l}}{{if eq . "2"}}{{break}}{{end}}{{.}}{{end}}`, `{{range .l}}{{if eq . "2"}}{{continue}}{{end}}{{.}}{{end}}`,
		`{{with $o := index .objs 1}}{{$o.u}}{{end}}`, `{{.a | printf "%q" | upper}}`,
		`{{range .objs}}{{with .t}}{{.}}{{end}}{{end}}`, `{{len (print .l)}}`, `{{index .j "m"}}`,
	}
	for _, src := range srcs {
		g, p := guardedPart(t, src)
		got, gotDrop := execute(g, guardFields)
		want, wantDrop := execute(p, guardFields)
		want = strings.ReplaceAll(want, "<no value>", "")
		if got != want || (gotDrop == nil) != (wantDrop == nil) || gotDrop != nil && gotDrop.Reason != wantDrop.Reason {
			t.Errorf("%s: %q, %v; text/template %q, %v", src, got, gotDrop, want, wantDrop)
		}
	}
}

// TestGuardMissingValues: a missing value nested in a JSON field is a
// missing-field drop where the template requires it, empty text where it
// is optional; errors of functions stay template-error drops.
func TestGuardMissingValues(t *testing.T) {
	cases := []struct {
		src, want, drop, detail string
	}{
		{`{{.j.nope}}`, "", "missing-field", `"j.nope"`},
		{`{{.j.m.nope | upper}}`, "", "missing-field", `"j.m.nope"`},
		{`{{printf "%s" .j.nope}}`, "", "missing-field", `"j.nope"`},
		{`{{if .j.nope}}y{{else}}n{{end}}`, "n", "", ""},
		{`{{default "d" .j.nope}}`, "d", "", ""},
		{`{{range .objs}}{{.t}}{{end}}`, "ac", "", ""},
		{`{{with .j}}{{.nope}}x{{end}}`, "x", "", ""},
		{`{{range .j.nope}}x{{else}}none{{end}}`, "none", "", ""},
		{`{{range .nosuch}}x{{else}}none{{end}}`, "none", "", ""},
		{`{{index .l 9}}`, "", "template-error", "index out of range"},
		{`{{.a.b}}`, "", "template-error", "text"},
		{`{{.nosuch}}`, "", "missing-field", `"nosuch"`},
	}
	for _, c := range cases {
		g, _ := guardedPart(t, c.src)
		got, drop := execute(g, guardFields)
		switch {
		case c.drop == "" && (drop != nil || got != c.want):
			t.Errorf("%s: %q, %v; want %q", c.src, got, drop, c.want)
		case c.drop != "" && (drop == nil || drop.Reason != c.drop || !strings.Contains(drop.Detail, c.detail)):
			t.Errorf("%s: %q, %+v; want a %s drop naming %s", c.src, got, drop, c.drop, c.detail)
		}
	}
}

// TestGuardRefuses: recursion and call are config errors.
func TestGuardRefuses(t *testing.T) {
	for src, want := range map[string]string{
		`{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`: "recursion",
		`{{block "b" .}}x{{end}}`:                               "recursion",
		`{{template "x"}}`:                                      "recursion",
		`{{call .f}}`:                                           "call",
		`{{_tp_print .a}}`:                                      "not defined",
	} {
		_, err := New(Config{Rules: []Rule{{Kind: "chat", User: "{{.q}}", Assistant: src}}})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "assistant") {
			t.Errorf("%s: error %v, want one naming the assistant template and %q", src, err, want)
		}
	}
}

// TestGuardBudget: a template that loops over loops, formats huge widths,
// compares or formats large values over and over, or doubles a string is
// stopped (template-limit drop) after about its budget of work; the
// templates that print the same large record plainly are not.
func TestGuardBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("each hostile template works up to its budget, some 20 MB of work")
	}
	items := make([]string, 5000)
	for i := range items {
		items[i] = fmt.Sprintf("%q", fmt.Sprint(i))
	}
	big := strings.Repeat("x", 256<<10)
	fields := schemas.Fields{{Name: "a", Value: "alpha"}, {Name: "big", Value: big},
		{Name: "l", Value: "[" + strings.Join(items, ",") + "]", Raw: true},
		{Name: "j", Value: `{"big":"` + big + `"}`, Raw: true}}
	doubling := `{{$s := .a}}` + strings.Repeat(`{{$s = printf "%s%s" $s $s}}`, 64) + `{{len $s}}`
	hostile := []string{
		`{{range 100000000000}}{{end}}`,
		`{{range .l}}{{range $.l}}{{range $.l}}{{end}}{{end}}{{end}}`,
		`{{range .l}}{{printf "%1000000d" 1}}{{end}}`,
		`{{range .l}}{{if eq (printf "%1000000d" 1) ""}}{{end}}{{end}}`,
		`{{range .l}}{{if eq $.big $.j.big}}{{end}}{{end}}`,
		`{{range .l}}{{if eq (len (printf "%.0s" $.j)) 1}}{{end}}{{end}}`,
		`{{range .l}}{{$x := $.big | upper}}{{end}}`,
		doubling,
	}
	for _, src := range hostile {
		g, _ := guardedPart(t, src)
		if got, drop := execute(g, fields); drop == nil || drop.Reason != "template-limit" {
			t.Errorf("%.60s: %d bytes, %v; want a template-limit drop", src, len(got), drop)
		}
	}
	for _, src := range []string{`{{range .l}}{{.}} {{end}}`, `{{.big | upper}}{{.j}}{{printf "%s" .big}}`, `{{range .l}}{{$.a}}{{end}}`} {
		g, _ := guardedPart(t, src)
		if _, drop := execute(g, fields); drop != nil {
			t.Errorf("%s: dropped %+v", src, drop)
		}
	}
}

// TestFieldNamesBounded: a drop's detail lists at most maxNamesListed field
// names, however many columns a record has.
func TestFieldNamesBounded(t *testing.T) {
	fs := make(schemas.Fields, 200000)
	for i := range fs {
		fs[i] = schemas.Field{Name: fmt.Sprintf("column_%d", i+1), Value: "x"}
	}
	got := fieldNames(fs)
	if !strings.HasSuffix(got, "column_50, and 199950 more") || len(got) > 1000 {
		t.Errorf("%d bytes: %.200s...", len(got), got)
	}
}
