// Package jsonl reads JSON Lines and JSON array files record by record:
// limits, BOM, UTF-8 policy, true 1-based line numbers, and a reject for
// every record that cannot be read. Fields turns a record into the fields
// of a schemas.Document.
//
// It is a library: stages import it; it imports no stage.
package jsonl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// DefaultMaxRecordBytes is the record limit when Options leave it at zero.
const DefaultMaxRecordBytes = 16 << 20

// Layout says how a file holds its records.
type Layout int

const (
	// Lines is JSON Lines: one value per line; blank lines are skipped.
	Lines Layout = iota
	// Document is a JSON file: the elements of a top-level array (numbered
	// from 1), or the one value the file holds (number 0).
	Document
	// Auto is Document when the first byte that is not white space is '[',
	// else Lines.
	Auto
)

// UTF8Policy says what becomes of a record that is not valid UTF-8.
type UTF8Policy int

const (
	// RejectInvalid makes the record a reject (reason invalid-utf8).
	RejectInvalid UTF8Policy = iota
	// RepairInvalid replaces each invalid sequence with U+FFFD and marks
	// the record Repaired.
	RepairInvalid
)

// Options configure a Reader. The zero value reads JSON Lines with the
// default limit and rejects invalid UTF-8.
type Options struct {
	Layout Layout
	// MaxRecordBytes bounds a record as read (a line without its line end,
	// or an array element); a larger one is a reject, and no more than this
	// much of it is held in memory.
	MaxRecordBytes int
	InvalidUTF8    UTF8Policy
}

// The reasons of rejects.
const (
	TooLarge    = "record-too-large" // larger than MaxRecordBytes
	InvalidUTF8 = "invalid-utf8"     // not valid UTF-8, under RejectInvalid
	Malformed   = "malformed-json"   // not valid JSON
	Truncated   = "truncated-json"   // the file ends inside a value (a Document's, or its last line's), or before its array is closed
	Trailing    = "trailing-data"    // something follows the file's array or value
)

// A Record is one record as read, or a reject in its place.
type Record struct {
	// Line is the record's 1-based line for Lines, its 1-based element
	// number in an array, and 0 for the one value of a Document.
	Line int
	// Raw is the record's JSON, white space around it trimmed; valid until
	// the next call to Next. A reject has the bytes read when there are any
	// (malformed JSON, invalid UTF-8), else nil.
	Raw []byte
	// Repaired says that invalid UTF-8 was replaced (RepairInvalid).
	Repaired bool
	// Reject is set when the record could not be read.
	Reject *Reject
	valid  bool // Raw was checked to be JSON
}

// A Reject says why a record could not be read.
type Reject struct {
	Reason string // one of the reasons above
	Detail string // what was found; where, in a Document
}

// Reader reads records from an input. Besides a 64 KiB buffer it holds at
// most one record, of at most MaxRecordBytes.
type Reader struct {
	br    *bufio.Reader
	opt   Options
	state state
	buf   []byte // the record being read, when it does not fit the buffer
	stack []byte // open brackets of the value being read
	err   error  // sticky read error
	array bool   // the Document is an array
	n     int    // elements read from the array

	// The position of the next byte: its 1-based line, and the offsets of
	// it and of the start of its line.
	line           int
	off, lineStart int64
}

type state int

const (
	stStart state = iota
	stLines
	stFirst // after '['
	stSep   // after an element
	stAfter // after the array or the value
	stEnd
)

// NewReader returns a Reader of r.
func NewReader(r io.Reader, opt Options) *Reader {
	if opt.MaxRecordBytes <= 0 {
		opt.MaxRecordBytes = DefaultMaxRecordBytes
	}
	return &Reader{br: bufio.NewReaderSize(r, 64<<10), opt: opt, line: 1}
}

// Next returns the next record or reject, io.EOF after the last, or the
// error that stopped reading the input (again on every later call). After a
// reject reading goes on, except where the structure of a Document is
// damaged (Truncated, Trailing, a misplaced bracket or comma): that reject
// is the last, and its Detail says where.
func (r *Reader) Next() (Record, error) {
	if r.err != nil {
		return Record{}, r.err
	}
	rec, err := r.next()
	var d damage
	switch {
	case errors.As(err, &d):
		r.state = stEnd
		return Record{Line: d.line, Reject: &Reject{Reason: d.reason, Detail: d.detail}}, nil
	case err == io.EOF:
		r.state = stEnd
	case err != nil:
		r.err = err
	}
	return rec, err
}

