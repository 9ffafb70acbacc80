package template

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"text/template"

	"github.com/tuneprep/tuneprep/schemas"
)

func mustNew(t testing.TB, rules ...Rule) *Stage {
	t.Helper()
	s, err := New(Config{Rules: rules})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func doc(path string, kv ...string) *schemas.Document {
	d := &schemas.Document{ID: "id-" + path, Source: schemas.Source{Path: path, Line: 1}}
	for i := 0; i+1 < len(kv); i += 2 {
		d.Fields.Set(kv[i], kv[i+1])
	}
	d.Text = d.Fields.MainText(nil)
	return d
}

func msg(role, content string) schemas.Message { return schemas.Message{Role: role, Content: content} }

// run processes d and fails the test on an error.
func run(t *testing.T, s *Stage, d *schemas.Document) *schemas.Drop {
	t.Helper()
	drop, err := s.Process(context.Background(), d)
	if err != nil {
		t.Fatalf("Process: %v", err)
	}
	return drop
}

func TestKinds(t *testing.T) {
	chat := Rule{Kind: "chat", System: "You answer {{.topic}} questions.", User: "{{.q}}", Assistant: "{{.a}}"}
	tests := []struct {
		name string
		rule Rule
		doc  *schemas.Document
		want *schemas.Example
	}{
		{
			name: "chat with system",
			rule: chat,
			doc:  doc("a.jsonl", "topic", "tax", "q", " Is it due? ", "a", "Yes."),
			// Fields are normalized before; the template's output is kept as rendered.
			want: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{
				msg("system", "You answer tax questions."), msg("user", " Is it due? "), msg("assistant", "Yes.")}},
		},
		{
			name: "chat without system",
			rule: Rule{Kind: "chat", User: "Q: {{.q}}", Assistant: "{{.a | trim}}"},
			doc:  doc("a.jsonl", "q", "why", "a", "because"),
			want: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{msg("user", "Q: why"), msg("assistant", "because")}},
		},
		{
			name: "chat with a system template that renders empty",
			rule: Rule{Kind: "chat", System: "{{.sys}}", User: "{{.q}}", Assistant: "{{.a}}"},
			doc:  doc("a.jsonl", "sys", "", "q", "why", "a", "because"),
			want: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{msg("user", "why"), msg("assistant", "because")}},
		},
		{
			name: "kind defaults to chat",
			rule: Rule{User: "{{.q}}", Assistant: "{{.a}}"},
			doc:  doc("a.jsonl", "q", "why", "a", "because"),
			want: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{msg("user", "why"), msg("assistant", "because")}},
		},
		{
			name: "template functions",
			rule: Rule{User: `{{upper .q}} {{lower .r}}`, Assistant: `{{default "n/a" .a}}`},
			doc:  doc("a.jsonl", "q", "why", "r", "NOW", "a", ""),
			want: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{msg("user", "WHY now"), msg("assistant", "n/a")}},
		},
		{
			name: "chat from a messages field",
			rule: Rule{Kind: "chat", MessagesField: "conv"},
			doc:  doc("a.jsonl", "conv", `[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]`),
			want: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{msg("user", "hi"), msg("assistant", "hello")}},
		},
		{
			name: "completion",
			rule: Rule{Kind: "completion", Prompt: "{{.q}}\n\nAnswer:", Completion: " {{.a}}"},
			doc:  doc("a.jsonl", "q", "2+2?", "a", "4"),
			want: &schemas.Example{Kind: schemas.KindCompletion, Prompt: "2+2?\n\nAnswer:", Completion: " 4"},
		},
		{
			name: "text with template",
			rule: Rule{Kind: "text", Text: "# {{.title}}\n\n{{.body}}"},
			doc:  doc("a.md", "title", "T", "body", "B"),
			want: &schemas.Example{Kind: schemas.KindText, Text: "# T\n\nB"},
		},
		{
			name: "text without template takes the main text",
			rule: Rule{Kind: "text"},
			doc:  doc("a.txt", "text", "plain words"),
			want: &schemas.Example{Kind: schemas.KindText, Text: "plain words"},
		},
		{
			name: "auto: messages pass through with tools",
			rule: Rule{Kind: "auto"},
			doc: doc("a.jsonl",
				"messages", `[{"role":"user","content":"weather?"},{"role":"assistant","content":"","tool_calls":[{"id":"c1","type":"function","function":{"name":"w","arguments":"{}"}}]},{"role":"tool","content":"sunny","tool_call_id":"c1"},{"role":"assistant","content":"Sunny.","weight":1}]`,
				"tools", `[{"type":"function","function":{"name":"w"}}]`),
			want: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{
				msg("user", "weather?"),
				{Role: "assistant", ToolCalls: json.RawMessage(`[{"id":"c1","type":"function","function":{"name":"w","arguments":"{}"}}]`)},
				{Role: "tool", Content: "sunny", ToolCallID: "c1"},
				{Role: "assistant", Content: "Sunny.", Weight: new(1)},
			}, Tools: json.RawMessage(`[{"type":"function","function":{"name":"w"}}]`)},
		},
		{
			name: "auto: configured messages field",
			rule: Rule{Kind: "auto", MessagesField: "conversation"},
			doc:  doc("a.jsonl", "conversation", `[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]`, "question", "q", "answer", "a"),
			want: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{msg("user", "hi"), msg("assistant", "yo")}},
		},
		{
			name: "auto: instruction and input joined",
			rule: Rule{Kind: "auto"},
			doc:  doc("alpaca.json", "instruction", "Translate.", "input", "Hallo", "output", "Hello"),
			want: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{msg("user", "Translate.\n\nHallo"), msg("assistant", "Hello")}},
		},
		{
			name: "auto: instruction with empty input",
			rule: Rule{Kind: "auto"},
			doc:  doc("alpaca.json", "instruction", "Say hi.", "input", "", "output", "hi"),
			want: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{msg("user", "Say hi."), msg("assistant", "hi")}},
		},
		{
			name: "auto: question and answer with system",
			rule: Rule{Kind: "auto"},
			doc:  doc("qa.csv", "system", "Be brief.", "question", " What is NFC? ", "answer", "A form."),
			want: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{msg("system", "Be brief."), msg("user", "What is NFC?"), msg("assistant", "A form.")}},
		},
		{
			name: "auto: prompt and completion stay a completion",
			rule: Rule{Kind: "auto"},
			doc:  doc("pc.csv", "prompt", "p", "completion", "c"),
			want: &schemas.Example{Kind: schemas.KindCompletion, Prompt: "p", Completion: "c"},
		},
		{
			name: "auto: customer and agent",
			rule: Rule{Kind: "auto"},
			doc:  doc("t.csv", "ticket_id", "T-1", "customer", "My order is late.", "agent", "Sorry, it ships today."),
			want: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{msg("user", "My order is late."), msg("assistant", "Sorry, it ships today.")}},
		},
		{
			name: "auto: human and assistant",
			rule: Rule{Kind: "auto"},
			doc:  doc("t.jsonl", "human", "Hi?", "assistant", "Hello."),
			want: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{msg("user", "Hi?"), msg("assistant", "Hello.")}},
		},
		{
			name: "auto: context goes before the question",
			rule: Rule{Kind: "auto"},
			doc:  doc("squad.csv", "id", "q1", "context", "Paris is in France.", "question", "Where is Paris?", "answer", "France"),
			want: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{msg("user", "Paris is in France.\n\nWhere is Paris?"), msg("assistant", "France")}},
		},
		{
			name: "auto: dialogue and summary",
			rule: Rule{Kind: "auto"},
			doc:  doc("d.csv", "dialogue", "A: hi\nB: hi", "summary", "Greeting."),
			want: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{msg("user", "A: hi\nB: hi"), msg("assistant", "Greeting.")}},
		},
		{
			name: "auto: plain text",
			rule: Rule{Kind: "auto"},
			doc:  doc("notes.txt", "text", "Just notes."),
			want: &schemas.Example{Kind: schemas.KindText, Text: "Just notes."},
		},
		{
			name: "default config is auto",
			doc:  doc("notes.txt", "text", "Just notes."),
			want: &schemas.Example{Kind: schemas.KindText, Text: "Just notes."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s *Stage
			if tt.rule.Kind == "" && tt.rule.User == "" && tt.rule.MessagesField == "" {
				s = mustNew(t)
			} else {
				s = mustNew(t, tt.rule)
			}
			if drop := run(t, s, tt.doc); drop != nil {
				t.Fatalf("dropped: %+v", drop)
			}
			if !reflect.DeepEqual(tt.doc.Example, tt.want) {
				t.Errorf("Example =\n%s\nwant\n%s", dump(tt.doc.Example), dump(tt.want))
			}
		})
	}
}

