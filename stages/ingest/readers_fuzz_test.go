package ingest

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/parquetio"
)

// readerExts lists every extension of the readers table, in its order.
func readerExts() []string {
	var exts []string
	for _, r := range readers {
		exts = append(exts, r.exts...)
	}
	return exts
}

// Wrappings of a fuzz file: as it is, compressed, or its bytes under a
// compression suffix (a corrupt stream).
const (
	wrapPlain = iota
	wrapGzip
	wrapZstd
	wrapRawGz
	wrapRawZst
	numWraps
)

// zstdEnc compresses the zstd files; made once, it is costly to make.
var zstdEnc, _ = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))

// fuzzFile names the file kind picks (an extension of the table and a
// wrapping) and gives its bytes.
func fuzzFile(t testing.TB, b []byte, kind uint16) (name string, data []byte, wrap int) {
	exts := readerExts()
	ext := exts[int(kind)%len(exts)]
	wrap = int(kind) / len(exts) % numWraps
	switch wrap {
	case wrapGzip:
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return "x" + ext + ".gz", buf.Bytes(), wrap
	case wrapZstd:
		return "x" + ext + ".zst", zstdEnc.EncodeAll(b, nil), wrap
	case wrapRawGz:
		return "x" + ext + ".gz", b, wrap
	case wrapRawZst:
		return "x" + ext + ".zst", b, wrap
	}
	return "x" + ext, b, wrap
}

// readOutcome is what a reader made of a file, without the IDs and paths
// (which name the file): each record's line, item, fields and example, or
// its reject reason.
type readOutcome struct {
	Line, Item int
	Fields     schemas.Fields
	Example    *schemas.Example
	Reject     string
}

func readAllOf(t *testing.T, cfg Config, name string, data []byte) []readOutcome {
	t.Helper()
	g, err := New(cfg, fstest.MapFS{name: {Data: data}})
	if err != nil {
		t.Fatal(err)
	}
	var out []readOutcome
	err = g.Read(context.Background(), &pipeline.Env{Logger: slog.New(slog.DiscardHandler)}, func(d *schemas.Document) error {
		o := readOutcome{Line: d.Source.Line, Item: d.Source.Item}
		if d.Reject != nil {
			if d.Reject.Reason == "" {
				t.Fatalf("%s: a reject without a reason: %+v", name, d.Reject)
			}
			o.Reject = d.Reject.Reason
		} else {
			for _, fl := range d.Fields {
				if !utf8.ValidString(fl.Value) {
					t.Fatalf("%s: field %q is not valid UTF-8", name, fl.Name)
				}
			}
			o.Fields, o.Example = d.Fields, d.Example
		}
		out = append(out, o)
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

// readerSeeds is a valid file of each reader, with its extension.
func readerSeeds(tb testing.TB) map[string][]byte {
	tb.Helper()
	var pq bytes.Buffer
	w, err := parquetio.NewJSONLinesWriter(&pq, []string{"instruction", "response"}, parquetio.WriterOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	for _, l := range []string{`{"instruction":"How do I reset my password?","response":"Open Settings."}`, `{"instruction":"q2","response":"a2"}`} {
		if err := w.WriteLine([]byte(l)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	var docx bytes.Buffer
	zw := zip.NewWriter(&docx)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<Types/>`,
		"word/document.xml":   `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Service Agreement</w:t></w:r></w:p></w:body></w:document>`,
	} {
		fw, err := zw.Create(name)
		if err != nil {
			tb.Fatal(err)
		}
		fw.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	seeds := map[string][]byte{
		".txt":     []byte("How do I reset my password?\nOpen Settings, then Security.\n"),
		".md":      []byte("# Title\n\nSome *text*.\n"),
		".jsonl":   []byte("{\"instruction\":\"q\",\"response\":\"a\"}\n{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"yo\"}]}\n{\n"),
		".json":    []byte(`[{"question":"q1","answer":"a1"},{"question":"q2","answer":["a",2]}]`),
		".csv":     []byte("instruction,response\n\"q, quoted\",a\n1,2,3\n\"open\n"),
		".tsv":     []byte("instruction\tresponse\nq\ta\n"),
		".parquet": pq.Bytes(),
		".docx":    docx.Bytes(),
	}
	for ext, name := range map[string]string{".html": "article.html", ".eml": "multipart.eml", ".mbox": "archive.mbox"} {
		b, err := os.ReadFile(filepath.Join("..", "docread", "testdata", name))
		if err != nil {
			tb.Fatal(err)
		}
		seeds[ext] = b
	}
	return seeds
}

// FuzzEveryReader feeds arbitrary bytes to every reader of the table under
// each of its extensions, plain, gzip- or zstd-compressed, or as a corrupt
// compressed stream: records and rejects with a reason, valid UTF-8 fields,
// never a panic or an error that stops the walk; a second read gives the
// same; and a compressed file reads as the file itself.
func FuzzEveryReader(f *testing.F) {
	exts := readerExts()
	for ext, b := range readerSeeds(f) {
		i := 0
		for i < len(exts) && exts[i] != ext {
			i++
		}
		if i == len(exts) {
			f.Fatalf("no reader reads %s", ext)
		}
		for wrap := range numWraps {
			f.Add(b, uint16(wrap*len(exts)+i))
		}
	}
	cfg := Defaults()
	cfg.MaxRecordBytes = 1 << 20 // bounds what a decompression bomb costs
	f.Fuzz(func(t *testing.T, b []byte, kind uint16) {
		name, data, wrap := fuzzFile(t, b, kind)
		got := readAllOf(t, cfg, name, data)
		if again := readAllOf(t, cfg, name, data); !reflect.DeepEqual(got, again) {
			t.Fatalf("%s: read twice:\n%+v\n%+v", name, got, again)
		}
		if wrap == wrapGzip || wrap == wrapZstd {
			plainName, _, _ := fuzzFile(t, b, kind%uint16(len(exts)))
			plain := readAllOf(t, cfg, plainName, b)
			if !reflect.DeepEqual(got, plain) {
				t.Fatalf("%s reads otherwise than %s:\n%s\n%s", name, plainName, fmt.Sprint(got), fmt.Sprint(plain))
			}
		}
	})
}
