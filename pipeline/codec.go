package pipeline

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/tuneprep/tuneprep/schemas"
)

// The spill codec writes a Document as a flat binary record: integers as
// varints, strings as docWriter.str does, byte slices with a uvarint
// length, optional parts and slices with a leading presence or length+1
// (0 is nil), so that nil and empty survive the trip and outputs stay
// byte-identical. It is private
// to one run (written and read by the same binary), so it has no version.
// Stash is not written: the engine clears it after Sequence (see
// schemas.Document.Stash); a record that still has one is a bug.
//
// TestCodecCoversEveryField fills every field of Document by reflection and
// fails when a field is added without a line here.

// appendDoc appends d's encoding to b.
func appendDoc(b []byte, d *schemas.Document) ([]byte, error) {
	if d.Stash != nil {
		return b, fmt.Errorf("internal: record %s holds a Stash (%T) after Sequence", d.ID, d.Stash)
	}
	w := &docWriter{b: b}
	w.int(d.Seq)
	w.str(d.ID)
	w.str(d.Source.Path)
	w.int(int64(d.Source.Line))
	w.int(int64(d.Source.Item))
	w.len(d.Fields == nil, len(d.Fields))
	for _, f := range d.Fields {
		w.str(f.Name)
		w.str(f.Value)
		w.b = append(w.b, flag(f.Raw)|flag(f.Inherited)<<1)
	}
	for _, s := range [...]string{d.Text, d.Label, d.Cluster, d.Split, d.Language} {
		w.str(s)
	}
	w.int(int64(math.Float64bits(d.LanguageConfidence)))
	w.len(d.Redactions == nil, len(d.Redactions))
	for _, r := range d.Redactions {
		w.str(r.Type)
		w.int(int64(r.Count))
	}
	w.b = append(w.b, flag(d.Tokens != nil))
	if t := d.Tokens; t != nil {
		w.str(t.Encoding)
		for _, n := range [...]int{t.Total, t.Trained, t.System, t.User, t.Assistant} {
			w.int(int64(n))
		}
	}
	w.b = append(w.b, flag(d.Example != nil))
	if e := d.Example; e != nil {
		w.str(e.Kind)
		w.len(e.Messages == nil, len(e.Messages))
		for _, m := range e.Messages {
			w.str(m.Role)
			w.str(m.Content)
			w.str(m.Name)
			w.b = append(w.b, flag(m.Weight != nil))
			if m.Weight != nil {
				w.int(int64(*m.Weight))
			}
			w.bytes(m.ToolCalls)
			w.str(m.ToolCallID)
		}
		w.bytes(e.Tools)
		w.str(e.Prompt)
		w.str(e.Completion)
		w.str(e.Text)
	}
	w.int(int64(d.Bytes))
	w.bytes(d.Memo)
	w.b = append(w.b, flag(d.Drop != nil))
	if d.Drop != nil {
		w.str(d.Drop.Stage)
		w.str(d.Drop.Reason)
		w.str(d.Drop.Detail)
	}
	w.b = append(w.b, flag(d.Reject != nil))
	if d.Reject != nil {
		w.str(d.Reject.Reason)
		w.str(d.Reject.Detail)
	}
	return w.b, nil
}

