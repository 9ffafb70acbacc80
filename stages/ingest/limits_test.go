package ingest

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tuneprep/tuneprep/schemas"
)

// TestJSONFileDamageIsRejected: whatever follows the value of a .json file,
// or an array that is not closed, becomes a reject at its position after
// the records before it.
func TestJSONFileDamageIsRejected(t *testing.T) {
	cases := []struct {
		name, data string
		want       []string
		detail     string // in the last reject's detail
	}{
		{"second value", `{"a":"1"} {"a":"2"}`, []string{"x.json:0 a=1", "x.json:0 !trailing-data"}, "line 1, column 11"},
		{"garbage after the object", "{\"a\":\"1\"}\n}x", []string{"x.json:0 a=1", "x.json:0 !trailing-data"}, "line 2, column 1"},
		{"array not closed", "[{\"a\":\"1\"},\n{\"a\":\"2\"}\n", []string{"x.json:1 a=1", "x.json:2 a=2", "x.json:3 !truncated-json"}, "line 3"},
		{"element cut short", "[{\"a\":\"1\"},\n{\"a\":", []string{"x.json:1 a=1", "x.json:2 !truncated-json"}, "line 2, column 1"},
		{"data after the array", `[{"a":"1"}] [`, []string{"x.json:1 a=1", "x.json:2 !trailing-data"}, "line 1, column 13"},
		{"missing comma", `[{"a":"1"} {"a":"2"}]`, []string{"x.json:1 a=1", "x.json:2 !malformed-json"}, "line 1, column 12"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			docs := readDocs(t, Defaults(), fstest.MapFS{"x.json": {Data: []byte(c.data)}})
			var got []string
			for _, d := range docs {
				if d.Reject != nil {
					got = append(got, describe(d))
				} else {
					got = append(got, strings.Replace(describe(d), ".0 ", " ", 1))
				}
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			last := docs[len(docs)-1].Reject
			if !strings.Contains(last.Detail, c.detail) {
				t.Errorf("detail %q does not name %q", last.Detail, c.detail)
			}
		})
	}
}

// countFS is a MapFS whose files count the bytes read from them and hide
// io.ReaderAt and io.Seeker (as a pipe or a compressed stream would).
type countFS struct {
	fstest.MapFS
	read    map[string]int64
	failAt  map[string]int64 // reads past this offset fail
	seekErr map[string]bool  // the file offers random access, but Seek fails
}

func (c countFS) Open(name string) (fs.File, error) {
	f, err := c.MapFS.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err != nil || st.IsDir() {
		return f, err
	}
	cf := &countFile{File: f, fs: c, name: name}
	if c.seekErr[name] {
		return &seekFailFile{cf, bytes.NewReader(c.MapFS[name].Data)}, nil
	}
	return cf, nil
}

type countFile struct {
	fs.File
	fs   countFS
	name string
}

func (f *countFile) Read(p []byte) (int, error) {
	n, err := f.File.Read(p)
	off := f.fs.read[f.name]
	if at, ok := f.fs.failAt[f.name]; ok && off+int64(n) > at {
		return 0, errors.New("input/output error")
	}
	f.fs.read[f.name] = off + int64(n)
	return n, err
}

type seekFailFile struct {
	*countFile
	ra *bytes.Reader
}

func (f *seekFailFile) ReadAt(p []byte, off int64) (int, error) { return f.ra.ReadAt(p, off) }
func (f *seekFailFile) Seek(int64, int) (int64, error) {
	return 0, errors.New("seek: input/output error")
}

// TestRecordLimitWhileReading: a whole-file document or a CSV record larger
// than max_record_bytes is rejected after reading about the limit, not the
// file.
func TestRecordLimitWhileReading(t *testing.T) {
	const limit = 64 << 10
	big := 4 << 20
	files := fstest.MapFS{
		"big.txt":  {Data: bytes.Repeat([]byte("x"), big)},
		"big.md":   {Data: []byte("\xEF\xBB\xBF" + strings.Repeat("y", limit+1))},
		"fits.txt": {Data: bytes.Repeat([]byte("z"), limit)},
		"big.html": {Data: []byte("<html><body><p>" + strings.Repeat("word ", big/5) + "</p></body></html>")},
		"big.eml":  {Data: []byte("From: a@example.com\r\nSubject: s\r\nContent-Type: text/plain\r\n\r\n" + strings.Repeat("body line\r\n", big/11))},
		"big.docx": {Data: bytes.Repeat([]byte("PK\x03\x04"), big/4)},
		"big.csv":  {Data: []byte("q,a\n1,ok\n2,\"" + strings.Repeat("cell line\n", big/10) + "\"\n3,after\n")},
		"row.csv":  {Data: []byte("q,a\n1,\"" + strings.Repeat("w", limit+10) + "\"\n2,ok\n")},
	}
	cfs := countFS{MapFS: files, read: map[string]int64{}}
	cfg := Defaults()
	cfg.MaxRecordBytes = limit
	g, err := New(cfg, cfs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	readAt := map[string]int64{}
	err = g.Read(context.Background(), envForTest(), func(d *schemas.Document) error {
		if d.Reject != nil {
			got = append(got, describe(d))
			readAt[d.Source.Path] = cfs.read[d.Source.Path]
		} else {
			got = append(got, d.Source.Path+":"+itoa(d.Source.Line))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"big.csv:1", "big.csv:2 !record-too-large", "big.docx:0 !record-too-large", "big.eml:0 !record-too-large",
		"big.html:0 !record-too-large", "big.md:0 !record-too-large", "big.txt:0 !record-too-large", "fits.txt:0",
		"row.csv:1 !record-too-large", "row.csv:2"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for name, n := range readAt {
		if n > limit+64<<10 {
			t.Errorf("%s: %d bytes read before the reject, limit %d", name, n, limit)
		}
	}
}

// TestHashErrorFailsRun: an input that cannot be hashed to its end stops the
// run with an error naming it, instead of a wrong sha256 in run.json.
func TestHashErrorFailsRun(t *testing.T) {
	cases := []struct {
		name string
		cfs  countFS
	}{
		{"read error after the record", countFS{MapFS: fstest.MapFS{"a.txt": {Data: bytes.Repeat([]byte("x"), 5000)}},
			failAt: map[string]int64{"a.txt": 1000}}},
		{"seek error", countFS{MapFS: fstest.MapFS{"b.docx": {Data: docx(t, `<w:p><w:r><w:t>Clause.</w:t></w:r></w:p>`)}},
			seekErr: map[string]bool{"b.docx": true}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.cfs.read = map[string]int64{}
			cfg := Defaults()
			cfg.MaxRecordBytes = 100
			g, err := New(cfg, c.cfs)
			if err != nil {
				t.Fatal(err)
			}
			env := envForTest()
			err = g.Read(context.Background(), env, func(*schemas.Document) error { return nil })
			var name string
			for n := range c.cfs.MapFS {
				name = n
			}
			if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "input/output error") {
				t.Fatalf("error %v, want one naming %s and the cause", err, name)
			}
		})
	}
}
