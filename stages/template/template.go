// Package template turns a record's fields into a training example with Go
// text/template: chat messages from system, user and assistant templates, a
// prompt/completion pair, or plain text for continued pre-training. Rules
// pick the template by the record's path, so one run can shape several
// sources.
package template

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
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
	// TextFields name the input's text fields (see ingest): a record that has
	// one and no prompt/response pair is a text example under the auto kind.
	TextFields []string `yaml:"-"`
}

// Defaults returns one auto rule for every record.
func Defaults() Config { return Config{Rules: []Rule{{Kind: "auto", MessagesField: "messages"}}} }

// Effective returns the configuration with every default filled in: the
// rules New compiles, and what run.json records.
func (c Config) Effective() Config {
	if len(c.Rules) == 0 {
		d := Defaults()
		d.TextFields = c.TextFields
		return d
	}
	out := Config{Rules: append([]Rule(nil), c.Rules...), TextFields: c.TextFields}
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

// part is one compiled template with the fields it cannot do without and
// every field it reads.
type part struct {
	t        *template.Template
	pool     *sync.Pool     // of copies of t to execute (see guard.go)
	static   map[string]int // fields read whole outside loops, and how often
	required []string
	refs     []string
	// plain is the template as literal text and fields, when that is all
	// it is (as in "{{.instruction}}"); nil otherwise.
	plain []segment
}

// segment is literal text, or the field it names.
type segment struct {
	text  string
	field string
}

// plainSegments returns the template as segments when it is only literal
// text and top-level fields printed as they are ({{.name}}: no pipeline,
// function, condition or variable); else nil.
func plainSegments(root *parse.ListNode) []segment {
	var segs []segment
	for _, n := range root.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			segs = append(segs, segment{text: string(n.Text)})
		case *parse.ActionNode:
			p := n.Pipe
			if len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
				return nil
			}
			f, ok := p.Cmds[0].Args[0].(*parse.FieldNode)
			if !ok || len(f.Ident) != 1 {
				return nil
			}
			segs = append(segs, segment{field: f.Ident[0]})
		default:
			return nil
		}
	}
	return segs
}

// renderPlain renders plain segments the way text/template prints them over
// templateData: a string field as it is (the last of fields with one name,
// as in the map). ok is false for a JSON field, which prints as text/template
// formats its value.
func renderPlain(segs []segment, fs schemas.Fields) (string, bool) {
	if len(segs) == 1 && segs[0].field != "" { // no copy for the usual {{.field}}
		return plainField(segs[0].field, fs)
	}
	var b strings.Builder
	for _, sg := range segs {
		if sg.field == "" {
			b.WriteString(sg.text)
			continue
		}
		v, ok := plainField(sg.field, fs)
		if !ok {
			return "", false
		}
		b.WriteString(v)
	}
	return b.String(), true
}

func plainField(name string, fs schemas.Fields) (string, bool) {
	for i := len(fs) - 1; i >= 0; i-- {
		if fs[i].Name == name {
			return fs[i].Value, !fs[i].Raw
		}
	}
	return "", true // read by refs as ""; required fields were checked
}