func flag(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// A record often holds one text several times (a field, the main text,
// a message of the example), as one string or as equal copies. The first
// occurrence of each string of at least minRef bytes is written; a later
// equal one is written as a reference to it, and decodes as the same
// string, so a record read back takes no more memory than it did.
const (
	minRef  = 16
	maxRefs = 16
)

// docWriter encodes one record. A string is written as uvarint(len<<1) and
// its bytes, or uvarint(i<<1|1) for the record's i-th long string.
type docWriter struct {
	b    []byte
	long [maxRefs]string
	n    int
}

func (w *docWriter) int(v int64) { w.b = binary.AppendVarint(w.b, v) }

func (w *docWriter) str(s string) {
	if len(s) >= minRef {
		for i, l := range w.long[:w.n] {
			if l == s {
				w.b = binary.AppendUvarint(w.b, uint64(i)<<1|1)
				return
			}
		}
		if w.n < maxRefs {
			w.long[w.n] = s
			w.n++
		}
	}
	w.b = binary.AppendUvarint(w.b, uint64(len(s))<<1)
	w.b = append(w.b, s...)
}

// len writes 0 for a nil slice, else its length + 1.
func (w *docWriter) len(isNil bool, n int) {
	if isNil {
		w.b = binary.AppendUvarint(w.b, 0)
		return
	}
	w.b = binary.AppendUvarint(w.b, uint64(n)+1)
}

func (w *docWriter) bytes(p []byte) {
	w.len(p == nil, len(p))
	w.b = append(w.b, p...)
}

var errCorrupt = errors.New("spill file is corrupt")

// docReader decodes records from a buffer. Errors stick: after the first,
// every read returns a zero value, and err says what went wrong.
type docReader struct {
	b   []byte
	err error
	// The previous record's path and field names: records of one file share
	// them, so the decoded records share one string as they did when read.
	path  string
	names []string
	// The record's long strings so far (see docWriter).
	long [maxRefs]string
	n    int
}

func (r *docReader) fail() {
	if r.err == nil {
		r.err = errCorrupt
	}
	r.b = nil
}

func (r *docReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *docReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *docReader) int() int { return int(r.varint()) }

func (r *docReader) byte() byte {
	if len(r.b) == 0 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *docReader) bool() bool { return r.byte() != 0 }

// text reads a string (see docWriter.str); it returns prev, not a new
// string, when the two are equal.
func (r *docReader) text(prev string) string {
	v := r.uvarint()
	if v&1 == 1 {
		if v>>1 >= uint64(r.n) {
			r.fail()
			return ""
		}
		return r.long[v>>1]
	}
	n := v >> 1
	if n > uint64(len(r.b)) {
		r.fail()
		return ""
	}
	p := r.b[:n]
	r.b = r.b[n:]
	s := prev
	if string(p) != prev {
		s = string(p)
	}
	if len(s) >= minRef && r.n < maxRefs {
		r.long[r.n] = s
		r.n++
	}
	return s
}

func (r *docReader) str() string { return r.text("") }

// count reads a length+1 (see docWriter.len); nil is -1. Each element takes at
// least one byte, which bounds a corrupt count.
func (r *docReader) count() int {
	n := r.uvarint()
	if n == 0 {
		return -1
	}
	if n-1 > uint64(len(r.b)) {
		r.fail()
		return -1
	}
	return int(n - 1)
}

func (r *docReader) bytes() []byte {
	n := r.count()
	if n < 0 || r.err != nil {
		return nil
	}
	p := make([]byte, n)
	copy(p, r.b)
	r.b = r.b[n:]
	return p
}

// doc decodes one record.
func (r *docReader) doc() *schemas.Document {
	r.long, r.n = [maxRefs]string{}, 0
	d := &schemas.Document{Seq: r.varint(), ID: r.str()}
	d.Source.Path = r.text(r.path)
	r.path = d.Source.Path
	d.Source.Line, d.Source.Item = r.int(), r.int()
	if n := r.count(); n >= 0 {
		d.Fields = make(schemas.Fields, n)
		for i := range d.Fields {
			f := &d.Fields[i]
			if i < len(r.names) {
				f.Name = r.text(r.names[i])
			} else {
				f.Name = r.str()
			}
			f.Value = r.str()
			fl := r.byte()
			f.Raw, f.Inherited = fl&1 != 0, fl&2 != 0
		}
		r.names = r.names[:0]
		for _, f := range d.Fields {
			r.names = append(r.names, f.Name)
		}
	}
	d.Text, d.Label, d.Cluster, d.Split, d.Language = r.str(), r.str(), r.str(), r.str(), r.str()
	d.LanguageConfidence = math.Float64frombits(uint64(r.varint()))
	if n := r.count(); n >= 0 {
		d.Redactions = make([]schemas.TypeCount, n)
		for i := range d.Redactions {
			d.Redactions[i] = schemas.TypeCount{Type: r.str(), Count: r.int()}
		}
	}
	if r.bool() {
		d.Tokens = &schemas.TokenCounts{Encoding: r.str(), Total: r.int(), Trained: r.int(), System: r.int(), User: r.int(), Assistant: r.int()}
	}
	if r.bool() {
		e := &schemas.Example{Kind: r.str()}
		if n := r.count(); n >= 0 {
			e.Messages = make([]schemas.Message, n)
			for i := range e.Messages {
				m := &e.Messages[i]
				m.Role, m.Content, m.Name = r.str(), r.str(), r.str()
				if r.bool() {
					w := r.int()
					m.Weight = &w
				}
				m.ToolCalls, m.ToolCallID = r.bytes(), r.str()
			}
		}
		e.Tools = r.bytes()
		e.Prompt, e.Completion, e.Text = r.str(), r.str(), r.str()
		d.Example = e
	}
	d.Bytes = r.int()
	d.Memo = r.bytes()
	if r.bool() {
		d.Drop = &schemas.Drop{Stage: r.str(), Reason: r.str(), Detail: r.str()}
	}
	if r.bool() {
		d.Reject = &schemas.Reject{Reason: r.str(), Detail: r.str()}
	}
	return d
}

// docSize estimates the memory a record takes, for the hold's budget: the
// structs, slice and string headers and the string bytes.
func docSize(d *schemas.Document) int64 {
	n := 240 + len(d.ID) + len(d.Source.Path) + len(d.Text) + len(d.Label) + len(d.Cluster) + len(d.Split) + len(d.Language)
	for _, f := range d.Fields {
		n += 40 + len(f.Name) + len(f.Value)
	}
	n += 24 * len(d.Redactions)
	if d.Tokens != nil {
		n += 64
	}
	if e := d.Example; e != nil {
		n += 160 + len(e.Tools) + len(e.Prompt) + len(e.Completion) + len(e.Text)
		for _, m := range e.Messages {
			n += 112 + len(m.Role) + len(m.Content) + len(m.Name) + len(m.ToolCalls) + len(m.ToolCallID)
		}
	}
	if d.Drop != nil {
		n += 48 + len(d.Drop.Stage) + len(d.Drop.Reason) + len(d.Drop.Detail)
	}
	if d.Reject != nil {
		n += 32 + len(d.Reject.Reason) + len(d.Reject.Detail)
	}
	// Memo is left out: the merge of a sharded run holds the records a
	// plain run holds, and its report says the same of them.
	return int64(n)
}
