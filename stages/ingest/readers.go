package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"

	"github.com/tuneprep/tuneprep/schemas"
)

// readFunc parses one file. It reports records and record-level rejects
// through the emitter; a returned error means the rest of the file could not
// be read and becomes one reject after the last record.
type readFunc func(src *source, e *emitter) error

// readers is the table of input formats, by file extension.
var readers = []struct {
	format string
	exts   []string
	read   readFunc
	// whole marks formats where a file is one document (line 0).
	whole bool
}{
	{"text", []string{".txt", ".md", ".markdown", ".text"}, readText, true},
	{"jsonl", []string{".jsonl", ".ndjson"}, readJSONL, false},
	{"json", []string{".json"}, readJSON, false},
	{"csv", []string{".csv"}, readDelimited(','), false},
	{"tsv", []string{".tsv", ".tab"}, readDelimited('\t'), false},
	{"parquet", []string{".parquet"}, readParquet, false},
	{"html", []string{".html", ".htm", ".xhtml"}, readHTML, true},
	{"docx", []string{".docx"}, readDOCX, true},
	{"eml", []string{".eml"}, readEML, true},
	{"mbox", []string{".mbox", ".mbx"}, readMbox, false},
}

// codecs are the compression suffixes read transparently.
var codecs = []string{"gz", "zst"}

// decompress wraps r for the codec; release frees the decoder.
func decompress(codec string, r io.Reader) (rd io.Reader, release func(), err error) {
	switch codec {
	case "gz":
		z, err := gzip.NewReader(r)
		return z, func() {}, err
	case "zst":
		// One goroutine: files are read one at a time, in order.
		z, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(1<<30))
		if err != nil {
			return nil, nil, err
		}
		return z, z.Close, nil
	}
	return r, func() {}, nil
}

// source is a file's (decompressed) content. seeker is set when the file
// is uncompressed and offers random access (files on disk do).
type source struct {
	r      io.Reader
	limit  int64
	seeker readerAtSeeker
}

type readerAtSeeker interface {
	io.ReaderAt
	io.Seeker
}

// all reads the whole content, at most the file limit.
func (s *source) all() ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(s.r, s.limit+1))
	if err != nil {
		return b, err
	}
	if int64(len(b)) > s.limit {
		return nil, fmt.Errorf("more than %d bytes after decompression", s.limit)
	}
	return b, nil
}

type binaryError struct{ at int }

func (b binaryError) Error() string {
	return fmt.Sprintf("NUL byte at offset %d: not a text file", b.at)
}

var bom = []byte("\xEF\xBB\xBF")

// readText makes the whole file one document with fields text, name (the
// file name without extension) and folder (the parent folder's name, a label
// in the scikit-learn load_files convention).
func readText(src *source, e *emitter) error {
	b, err := src.all()
	if err != nil {
		return err
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return binaryError{i}
	}
	b = bytes.TrimPrefix(b, bom)
	name := path.Base(e.path)
	for strings.Contains(name, ".") {
		name = strings.TrimSuffix(name, path.Ext(name))
	}
	folder := path.Base(path.Dir(e.path))
	if folder == "." {
		folder = ""
	}
	return e.record(0, schemas.Fields{{Name: "text", Value: string(b)}, {Name: "name", Value: name}, {Name: "folder", Value: folder}}, len(b))
}