type compiled struct {
	rule                                             Rule
	textFields                                       []string
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
		c.textFields = cfg.TextFields
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
		if err == nil {
			err = refuse(t)
		}
		if err != nil {
			return c, fmt.Errorf("%s: %w", p.name, err)
		}
		required, refs := fieldRefs(t.Tree.Root)
		plain := plainSegments(t.Tree.Root)
		static := rewrite(t)
		*p.dst = &part{t: t, pool: newPool(t), static: static, required: required, refs: refs, plain: plain}
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
	switch c.rule.Kind {
	case "auto":
		return c.auto(d)
	case "text":
		if c.txt == nil {
			return &schemas.Example{Kind: schemas.KindText, Text: d.Text}, nil
		}
		t, drop := execute(c.txt, d.Fields)
		return &schemas.Example{Kind: schemas.KindText, Text: t}, drop
	case "completion":
		p, drop := execute(c.prompt, d.Fields)
		if drop != nil {
			return nil, drop
		}
		comp, drop := execute(c.completion, d.Fields)
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
		text, drop := execute(part.t, d.Fields)
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

// execute renders one template over a record's fields; a missing required
// field or an empty result drops the record with a reason that names the
// field or part. The text is kept exactly as the template wrote it:
// separators, leading spaces and trailing newlines are part of the example.
func execute(p *part, fs schemas.Fields) (string, *schemas.Drop) {
	for _, f := range p.required {
		if _, ok := fs.Get(f); !ok {
			return "", pipeline.Dropf("missing-field", fmt.Sprintf("%s template needs field %q (the record has %s)", p.t.Name(), f, fieldNames(fs)))
		}
	}
	out, ok := "", false
	if p.plain != nil {
		out, ok = renderPlain(p.plain, fs)
	}
	if !ok {
		var b bytes.Buffer
		limit := baseBudget + budgetPerByte*fieldBytes(fs)
		err := errBudget
		if static := p.staticCost(fs); static <= limit {
			err = p.run(&b, templateData(fs, p.refs), limit-static)
		}
		if err != nil {
			var me missingError
			switch {
			case errors.As(err, &me):
				return "", pipeline.Dropf("missing-field", fmt.Sprintf("%s template needs field %q (the record has %s)", p.t.Name(), me.name, fieldNames(fs)))
			case errors.Is(err, errBudget):
				return "", pipeline.Dropf("template-limit", fmt.Sprintf("%s template: %v: %d bytes for this record", p.t.Name(), errBudget, limit))
			}
			return "", pipeline.Dropf("template-error", fmt.Sprintf("%s: %v", p.t.Name(), err))
		}
		out = b.String()
	}
	if strings.TrimSpace(out) == "" {
		if p.t.Name() == "system" {
			return "", nil
		}
		return "", pipeline.Dropf("empty-"+p.t.Name(), p.t.Name()+" template rendered empty text")
	}
	return out, nil
}

// Hint implements pipeline.Hinter: what to change when most records are
// dropped for reason.
func (s *Stage) Hint(reason string) string {
	switch {
	case reason == "no-rule":
		return "add a template rule whose match covers these paths (or one without match)"
	case reason == "missing-field":
		return "check the field names in template.rules against the input's fields (tuneprep init --in lists them)"
	case reason == "no-pair":
		return "set template.rules (tuneprep init --in writes them), input.explode for nested items, or input.text_fields for text examples"
	case reason == "template-limit":
		return "the template does far more work than printing the record takes (a loop over a large field inside another loop?): simplify it"
	case strings.HasPrefix(reason, "empty-"):
		return "the template renders empty text for these records: check the fields it reads"
	}
	return ""
}

// Kinds lists the example kinds the rules can make, in the order chat,
// completion, text: one kind per rule, all three for an auto rule.
func (c Config) Kinds() []string {
	seen := map[string]bool{}
	for _, r := range c.Effective().Rules {
		if r.Kind == "auto" {
			return []string{schemas.KindChat, schemas.KindCompletion, schemas.KindText}
		}
		seen[r.Kind] = true
	}
	var out []string
	for _, k := range []string{schemas.KindChat, schemas.KindCompletion, schemas.KindText} {
		if seen[k] {
			out = append(out, k)
		}
	}
	return out
}

// RuleFor returns the index of the rule that shapes records at path, or -1
// when no rule matches.
func (s *Stage) RuleFor(path string) int {
	for i := range s.rules {
		if s.rules[i].matches(path) {
			return i
		}
	}
	return -1
}

// Rules returns the compiled rules as configured (defaults filled in).
func (s *Stage) Rules() []Rule {
	out := make([]Rule, len(s.rules))
	for i := range s.rules {
		out[i] = s.rules[i].rule
	}
	return out
}
