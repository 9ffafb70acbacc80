package template

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"

	"github.com/tuneprep/tuneprep/schemas"
)

// A template is written by whoever writes the config, but runs over every
// record of the input, hostile ones included. So it may not define or call
// templates (no recursion) or use call, and each execution has a budget of
// work: bytes written, loop iterations, and the bytes functions read and
// make. A template that passes it is stopped and the record dropped
// (template-limit). The budget is baseBudget plus budgetPerByte times the
// record's size, far beyond what a template that prints the record's fields
// needs.
//
// The parse tree is rewritten at compile time to count: the values handed
// to functions or printed go through a function of the guard (which also
// makes a missing nested field, such as .meta.x, a missing-field drop where
// it is required, and empty text where it is optional, instead of
// "<no value>"), every range charges its length, and the results of the
// formatting functions their size. The record's own fields read outside
// loops are counted once, before the template runs, so that the usual
// {{.question | trim}} costs no more than it did.
const (
	baseBudget    = 16 << 20
	budgetPerByte = 8
	iterationCost = 64 // a loop iteration, in bytes of work
)

// Names of the guard's functions, bound per execution; a template cannot
// name them (they are not defined when it is parsed).
const (
	fnArg     = "_tp_arg"     // a value handed to a cheap function or printed: charged 1
	fnArgLen  = "_tp_arglen"  // handed to a function that reads a string whole: charged its length
	fnArgDeep = "_tp_argdeep" // handed to a formatting function: charged its size, nested values included
	fnCost    = "_tp_cost"    // a formatting function's result: charged its length
	fnRange   = "_tp_range"   // what range iterates over: charged per element
	fnPrint   = "_tp_print"   // an action's value, as text
)

// readsWhole are the functions that read their string arguments whole;
// formats, those that format any value into new text.
var (
	readsWhole = map[string]bool{"eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true, "trim": true, "lower": true, "upper": true}
	formats    = map[string]bool{"print": true, "printf": true, "println": true, "html": true, "js": true, "urlquery": true}
)

// refuse says what a template does that it may not: define or include
// templates, or use call.
func refuse(t *template.Template) error {
	if len(t.Templates()) > 1 {
		return errors.New("templates cannot define templates ({{define}}, {{block}}): no recursion")
	}
	var err error
	walkNodes(t.Tree.Root, func(n parse.Node) {
		switch n := n.(type) {
		case *parse.TemplateNode:
			err = fmt.Errorf("%s: templates cannot include templates: no recursion", n)
		case *parse.IdentifierNode:
			if n.Ident == "call" {
				err = errors.New("the call function is not available in templates")
			}
		}
	})
	return err
}

// walkNodes calls fn with every node under n.
func walkNodes(n parse.Node, fn func(parse.Node)) {
	if n == nil || reflect.ValueOf(n).IsNil() {
		return
	}
	fn(n)
	switch n := n.(type) {
	case *parse.ListNode:
		for _, c := range n.Nodes {
			walkNodes(c, fn)
		}
	case *parse.ActionNode:
		walkNodes(n.Pipe, fn)
	case *parse.IfNode:
		walkNodes(&n.BranchNode, fn)
	case *parse.RangeNode:
		walkNodes(&n.BranchNode, fn)
	case *parse.WithNode:
		walkNodes(&n.BranchNode, fn)
	case *parse.BranchNode:
		walkNodes(n.Pipe, fn)
		walkNodes(n.List, fn)
		walkNodes(n.ElseList, fn)
	case *parse.TemplateNode:
		walkNodes(n.Pipe, fn)
	case *parse.PipeNode:
		for _, c := range n.Cmds {
			walkNodes(c, fn)
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			walkNodes(a, fn)
		}
	case *parse.ChainNode:
		walkNodes(n.Node, fn)
	}
}

// at is where in a template a node is: whether the fields it prints are
// required (outside if, with and range), whether dot is the record (outside
// with and range), and whether it may run many times (inside range).
type at struct{ req, root, loop bool }

// rewriter rewrites a template's tree to count its work. The record's own
// fields read whole outside loops are counted once per execution, before
// it runs, instead of as they are read: static has how many times each is.
type rewriter struct{ static map[string]int }

// rewrite makes a template count its work, and treat missing values as the
// guard does (see above); it returns the static reads of fields.
func rewrite(t *template.Template) map[string]int {
	r := rewriter{static: map[string]int{}}
	r.list(t.Tree.Root, at{req: true, root: true})
	return r.static
}

// list rewrites the actions of a list.
func (r rewriter) list(l *parse.ListNode, c at) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.ActionNode:
			r.pipe(n.Pipe, c)
			if len(n.Pipe.Decl) == 0 && mayBeNil(n.Pipe) {
				n.Pipe.Cmds = append(n.Pipe.Cmds, command(n.Position(), fnPrint))
			}
		case *parse.IfNode:
			r.branch(&n.BranchNode, at{false, c.root, c.loop}, at{false, c.root, c.loop})
		case *parse.WithNode:
			r.branch(&n.BranchNode, at{false, false, c.loop}, at{false, c.root, c.loop})
		case *parse.RangeNode:
			r.branch(&n.BranchNode, at{false, false, true}, at{false, c.root, c.loop})
			n.Pipe.Cmds = append(n.Pipe.Cmds, command(n.Position(), fnRange))
		}
	}
}

