// Package schemas holds the data that travels through tuneprep: documents,
// examples, outcomes, stage reports and the run manifest, plus the embedded
// JSON Schemas of the config and of run.json.
package schemas

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Source locates a record in the input: the path relative to the input root
// and the 1-based line (line formats), data row (CSV, TSV, Parquet) or array
// element (JSON); 0 for whole-file documents.
type Source struct {
	Path string `json:"path"`
	Line int    `json:"line"`
	// Item is the 1-based element of a record that input.explode turned
	// into several records; 0 for a record read as it is.
	Item int `json:"item,omitempty"`
}

// Field is one named value of a record. Raw marks a value that was not a
// string in the input (a number, object or array) and is held as compact JSON.
type Field struct {
	Name  string
	Value string
	Raw   bool
	// Inherited marks a field that input.explode copied from the record
	// around the element (the shared context of many questions): templates
	// see it, but it is not part of the element's own main text.
	Inherited bool
}

// Fields are a record's fields in input order (CSV header order, JSON key
// order). Records have few fields, so lookups scan.
type Fields []Field

// Get returns the value of the named field and whether it exists.
func (fs Fields) Get(name string) (string, bool) {
	for i := range fs {
		if fs[i].Name == name {
			return fs[i].Value, true
		}
	}
	return "", false
}

// Set replaces the named field's value or appends the field.
func (fs *Fields) Set(name, value string) {
	for i := range *fs {
		if (*fs)[i].Name == name {
			(*fs)[i].Value, (*fs)[i].Raw = value, false
			return
		}
	}
	*fs = append(*fs, Field{Name: name, Value: value})
}

// Delete removes the named field.
func (fs *Fields) Delete(name string) {
	for i := range *fs {
		if (*fs)[i].Name == name {
			*fs = append((*fs)[:i], (*fs)[i+1:]...)
			return
		}
	}
}

// MarshalJSON writes the fields as one object in input order; Raw values are
// written as the JSON they were.
func (fs Fields) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.Name)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		if f.Raw && json.Valid([]byte(f.Value)) {
			b.WriteString(f.Value)
			continue
		}
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Document is one input record on its way through the pipeline. Stages
// annotate it in place; a record leaves the pipeline emitted, dropped (Drop
// set) or rejected (Reject set).
type Document struct {
	// Seq is the record's position in input order across the whole run.
	Seq int64
	// ID is stable across runs: derived from Source, never from run order.
	ID     string
	Source Source
	Fields Fields
	// Text is the main text: the fields named by the input's text_fields,
	// normalized. Dedup, minhash and the corpus use it.
	Text string
	// Label is the value of the configured label field, for stratified splits
	// and per-label few-shot banks.
	Label string
	// Cluster is the ID of the record that represents this record's
	// duplicate cluster (its own ID when it is the representative).
	Cluster string
	Split   string
	// Language is the ISO 639-1 code of the main text's language as the
	// quality stage identified it ("" when it did not run or could not
	// tell), with its confidence (0 to 1).
	Language           string
	LanguageConfidence float64
	// Redactions counts redacted spans by entity type.
	Redactions []TypeCount
	Tokens     *TokenCounts
	Example    *Example
	// Bytes is the size of the record as read, for throughput figures.
	Bytes int
	// Stash carries a stage's own per-record data from its Process to its
	// Sequence (e.g. a hash computed in parallel). The engine clears it
	// after Sequence: it never reaches another stage or a held record's
	// Release or Replay, and is not written when held records spill to disk.
	Stash any
	// Memo is what a sharded run's shard task computed for the record that
	// the merge has not used yet: later stages' Process results and the
	// record as they left it (see pipeline.ShardTask). Nil otherwise.
	Memo []byte

	Drop   *Drop
	Reject *Reject
}

// Alive reports whether the record is still on its way (neither dropped nor rejected).
func (d *Document) Alive() bool { return d.Drop == nil && d.Reject == nil }

