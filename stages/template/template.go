// Package template turns a record's fields into a training example with Go
// text/template: chat messages from system, user and assistant templates, a
// prompt/completion pair, or plain text for continued pre-training. Rules
// pick the template by the record's path, so one run can shape several
// sources.
package template

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/template"
	"text/template/parse"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/glob"
)

// Rule shapes the records whose path matches.
type Rule struct {
	// Match lists globs of source paths (relative to the input root); empty matches all.
	Match []string `yaml:"match" doc:"globs of source paths this rule applies to (empty: all)"`
	// Kind is chat, completion, text, or auto (pick by the fields present).
	Kind      string `yaml:"kind" doc:"chat | completion | text | auto (messages field, else a known prompt/response pair, else text)"`
	System    string `yaml:"system" doc:"system prompt template (chat); may be empty"`
	User      string `yaml:"user" doc:"user message template (chat), e.g. {{.instruction}}"`
	Assistant string `yaml:"assistant" doc:"assistant message template (chat), e.g. {{.response}}"`
	Prompt    string `yaml:"prompt" doc:"prompt template (completion)"`
	// Completion is the completion template (completion kind).
	Completion string `yaml:"completion" doc:"completion template (completion)"`
	Text       string `yaml:"text" doc:"text template (text kind; default {{.text}})"`
	// MessagesField names a field holding chat messages as a JSON array,
	// passed through as they are (chat and auto kinds).
	MessagesField string `yaml:"messages_field" doc:"field holding a JSON array of chat messages, passed through (default messages)"`
}

// Config is the template stage's configuration.
type Config struct {
	Rules []Rule `yaml:"rules" doc:"templates, first match wins; a record no rule matches is dropped"`
}

// Defaults returns one auto rule for every record.
func Defaults() Config { return Config{Rules: []Rule{{Kind: "auto", MessagesField: "messages"}}} }

// Effective returns the configuration with every default filled in: the
// rules New compiles, and what run.json records.
func (c Config) Effective() Config {
	if len(c.Rules) == 0 {
		return Defaults()
	}
	out := Config{Rules: append([]Rule(nil), c.Rules...)}
	for i := range out.Rules {
		if out.Rules[i].Kind == "" {
			out.Rules[i].Kind = "chat"
		}
		if out.Rules[i].MessagesField == "" {
			out.Rules[i].MessagesField = "messages"
		}
	}
	return out
}

// part is one compiled template with the fields it cannot do without.
type part struct {
	t        *template.Template
	required []string
}

type compiled struct {
	rule                                             Rule
	match                                            glob.Set
	system, user, assistant, prompt, completion, txt *part
}

// Stage is the template stage.
type Stage struct {
	rules []compiled
}

var funcs = template.FuncMap{
	"trim":  strings.TrimSpace,
	"lower": strings.ToLower,
	"upper": strings.ToUpper,
	"default": func(def string, v any) string {
		if s, ok := v.(string); ok && s != "" {
			return s
		}
		return def
	},
}

// New compiles the rules; a template that does not parse is an error naming
// the rule and the part.
func New(cfg Config) (*Stage, error) {
	cfg = cfg.Effective()
	s := &Stage{}
	for i, r := range cfg.Rules {
		c, err := compile(r)
		if err != nil {
			return nil, fmt.Errorf("rules[%d]: %w", i, err)
		}
		s.rules = append(s.rules, c)
	}
	return s, nil
}