// branch rewrites an if, with or range: body is where its list is, orElse
// where its condition and its else list are.
func (r rewriter) branch(b *parse.BranchNode, body, orElse at) {
	r.pipe(b.Pipe, orElse)
	r.list(b.List, body)
	r.list(b.ElseList, orElse)
}

// mayBeNil reports a rewritten pipeline whose value may be nil (a missing
// value): index, and or or of values. Operands went through the guard, and
// the record's own fields are never nil.
func mayBeNil(p *parse.PipeNode) bool {
	id, ok := p.Cmds[len(p.Cmds)-1].Args[0].(*parse.IdentifierNode)
	return ok && (id.Ident == "index" || id.Ident == "and" || id.Ident == "or")
}

// pipe routes the values of a pipeline's commands through the guard's
// functions, and charges the results of formatting functions.
func (r rewriter) pipe(p *parse.PipeNode, c at) {
	if p == nil {
		return
	}
	cmds := make([]*parse.CommandNode, 0, len(p.Cmds)+2)
	for i, cmd := range p.Cmds {
		id, ok := cmd.Args[0].(*parse.IdentifierNode)
		if !ok {
			if i == 0 && len(cmd.Args) == 1 { // an operand, not a method call
				cmd.Args[0] = r.arg(cmd.Args[0], fnArg, c)
			}
			cmds = append(cmds, cmd)
			continue
		}
		fn, argAt := fnArg, at{c.req && id.Ident != "default", c.root, c.loop}
		switch {
		case formats[id.Ident]:
			fn = fnArgDeep
		case readsWhole[id.Ident]:
			fn = fnArgLen
		}
		if i > 0 && fn != fnArg { // charge the value piped in
			prev := p.Cmds[i-1]
			if f := r.field(prev.Args[0], c); f == "" || len(prev.Args) > 1 {
				pos := cmd.Position()
				cmds = append(cmds, command(pos, fn, boolNode(pos, false), stringNode(pos, "")))
			} else {
				r.static[f]++
			}
		}
		for j := 1; j < len(cmd.Args); j++ {
			cmd.Args[j] = r.arg(cmd.Args[j], fn, argAt)
		}
		cmds = append(cmds, cmd)
		if formats[id.Ident] {
			cmds = append(cmds, command(cmd.Position(), fnCost))
		}
	}
	p.Cmds = cmds
}

// field names the record's field that n is when it is one (.name, or
// $.name), read at c outside loops; else "".
func (r rewriter) field(n parse.Node, c at) string {
	if c.loop {
		return ""
	}
	switch n := n.(type) {
	case *parse.FieldNode:
		if c.root && len(n.Ident) == 1 {
			return n.Ident[0]
		}
	case *parse.VariableNode:
		if len(n.Ident) == 2 && n.Ident[0] == "$" {
			return n.Ident[1]
		}
	}
	return ""
}

// arg routes an operand through guard function fn: (fn required name X).
// Literals are left alone: the template's own size bounds them; so are
// the record's own fields outside loops: the data always has them, and
// when they are read whole they are counted before the template runs.
func (r rewriter) arg(n parse.Node, fn string, c at) parse.Node {
	name := n.String()
	switch n := n.(type) {
	case *parse.PipeNode:
		r.pipe(n, c)
	case *parse.ChainNode:
		if p, ok := n.Node.(*parse.PipeNode); ok {
			r.pipe(p, c)
		}
	case *parse.FieldNode, *parse.VariableNode:
		if f := r.field(n, c); f != "" || fn == fnArg && r.field(n, at{c.req, c.root, false}) != "" {
			if f != "" && fn != fnArg {
				r.static[f]++
			}
			return n
		}
		name = strings.TrimPrefix(strings.TrimPrefix(name, "$"), ".")
	case *parse.DotNode:
	default:
		return n
	}
	pos := n.Position()
	cmd := command(pos, fn, boolNode(pos, c.req), stringNode(pos, name), n)
	return &parse.PipeNode{NodeType: parse.NodePipe, Pos: pos, Cmds: []*parse.CommandNode{cmd}}
}

func boolNode(pos parse.Pos, b bool) *parse.BoolNode {
	return &parse.BoolNode{NodeType: parse.NodeBool, Pos: pos, True: b}
}

func stringNode(pos parse.Pos, s string) *parse.StringNode {
	return &parse.StringNode{NodeType: parse.NodeString, Pos: pos, Quoted: strconv.Quote(s), Text: s}
}

