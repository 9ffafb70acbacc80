package template

import (
	"context"
	"reflect"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

// rawDoc is a record with JSON fields, as ingest reads a nested record.
func rawDoc(kv ...string) *schemas.Document {
	d := &schemas.Document{ID: "x", Source: schemas.Source{Path: "tatqa.json", Line: 1}}
	for i := 0; i+1 < len(kv); i += 2 {
		raw := len(kv[i+1]) > 0 && (kv[i+1][0] == '{' || kv[i+1][0] == '[')
		d.Fields = append(d.Fields, schemas.Field{Name: kv[i], Value: kv[i+1], Raw: raw})
	}
	return d
}

func TestNestedValues(t *testing.T) {
	tatqa := rawDoc(
		"table", `{"uid":"t1","table":[["","2019","2018"],["Revenue","12.5","10.1"]]}`,
		"paragraphs", `[{"uid":"p1","order":1,"text":"Revenue grew."},{"uid":"p2","order":2,"text":"Costs fell."}]`,
		"question", "What was revenue in 2019?",
		"answer", `["12.5"]`,
		"meta", `{"source":{"company":"ACME","year":2019}}`,
	)
	tests := []struct {
		name, tmpl, want string
	}{
		{"object path", "{{.meta.source.company}} {{.meta.source.year}}", "ACME 2019"},
		{"table renders as rows", "{{.table}}", "| 2019 | 2018\nRevenue | 12.5 | 10.1"},
		{"paragraph objects render as paragraphs", "{{.paragraphs}}", "Revenue grew.\n\nCosts fell."},
		{"list of scalars", "{{.answer}}", "12.5"},
		{"range over objects", "{{range .paragraphs}}- {{.text}}\n{{end}}", "- Revenue grew.\n- Costs fell.\n"},
		{"index into rows", "{{index (index .table.table 1) 0}}", "Revenue"},
		{"optional absent field is empty", "{{if .nosuch}}x{{end}}[{{.question}}]", "[What was revenue in 2019?]"},
		// Separators, leading spaces and trailing newlines are written as is.
		{"exact separators", "{{.question}}\n\n###\n\n", "What was revenue in 2019?\n\n###\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustNew(t, Rule{Kind: "text", Text: tt.tmpl})
			d := *tatqa
			if drop := run(t, s, &d); drop != nil {
				t.Fatalf("dropped: %+v", drop)
			}
			if d.Example.Text != tt.want {
				t.Errorf("rendered %q, want %q", d.Example.Text, tt.want)
			}
		})
	}
}

// A completion rule in the legacy OpenAI style keeps its separator and the
// completion's leading space byte for byte.
func TestCompletionSeparatorsSurvive(t *testing.T) {
	s := mustNew(t, Rule{Kind: "completion", Prompt: "{{.q}}\n\n###\n\n", Completion: " {{.a}}"})
	d := doc("a.csv", "q", "Refund?", "a", "Yes, within 30 days.")
	if drop := run(t, s, d); drop != nil {
		t.Fatalf("dropped: %+v", drop)
	}
	if d.Example.Prompt != "Refund?\n\n###\n\n" || d.Example.Completion != " Yes, within 30 days." {
		t.Errorf("prompt %q completion %q", d.Example.Prompt, d.Example.Completion)
	}
}

// Auto on an exploded TAT-QA question: the table and paragraphs go before
// the question, the answer list becomes the reply.
func TestAutoCarriesContext(t *testing.T) {
	d := rawDoc(
		"table", `{"uid":"t1","table":[["","2019"],["Revenue","12.5"]]}`,
		"paragraphs", `[{"uid":"p1","order":1,"text":"Revenue grew."}]`,
		"uid", "q-1",
		"question", "What was revenue in 2019?",
		"answer", `["12.5"]`,
	)
	if drop := run(t, mustNew(t, Rule{Kind: "auto"}), d); drop != nil {
		t.Fatalf("dropped: %+v", drop)
	}
	want := []schemas.Message{
		msg("user", "Revenue grew.\n\n| 2019\nRevenue | 12.5\n\nWhat was revenue in 2019?"),
		msg("assistant", "12.5"),
	}
	if !reflect.DeepEqual(d.Example.Messages, want) {
		t.Errorf("messages %+v, want %+v", d.Example.Messages, want)
	}
}

// A record read as an example at ingest passes through auto as it is.
func TestAutoKeepsInputExample(t *testing.T) {
	ex := &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{msg("user", "hi"), msg("assistant", "yo")}}
	d := &schemas.Document{ID: "x", Source: schemas.Source{Path: "a.jsonl", Line: 1}, Example: ex, Fields: schemas.Fields{{Name: "question", Value: "other"}, {Name: "answer", Value: "other"}}}
	if drop := run(t, mustNew(t, Rule{Kind: "auto"}), d); drop != nil {
		t.Fatalf("dropped: %+v", drop)
	}
	if d.Example != ex {
		t.Errorf("example replaced: %+v", d.Example)
	}
}

// BenchmarkAutoNested is auto on an exploded TAT-QA question: the table and
// paragraphs are decoded and rendered into the prompt.
func BenchmarkAutoNested(b *testing.B) {
	s := mustNew(b, Rule{Kind: "auto"})
	src := rawDoc(
		"table", `{"uid":"t1","table":[["","2019","2018"],["Revenue","12.5","10.1"],["Costs","8.1","7.7"]]}`,
		"paragraphs", `[{"uid":"p1","order":1,"text":"Revenue grew in every region, led by services."},{"uid":"p2","order":2,"text":"Costs rose more slowly than sales."}]`,
		"uid", "q-1",
		"question", "What was the change in revenue between 2018 and 2019?",
		"answer", `["2.4"]`,
	)
	b.ReportAllocs()
	for b.Loop() {
		d := *src
		if drop, err := s.Process(context.Background(), &d); err != nil || drop != nil {
			b.Fatal(drop, err)
		}
	}
}

// BenchmarkTemplateNested renders a template that walks JSON values.
func BenchmarkTemplateNested(b *testing.B) {
	s := mustNew(b, Rule{Kind: "chat", User: "{{.paragraphs}}\n\n{{.table}}\n\n{{.question}}", Assistant: "{{.answer}} {{.meta.scale}}"})
	src := rawDoc(
		"table", `{"uid":"t1","table":[["","2019","2018"],["Revenue","12.5","10.1"],["Costs","8.1","7.7"]]}`,
		"paragraphs", `[{"uid":"p1","order":1,"text":"Revenue grew in every region, led by services."}]`,
		"question", "What was the change in revenue between 2018 and 2019?",
		"answer", `["2.4"]`,
		"meta", `{"scale":"million"}`,
	)
	b.ReportAllocs()
	for b.Loop() {
		d := *src
		if drop, err := s.Process(context.Background(), &d); err != nil || drop != nil {
			b.Fatal(drop, err)
		}
	}
}
