package template

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"text/template/parse"

	"github.com/tuneprep/tuneprep/schemas"
)

// templateData is what a template sees of a record: string fields as
// strings, JSON fields (objects, arrays) as values a template can walk
// ({{.question.answer}}, {{index .rows 0}}, {{range .paragraphs}}) and that
// print as readable text (see valueText). Only the JSON fields a template
// reads are decoded. Fields it reads that the record lacks are empty, so
// that optional parts ({{if .x}}, default) behave as with plain strings.
func templateData(fs schemas.Fields, refs []string) map[string]any {
	m := make(map[string]any, len(fs)+len(refs))
	for _, f := range fs {
		if f.Raw && contains(refs, f.Name) {
			m[f.Name] = decode(f.Value)
			continue
		}
		m[f.Name] = f.Value
	}
	for _, r := range refs {
		if _, ok := m[r]; !ok {
			m[r] = ""
		}
	}
	return m
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// object and list are JSON values in template data.
type (
	object map[string]any
	list   []any
)

// String renders the object as text (see valueText).
func (o object) String() string { return valueText(o) }

// String renders the list as text (see valueText).
func (l list) String() string { return valueText(l) }

// decode turns JSON text into template values; text that is not JSON
// stays a string.
func decode(s string) any {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return s
	}
	return wrap(v)
}

func wrap(v any) any {
	switch v := v.(type) {
	case map[string]any:
		o := make(object, len(v))
		for k, x := range v {
			o[k] = wrap(x)
		}
		return o
	case []any:
		l := make(list, len(v))
		for i, x := range v {
			l[i] = wrap(x)
		}
		return l
	}
	return v
}

// fieldText is a field's value as text: a string as it is, JSON as
// valueText renders it.
func fieldText(f schemas.Field) string {
	if !f.Raw {
		return f.Value
	}
	return valueText(decode(f.Value))
}

// textKeys name the part of an object that is its text; the other keys
// (ids, order numbers) are left out when it has one.
var textKeys = []string{"text", "content", "value", "body", "table", "rows"}

// valueText renders a JSON value as text a model can read: a table (a list
// of rows) as one line per row with cells separated by " | ", a list of
// scalars joined with ", ", a list of objects as paragraphs, an object by
// its text key when it has one, else as "key: value" lines in key order.
func valueText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	case list:
		return listText(v)
	case object:
		for _, k := range textKeys {
			if x, ok := v[k]; ok {
				return valueText(x)
			}
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		for _, k := range keys {
			t := valueText(v[k])
			if t == "" || schemas.IsIdentifier(k, t) {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(k + ": " + t)
		}
		return b.String()
	}
	return ""
}

func listText(l list) string {
	if len(l) == 0 {
		return ""
	}
	rows, objects := true, true
	for _, x := range l {
		_, isList := x.(list)
		_, isObject := x.(object)
		rows, objects = rows && isList, objects && isObject
	}
	var b bytes.Buffer
	switch {
	case rows:
		for i, r := range l {
			if i > 0 {
				b.WriteByte('\n')
			}
			for j, cell := range r.(list) {
				if j > 0 {
					b.WriteString(" | ")
				}
				b.WriteString(strings.TrimSpace(valueText(cell)))
			}
		}
	case objects:
		for _, o := range l {
			if t := valueText(o); t != "" {
				if b.Len() > 0 {
					b.WriteString("\n\n")
				}
				b.WriteString(t)
			}
		}
	default:
		for _, x := range l {
			if t := valueText(x); t != "" {
				if b.Len() > 0 {
					b.WriteString(", ")
				}
				b.WriteString(t)
			}
		}
	}
	return b.String()
}

// referencedFields lists every top-level field a template reads anywhere:
// in actions, conditions, branches and arguments of functions.
func referencedFields(root parse.Node) []string {
	var out []string
	add := func(name string) {
		if !contains(out, name) {
			out = append(out, name)
		}
	}
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					walk(c)
				}
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.IfNode:
			walk(&n.BranchNode)
		case *parse.RangeNode:
			walk(&n.BranchNode)
		case *parse.WithNode:
			walk(&n.BranchNode)
		case *parse.BranchNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				for _, a := range c.Args {
					walk(a)
				}
			}
		case *parse.ChainNode:
			walk(n.Node)
		case *parse.FieldNode:
			add(n.Ident[0])
		case *parse.VariableNode:
			if len(n.Ident) > 1 && n.Ident[0] == "$" {
				add(n.Ident[1])
			}
		}
	}
	walk(root)
	return out
}