func compile(r Rule) (compiled, error) {
	c := compiled{rule: r}
	var err error
	if c.match, err = glob.CompileAll(r.Match); err != nil {
		return c, err
	}
	parts := []struct {
		name string
		src  string
		dst  **part
	}{
		{"system", r.System, &c.system}, {"user", r.User, &c.user}, {"assistant", r.Assistant, &c.assistant},
		{"prompt", r.Prompt, &c.prompt}, {"completion", r.Completion, &c.completion}, {"text", r.Text, &c.txt},
	}
	for _, p := range parts {
		if p.src == "" {
			continue
		}
		t, err := template.New(p.name).Option("missingkey=zero").Funcs(funcs).Parse(p.src)
		if err != nil {
			return c, fmt.Errorf("%s: %w", p.name, err)
		}
		*p.dst = &part{t: t, required: requiredFields(t.Tree.Root)}
	}
	switch r.Kind {
	case "chat":
		if c.user == nil && c.assistant == nil && r.MessagesField == "" {
			return c, fmt.Errorf("kind chat needs user and assistant templates or a messages_field")
		}
		if (c.user == nil) != (c.assistant == nil) {
			return c, fmt.Errorf("kind chat needs both user and assistant templates")
		}
	case "completion":
		if c.prompt == nil || c.completion == nil {
			return c, fmt.Errorf("kind completion needs prompt and completion templates")
		}
	case "text", "auto":
	default:
		return c, fmt.Errorf("kind: %q is not chat, completion, text or auto", r.Kind)
	}
	return c, nil
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return "template" }

// Process renders the first matching rule into d.Example.
func (s *Stage) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	for i := range s.rules {
		c := &s.rules[i]
		if !c.matches(d.Source.Path) {
			continue
		}
		ex, drop := c.render(d)
		if drop != nil {
			return drop, nil
		}
		d.Example = ex
		return nil, nil
	}
	return pipeline.Dropf("no-rule", "no template rule matches the path"), nil
}

func (c *compiled) matches(p string) bool {
	return len(c.match) == 0 || c.match.Match(p)
}

func (c *compiled) render(d *schemas.Document) (*schemas.Example, *schemas.Drop) {
	data := fieldMap(d.Fields)
	switch c.rule.Kind {
	case "auto":
		return c.auto(d)
	case "text":
		if c.txt == nil {
			return &schemas.Example{Kind: schemas.KindText, Text: d.Text}, nil
		}
		t, drop := execute(c.txt, data)
		return &schemas.Example{Kind: schemas.KindText, Text: t}, drop
	case "completion":
		p, drop := execute(c.prompt, data)
		if drop != nil {
			return nil, drop
		}
		comp, drop := execute(c.completion, data)
		return &schemas.Example{Kind: schemas.KindCompletion, Prompt: p, Completion: comp}, drop
	}
	if c.user == nil {
		return passThrough(d, c.rule.MessagesField)
	}
	ex := &schemas.Example{Kind: schemas.KindChat}
	for _, part := range []struct {
		role string
		t    *part
	}{{"system", c.system}, {"user", c.user}, {"assistant", c.assistant}} {
		if part.t == nil {
			continue
		}
		text, drop := execute(part.t, data)
		if drop != nil {
			return nil, drop
		}
		if text == "" && part.role == "system" {
			continue
		}
		ex.Messages = append(ex.Messages, schemas.Message{Role: part.role, Content: text})
	}
	return ex, nil
}

// fieldMap is the template data of a record: its string fields (raw JSON
// values as their text). A field the data lacks renders empty (missingkey=zero),
// which is what the default function relies on; fields a template needs
// are checked before it runs.
func fieldMap(fs schemas.Fields) map[string]string {
	m := make(map[string]string, len(fs))
	for _, f := range fs {
		m[f.Name] = f.Value
	}
	return m
}

// execute renders one template; a missing required field or an empty
// result drops the record with a reason that names the field or part.
func execute(p *part, data map[string]string) (string, *schemas.Drop) {
	for _, f := range p.required {
		if _, ok := data[f]; !ok {
			return "", pipeline.Dropf("missing-field", fmt.Sprintf("%s template needs field %q", p.t.Name(), f))
		}
	}
	var b bytes.Buffer
	if err := p.t.Execute(&b, data); err != nil {
		return "", pipeline.Dropf("template-error", fmt.Sprintf("%s: %v", p.t.Name(), err))
	}
	out := strings.TrimSpace(b.String())
	if out == "" && p.t.Name() != "system" {
		return "", pipeline.Dropf("empty-"+p.t.Name(), p.t.Name()+" template rendered empty text")
	}
	return out, nil
}

