package template

import (
	"context"
	"strings"
	"testing"
	"text/template"
	"text/template/parse"

	"github.com/tuneprep/tuneprep/schemas"
)

// TestPlainMatchesTextTemplate holds the literal-and-fields fast path to
// text/template: same text, same drops, and text/template where the path
// does not apply.
func TestPlainMatchesTextTemplate(t *testing.T) {
	srcs := []string{
		"{{.a}}", "{{ .a }}", "Q: {{.a}}\n\nA: {{.b}}", "{{.a}}{{.a}}", "{{- .a -}}  tail", "lit only", "  {{.b}}  ",
		"{{.a | trim}}", "{{.j}}", "{{.j.k}}", "{{if .a}}{{.a}}{{end}}", "{{/* note */}}{{.a}}", "{{$x := .a}}{{$x}}", "{{.}}",
	}
	fieldSets := []schemas.Fields{
		{{Name: "a", Value: "alpha"}, {Name: "b", Value: "beta"}, {Name: "j", Value: `{"k":[1,2]}`, Raw: true}},
		{{Name: "a", Value: "  "}, {Name: "b", Value: ""}, {Name: "j", Value: `"s"`, Raw: true}},
		{{Name: "a", Value: "first"}, {Name: "a", Value: "second \u00e9 <b>&"}, {Name: "b", Value: "x"}, {Name: "j", Value: "[]", Raw: true}},
		{{Name: "a", Value: `{"raw":true}`, Raw: true}, {Name: "b", Value: "y"}, {Name: "j", Value: "1", Raw: true}},
		{{Name: "b", Value: "no a"}},
	}
	for _, src := range srcs {
		for _, name := range []string{"user", "system"} {
			tp, err := template.New(name).Option("missingkey=zero").Funcs(funcs).Parse(src)
			if err != nil {
				t.Fatal(err)
			}
			required, refs := fieldRefs(tp.Tree.Root)
			fast := &part{t: tp, required: required, refs: refs, plain: plainSegments(tp.Tree.Root)}
			slow := &part{t: tp, required: required, refs: refs}
			for _, fs := range fieldSets {
				got, gotDrop := execute(fast, fs)
				want, wantDrop := execute(slow, fs)
				if got != want || (gotDrop == nil) != (wantDrop == nil) || (gotDrop != nil && *gotDrop != *wantDrop) {
					t.Errorf("%s %q over %v: %q, %v; text/template %q, %v", name, src, fs, got, gotDrop, want, wantDrop)
				}
			}
		}
	}
	if plainSegments(mustParse(t, "{{.a | trim}}")) != nil || plainSegments(mustParse(t, "{{.j.k}}")) != nil {
		t.Error("a pipeline or a nested field taken for a plain template")
	}
}

func mustParse(t *testing.T, src string) *parse.ListNode {
	tp, err := template.New("x").Funcs(funcs).Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return tp.Tree.Root
}

// BenchmarkProcessChatPlain renders the usual chat rule, user {{.instruction}}
// and assistant {{.response}}, as in a support-ticket config.
func BenchmarkProcessChatPlain(b *testing.B) {
	s := mustNew(b, Rule{Kind: "chat", User: "{{.instruction}}", Assistant: "{{.response}}"})
	fields := schemas.Fields{
		{Name: "ticket_id", Value: "T0012345"},
		{Name: "instruction", Value: "how can I cancel purchase 113542617735902?"},
		{Name: "response", Value: strings.Repeat("I understand how unnerving it can be to cancel an order. ", 12)},
		{Name: "intent", Value: "cancel_order"},
	}
	b.ReportAllocs()
	for b.Loop() {
		d := &schemas.Document{Source: schemas.Source{Path: "tickets.jsonl"}, Fields: fields}
		if drop, err := s.Process(context.Background(), d); err != nil || drop != nil {
			b.Fatal(drop, err)
		}
	}
}