// TypeCount is a count for one type (e.g. an entity type).
type TypeCount struct {
	Type  string `json:"type"`
	Count int    `json:"count"`
}

// TokenCounts are a record's token counts under the configured encoding.
type TokenCounts struct {
	Encoding  string `json:"encoding"`
	Total     int    `json:"total"`
	Trained   int    `json:"trained"`
	System    int    `json:"system,omitempty"`
	User      int    `json:"user,omitempty"`
	Assistant int    `json:"assistant,omitempty"`
}

// Drop records why a stage removed a record. Detail carries facts such as the
// kept duplicate's ID; it never carries record text.
type Drop struct {
	Stage  string `json:"stage"`
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

// Reject records why a record could not be read.
type Reject struct {
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

// DroppedRecord is one line of dropped.jsonl.
type DroppedRecord struct {
	ID     string `json:"id"`
	Source Source `json:"source"`
	Stage  string `json:"stage"`
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

// RejectedRecord is one line of rejects.jsonl.
type RejectedRecord struct {
	Source Source `json:"source"`
	Reason string `json:"reason"`
	Detail string `json:"detail,omitempty"`
}

// MainText is the record's main text: the content of a training example read
// from the input (see Example.Content), else the named fields (Fields.MainText).
func (d *Document) MainText(names []string) string {
	if d.Example != nil {
		return d.Example.Content()
	}
	return d.Fields.MainText(names)
}

// MainText joins the named fields with blank lines into a record's main text.
// With no names it takes the "text" field when there is one, else every
// field in input order (JSON values as JSONText renders them) except
// identifiers (see IsIdentifier), so that two records that differ only in
// their IDs have the same text, and except fields an exploded element
// inherited, so that questions about one context are not duplicates of
// each other.
func (fs Fields) MainText(names []string) string {
	if len(names) == 0 {
		if t, ok := fs.Get("text"); ok {
			return t
		}
	}
	var parts []string
	if len(names) == 0 {
		for _, f := range fs {
			switch {
			case f.Inherited:
			case f.Raw:
				if t := JSONText(f.Value); t != "" {
					parts = append(parts, t)
				}
			case f.Value != "" && !IsIdentifier(f.Name, f.Value):
				parts = append(parts, f.Value)
			}
		}
	} else {
		for _, n := range names {
			if v, ok := fs.Get(n); ok && v != "" {
				parts = append(parts, v)
			}
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts, "\n\n")
}

// IsIdentifier reports whether a field looks like a record identifier: a
// name such as id, uid, uuid, guid, key, ticket_id or ticketId, and a short
// value without spaces. Identifiers are unique per record, so they are kept
// out of the default main text (and with it the duplicate key).
func IsIdentifier(name, value string) bool {
	if len(value) > 64 || strings.ContainsAny(value, " \t\n") {
		return false
	}
	n := strings.ToLower(name)
	for _, id := range []string{"id", "uid", "uuid", "guid", "key"} {
		if n == id {
			return true
		}
	}
	for _, suffix := range []string{"_id", "-id", " id", "_uuid", "_uid", "_guid", "_key"} {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	// camelCase: ticketId, orderID, userUUID
	for _, suffix := range []string{"Id", "ID", "Uuid", "UUID"} {
		if strings.HasSuffix(name, suffix) && len(name) > len(suffix) {
			return true
		}
	}
	return false
}

// PrintablePath is p as a page for people shows it: a name that holds
// control characters (a newline) or bytes that are not UTF-8 is written
// with Go's escapes (\n, \xff), so that it stays on its line and the page
// stays valid UTF-8; any other name is p itself.
func PrintablePath(p string) string {
	if utf8.ValidString(p) && !strings.ContainsFunc(p, unicode.IsControl) {
		return p
	}
	q := strconv.Quote(p)
	return q[1 : len(q)-1]
}
