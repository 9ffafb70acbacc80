package ingest

import (
	"fmt"
	"strings"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/formats"
	"github.com/tuneprep/tuneprep/stages/jsonl"
)

// object emits one JSON object read from the input (a JSONL line or a JSON
// array element): exploded into one record per element when input.explode
// names an array in it, and read as a training example when it has the
// shape of one of the output formats.
func (e *emitter) object(rec jsonl.Record) error {
	line, raw := rec.Line, rec.Raw
	fields, err := rec.Fields()
	if err != nil {
		return e.reject(line, "malformed-json", err.Error())
	}
	if len(e.g.explode) == 0 {
		return e.example(line, 0, fields, raw, len(raw))
	}
	items, err := explode(fields, e.g.explode)
	if err != nil {
		return e.reject(line, "explode-failed", fmt.Sprintf("input.explode %q: %v", e.g.cfg.Explode, err))
	}
	if len(items) == 0 {
		return e.reject(line, "explode-empty", fmt.Sprintf("input.explode %q: no elements in this record", e.g.cfg.Explode))
	}
	for i, item := range items {
		size := 0
		if i == 0 { // the record's bytes are counted once, with its first item
			size = len(raw)
		}
		if err := e.example(line, i+1, item, nil, size); err != nil {
			return err
		}
	}
	return nil
}

// example emits one record, first reading it as a training example when its
// fields have the shape of an output format (see asExample). raw is the
// record's JSON when known (nil for exploded items).
func (e *emitter) example(line, item int, fields schemas.Fields, raw []byte, size int) error {
	ex, fields, err := asExample(fields, raw)
	if err != nil {
		e.last = line
		return e.reject(line, "invalid-example", err.Error())
	}
	return e.emitDoc(line, item, fields, ex, size, true)
}

// exampleKeys are the keys whose presence makes a record worth checking
// against the output formats' shapes.
var exampleKeys = []string{"messages", "conversations", "contents", "schemaVersion"}

// carried are the fields an example read from the input carries itself when
// they hold JSON; they leave the record's fields, so that they are not
// scanned, stored or counted twice. String fields stay for templates.
var carried = []string{"messages", "tools", "conversations", "contents", "systemInstruction", "system", "schemaVersion", "prompt", "completion", "history"}

// asExample reads a record in one of the formats tuneprep writes (OpenAI
// chat and completion, TRL prompt-completion, Bedrock, Vertex Gemini,
// Alpaca, ShareGPT) as that example: turns, system prompt, weights and tool
// calls. A plain {"text": ...} record stays a record: its text is the text.
// A record of a format's shape that does not parse is an error.
func asExample(fields schemas.Fields, raw []byte) (*schemas.Example, schemas.Fields, error) {
	if !looksLikeExample(fields) {
		return nil, fields, nil
	}
	has := func(k string) bool { _, ok := fields.Get(k); return ok }
	isString := func(k string) bool {
		for _, f := range fields {
			if f.Name == k {
				return !f.Raw // numbers and booleans too: they fail to parse as text either way
			}
		}
		return false
	}
	name, ok := formats.DetectKeys(has, isString)
	if !ok || name == "trl-text" {
		return nil, fields, nil
	}
	if raw == nil {
		b, err := fields.MarshalJSON()
		if err != nil {
			return nil, fields, err
		}
		raw = b
	}
	f, _ := formats.Lookup(name)
	ex, err := f.Parse(raw)
	if err != nil {
		return nil, fields, err
	}
	if ex.Kind == schemas.KindChat && len(ex.Messages) == 0 {
		return nil, fields, fmt.Errorf("%s: no messages", name)
	}
	for _, m := range ex.Messages {
		if m.Role == "" {
			return nil, fields, fmt.Errorf("%s: a message has no role tuneprep knows", name)
		}
	}
	kept := make(schemas.Fields, 0, len(fields))
	for _, fl := range fields {
		if !(fl.Raw && contains(carried, fl.Name)) {
			kept = append(kept, fl)
		}
	}
	return ex, kept, nil
}

func looksLikeExample(fields schemas.Fields) bool {
	has := func(n string) bool { _, ok := fields.Get(n); return ok }
	for _, k := range exampleKeys {
		if has(k) {
			return true
		}
	}
	return (has("prompt") && has("completion")) || (has("instruction") && has("output"))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// explodePath splits input.explode into its segments.
func explodePath(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	segs := strings.Split(p, ".")
	for _, s := range segs {
		if s == "" {
			return nil, fmt.Errorf("explode: %q has an empty segment", p)
		}
	}
	return segs, nil
}

// explode turns the array at path into one record per element. Each record
// has the ancestors' fields (without the exploded ones) followed by the
// element's own, a deeper key replacing a shallower one of the same name. A
// segment that names an object walks into it; one that names an array
// walks into every element. A scalar element becomes a field named after
// the array.
func explode(fields schemas.Fields, path []string) ([]schemas.Fields, error) {
	name := path[0]
	var val schemas.Field
	base := make(schemas.Fields, 0, len(fields))
	found := false
	for _, f := range fields {
		if f.Name == name && !found {
			val, found = f, true
			continue
		}
		base = append(base, f)
	}
	if !found {
		return nil, nil
	}
	if !val.Raw {
		return nil, fmt.Errorf("field %q is not an array or object", name)
	}
	var elems [][]byte
	if val.Value[0] == '{' {
		elems = [][]byte{[]byte(val.Value)}
	} else {
		elems = jsonl.Elements([]byte(val.Value))
	}
	var out []schemas.Fields
	for _, el := range elems {
		item, err := mergeElement(base, name, el)
		if err != nil {
			return nil, err
		}
		if len(path) == 1 {
			out = append(out, item)
			continue
		}
		sub, err := explode(item, path[1:])
		if err != nil {
			return nil, err
		}
		out = append(out, sub...)
	}
	return out, nil
}

// mergeElement returns base (copied, marked inherited) with the element's
// fields added.
func mergeElement(base schemas.Fields, name string, el []byte) (schemas.Fields, error) {
	item := append(make(schemas.Fields, 0, len(base)+8), base...)
	for i := range item {
		item[i].Inherited = true
	}
	if el[0] != '{' {
		f, err := jsonl.Field(name, el)
		if err != nil {
			return nil, err
		}
		return append(item, f), nil
	}
	child, err := jsonl.ParseObject(el)
	if err != nil {
		return nil, err
	}
	for _, c := range child {
		replaced := false
		for i := range item {
			if item[i].Name == c.Name {
				item[i], replaced = c, true
				break
			}
		}
		if !replaced {
			item = append(item, c)
		}
	}
	return item, nil
}