func dump(ex *schemas.Example) string {
	b, _ := json.MarshalIndent(ex, "", "  ")
	return string(b)
}

func TestRulesByPath(t *testing.T) {
	s := mustNew(t,
		Rule{Match: []string{"legal/**"}, Kind: "text", Text: "legal: {{.text}}"},
		Rule{Match: []string{"*.csv", "faq/**"}, Kind: "completion", Prompt: "{{.q}}", Completion: "{{.a}}"},
		Rule{Match: []string{"**/*.txt"}, Kind: "text", Text: "txt: {{.text}}"}, // shadowed for legal/ by rule 0
	)
	tests := []struct {
		path     string
		fields   []string
		wantKind string
		wantText string
		wantDrop string
	}{
		{"legal/a/contract.txt", []string{"text", "T"}, schemas.KindText, "legal: T", ""},
		{"notes/x.txt", []string{"text", "T"}, schemas.KindText, "txt: T", ""},
		{"deep/in/qa.csv", []string{"q", "Q", "a", "A"}, schemas.KindCompletion, "", ""},
		{"faq/1.json", []string{"q", "Q", "a", "A"}, schemas.KindCompletion, "", ""},
		{"other/x.md", []string{"text", "T"}, "", "", "no-rule"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			d := doc(tt.path, tt.fields...)
			drop := run(t, s, d)
			if tt.wantDrop != "" {
				if drop == nil || drop.Reason != tt.wantDrop {
					t.Fatalf("drop = %+v, want %q", drop, tt.wantDrop)
				}
				if d.Example != nil {
					t.Errorf("dropped record has an example")
				}
				return
			}
			if drop != nil {
				t.Fatalf("dropped: %+v", drop)
			}
			if d.Example.Kind != tt.wantKind || d.Example.Text != tt.wantText {
				t.Errorf("Example = %+v, want kind %q text %q", d.Example, tt.wantKind, tt.wantText)
			}
		})
	}
}

