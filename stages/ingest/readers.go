package ingest

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zstd"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/jsonl"
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
// is uncompressed and offers random access (files on disk do); size is then
// its size.
type source struct {
	r           io.Reader
	limit       int64 // max_file_bytes
	recordLimit int   // max_record_bytes
	seeker      readerAtSeeker
	size        int64
	randomRead  bool // a reader used seeker: the file must be hashed from its start

	file    *fileLimiter    // the file's bytes, as read
	inflate *inflateLimiter // their decompression, for a compressed file
}

type readerAtSeeker interface {
	io.ReaderAt
	io.Seeker
}

// readerAt returns the file for random access, or nil.
func (s *source) readerAt() readerAtSeeker {
	s.randomRead = s.seeker != nil
	return s.seeker
}

// document returns the content of a whole-file document: reading more than
// max_record_bytes from it fails with a tooLargeError.
func (s *source) document() *capReader {
	return &capReader{r: s.r, limit: int64(s.recordLimit)}
}

// capReader reads at most limit bytes; reading more fails.
type capReader struct {
	r       io.Reader
	limit   int64
	n       int64
	tripped bool
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.n > c.limit {
		return 0, c.err()
	}
	p = p[:min(int64(len(p)), c.limit+1-c.n)]
	k, err := c.r.Read(p)
	c.n += int64(k)
	if c.n > c.limit {
		return k - int(c.n-c.limit), c.err()
	}
	return k, err
}

func (c *capReader) err() error {
	c.tripped = true
	return tooLargeError{limit: c.limit}
}

// tooLargeError stops reading a record larger than max_record_bytes.
type tooLargeError struct {
	limit int64
	rest  bool // the rest of the file is not read
}

func (e tooLargeError) Error() string {
	if e.rest {
		return fmt.Sprintf("more than %d bytes (max_record_bytes); rest of file not read", e.limit)
	}
	return fmt.Sprintf("more than %d bytes (max_record_bytes)", e.limit)
}

// all reads a whole document into memory: at most max_record_bytes.
func (s *source) all() ([]byte, error) {
	return readAll(s.document(), s.size)
}

// readAll is io.ReadAll with a first buffer of the size the file is said to
// have (and a byte more, to see the end), so that a file is read without
// growing and copying the buffer on the way; a wrong size only costs growth.
func readAll(r io.Reader, size int64) ([]byte, error) {
	b := make([]byte, 0, max(512, min(size, 64<<20)+1))
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
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
	limit := int64(src.recordLimit + len(bom) + 1)
	b, err := readAll(io.LimitReader(src.r, limit), min(src.size, limit))
	if err != nil {
		return err
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return binaryError{i}
	}
	b = bytes.TrimPrefix(b, bom)
	if len(b) > src.recordLimit {
		return tooLargeError{limit: int64(src.recordLimit)}
	}
	name := path.Base(e.path)
	for strings.Contains(name, ".") {
		name = strings.TrimSuffix(name, path.Ext(name))
	}
	folder := path.Base(path.Dir(e.path))
	if folder == "." {
		folder = ""
	}
	// The names label the text: a name that is not UTF-8 is repaired, not
	// a reason to lose the text (source.path keeps the name as it is).
	name, folder = strings.ToValidUTF8(name, "\uFFFD"), strings.ToValidUTF8(folder, "\uFFFD")
	return e.record(0, schemas.Fields{{Name: "text", Value: string(b)}, {Name: "name", Value: name}, {Name: "folder", Value: folder}}, len(b))
}

// readJSONL reads one JSON value per line; blank lines are skipped.
func readJSONL(src *source, e *emitter) error { return readJSONRecords(src, e, jsonl.Lines) }

// readJSON reads an array of objects (each element a record, numbered from 1)
// or a single object (the whole file, line 0).
func readJSON(src *source, e *emitter) error { return readJSONRecords(src, e, jsonl.Document) }

func readJSONRecords(src *source, e *emitter, layout jsonl.Layout) error {
	opt := jsonl.Options{Layout: layout, MaxRecordBytes: e.g.cfg.MaxRecordBytes}
	if e.g.cfg.InvalidUTF8 == "repair" {
		opt.InvalidUTF8 = jsonl.RepairInvalid
	}
	rd := jsonl.NewReader(src.r, opt)
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if rec.Reject != nil {
			err = e.reject(rec.Line, rec.Reject.Reason, rec.Reject.Detail)
		} else {
			if rec.Repaired {
				e.g.stats.Repaired++
			}
			err = e.object(rec)
		}
		if err != nil {
			return err
		}
	}
}

// readDelimited reads CSV or TSV with RFC 4180 quoting (multi-line cells
// allowed). The header row names the fields; rows are numbered from 1 after it.
func readDelimited(comma rune) readFunc {
	return func(src *source, e *emitter) error {
		in := &csvInput{r: src.r, limit: int64(src.recordLimit)}
		cr := csv.NewReader(in)
		cr.Comma = comma
		cr.ReuseRecord = true
		header, err := cr.Read()
		in.start = cr.InputOffset()
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if len(header) > e.g.cfg.MaxFields {
			return e.reject(0, "too-many-fields", fmt.Sprintf("the header has %d columns, limit %d (max_fields); file not read", len(header), e.g.cfg.MaxFields))
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
			in.start = cr.InputOffset()
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

// csvInput fails on a NUL byte, which no text file contains, and on a
// record larger than the limit: encoding/csv would hold all of it (a stray
// quote makes the rest of the file one cell).
type csvInput struct {
	r     io.Reader
	off   int64 // bytes read
	start int64 // offset of the record being read (csv.Reader.InputOffset after the last)
	limit int64
}

// csvBuffer is the size of the buffer encoding/csv reads through: it may
// hold that much of the records after the current one.
const csvBuffer = 4096

func (c *csvInput) Read(p []byte) (int, error) {
	if c.off-c.start > c.limit+csvBuffer {
		return 0, tooLargeError{limit: c.limit, rest: true}
	}
	k, err := c.r.Read(p)
	if i := bytes.IndexByte(p[:k], 0); i >= 0 {
		return 0, binaryError{int(c.off) + i}
	}
	c.off += int64(k)
	return k, err
}
