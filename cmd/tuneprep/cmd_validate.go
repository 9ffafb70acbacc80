package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/formats"
	"github.com/tuneprep/tuneprep/stages/jsonl"
	"github.com/tuneprep/tuneprep/stages/lengthdist"
	"github.com/tuneprep/tuneprep/stages/pricing"
	"github.com/tuneprep/tuneprep/stages/tokencount"
	"github.com/tuneprep/tuneprep/stages/tokenizer"
)

// problem is one reason a fine-tuning file would be refused, with its line
// (0 for the file as a whole).
type problem struct {
	Line    int    `json:"line"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// notice is a warning about the file as a whole: a fact the tables do not
// know, or a question the file does not settle. It does not make the file
// invalid.
type notice struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// validation is the result of `tuneprep validate`. Unknown figures are
// null, never zero.
type validation struct {
	File   string `json:"file"`
	Format string `json:"format"`
	// AlsoValidAs lists the formats every record is equally valid in
	// (bedrock-claude for a chat file without a system prompt).
	AlsoValidAs []string          `json:"also_valid_as,omitempty"`
	Valid       bool              `json:"valid"`
	Examples    int               `json:"examples"`
	Problems    []problem         `json:"problems"`
	Warnings    map[string][]int  `json:"warnings"`
	Notices     []notice          `json:"notices"`
	Tokens      tokenSummary      `json:"tokens"`
	Cost        *pricing.Estimate `json:"cost"`
}

// tokenSummary counts the valid examples' tokens. Encoding, totals and the
// distribution are null when the model has no known encoding and none was
// given; the limit and the over-limit count are null when the limit is unknown.
type tokenSummary struct {
	Encoding   *string        `json:"encoding"`
	Model      string         `json:"model"`
	Limit      *int           `json:"limit"`
	Total      *int64         `json:"total"`
	Trained    *int64         `json:"trained"`
	Percentile map[string]int `json:"distribution"`
	OverLimit  *int           `json:"over_limit"`
	Messages   map[string]int `json:"messages_per_example"`
}

// minOpenAIExamples is the smallest file OpenAI's fine-tuning accepts.
const minOpenAIExamples = 10

func validateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("validate", "validate FILE [--format auto|NAME] [--model M] [--encoding E] [--json]", stderr)
	format := fs.String("format", "auto", "format of the file: auto or one of "+strings.Join(formats.Names(), ", "))
	model := fs.String("model", "gpt-4o-mini", "target model: encoding, per-example limit and price")
	encoding := fs.String("encoding", "", "count tokens with this encoding (cl100k_base, o200k_base, ...); default: the model's, if known")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	// Flags may follow the file name, as in `validate train.jsonl --json`.
	var file string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		file, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	} else if fs.NArg() > 0 || file == "" {
		return usageError{"validate takes exactly one file"}
	}
	tg, err := resolveTarget(*model, *encoding)
	if err != nil {
		return err
	}
	in, closeIn, err := openInput(file)
	if err != nil {
		return err
	}
	defer closeIn()
	v, err := validate(ctx, in, *format, tg)
	if err != nil {
		return err
	}
	v.File = file
	w := bufio.NewWriter(stdout)
	if *asJSON {
		err = writeJSONLine(w, v)
	} else {
		printValidation(w, v)
	}
	if err := flushOutput(w, err); err != nil {
		return err
	}
	if !v.Valid {
		return gateError{fmt.Sprintf("%s: %d problems", file, len(v.Problems))}
	}
	return nil
}

// target is what the file is validated for: the tokenizer, the model's
// limit and price, and notices about what of them is unknown.
type target struct {
	name    string
	tok     *tokenizer.Tokenizer // nil: no known encoding, tokens not counted
	model   pricing.Model        // zero figures are unknown
	notices []notice
}

// resolveTarget looks the model up in the tokenizer's and the price table.
// Only a bad --encoding is an error: an unknown model still has its file
// checked, with what is unknown said.
func resolveTarget(model, encoding string) (target, error) {
	tg := target{name: model, model: pricing.Model{Name: model}}
	if m, ok := pricing.With(nil).Lookup(model); ok {
		tg.model = m
	}
	note := func(code, format string, a ...any) {
		tg.notices = append(tg.notices, notice{code, fmt.Sprintf(format, a...)})
	}
	own, ownErr := tokenizer.EncodingForModel(model)
	var err error
	switch {
	case encoding != "":
		if tg.tok, err = tokenizer.Get(encoding); err != nil {
			return tg, usageError{"--encoding: " + err.Error()}
		}
		if ownErr != nil {
			note("approximate-tokens", "tokens counted with %s; the tokenizer of %s is not known here, so counts and the over-limit check are approximate", encoding, model)
		}
	case ownErr == nil:
		if tg.tok, err = tokenizer.Get(own); err != nil {
			return tg, err
		}
	default:
		note("unknown-encoding", "no known encoding for %s: tokens, over-limit check and cost not counted (--encoding counts with one)", model)
	}
	if _, ok := tg.model.Limit(); !ok {
		note("unknown-limit", "no known training-example limit for %s: no over-limit check, billed tokens not capped", model)
	}
	if _, ok := tg.model.TrainPrice(); !ok {
		note("unknown-price", "no known fine-tuning price for %s: cost unknown", model)
	}
	return tg, nil
}

// validate checks every record the way OpenAI's data-preparation cookbook
// does, corrected for tool calls and weights, and with each format's schema
// and structural rules; then it counts the valid examples' tokens and
// estimates the cost. With format "auto" the format is detected from the
// file: the container (JSON array or lines) and the records' keys; formats
// whose records look alike (formats.Alike) are each checked, and the file as
// a whole decides between them.
func validate(ctx context.Context, in io.Reader, format string, tg target) (*validation, error) {
	vr := &validator{tg: tg, counter: counter{tok: tg.tok}}
	if format != "auto" {
		if _, ok := formats.Lookup(format); !ok {
			return nil, usageError{fmt.Sprintf("--format: unknown format %q", format)}
		}
		if err := vr.use([]string{format}); err != nil {
			return nil, err
		}
	}
	r, array, err := peekContainer(in)
	if err != nil {
		return nil, err
	}
	vr.array = array
	err = eachJSON(r, func(rec jsonl.Record) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return vr.record(rec)
	})
	if err != nil {
		return nil, err
	}
	return vr.result(), nil
}

// utf8BOM is the byte-order mark some editors write at the start of a file.
var utf8BOM = []byte("\xEF\xBB\xBF")

// peekContainer skips a UTF-8 byte-order mark, as run's readers do, and
// reports whether the file is one JSON array rather than lines of records.
func peekContainer(in io.Reader) (io.Reader, bool, error) {
	br := bufio.NewReaderSize(in, 64<<10)
	if b, _ := br.Peek(len(utf8BOM)); bytes.Equal(b, utf8BOM) {
		br.Discard(len(utf8BOM))
	}
	for i := 1; ; i++ {
		b, err := br.Peek(i)
		if errors.Is(err, io.EOF) || errors.Is(err, bufio.ErrBufferFull) {
			return br, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		if c := b[i-1]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return br, c == '[', nil
		}
	}
}

// validator holds the state of one validation: the problems every
// candidate format shares (not JSON, not an object), and one tally per
// candidate format.
type validator struct {
	tg      target
	counter counter
	array   bool
	records int
	common  []problem
	tallies []*tally // candidate formats; nil until the first record is detected
	decided string   // the evidence that settled between candidates, if any
}

// use makes the formats the candidates, the first the likeliest.
func (vr *validator) use(formatNames []string) error {
	for _, n := range formatNames {
		t, err := newTally(n)
		if err != nil {
			return err
		}
		vr.tallies = append(vr.tallies, t)
	}
	return nil
}

// record checks one record; the reader checked that it is JSON (or set
// Reject), so that it is decoded once for the schemas.
func (vr *validator) record(r jsonl.Record) error {
	line, rec := r.Line, r.Raw
	vr.records++
	add := func(code, msg string) { vr.common = append(vr.common, problem{line, code, msg}) }
	if r.Reject != nil {
		add("invalid-json", "the line is not valid JSON")
		return nil
	}
	if rec[0] != '{' {
		add("not-object", "the line is not a JSON object")
		return nil
	}
	if vr.tallies == nil {
		name, ok := formats.Detect(rec)
		if !ok {
			add("unknown-format", "no known fine-tuning format has these keys")
			return nil
		}
		if n, ok := formats.InContainer(name, vr.array); ok {
			name = n // alpaca-jsonl records in an array: an alpaca file
		}
		if err := vr.use(append([]string{name}, formats.Alike(name)...)); err != nil {
			return err
		}
	}
	var kept, dropped []*tally
	d := &doc{rec: r}
	for _, t := range vr.tallies {
		if t.record(line, rec, d, vr) {
			kept = append(kept, t)
		} else {
			dropped = append(dropped, t)
		}
	}
	// The first record that one candidate accepts and another rejects
	// decides between them; the rest of the file is checked as the former.
	if len(kept) > 0 && len(dropped) > 0 {
		vr.decided = fmt.Sprintf("line %d is valid as %s, not as %s", line, names(kept), names(dropped))
		vr.tallies = kept
	}
	return nil
}

// names lists the tallies' formats, joined for a message.
func names(ts []*tally) string {
	n := make([]string, len(ts))
	for i, t := range ts {
		n[i] = t.f.Name
	}
	return strings.Join(n, " or ")
}

// tally is the file checked as one format: its problems, and the counts
// of the records valid in it.
type tally struct {
	f         formats.Format
	sch       *jsonschema.Schema
	problems  []problem
	examples  int
	lengths   []int // every example's tokens, for pricing.FineTune
	lengthDst lengthdist.Dist
	msgs      lengthdist.Dist
	total     int64
	trained   int64
	overLimit int
	warnings  map[string][]int
}

func newTally(name string) (*tally, error) {
	f, _ := formats.Lookup(name)
	sch, err := compileSchema(f)
	if err != nil {
		return nil, fmt.Errorf("%s schema: %w", name, err)
	}
	return &tally{f: f, sch: sch, warnings: map[string][]int{}}, nil
}

// doc is a record decoded for the schema validator, once, and only when a
// candidate format needs it.
type doc struct {
	rec     jsonl.Record
	v       any
	decoded bool
}

func (d *doc) value() any {
	if !d.decoded {
		d.v, _ = d.rec.Value()
		d.decoded = true
	}
	return d.v
}

// record checks one record and reports whether it is valid; a valid one
// is an example, counted. A record the schema and rules accept but the
// format cannot read (a content part that is an image) is a problem too.
// The schema validator runs unless the format's reading knows the record
// valid.
func (t *tally) record(line int, rec []byte, d *doc, vr *validator) bool {
	before := len(t.problems)
	add := func(code, msg string) { t.problems = append(t.problems, problem{line, code, msg}) }
	rd := t.f.Read(rec)
	if !rd.SchemaValid {
		if err := t.sch.Validate(d.value()); err != nil {
			add("schema", schemaMessage(err))
		}
	}
	for _, p := range rd.Problems {
		add(p.Code, p.Message)
	}
	if len(t.problems) == before && rd.Err != nil {
		add("unreadable", rd.Err.Error())
	}
	ex := rd.Example
	if len(t.problems) > before {
		return false
	}
	t.examples++
	t.msgs.Add(len(ex.Messages))
	warn := func(code string) {
		if len(t.warnings[code]) < 20 {
			t.warnings[code] = append(t.warnings[code], line)
		}
	}
	if tc, ok := vr.counter.count(line, ex); ok {
		t.total += int64(tc.Total)
		t.trained += int64(tc.Trained)
		t.lengths = append(t.lengths, tc.Total)
		t.lengthDst.Add(tc.Total)
		if limit, ok := vr.tg.model.Limit(); ok && tc.Total > limit {
			t.overLimit++
			warn("over-token-limit")
		}
	}
	if ex.Kind == schemas.KindChat {
		if ex.System() == "" {
			warn("missing-system")
		}
		if !hasRole(ex.Messages, "user") {
			warn("missing-user")
		}
	}
	return true
}

// counter counts an example's tokens once, though several candidate
// formats may read the same record into the same example.
type counter struct {
	tok  *tokenizer.Tokenizer // nil: not counted
	line int
	ex   *schemas.Example
	tc   schemas.TokenCounts
}

func (c *counter) count(line int, ex *schemas.Example) (schemas.TokenCounts, bool) {
	if c.tok == nil {
		return schemas.TokenCounts{}, false
	}
	if c.ex == nil || c.line != line || !reflect.DeepEqual(c.ex, ex) {
		c.line, c.ex, c.tc = line, ex, tokencount.Count(c.tok, ex)
	}
	return c.tc, true
}

// result picks the format and applies the rules of the file as a whole.
func (vr *validator) result() *validation {
	v := &validation{Format: "unknown", Problems: append([]problem{}, vr.common...),
		Warnings: map[string][]int{}, Notices: append([]notice{}, vr.tg.notices...)}
	fileProblem := func(code, msg string) { v.Problems = append(v.Problems, problem{0, code, msg}) }
	t, alike := vr.choose(v)
	switch {
	case t != nil:
		v.Format, v.Examples, v.Warnings = t.f.Name, t.examples, t.warnings
		v.Problems = append(v.Problems, t.problems...)
		if vr.records > 0 && vr.array != t.f.Array() {
			fileProblem("wrong-container", containerMessage(t.f, vr.array))
		}
	case vr.array && vr.records == 0:
		v.Format = "alpaca" // the one array format; "[]" is an empty alpaca file
	}
	switch {
	case v.Examples == 0 && vr.records == 0:
		fileProblem("no-examples", "the file has no records")
	case v.Examples == 0:
		fileProblem("no-examples", fmt.Sprintf("none of the %d records is a valid example", vr.records))
	case v.Examples < minOpenAIExamples && strings.HasPrefix(v.Format, "openai-"):
		msg := fmt.Sprintf("%d examples; OpenAI fine-tuning needs at least %d", v.Examples, minOpenAIExamples)
		if len(alike) > 0 {
			// The rule is OpenAI's; the file may not be meant for OpenAI.
			v.Notices = append(v.Notices, notice{"too-few-examples", msg + " (if the file is for OpenAI)"})
		} else {
			fileProblem("too-few-examples", msg)
		}
	}
	sort.SliceStable(v.Problems, func(i, j int) bool { return v.Problems[i].Line < v.Problems[j].Line })
	v.Valid = len(v.Problems) == 0
	if v.Valid {
		v.AlsoValidAs = alike
	}
	v.Tokens = vr.summary(t)
	if t != nil && vr.tg.tok != nil && t.examples > 0 {
		e := pricing.FineTune(vr.tg.model, t.lengths)
		v.Cost = &e
	}
	return v
}

// choose picks the candidate format: the one left after the records that
// told the candidates apart. Candidates still left accepted the same
// records: the file cannot tell them apart, and the output says so. alike
// lists the others.
func (vr *validator) choose(v *validation) (t *tally, alike []string) {
	if len(vr.tallies) == 0 {
		return nil, nil
	}
	t = vr.tallies[0] // the format the first record's keys suggest
	if len(vr.tallies) > 1 {
		for _, o := range vr.tallies[1:] {
			alike = append(alike, o.f.Name)
		}
		v.Notices = append(v.Notices, notice{"ambiguous-format", fmt.Sprintf(
			"the records read the same as %s: nothing in the file (a top-level system prompt; system messages, weights, names, tool calls) tells them apart; checked as %s (--format chooses)",
			names(vr.tallies), t.f.Name)})
	} else if vr.decided != "" && len(t.problems) > 0 {
		// Say why these problems are the ones of this format.
		v.Notices = append(v.Notices, notice{"format-evidence", "checked as " + t.f.Name + ": " + vr.decided})
	}
	return t, alike
}

func containerMessage(f formats.Format, array bool) string {
	shape := map[bool]string{true: "one JSON array", false: "one record per line"}
	msg := fmt.Sprintf("%s files are %s, but this file is %s", f.Name, shape[f.Array()], shape[array])
	if twin, ok := formats.InContainer(f.Name, array); ok {
		msg += fmt.Sprintf(" (--format %s reads it)", twin)
	}
	return msg
}

// summary gives the token counts of the chosen format's valid examples;
// what cannot be counted or is not known stays nil.
func (vr *validator) summary(t *tally) tokenSummary {
	s := tokenSummary{Model: vr.tg.name}
	if limit, ok := vr.tg.model.Limit(); ok {
		s.Limit = &limit
	}
	if t == nil {
		t = &tally{}
	}
	s.Messages = t.msgs.Summary()
	if vr.tg.tok == nil {
		return s
	}
	enc := vr.tg.tok.Name()
	s.Encoding, s.Total, s.Trained = &enc, &t.total, &t.trained
	s.Percentile = t.lengthDst.Summary()
	if s.Limit != nil {
		s.OverLimit = &t.overLimit
	}
	return s
}

func hasRole(msgs []schemas.Message, role string) bool {
	for _, m := range msgs {
		if m.Role == role {
			return true
		}
	}
	return false
}

func compileSchema(f formats.Format) (*jsonschema.Schema, error) {
	s, err := jsonschema.UnmarshalJSON(bytes.NewReader(f.Schema))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(f.SchemaFile, s); err != nil {
		return nil, err
	}
	return c.Compile(f.SchemaFile)
}

// schemaMessage shortens a validation error to its first line.
func schemaMessage(err error) string {
	var ve *jsonschema.ValidationError
	if errors.As(err, &ve) {
		// The validator lists a record's causes in no fixed order: report
		// the one at the first location (then the first message), so the
		// same file always gets the same message.
		best, bestAt := "", ""
		var walk func(v *jsonschema.ValidationError)
		walk = func(v *jsonschema.ValidationError) {
			if len(v.Causes) > 0 {
				for _, c := range v.Causes {
					walk(c)
				}
				return
			}
			// Property lists come in map order too.
			switch k := v.ErrorKind.(type) {
			case *kind.AdditionalProperties:
				slices.Sort(k.Properties)
			case *kind.Required:
				slices.Sort(k.Missing)
			}
			at, msg := "/"+strings.Join(v.InstanceLocation, "/"), firstCause(v.Error())
			if best == "" || at < bestAt || at == bestAt && msg < best {
				best, bestAt = msg, at
			}
		}
		walk(ve)
		if best != "" {
			return best
		}
	}
	return firstCause(err.Error())
}

// firstCause is the first "- at ...: ..." line of a validation error's
// text, or its text when there is none.
func firstCause(msg string) string {
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		rest := strings.TrimSpace(msg[i+1:])
		if j := strings.IndexByte(rest, '\n'); j >= 0 {
			rest = rest[:j]
		}
		return strings.TrimSpace(strings.TrimPrefix(rest, "- "))
	}
	return msg
}

func printValidation(w io.Writer, v *validation) {
	for _, p := range v.Problems {
		fmt.Fprintf(w, "%s:%d: %s: %s\n", v.File, p.Line, p.Code, p.Message)
	}
	state := "valid"
	if !v.Valid {
		state = fmt.Sprintf("%d problems", len(v.Problems))
	}
	also := ""
	if len(v.AlsoValidAs) > 0 {
		also = " (also valid as " + strings.Join(v.AlsoValidAs, ", ") + ")"
	}
	fmt.Fprintf(w, "%s: %s, %d examples, format %s%s\n", v.File, state, v.Examples, v.Format, also)
	t := v.Tokens
	if t.Encoding != nil {
		fmt.Fprintf(w, "tokens (%s, %s): total %d, trained %d; per example %s\n", *t.Encoding, t.Model, *t.Total, *t.Trained, distText(t.Percentile))
	} else {
		fmt.Fprintf(w, "tokens (%s): unknown, no known encoding (--encoding counts with one)\n", t.Model)
	}
	fmt.Fprintf(w, "messages per example: %s\n", distText(t.Messages))
	for _, code := range sortedKeys(v.Warnings) {
		fmt.Fprintf(w, "warning: %s on lines %v\n", code, v.Warnings[code])
	}
	for _, n := range v.Notices {
		fmt.Fprintf(w, "warning: %s: %s\n", n.Code, n.Message)
	}
	switch {
	case t.Limit == nil:
		fmt.Fprintf(w, "training-example limit of %s: unknown (no over-limit check)\n", t.Model)
	case t.OverLimit == nil:
		fmt.Fprintf(w, "over the %d-token limit of %s: unknown (tokens not counted)\n", *t.Limit, t.Model)
	default:
		fmt.Fprintf(w, "over the %d-token limit of %s: %d examples (they would be truncated)\n", *t.Limit, t.Model, *t.OverLimit)
	}
	if c := v.Cost; c != nil {
		cost := fmt.Sprintf("cost unknown (no known training price for %s)", t.Model)
		if c.CostUSD != nil {
			cost = fmt.Sprintf("$%.4f at $%.2f per 1M training tokens (prices as of %s; they change)", *c.CostUSD, *c.TrainPrice, c.PricesAsOf)
		}
		fmt.Fprintf(w, "estimate: %d epochs, %d billed tokens, %s\n", c.Epochs, c.BilledTokens, cost)
	}
}

func distText(d map[string]int) string {
	var parts []string
	for _, k := range []string{"min", "p50", "p90", "p95", "p99", "max", "mean"} {
		if v, ok := d[k]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", k, v))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