// requiredFields lists the fields a template reads outside the places that
// handle absence: arguments of default, and everything under if, with and
// range (the condition and the branches), where a missing field is empty.
func requiredFields(root parse.Node) []string {
	seen := map[string]bool{}
	var out []string
	add := func(n parse.Node) {
		if f, ok := n.(*parse.FieldNode); ok && len(f.Ident) > 0 && !seen[f.Ident[0]] {
			seen[f.Ident[0]] = true
			out = append(out, f.Ident[0])
		}
	}
	var walk func(n parse.Node)
	pipe := func(p *parse.PipeNode) {
		if p == nil {
			return
		}
		for _, cmd := range p.Cmds {
			if len(cmd.Args) > 0 {
				if id, ok := cmd.Args[0].(*parse.IdentifierNode); ok && id.Ident == "default" {
					continue
				}
			}
			for _, a := range cmd.Args {
				if sub, ok := a.(*parse.PipeNode); ok {
					walk(sub)
				}
				add(a)
			}
		}
	}
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					walk(c)
				}
			}
		case *parse.ActionNode:
			pipe(n.Pipe)
		case *parse.PipeNode:
			pipe(n)
		}
	}
	walk(root)
	return out
}

// Field pairs that auto recognises, in order of preference.
var (
	autoUser      = []string{"instruction", "prompt", "question", "query", "input", "dialogue"}
	autoAssistant = []string{"response", "completion", "answer", "output", "section_text"}
)

// auto picks: a messages field passes through; a known prompt/response pair
// becomes a user and an assistant message (Alpaca's instruction + input are
// joined); anything else becomes a text example.
func (c *compiled) auto(d *schemas.Document) (*schemas.Example, *schemas.Drop) {
	if _, ok := d.Fields.Get(c.rule.MessagesField); ok {
		return passThrough(d, c.rule.MessagesField)
	}
	user, ufield := first(d.Fields, autoUser)
	asst, _ := first(d.Fields, autoAssistant)
	if user == "" || asst == "" {
		return &schemas.Example{Kind: schemas.KindText, Text: d.Text}, nil
	}
	if ufield == "instruction" {
		if in, _ := d.Fields.Get("input"); in != "" {
			user += "\n\n" + in
		}
	}
	ex := &schemas.Example{Kind: schemas.KindChat}
	if sys, _ := d.Fields.Get("system"); sys != "" {
		ex.Messages = append(ex.Messages, schemas.Message{Role: "system", Content: sys})
	}
	ex.Messages = append(ex.Messages, schemas.Message{Role: "user", Content: user}, schemas.Message{Role: "assistant", Content: asst})
	return ex, nil
}

func first(fs schemas.Fields, names []string) (value, name string) {
	for _, n := range names {
		if v, ok := fs.Get(n); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v), n
		}
	}
	return "", ""
}

// passThrough takes chat messages (and tools) from a JSON field unchanged.
func passThrough(d *schemas.Document, field string) (*schemas.Example, *schemas.Drop) {
	raw, ok := d.Fields.Get(field)
	if !ok {
		return nil, pipeline.Dropf("missing-field", fmt.Sprintf("no %q field with chat messages", field))
	}
	var msgs []schemas.Message
	if err := json.Unmarshal([]byte(raw), &msgs); err != nil {
		return nil, pipeline.Dropf("bad-messages", fmt.Sprintf("field %q: %v", field, err))
	}
	if len(msgs) == 0 {
		return nil, pipeline.Dropf("bad-messages", fmt.Sprintf("field %q has no messages", field))
	}
	ex := &schemas.Example{Kind: schemas.KindChat, Messages: msgs}
	if tools, ok := d.Fields.Get("tools"); ok {
		if !json.Valid([]byte(tools)) {
			return nil, pipeline.Dropf("bad-messages", `field "tools" is not JSON`)
		}
		ex.Tools = json.RawMessage(tools)
	}
	return ex, nil
}