// damage is a reject after which a Document cannot be read on.
type damage struct {
	line           int
	reason, detail string
}

func (d damage) Error() string { return d.reason + ": " + d.detail }

func (r *Reader) next() (Record, error) {
	switch r.state {
	case stStart:
		if b, _ := r.br.Peek(len(bom)); bytes.Equal(b, bom) {
			r.br.Discard(len(bom))
		}
		if r.opt.Layout == Lines {
			r.state = stLines
			return r.nextLine()
		}
		c, err := r.peekNonSpace()
		switch {
		case err != nil:
			return Record{}, err
		case c == '[':
			r.consume(1)
			r.array, r.state = true, stFirst
			return r.nextElement()
		case r.opt.Layout == Auto:
			r.state = stLines
			return r.nextLine()
		}
		r.state = stAfter
		return r.value(0)
	case stLines:
		return r.nextLine()
	case stFirst, stSep:
		return r.nextElement()
	case stAfter:
		c, err := r.peekNonSpace()
		if err != nil {
			return Record{}, err
		}
		if r.array {
			return Record{}, damage{r.n + 1, Trailing, r.found(c) + " after the end of the array; rest of file not read"}
		}
		return Record{}, damage{0, Trailing, r.found(c) + " after the end of the JSON value (JSON Lines files are named .jsonl); rest of file not read"}
	}
	return Record{}, io.EOF
}

// nextElement reads the separator before an element, then the element.
func (r *Reader) nextElement() (Record, error) {
	c, err := r.peekNonSpace()
	if err == io.EOF {
		return Record{}, r.unclosed()
	}
	if err != nil {
		return Record{}, err
	}
	if c == ']' {
		r.consume(1)
		r.state = stAfter
		return r.next()
	}
	if r.state == stSep {
		if c != ',' {
			return Record{}, damage{r.n + 1, Malformed, fmt.Sprintf("%s where , or ] should follow element %d; rest of file not read", r.found(c), r.n)}
		}
		r.consume(1)
		if c, err = r.peekNonSpace(); err == io.EOF {
			return Record{}, r.unclosed()
		} else if err != nil {
			return Record{}, err
		}
	}
	if c == ',' || c == ']' || c == '}' || c == ':' {
		return Record{}, damage{r.n + 1, Malformed, fmt.Sprintf("%s where element %d should begin; rest of file not read", r.found(c), r.n+1)}
	}
	r.n++
	r.state = stSep
	return r.value(r.n)
}

func (r *Reader) unclosed() damage {
	return damage{r.n + 1, Truncated, fmt.Sprintf("the file ends at line %d, column %d, before the array is closed", r.line, r.col())}
}

// found names the next byte and its position.
func (r *Reader) found(c byte) string {
	return fmt.Sprintf("%q at line %d, column %d", c, r.line, r.col())
}

func (r *Reader) col() int { return int(r.off-r.lineStart) + 1 }

// window returns the buffered input, filling the buffer when it is empty.
func (r *Reader) window() ([]byte, error) {
	if r.br.Buffered() == 0 {
		if _, err := r.br.Peek(1); err != nil {
			return nil, err
		}
	}
	return r.br.Peek(r.br.Buffered())
}

// consume moves past the next n buffered bytes, counting lines.
func (r *Reader) consume(n int) {
	b, _ := r.br.Peek(n)
	if k := bytes.Count(b, nl); k > 0 {
		r.line += k
		r.lineStart = r.off + int64(bytes.LastIndexByte(b, '\n')) + 1
	}
	r.off += int64(n)
	r.br.Discard(n)
}

var (
	bom = []byte("\xEF\xBB\xBF")
	nl  = []byte("\n")
)

