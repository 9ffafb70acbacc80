package template

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

// FuzzRules: whatever the template text (as a config writes it) and the
// record's values, New refuses the rule or Process drops the record with a
// reason or gives an example of the rule's kind, the same each time; it
// never errors or panics. The template goes where kind says (the user
// turn and system prompt of a chat, a prompt, a text); value is the q field
// and, when it is JSON, the meta field too.
func FuzzRules(f *testing.F) {
	for _, s := range []string{"{{.q}}", "{{.q | trim | upper}}", "{{if .q}}{{.q}}{{else}}none{{end}}", "{{range .meta}}{{.}},{{end}}",
		"{{.meta.x}}", `{{printf "%v %q" .q .meta}}`, "{{default \"d\" .missing}}", "{{define \"t\"}}x{{end}}{{template \"t\"}}",
		"{{call .q}}", "{{range $i, $e := .meta}}{{range $.meta}}{{$e}}{{end}}{{end}}", "{{", "{{.q}"} {
		for kind := range byte(3) {
			f.Add(s, `{"x":[1,"two",{"y":null}],"z":"w"}`, kind)
		}
	}
	f.Add("{{.q}}", "plain value \xff", byte(0))
	f.Add("{{.q}}", "", byte(1))
	f.Fuzz(func(t *testing.T, tmpl, value string, kind byte) {
		r := Rule{Kind: "chat", System: tmpl, User: tmpl, Assistant: "{{.a}}"}
		switch kind % 3 {
		case 1:
			r = Rule{Kind: "completion", Prompt: tmpl, Completion: "{{.a}}"}
		case 2:
			r = Rule{Kind: "text", Text: tmpl}
		}
		s, err := New(Config{Rules: []Rule{r}})
		if err != nil {
			return
		}
		var outcomes [2]any // the example, or the drop
		for i := range outcomes {
			d := doc("a.jsonl", "q", value, "a", "answer")
			if json.Valid([]byte(value)) {
				d.Fields = append(d.Fields, schemas.Field{Name: "meta", Value: value, Raw: true})
			}
			drop, err := s.Process(context.Background(), d)
			switch {
			case err != nil:
				t.Fatalf("%q: error %v", tmpl, err)
			case drop != nil && (drop.Reason == "" || d.Example != nil):
				t.Fatalf("%q: drop %+v with example %+v", tmpl, drop, d.Example)
			case drop == nil && (d.Example == nil || d.Example.Kind != r.Kind):
				t.Fatalf("%q: kept with example %+v, want kind %s", tmpl, d.Example, r.Kind)
			case drop != nil:
				outcomes[i] = *drop
			default:
				outcomes[i] = *d.Example
			}
		}
		if !reflect.DeepEqual(outcomes[0], outcomes[1]) {
			t.Fatalf("%q: %+v, then %+v", tmpl, outcomes[0], outcomes[1])
		}
	})
}
