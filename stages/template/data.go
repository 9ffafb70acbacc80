package template

import (
	"encoding/json"
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

// object and list are JSON values in template data: a template can walk
// them ({{.a.b}}, index, range) and they print as schemas.ValueText
// renders them.
type (
	object map[string]any
	list   []any
)

// String renders the object as text.
func (o object) String() string { return schemas.ValueText(unwrap(o)) }

// String renders the list as text.
func (l list) String() string { return schemas.ValueText(unwrap(l)) }

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

// wrap gives decoded objects and lists their template types.
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

// unwrap is the inverse of wrap.
func unwrap(v any) any {
	switch v := v.(type) {
	case object:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = unwrap(x)
		}
		return m
	case list:
		l := make([]any, len(v))
		for i, x := range v {
			l[i] = unwrap(x)
		}
		return l
	}
	return v
}

// fieldText is a field's value as text: a string as it is, JSON as
// schemas.JSONText renders it.
func fieldText(f schemas.Field) string {
	if !f.Raw {
		return f.Value
	}
	return schemas.JSONText(f.Value)
}

// fieldRefs lists the top-level fields a template reads: refs, every one
// it reads anywhere (actions, conditions, branches, function arguments),
// and required, those it reads outside the places that handle absence (the
// arguments of default, and everything under if, with and range: the
// condition and the branches), where a missing field renders empty.
func fieldRefs(root parse.Node) (required, refs []string) {
	add := func(list *[]string, name string) {
		if !contains(*list, name) {
			*list = append(*list, name)
		}
	}
	ref := func(name string, req bool) {
		add(&refs, name)
		if req {
			add(&required, name)
		}
	}
	var walk func(n parse.Node, req bool)
	walk = func(n parse.Node, req bool) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					walk(c, req)
				}
			}
		case *parse.ActionNode:
			walk(n.Pipe, req)
		case *parse.IfNode:
			walk(&n.BranchNode, false)
		case *parse.RangeNode:
			walk(&n.BranchNode, false)
		case *parse.WithNode:
			walk(&n.BranchNode, false)
		case *parse.BranchNode:
			walk(n.Pipe, req)
			walk(n.List, req)
			walk(n.ElseList, req)
		case *parse.TemplateNode:
			walk(n.Pipe, req)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				argReq := req
				if len(c.Args) > 0 {
					if id, ok := c.Args[0].(*parse.IdentifierNode); ok && id.Ident == "default" {
						argReq = false
					}
				}
				for _, a := range c.Args {
					walk(a, argReq)
				}
			}
		case *parse.ChainNode:
			walk(n.Node, req)
		case *parse.FieldNode:
			ref(n.Ident[0], req)
		case *parse.VariableNode:
			if len(n.Ident) > 1 && n.Ident[0] == "$" {
				ref(n.Ident[1], req)
			}
		}
	}
	walk(root, true)
	return required, refs
}