// peekNonSpace moves past white space and returns the next byte.
func (r *Reader) peekNonSpace() (byte, error) {
	for {
		w, err := r.window()
		if len(w) == 0 {
			return 0, err
		}
		i := 0
		for i < len(w) && isSpace(w[i]) {
			i++
		}
		if i < len(w) {
			c := w[i]
			r.consume(i)
			return c, nil
		}
		r.consume(i)
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// value reads the value that starts at the next byte: record number line of
// a Document.
func (r *Reader) value(line int) (Record, error) {
	startLine, startCol := r.line, r.col()
	r.buf = r.buf[:0]
	size := 0
	var raw []byte
	sc := scanner{stack: r.stack[:0]}
	defer func() { r.stack = sc.stack }()
	for {
		w, err := r.window()
		if len(w) == 0 {
			if err == io.EOF && sc.scalar {
				break // a number or literal ends with the file
			}
			if err == io.EOF {
				return Record{}, damage{line, Truncated, fmt.Sprintf("the file ends at line %d, column %d, inside %s, which begins at line %d, column %d", r.line, r.col(), what(line), startLine, startCol)}
			}
			return Record{}, err
		}
		n, done, bad := sc.feed(w)
		if bad >= 0 {
			r.consume(bad)
			return Record{}, damage{line, Malformed, fmt.Sprintf("%s in %s, which begins at line %d, column %d: %s; rest of file not read", r.found(w[bad]), what(line), startLine, startCol, sc.problem)}
		}
		switch {
		case size == 0 && done:
			raw = w[:n] // the whole value is in the buffer: no copy
		case size+n <= r.opt.MaxRecordBytes:
			r.buf = append(r.buf, w[:n]...)
			raw = r.buf
		}
		size += n
		r.consume(n)
		if done {
			break
		}
	}
	if size > r.opt.MaxRecordBytes {
		return Record{Line: line, Reject: &Reject{TooLarge, fmt.Sprintf("%d bytes, limit %d (%s at line %d, column %d)", size, r.opt.MaxRecordBytes, what(line), startLine, startCol)}}, nil
	}
	return r.check(line, raw, startLine, startCol), nil
}

func what(line int) string {
	if line == 0 {
		return "the JSON value"
	}
	return fmt.Sprintf("element %d", line)
}

// maxDepth is encoding/json's limit of nesting.
const maxDepth = 10000

// scanner finds the end of a JSON value by its brackets and strings; what
// lies between is left to json.Valid.
type scanner struct {
	stack   []byte // open brackets
	started bool
	str     bool // inside a string
	esc     bool // after a backslash in a string
	scalar  bool // a number or literal: it ends before a delimiter
	problem string
}

// feed scans the next bytes of the value. n counts the bytes that belong to
// it; done says it ended there. bad >= 0 is the index of a byte that breaks
// the structure (sc.problem says how).
func (sc *scanner) feed(b []byte) (n int, done bool, bad int) {
	i := 0
	if !sc.started {
		sc.started = true
		switch b[0] {
		case '{', '[':
			sc.stack = append(sc.stack, b[0])
		case '"':
			sc.str = true
		default:
			sc.scalar = true
		}
		i = 1
	}
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case sc.str:
			if sc.esc {
				sc.esc = false
				continue
			}
			// Skip to the next quote or backslash.
			j := i
			for j < len(b) && b[j] != '"' && b[j] != '\\' {
				j++
			}
			if i = j; i == len(b) {
				return len(b), false, -1
			}
			if b[i] == '\\' {
				sc.esc = true
			} else if sc.str = false; len(sc.stack) == 0 {
				return i + 1, true, -1
			}
		case sc.scalar:
			if isSpace(c) || c == ',' || c == ']' || c == '}' || c == '[' || c == '{' || c == '"' || c == ':' {
				return i, true, -1
			}
		case c == '"':
			sc.str = true
		case c == '{' || c == '[':
			if len(sc.stack) >= maxDepth {
				sc.problem = fmt.Sprintf("nested more than %d deep", maxDepth)
				return i, false, i
			}
			sc.stack = append(sc.stack, c)
		case c == '}' || c == ']':
			open := sc.stack[len(sc.stack)-1]
			if (open == '{') != (c == '}') {
				sc.problem = fmt.Sprintf("it does not close the %q", open)
				return i, false, i
			}
			sc.stack = sc.stack[:len(sc.stack)-1]
			if len(sc.stack) == 0 {
				return i + 1, true, -1
			}
		}
	}
	return len(b), false, -1
}