func command(pos parse.Pos, fn string, args ...parse.Node) *parse.CommandNode {
	id := parse.NewIdentifier(fn).SetPos(pos)
	return &parse.CommandNode{NodeType: parse.NodeCommand, Pos: pos, Args: append([]parse.Node{id}, args...)}
}

// budget is the work one execution may still do.
type budget struct{ left int64 }

// errBudget stops a template that did more work than its budget.
var errBudget = errors.New("the template did more work than its limit (output, loop iterations, function arguments)")

// missingError is a required field that the record, or a JSON value in it,
// does not have.
type missingError struct{ name string }

func (e missingError) Error() string { return fmt.Sprintf("needs field %q", e.name) }

func (b *budget) charge(n int64) error {
	if b.left -= n; b.left < 0 {
		return errBudget
	}
	return nil
}

// arg checks and charges a value: a nil one (a field that is missing, or
// JSON null) is an error where it is required, else empty text.
func (b *budget) arg(cost func(any) int64) func(req bool, name string, v any) (any, error) {
	return func(req bool, name string, v any) (any, error) {
		if v == nil {
			if req {
				return nil, missingError{name}
			}
			return "", nil
		}
		return v, b.charge(cost(v))
	}
}

// rng charges what a range iterates over. Empty text (a missing value)
// ranges over nothing, as nil does.
func (b *budget) rng(v any) (any, error) {
	if v == "" {
		return nil, b.charge(1)
	}
	n := int64(1)
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String, reflect.Chan:
		n += int64(rv.Len())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n += max(rv.Int(), 0)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n += int64(min(rv.Uint(), 1<<40))
	}
	if n > (1<<62)/iterationCost {
		return nil, errBudget
	}
	return v, b.charge(n * iterationCost)
}

// Write charges the bytes a template writes.
func (b *budget) writer(w io.Writer) io.Writer { return budgetWriter{w, b} }

type budgetWriter struct {
	w io.Writer
	b *budget
}

func (w budgetWriter) Write(p []byte) (int, error) {
	if err := w.b.charge(int64(len(p))); err != nil {
		return 0, err
	}
	return w.w.Write(p)
}

// printText is an action's value as text/template prints it, with nil (a
// missing optional value) as empty text instead of "<no value>".
func printText(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

func unitCost(any) int64 { return 1 }

func lenCost(v any) int64 {
	if s, ok := v.(string); ok {
		return int64(len(s)) + 1
	}
	return 1
}

// deepCost is the size of a value with the values nested in it.
func deepCost(v any) int64 {
	switch v := v.(type) {
	case string:
		return int64(len(v)) + 1
	case json.Number:
		return int64(len(v)) + 1
	case object:
		n := int64(1)
		for k, x := range v {
			n += int64(len(k)) + deepCost(x)
		}
		return n
	case list:
		n := int64(1)
		for _, x := range v {
			n += deepCost(x)
		}
		return n
	}
	return 1
}

// instance is a copy of a compiled template with the guard's functions
// bound to its own budget; instances are pooled, as executions run on
// several goroutines at once.
type instance struct {
	t *template.Template
	b *budget
}

func newPool(t *template.Template) *sync.Pool {
	return &sync.Pool{New: func() any {
		c, err := t.Clone() // fails only once t was executed, and t never is
		if err != nil {
			return err
		}
		b := &budget{}
		c.Funcs(template.FuncMap{
			fnArg:     b.arg(unitCost),
			fnArgLen:  b.arg(lenCost),
			fnArgDeep: b.arg(deepCost),
			fnCost:    func(v any) (any, error) { return v, b.charge(lenCost(v)) },
			fnRange:   b.rng,
			fnPrint:   printText,
		})
		return &instance{t: c, b: b}
	}}
}

// staticCost is what reading the record's fields whole outside loops
// costs (see rewriter).
func (p *part) staticCost(fs schemas.Fields) int64 {
	n := int64(0)
	for name, k := range p.static {
		if v, ok := fs.Get(name); ok {
			n += int64(k) * int64(len(v)+1)
		}
	}
	return n
}

// run executes the part over data into w, with a budget of limit.
func (p *part) run(w io.Writer, data any, limit int64) error {
	if p.pool == nil { // a part not made by compile: text/template as it is
		return p.t.Execute(w, data)
	}
	in, ok := p.pool.Get().(*instance)
	if !ok {
		return fmt.Errorf("template %s: cannot copy it for execution", p.t.Name())
	}
	defer p.pool.Put(in)
	in.b.left = limit
	return in.t.Execute(in.b.writer(w), data)
}

// fieldBytes is the size of a record's fields.
func fieldBytes(fs schemas.Fields) int64 {
	n := int64(0)
	for _, f := range fs {
		n += int64(len(f.Name) + len(f.Value))
	}
	return n
}