func TestDrops(t *testing.T) {
	chat := Rule{Kind: "chat", System: "{{.sys}}", User: "{{.q}}", Assistant: "{{.a}}"}
	tests := []struct {
		name       string
		rule       Rule
		doc        *schemas.Document
		wantReason string
		wantDetail []string // substrings of the detail
	}{
		{"missing user field", chat, doc("a", "sys", "s", "a", "A"), "missing-field", []string{"user", `"q"`}},
		{"missing assistant field", chat, doc("a", "sys", "s", "q", "Q"), "missing-field", []string{"assistant", `"a"`}},
		{"missing system field", chat, doc("a", "q", "Q", "a", "A"), "missing-field", []string{"system", `"sys"`}},
		{"missing completion field", Rule{Kind: "completion", Prompt: "{{.p}}", Completion: "{{.c}}"}, doc("a", "p", "P"), "missing-field", []string{"completion", `"c"`}},
		{"missing text field", Rule{Kind: "text", Text: "{{.body}}"}, doc("a", "text", "T"), "missing-field", []string{"text", `"body"`}},
		{"empty assistant", chat, doc("a", "sys", "", "q", "Q", "a", " \n "), "empty-assistant", []string{"assistant"}},
		{"empty user", chat, doc("a", "sys", "", "q", "", "a", "A"), "empty-user", []string{"user"}},
		{"empty prompt", Rule{Kind: "completion", Prompt: "{{.p}}", Completion: "{{.c}}"}, doc("a", "p", "", "c", "C"), "empty-prompt", nil},
		{"empty text", Rule{Kind: "text", Text: "{{.body}}"}, doc("a", "body", ""), "empty-text", nil},
		{"execution error", Rule{Kind: "text", Text: "{{index .body 99}}"}, doc("a", "body", "x"), "template-error", []string{"text"}},
		{"messages not JSON", Rule{Kind: "auto"}, doc("a", "messages", "not json"), "bad-messages", []string{`"messages"`}},
		{"messages not an array", Rule{Kind: "auto"}, doc("a", "messages", `{"role":"user"}`), "bad-messages", []string{`"messages"`}},
		{"messages empty", Rule{Kind: "auto"}, doc("a", "messages", `[]`), "bad-messages", []string{"no messages"}},
		{"messages field missing", Rule{Kind: "chat", MessagesField: "conv"}, doc("a", "text", "x"), "missing-field", []string{`"conv"`}},
		{"auto: answer blank, no text field", Rule{Kind: "auto"}, doc("qa.csv", "question", "Q?", "answer", "  "), "no-pair", []string{"question, answer", "template.rules"}},
		{"auto: unknown fields", Rule{Kind: "auto"}, doc("x.csv", "subject", "S", "reply_to", "R"), "no-pair", []string{"subject, reply_to"}},
		{"typo in a template", Rule{Kind: "chat", User: "{{.nosuch}}", Assistant: "{{.a}}"}, doc("a", "q", "Q", "a", "A"), "missing-field", []string{`"nosuch"`, "q, a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.doc
			drop := run(t, mustNew(t, tt.rule), d)
			if drop == nil {
				t.Fatalf("not dropped; example %s", dump(d.Example))
			}
			if drop.Reason != tt.wantReason {
				t.Errorf("reason = %q, want %q (detail %q)", drop.Reason, tt.wantReason, drop.Detail)
			}
			for _, sub := range tt.wantDetail {
				if !strings.Contains(drop.Detail, sub) {
					t.Errorf("detail %q does not contain %q", drop.Detail, sub)
				}
			}
			if d.Example != nil {
				t.Errorf("dropped record has an example")
			}
		})
	}
}