// nextLine reads the next non-blank line.
func (r *Reader) nextLine() (Record, error) {
	for {
		b, size, err := r.readLine()
		if err != nil && err != io.EOF {
			return Record{}, err
		}
		if size < 0 {
			return Record{}, io.EOF
		}
		line := r.line
		r.line++
		if size > r.opt.MaxRecordBytes {
			return Record{Line: line, Reject: &Reject{TooLarge, fmt.Sprintf("%d bytes, limit %d", size, r.opt.MaxRecordBytes)}}, nil
		}
		if b = trimSpace(b); len(b) > 0 {
			rec := r.check(line, b, 0, 0)
			if err == io.EOF && rec.Reject != nil && rec.Reject.Reason == Malformed && endsEarly(rec.Raw) {
				// The last line has no line end and stops inside its value:
				// the file was cut short (or is still being written).
				rec.Reject = &Reject{Truncated, "the file ends inside this line's JSON value, without a line end: " + rec.Reject.Detail}
			}
			return rec, nil
		}
		if err == io.EOF {
			return Record{}, io.EOF
		}
	}
}

// readLine returns the next line without its line end, and its size; a line
// longer than MaxRecordBytes is read past but not kept (b is nil, or empty
// with size 0 when it is blank). size is -1 at the end of the input.
func (r *Reader) readLine() (b []byte, size int, err error) {
	b, err = r.br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		if len(b) == 0 {
			return nil, -1, err
		}
		b = trimEOL(b)
		if len(b) > r.opt.MaxRecordBytes && len(trimSpace(b)) == 0 {
			return b[:0], 0, err // blank
		}
		return b, len(b), err
	}
	// Longer than the buffer: keep no more than the limit (and \r\n).
	keep := r.opt.MaxRecordBytes + 2
	r.buf = append(r.buf[:0], b[:min(len(b), keep)]...)
	size = len(b)
	blank := len(trimSpace(b)) == 0
	var prev byte
	for err == bufio.ErrBufferFull {
		prev = b[len(b)-1]
		b, err = r.br.ReadSlice('\n')
		size += len(b)
		blank = blank && len(trimSpace(b)) == 0
		if k := min(len(b), keep-len(r.buf)); k > 0 {
			r.buf = append(r.buf, b[:k]...)
		}
	}
	if len(b) > 0 && b[len(b)-1] == '\n' {
		size--
		if len(b) > 1 {
			prev = b[len(b)-2]
		}
		if prev == '\r' {
			size--
		}
	}
	switch {
	case blank:
		return r.buf[:0], 0, err
	case size > r.opt.MaxRecordBytes:
		return nil, size, err
	}
	return r.buf[:size], size, err
}

func trimEOL(b []byte) []byte {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		b = b[:len(b)-1]
		if len(b) > 0 && b[len(b)-1] == '\r' {
			b = b[:len(b)-1]
		}
	}
	return b
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// check applies the UTF-8 policy and checks that raw is JSON. A Document's
// record begins at startLine, startCol (0 for a line).
func (r *Reader) check(line int, raw []byte, startLine, startCol int) Record {
	rec := Record{Line: line, Raw: raw}
	if !utf8.Valid(raw) {
		if r.opt.InvalidUTF8 == RejectInvalid {
			rec.Reject = &Reject{InvalidUTF8, fmt.Sprintf("byte %d", invalidAt(raw))}
			return rec
		}
		rec.Raw = bytes.ToValidUTF8(raw, []byte("\uFFFD"))
		rec.Repaired = true
	}
	if !Valid(rec.Raw) {
		rec.Reject = &Reject{Malformed, syntaxDetail(rec.Raw, startLine, startCol)}
		return rec
	}
	rec.valid = true
	return rec
}

// endsEarly reports JSON that is well-formed as far as it goes but ends
// before its value does.
func endsEarly(raw []byte) bool {
	err := json.NewDecoder(bytes.NewReader(raw)).Decode(new(json.RawMessage))
	return errors.Is(err, io.ErrUnexpectedEOF)
}

// invalidAt returns the offset of the first invalid UTF-8 sequence in b.
func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// syntaxDetail is encoding/json's complaint about raw, with the column of
// a line or the file position of a Document's record.
func syntaxDetail(raw []byte, startLine, startCol int) string {
	err := json.Unmarshal(raw, new(json.RawMessage)) // checks before it copies
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return fmt.Sprint(err)
	}
	at := raw[:max(0, min(int(se.Offset)-1, len(raw)))] // se.Offset counts the offending byte
	if startLine == 0 {
		return fmt.Sprintf("column %d: %v", len(at)+1, err)
	}
	line, col := startLine, startCol+len(at)
	if k := bytes.Count(at, nl); k > 0 {
		line, col = line+k, len(at)-bytes.LastIndexByte(at, '\n')
	}
	return fmt.Sprintf("line %d, column %d: %v", line, col, err)
}
