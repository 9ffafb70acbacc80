// Package formats is the table of fine-tuning file formats: how an Example
// becomes one record of each format, the JSON Schema of that record, and the
// structural rules a schema cannot express (role order, tool-call ids,
// weights). The emit stage writes with it; a validator checks files with it.
package formats

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/tuneprep/tuneprep/schemas"
)

// Format is one output format.
type Format struct {
	// Name is the fixed name used in configs and on the command line.
	Name string
	// Doc is a one-line description.
	Doc string
	// Ext is the file extension: ".jsonl" (one record per line) or ".json"
	// (one JSON array of records).
	Ext string
	// Schema is the JSON Schema (draft 2020-12) of one record.
	Schema []byte
	// SchemaFile is the name of the embedded schema file, usable as the
	// resource name when compiling Schema.
	SchemaFile string

	render func(ex *schemas.Example) (v any, reason string)
	check  func(record []byte) []Problem
	// read, when set, is Read in one pass; ok false leaves it to Check
	// and Parse.
	read func(record []byte) (rd Reading, ok bool)
	// llamaFactory is the format's dataset_info.json entry, without the
	// file name; nil for formats LLaMA-Factory does not read as they are.
	llamaFactory *LlamaFactoryDataset
}

// Array reports whether the format's file is one JSON array of records
// rather than one record per line.
func (f Format) Array() bool { return f.Ext == ".json" }

// Render encodes ex as one record followed by "\n". A non-empty reason
// means the example cannot be expressed in this format without changing
// it (a system message where the format has none, a tool call, a weight it
// cannot carry, an order of roles it forbids); line is then nil. Render
// never returns a record that Check would fault: each format applies the
// same rules to the record it builds, before encoding it. err is reserved
// for encoding failures.
func (f Format) Render(ex *schemas.Example) (line []byte, reason string, err error) {
	if ex == nil {
		return nil, f.Name + ": no example", nil
	}
	v, reason := f.render(ex)
	if reason != "" {
		return nil, reason, nil
	}
	line, err = marshalLine(v)
	if err != nil {
		return nil, "", fmt.Errorf("%s: encode: %w", f.Name, err)
	}
	return line, "", nil
}

// Check returns the problems of one record (a JSON object, without the
// line's newline) that its JSON Schema cannot express. A record that is not
// JSON, or whose fields have the wrong types, gives one problem with code
// CodeInvalidJSON or CodeBadShape; the schema says more about those. Check
// never panics, whatever the bytes.
func (f Format) Check(record []byte) []Problem {
	if f.check == nil {
		var m map[string]json.RawMessage
		return decode(record, &m)
	}
	return f.check(record)
}

// A Reading is one record as Read saw it.
type Reading struct {
	// Problems are Check's; Example and Err are Parse's, nil when there
	// are problems.
	Problems []Problem
	Example  *schemas.Example
	Err      error
	// SchemaValid says the record has a shape the format's JSON Schema
	// surely accepts (plain strings and known keys, as nearly every record
	// of a real file); false says nothing: run the validator.
	SchemaValid bool
}

// Read is Check, then Parse when Check finds no problems, in one pass over
// the record where the format allows (openai-chat).
func (f Format) Read(record []byte) Reading {
	if f.read != nil {
		if rd, ok := f.read(record); ok {
			return rd
		}
	}
	if ps := f.Check(record); len(ps) > 0 {
		return Reading{Problems: ps}
	}
	ex, err := f.Parse(record)
	return Reading{Example: ex, Err: err}
}

// table is the list of formats, in the order the docs present them.
var table = []Format{
	openAIChat,
	openAICompletion,
	trlText,
	trlPromptCompletion,
	bedrockClaude,
	bedrockConversation,
	vertexGemini,
	alpaca,
	alpacaJSONL,
	shareGPT,
}

//go:embed schemas/*.schema.json
var schemaFS embed.FS

// schemaFor reads an embedded schema; the files are part of the binary, so
// a missing one is caught by the tests, and reads as an empty schema here.
func schemaFor(file string) []byte {
	b, _ := schemaFS.ReadFile("schemas/" + file)
	return b
}

// Lookup returns the format with this exact name.
func Lookup(name string) (Format, bool) {
	for _, f := range table {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}

// Names lists the format names, sorted.
func Names() []string {
	n := make([]string, 0, len(table))
	for _, f := range table {
		n = append(n, f.Name)
	}
	slices.Sort(n)
	return n
}

// All returns every format, in the table's order (a copy).
func All() []Format { return slices.Clone(table) }

// marshalLine encodes v as one line without HTML escaping: training data
// keeps "<", ">" and "&" as written.
func marshalLine(v any) ([]byte, error) {
	if line, ok := appendLine(make([]byte, 0, lineSize(v)), v); ok {
		return line, nil
	}
	return marshalLineJSON(v)
}

// marshalLineJSON is marshalLine by encoding/json, for every record.
func marshalLineJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Columns lists the top-level keys a record of the format may have (from
// its JSON Schema), sorted: the columns of the format's Parquet table.
func (f Format) Columns() []string {
	var s struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Items      struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"items"`
	}
	if err := json.Unmarshal(f.Schema, &s); err != nil {
		return nil
	}
	props := s.Properties
	if len(props) == 0 {
		props = s.Items.Properties
	}
	cols := make([]string, 0, len(props))
	for k := range props {
		cols = append(cols, k)
	}
	slices.Sort(cols)
	return cols
}
