package jsonl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tuneprep/tuneprep/schemas"
)

var errNotObject = errors.New("not a JSON object")

// Fields returns the fields of the record, which must be a JSON object:
// see ParseObject. The Reader checked the record, so it is not checked
// again.
func (r Record) Fields() (schemas.Fields, error) {
	m, err := r.members()
	if err != nil {
		return nil, err
	}
	var fields schemas.Fields
	for {
		key, v, ok, err := m.next()
		if !ok || err != nil {
			return fields, err
		}
		if v[0] == 'n' { // null
			continue
		}
		f, err := Field(key, v)
		if err != nil {
			return nil, err
		}
		fields = append(fields, f)
	}
}

// ParseObject decodes a JSON object into fields in key order: strings as
// their text, objects and arrays as compact JSON (Raw), numbers and
// booleans as written; null members are left out. Anything but a JSON
// object is an error.
func ParseObject(b []byte) (schemas.Fields, error) {
	return Record{Raw: b}.Fields()
}

// Members calls fn with the key and the JSON value of each member of the
// record, which must be a JSON object, in input order. An error from fn
// stops the walk and is returned.
func (r Record) Members(fn func(key string, value []byte) error) error {
	m, err := r.members()
	if err != nil {
		return err
	}
	for {
		key, v, ok, err := m.next()
		if !ok || err != nil {
			return err
		}
		if err := fn(key, v); err != nil {
			return err
		}
	}
}

// memberScan walks the members of a well-formed JSON object, slicing
// instead of decoding.
type memberScan struct {
	b []byte
	i int
}

func (r Record) members() (memberScan, error) {
	b := r.Raw
	if r.Reject != nil {
		return memberScan{}, fmt.Errorf("%s: %s", r.Reject.Reason, r.Reject.Detail)
	}
	if !r.valid && !Valid(b) {
		return memberScan{}, json.Unmarshal(b, new(json.RawMessage))
	}
	i := skipSpace(b, 0)
	if b[i] != '{' {
		return memberScan{}, errNotObject
	}
	return memberScan{b, skipSpace(b, i+1)}, nil
}

func (m *memberScan) next() (key string, v []byte, ok bool, err error) {
	b, i := m.b, m.i
	if b[i] == '}' {
		return "", nil, false, nil
	}
	end := stringEnd(b, i)
	if key, err = unquote(b[i:end]); err != nil {
		return "", nil, false, err
	}
	i = skipSpace(b, skipSpace(b, end)+1) // past the colon
	end = valueEnd(b, i)
	v = b[i:end]
	if i = skipSpace(b, end); b[i] == ',' {
		i = skipSpace(b, i+1)
	}
	m.i = i
	return key, v, true, nil
}

// Field makes a field of a well-formed JSON value: a string's text, an
// object or array as compact JSON (Raw), a number, boolean or null as
// written.
func Field(name string, v []byte) (schemas.Field, error) {
	switch v[0] {
	case '"':
		s, err := unquote(v)
		return schemas.Field{Name: name, Value: s}, err
	case '{', '[':
		if compact(v) {
			return schemas.Field{Name: name, Value: string(v), Raw: true}, nil
		}
		var c bytes.Buffer
		if err := json.Compact(&c, v); err != nil {
			return schemas.Field{}, err
		}
		return schemas.Field{Name: name, Value: c.String(), Raw: true}, nil
	}
	return schemas.Field{Name: name, Value: string(v)}, nil
}

// compact reports whether the well-formed JSON v has no white space
// outside its strings: json.Compact would return it as it is.
func compact(v []byte) bool {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			i = stringEnd(v, i) - 1
		case ' ', '\t', '\n', '\r':
			return false
		}
	}
	return true
}

// Elements returns the elements of a well-formed JSON array, nulls left
// out.
func Elements(b []byte) [][]byte {
	var out [][]byte
	i := skipSpace(b, skipSpace(b, 0)+1)
	for i < len(b) && b[i] != ']' {
		end := valueEnd(b, i)
		if b[i] != 'n' {
			out = append(out, b[i:end])
		}
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return out
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// stringEnd returns the index after the JSON string starting at b[i]. It
// jumps to the next quote (bytes.IndexByte is vectorised) and skips the
// escapes before it, each byte looked at a bounded number of times.
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return len(b)
		}
		end := i + q
		for {
			e := bytes.IndexByte(b[i:end], '\\')
			if e < 0 {
				return end + 1
			}
			if i += e + 2; i > end {
				break // that quote was escaped: look for the next
			}
		}
	}
	return len(b)
}

// valueEnd returns the index after the JSON value starting at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	}
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && !isSpace(b[i]) {
		i++
	}
	return i
}