// readJSONL reads one JSON object per line; blank lines are skipped.
func readJSONL(src *source, e *emitter) error {
	br := bufio.NewReaderSize(src.r, 64<<10)
	for line := 1; ; line++ {
		e.last = line - 1
		b, tooLong, err := readLine(br, e.g.cfg.MaxRecordBytes)
		if err != nil && err != io.EOF {
			return err
		}
		if tooLong > 0 {
			if rerr := e.reject(line, "record-too-large", fmt.Sprintf("%d bytes, limit %d", tooLong, e.g.cfg.MaxRecordBytes)); rerr != nil {
				return rerr
			}
		} else if len(bytes.TrimSpace(b)) > 0 {
			if line == 1 {
				b = bytes.TrimPrefix(b, bom)
			}
			b, ok, rerr := e.validUTF8(line, b)
			if rerr != nil || !ok {
				if rerr != nil {
					return rerr
				}
				continue
			}
			if rerr := e.object(line, b); rerr != nil {
				return rerr
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// readLine returns the next line without its newline. A line longer than max
// is consumed and reported by its length instead.
func readLine(br *bufio.Reader, limit int) (line []byte, tooLong int, err error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if tooLong == 0 && len(buf)+len(chunk) <= limit+1 {
			buf = append(buf, chunk...)
		} else {
			tooLong = max(tooLong, len(buf)) + len(chunk)
			buf = buf[:0]
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(buf) == 0 && tooLong == 0 {
			return nil, 0, io.EOF
		}
		buf = bytes.TrimSuffix(bytes.TrimSuffix(buf, []byte("\n")), []byte("\r"))
		if tooLong > 0 {
			return nil, tooLong, err
		}
		return buf, 0, err
	}
}

// parseObject decodes one JSON object into fields in key order. Strings stay
// strings, null fields are left out, and other values keep their JSON text
// (compacted). The line is validated first, so the scan that follows can
// take well-formedness for granted and slice instead of decode.
func parseObject(b []byte) (schemas.Fields, error) {
	if !json.Valid(b) {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("invalid JSON")
	}
	i := skipSpace(b, 0)
	if b[i] != '{' {
		return nil, fmt.Errorf("not a JSON object")
	}
	var fields schemas.Fields
	i = skipSpace(b, i+1)
	for b[i] != '}' {
		end := stringEnd(b, i)
		key, err := unquote(b[i:end])
		if err != nil {
			return nil, err
		}
		i = skipSpace(b, end)
		i = skipSpace(b, i+1) // the colon
		end = valueEnd(b, i)
		raw := b[i:end]
		switch raw[0] {
		case 'n': // null
		case '"':
			v, err := unquote(raw)
			if err != nil {
				return nil, err
			}
			fields = append(fields, schemas.Field{Name: key, Value: v})
		case '{', '[':
			var c bytes.Buffer
			json.Compact(&c, raw)
			fields = append(fields, schemas.Field{Name: key, Value: c.String(), Raw: true})
		default: // numbers and booleans as their text
			fields = append(fields, schemas.Field{Name: key, Value: string(raw)})
		}
		i = skipSpace(b, end)
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return fields, nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index after the JSON string starting at b[i].
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
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
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
		i++
	}
	return i
}

// unquote decodes a JSON string literal; most have no escapes and are
// sliced. (Ingest checks UTF-8 before parsing; the check here keeps the
// function equal to encoding/json for any input.)
func unquote(raw []byte) (string, error) {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw[1 : len(raw)-1]), nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// readJSON reads an array of objects (each element a record, numbered from 1)
// or a single object (the whole file, line 0).
func readJSON(src *source, e *emitter) error {
	br := bufio.NewReaderSize(src.r, 64<<10)
	first, err := peekNonSpace(br)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(br)
	if first != '[' {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return e.reject(0, "malformed-json", err.Error())
		}
		raw, ok, err := e.validUTF8(0, raw)
		if err != nil || !ok {
			return err
		}
		return e.object(0, raw)
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	for i := 1; dec.More(); i++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			// The decoder cannot resynchronise inside an array: the rest of
			// the file is one reject.
			return e.reject(i, "malformed-json", fmt.Sprintf("element %d: %v; rest of file not read", i, err))
		}
		raw, ok, err := e.validUTF8(i, raw)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := e.object(i, raw); err != nil {
			return err
		}
	}
	return nil
}

func peekNonSpace(br *bufio.Reader) (byte, error) {
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		if c == 0xEF { // a byte-order mark
			br.ReadByte()
			br.ReadByte()
			continue
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c, br.UnreadByte()
		}
	}
}

// readDelimited reads CSV or TSV with RFC 4180 quoting (multi-line cells
// allowed). The header row names the fields; rows are numbered from 1 after it.
func readDelimited(comma rune) readFunc {
	return func(src *source, e *emitter) error {
		cr := csv.NewReader(&nulCheck{r: src.r})
		cr.Comma = comma
		cr.ReuseRecord = true
		header, err := cr.Read()
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		names := make([]string, len(header))
		for i, h := range header {
			h = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
			if h == "" {
				h = "column_" + strconv.Itoa(i+1)
			}
			names[i] = h
		}
		for row := 1; ; row++ {
			rec, err := cr.Read()
			if err == io.EOF {
				return nil
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				reason := "malformed-csv"
				if errors.Is(err, csv.ErrFieldCount) {
					reason = "ragged-row"
					err = fmt.Errorf("%d fields, header has %d (file line %d)", len(rec), len(names), pe.StartLine)
				}
				if rerr := e.reject(row, reason, err.Error()); rerr != nil {
					return rerr
				}
				continue
			}
			if err != nil {
				return err
			}
			fields := make(schemas.Fields, len(rec))
			size := 0
			for i, v := range rec {
				fields[i] = schemas.Field{Name: names[i], Value: v}
				size += len(v) + 1
			}
			if err := e.record(row, fields, size); err != nil {
				return err
			}
		}
	}
}

// nulCheck fails on a NUL byte, which no text file contains.
type nulCheck struct {
	r   io.Reader
	off int
}

func (n *nulCheck) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	if i := bytes.IndexByte(p[:k], 0); i >= 0 {
		return 0, binaryError{n.off + i}
	}
	n.off += k
	return k, err
}