// A tools field that is not JSON is passed through as json.RawMessage, so
// the emit stage's encoder fails with an error that stops the whole run
// instead of the record being dropped with a reason.
func TestToolsNotJSONIsDropped(t *testing.T) {
	d := doc("a.jsonl", "messages", `[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]`, "tools", "not json")
	drop := run(t, mustNew(t, Rule{Kind: "auto"}), d)
	if drop == nil && !json.Valid(d.Example.Tools) {
		t.Fatalf("kept with invalid tools %q", d.Example.Tools)
	}
}

// The default function exists to fill in absent values, but with
// missingkey=error a missing field stops the template before default runs.
func TestDefaultForMissingField(t *testing.T) {
	s := mustNew(t, Rule{Kind: "chat", User: `{{default "no question" .q}}`, Assistant: "{{.a}}"})
	d := doc("a.jsonl", "a", "A")
	if drop := run(t, s, d); drop != nil {
		t.Fatalf("dropped: %+v", drop)
	}
	if got := d.Example.Messages[0].Content; got != "no question" {
		t.Errorf("user = %q, want the default", got)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		rules []Rule
		want  []string // substrings of the error
	}{
		{"bad user template", []Rule{{Kind: "auto"}, {User: "{{.q", Assistant: "{{.a}}"}}, []string{"rules[1]", "user"}},
		{"bad system template", []Rule{{System: "{{if}}", User: "{{.q}}", Assistant: "{{.a}}"}}, []string{"rules[0]", "system"}},
		{"bad completion template", []Rule{{Kind: "completion", Prompt: "{{.p}}", Completion: "{{end}}"}}, []string{"rules[0]", "completion"}},
		{"unknown function", []Rule{{Kind: "text", Text: "{{shout .x}}"}}, []string{"rules[0]", "text", "shout"}},
		{"unknown kind", []Rule{{Kind: "dialogue"}}, []string{"rules[0]", `"dialogue"`}},
		{"chat without assistant", []Rule{{Kind: "chat", User: "{{.q}}"}}, []string{"rules[0]", "assistant"}},
		{"chat without user", []Rule{{Kind: "chat", Assistant: "{{.a}}"}}, []string{"rules[0]", "user"}},
		{"completion without completion", []Rule{{Kind: "completion", Prompt: "{{.p}}"}}, []string{"rules[0]", "completion"}},
		{"bad glob", []Rule{{Kind: "auto", Match: []string{"[x"}}}, []string{"rules[0]", "[x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Config{Rules: tt.rules})
			if err == nil {
				t.Fatal("no error")
			}
			for _, sub := range tt.want {
				if !strings.Contains(err.Error(), sub) {
					t.Errorf("error %q does not contain %q", err, sub)
				}
			}
		})
	}
}

