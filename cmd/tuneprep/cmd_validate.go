package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/formats"
	"github.com/tuneprep/tuneprep/stages/pricing"
	"github.com/tuneprep/tuneprep/stages/tokenizer"
	"github.com/tuneprep/tuneprep/stages/tokens"
)

// problem is one reason a fine-tuning file would be refused, with its line.
type problem struct {
	Line    int    `json:"line"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// validation is the result of `tuneprep validate`.
type validation struct {
	File     string            `json:"file"`
	Format   string            `json:"format"`
	Valid    bool              `json:"valid"`
	Examples int               `json:"examples"`
	Problems []problem         `json:"problems"`
	Warnings map[string][]int  `json:"warnings"`
	Tokens   tokenSummary      `json:"tokens"`
	Cost     *pricing.Estimate `json:"cost,omitempty"`
}

type tokenSummary struct {
	Encoding   string         `json:"encoding"`
	Model      string         `json:"model"`
	Limit      int            `json:"limit"`
	Total      int64          `json:"total"`
	Trained    int64          `json:"trained"`
	Percentile map[string]int `json:"distribution"`
	OverLimit  int            `json:"over_limit"`
	Messages   map[string]int `json:"messages_per_example"`
}

// minOpenAIExamples is the smallest file OpenAI's fine-tuning accepts.
const minOpenAIExamples = 10

func validateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("validate", "validate FILE [--format auto|NAME] [--model M] [--json]", stderr)
	format := fs.String("format", "auto", "format of the file: auto or one of "+strings.Join(formats.Names(), ", "))
	model := fs.String("model", "gpt-4o-mini", "target model: encoding, per-example limit and price")
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
	tok, err := tokenizer.ForModel(*model)
	if err != nil {
		return usageError{err.Error()}
	}
	m, _ := pricing.With(nil).Lookup(*model)
	in, closeIn, err := openInput(file)
	if err != nil {
		return err
	}
	defer closeIn()
	v, err := validate(ctx, in, *format, tok, m)
	if err != nil {
		return err
	}
	v.File = file
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	if *asJSON {
		err = writeJSONLine(w, v)
	} else {
		printValidation(w, v)
	}
	if err == nil && !v.Valid {
		return gateError{fmt.Sprintf("%s: %d problems", file, len(v.Problems))}
	}
	return err
}

// validate checks every record the way OpenAI's data-preparation cookbook
// does, corrected for tool calls and weights, and with each format's schema
// and structural rules; then it counts tokens and estimates the cost.
func validate(ctx context.Context, in io.Reader, format string, tok *tokenizer.Tokenizer, m pricing.Model) (*validation, error) {
	v := &validation{Format: format, Problems: []problem{}, Warnings: map[string][]int{},
		Tokens: tokenSummary{Encoding: tok.Name(), Model: m.Name, Limit: m.TrainLimit, Messages: map[string]int{}}}
	var f formats.Format
	var sch *jsonschema.Schema
	if format != "auto" {
		var ok bool
		if f, ok = formats.Lookup(format); !ok {
			return nil, usageError{fmt.Sprintf("--format: unknown format %q", format)}
		}
	}
	var lengths, msgCounts []int
	add := func(line int, code, msg string) { v.Problems = append(v.Problems, problem{line, code, msg}) }
	warn := func(code string, line int) {
		if len(v.Warnings[code]) < 20 {
			v.Warnings[code] = append(v.Warnings[code], line)
		}
	}
	err := eachRecord(in, func(line int, rec []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		v.Examples++
		if !json.Valid(rec) {
			add(line, "invalid-json", "the line is not valid JSON")
			return nil
		}
		if rec[0] != '{' {
			add(line, "not-object", "the line is not a JSON object")
			return nil
		}
		if f.Name == "" {
			name, ok := formats.Detect(rec)
			if !ok {
				add(line, "unknown-format", "no known fine-tuning format has these keys")
				return nil
			}
			f, _ = formats.Lookup(name)
			v.Format = name
		}
		if sch == nil {
			var err error
			if sch, err = compileSchema(f); err != nil {
				return err
			}
		}
		doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(rec))
		if err := sch.Validate(doc); err != nil {
			add(line, "schema", schemaMessage(err))
		}
		for _, p := range f.Check(rec) {
			add(line, p.Code, p.Message)
		}
		ex, err := f.Parse(rec)
		if err != nil {
			return nil // already reported by the schema
		}
		tc := tokens.Count(tok, ex)
		v.Tokens.Total += int64(tc.Total)
		v.Tokens.Trained += int64(tc.Trained)
		lengths = append(lengths, tc.Total)
		msgCounts = append(msgCounts, len(ex.Messages))
		if m.TrainLimit > 0 && tc.Total > m.TrainLimit {
			v.Tokens.OverLimit++
			warn("over-token-limit", line)
		}
		if ex.Kind == "chat" {
			if ex.System() == "" {
				warn("missing-system", line)
			}
			if !hasRole(ex.Messages, "user") {
				warn("missing-user", line)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if v.Examples < minOpenAIExamples && strings.HasPrefix(v.Format, "openai-") {
		add(0, "too-few-examples", fmt.Sprintf("%d examples; OpenAI fine-tuning needs at least %d", v.Examples, minOpenAIExamples))
	}
	sort.SliceStable(v.Problems, func(i, j int) bool { return v.Problems[i].Line < v.Problems[j].Line })
	v.Valid = len(v.Problems) == 0
	v.Tokens.Percentile = distribution(lengths)
	v.Tokens.Messages = distribution(msgCounts)
	if len(lengths) > 0 {
		e := pricing.FineTune(m, lengths)
		v.Cost = &e
	}
	return v, nil
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
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		rest := strings.TrimSpace(msg[i+1:])
		if j := strings.IndexByte(rest, '\n'); j >= 0 {
			rest = rest[:j]
		}
		return strings.TrimSpace(strings.TrimPrefix(rest, "- "))
	}
	return msg
}

func distribution(xs []int) map[string]int {
	d := map[string]int{}
	if len(xs) == 0 {
		return d
	}
	s := append([]int(nil), xs...)
	sort.Ints(s)
	sum := 0
	for _, x := range s {
		sum += x
	}
	d["min"], d["max"], d["mean"] = s[0], s[len(s)-1], sum/len(s)
	for _, p := range []int{50, 90, 95, 99} {
		d[fmt.Sprintf("p%d", p)] = s[(len(s)-1)*p/100]
	}
	return d
}

func printValidation(w io.Writer, v *validation) {
	for _, p := range v.Problems {
		fmt.Fprintf(w, "%s:%d: %s: %s\n", v.File, p.Line, p.Code, p.Message)
	}
	state := "valid"
	if !v.Valid {
		state = fmt.Sprintf("%d problems", len(v.Problems))
	}
	fmt.Fprintf(w, "%s: %s, %d examples, format %s\n", v.File, state, v.Examples, v.Format)
	t := v.Tokens
	fmt.Fprintf(w, "tokens (%s, %s): total %d, trained %d; per example %s\n", t.Encoding, t.Model, t.Total, t.Trained, distText(t.Percentile))
	fmt.Fprintf(w, "messages per example: %s\n", distText(t.Messages))
	for _, code := range sortedKeys(v.Warnings) {
		fmt.Fprintf(w, "warning: %s on lines %v\n", code, v.Warnings[code])
	}
	if t.Limit > 0 {
		fmt.Fprintf(w, "over the %d-token limit of %s: %d examples (they would be truncated)\n", t.Limit, t.Model, t.OverLimit)
	}
	if c := v.Cost; c != nil {
		fmt.Fprintf(w, "estimate: %d epochs, %d billed tokens, $%.4f at $%.2f per 1M training tokens (prices as of %s; they change)\n",
			c.Epochs, c.BilledTokens, c.CostUSD, c.TrainPrice, c.PricesAsOf)
	}
}

func distText(d map[string]int) string {
	var parts []string
	for _, k := range []string{"min", "p50", "p90", "p95", "p99", "max", "mean"} {
		if v, ok := d[k]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", k, v))
		}
	}
	return strings.Join(parts, ", ")
}