// Process runs on many goroutines at once; the compiled templates are shared.
func TestProcessConcurrent(t *testing.T) {
	s := mustNew(t, Rule{Kind: "chat", System: "S", User: "{{.q}}", Assistant: "{{.a}}"})
	done := make(chan bool)
	for g := range 4 {
		go func() {
			ok := true
			for i := range 200 {
				d := doc("a", "q", "q", "a", strings.Repeat("x", g+i+1))
				drop, err := s.Process(context.Background(), d)
				ok = ok && err == nil && drop == nil && d.Example.Messages[2].Content == strings.Repeat("x", g+i+1)
			}
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Error("a concurrent Process gave a wrong result")
		}
	}
}

// FuzzMessages feeds arbitrary text to the messages parser of the auto
// kind: the record is either dropped with a reason or becomes a chat example
// with at least one message; it never panics or errors.
func FuzzMessages(f *testing.F) {
	f.Add(`[{"role":"user","content":"hi"},{"role":"assistant","content":"yo","weight":0}]`, `[{"type":"function"}]`)
	f.Add(`[]`, ``)
	f.Add(`[{"role":1}]`, `x`)
	f.Add(`null`, `null`)
	f.Add(`[{"tool_calls":{"a":[1,2]},"content":"\u2028"}]`, `{}`)
	s := mustNew(f, Rule{Kind: "auto"})
	f.Fuzz(func(t *testing.T, messages, tools string) {
		d := doc("a.jsonl", "messages", messages, "tools", tools)
		drop, err := s.Process(context.Background(), d)
		if err != nil {
			t.Fatalf("error: %v", err)
		}
		if drop != nil {
			if drop.Reason != "bad-messages" || d.Example != nil {
				t.Fatalf("drop %+v with example %v", drop, d.Example)
			}
			return
		}
		if d.Example == nil || d.Example.Kind != schemas.KindChat || len(d.Example.Messages) == 0 {
			t.Fatalf("kept without chat messages: %+v", d.Example)
		}
	})
}

func BenchmarkProcessChat(b *testing.B) {
	s := mustNew(b, Rule{Match: []string{"**/*.jsonl"}, Kind: "chat",
		System: "You are a careful assistant for {{.domain}} questions.", User: "{{.question | trim}}", Assistant: "{{.answer}}"})
	fields := schemas.Fields{
		{Name: "domain", Value: "tax"},
		{Name: "question", Value: "Can I deduct the cost of a home office if I also work at my employer's premises?"},
		{Name: "answer", Value: strings.Repeat("It depends on how the space is used and on the rules that apply. ", 8)},
	}
	b.ReportAllocs()
	for b.Loop() {
		d := &schemas.Document{Source: schemas.Source{Path: "support/2024/tax.jsonl"}, Fields: fields}
		if drop, err := s.Process(context.Background(), d); err != nil || drop != nil {
			b.Fatal(drop, err)
		}
	}
}

func TestRequiredFields(t *testing.T) {
	cases := []struct {
		src  string
		want string
	}{
		{"{{.a}} and {{.b}} and {{.a}}", "a b"},
		{`{{default "x" .a}} {{.b | trim}}`, "b"},
		{`{{if .a}}{{.a}}{{else}}{{.c}}{{end}}{{.d}}`, "d"},
		{`{{with .a}}{{.}}{{end}}`, ""},
		{`{{printf "%s-%s" .a (lower .b)}}`, "a b"},
		{`{{.q.answer}} {{$.r}}`, "q r"},
		{`{{range .items}}{{.text}}{{end}}{{default "n/a" .z}}`, ""},
	}
	for _, c := range cases {
		tm := template.Must(template.New("x").Funcs(funcs).Parse(c.src))
		if required, _ := fieldRefs(tm.Tree.Root); strings.Join(required, " ") != c.want {
			got := strings.Join(required, " ")
			t.Errorf("%s: required %q, want %q", c.src, got, c.want)
		}
	}
}
