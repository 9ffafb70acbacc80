package parquetio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	pq "github.com/parquet-go/parquet-go"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/tuneprep/tuneprep/schemas"
)

// testDocs are hand-made documents covering the awkward cases.
func testDocs() []*schemas.Document {
	many := make(schemas.Fields, 300)
	for i := range many {
		many[i] = schemas.Field{Name: "f" + strconv.Itoa(i), Value: strings.Repeat("v", i%7), Raw: i%5 == 0}
	}
	docs := []*schemas.Document{
		{ID: "a1", Source: schemas.Source{Path: "legal/contract.txt", Line: 0}, Text: "Héllo wörld — 日本語 🚀\nline two",
			Fields: schemas.Fields{{Name: "text", Value: "Héllo"}, {Name: "name", Value: "contract"}},
			Split:  "train", Label: "legal", Cluster: "a1",
			Tokens:     &schemas.TokenCounts{Encoding: "cl100k_base", Total: 42, Trained: 10},
			Redactions: []schemas.TypeCount{{Type: "EMAIL", Count: 2}, {Type: "PHONE", Count: 1}}},
		{ID: "b2", Source: schemas.Source{Path: "x.jsonl", Line: 7}, Text: "",
			Fields: schemas.Fields{{Name: "", Value: ""}, {Name: "n", Value: "12", Raw: true}, {Name: "n", Value: `{"a":[1,2]}`, Raw: true}}},
		{ID: "c3", Source: schemas.Source{Path: "big.csv", Line: 3}, Text: strings.Repeat("large text ünïcode ", 60000),
			Fields: many, Split: "validation", Tokens: &schemas.TokenCounts{Encoding: "o200k_base"}},
		{ID: "d4", Source: schemas.Source{Path: "nul\x00byte.txt", Line: 1 << 40}, Text: "tab\there\r\n\"quoted\"",
			Label: "x", Cluster: "a1", Redactions: []schemas.TypeCount{{Type: "SSN", Count: 0}}},
	}
	for i := 0; i < 200; i++ {
		docs = append(docs, &schemas.Document{ID: fmt.Sprintf("r%03d", i), Source: schemas.Source{Path: "rows.csv", Line: i + 1},
			Text: strings.Repeat(fmt.Sprintf("row %d says something. ", i), 200), Split: []string{"train", "test"}[i%2],
			Fields: schemas.Fields{{Name: "text", Value: fmt.Sprint(i)}}})
	}
	return docs
}

func writeCorpus(t testing.TB, docs []*schemas.Document, opts WriterOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewCorpusWriter(&buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if err := w.Write(d); err != nil {
			t.Fatal(err)
		}
	}
	if w.Rows() != int64(len(docs)) {
		t.Fatalf("Rows() = %d, want %d", w.Rows(), len(docs))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// docFromFields rebuilds a document from what Read yields for a corpus row.
func docFromFields(t *testing.T, fs schemas.Fields) *schemas.Document {
	t.Helper()
	d := &schemas.Document{}
	for _, f := range fs {
		switch f.Name {
		case "id":
			d.ID = f.Value
		case "source_path":
			d.Source.Path = f.Value
		case "source_line":
			d.Source.Line, _ = strconv.Atoi(f.Value)
		case "split":
			d.Split = f.Value
		case "label":
			d.Label = f.Value
		case "text":
			d.Text = f.Value
		case "cluster":
			d.Cluster = f.Value
		case "token_encoding":
			if d.Tokens == nil {
				d.Tokens = &schemas.TokenCounts{}
			}
			d.Tokens.Encoding = f.Value
		case "tokens_total":
			d.Tokens.Total, _ = strconv.Atoi(f.Value)
		case "tokens_trained":
			d.Tokens.Trained, _ = strconv.Atoi(f.Value)
		case "fields":
			var fl []struct {
				Name, Value string
				Raw         bool
			}
			mustJSON(t, f, &fl)
			for _, x := range fl {
				d.Fields = append(d.Fields, schemas.Field{Name: x.Name, Value: x.Value, Raw: x.Raw})
			}
		case "redactions":
			mustJSON(t, f, &d.Redactions)
			if len(d.Redactions) == 0 {
				d.Redactions = nil
			}
		default:
			t.Fatalf("unexpected column %q", f.Name)
		}
	}
	return d
}

func TestCorpusRoundTrip(t *testing.T) {
	docs := testDocs()
	for _, codec := range []string{"", "snappy", "gzip", "none"} {
		t.Run("codec="+codec, func(t *testing.T) {
			data := writeCorpus(t, docs, WriterOptions{Compression: codec, RowGroupBytes: 256 << 10, BatchBytes: 64 << 10})
			var got []*schemas.Document
			err := Read(context.Background(), bytes.NewReader(data), ReadOptions{BatchSize: 17}, func(row int, fs schemas.Fields) error {
				if row != len(got)+1 {
					t.Fatalf("row %d, want %d", row, len(got)+1)
				}
				got = append(got, docFromFields(t, fs))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			compareDocs(t, "Read", docs, got)
			compareDocs(t, "parquet-go", docs, readIndependent(t, data))
		})
	}
}

func compareDocs(t *testing.T, who string, want, got []*schemas.Document) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", who, len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s row %d:\n got %+v\nwant %+v", who, i+1, abbrev(got[i]), abbrev(want[i]))
		}
	}
}

func abbrev(d *schemas.Document) string {
	s := fmt.Sprintf("%+v tokens=%+v", *d, d.Tokens)
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// pgRow is the corpus schema as parquet-go (an independent implementation)
// sees it.
type pgRow struct {
	ID            string        `parquet:"id"`
	SourcePath    string        `parquet:"source_path"`
	SourceLine    int64         `parquet:"source_line"`
	Split         *string       `parquet:"split,optional"`
	Label         *string       `parquet:"label,optional"`
	Text          string        `parquet:"text"`
	Fields        []pgField     `parquet:"fields,list"`
	TokenEncoding *string       `parquet:"token_encoding,optional"`
	TokensTotal   *int64        `parquet:"tokens_total,optional"`
	TokensTrained *int64        `parquet:"tokens_trained,optional"`
	Cluster       *string       `parquet:"cluster,optional"`
	Redactions    []pgRedaction `parquet:"redactions,list"`
}

type pgField struct {
	Name  string `parquet:"name"`
	Value string `parquet:"value"`
	Raw   bool   `parquet:"raw"`
}

type pgRedaction struct {
	Type  string `parquet:"type"`
	Count int64  `parquet:"count"`
}

func readIndependent(t *testing.T, data []byte) []*schemas.Document {
	t.Helper()
	f, err := pq.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("parquet-go open: %v", err)
	}
	var out []*schemas.Document
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	if f.NumRows() == 0 {
		t.Fatal("parquet-go: no rows")
	}
	rd := pq.NewGenericReader[pgRow](bytes.NewReader(data))
	defer rd.Close()
	rows := make([]pgRow, 16)
	for {
		n, err := rd.Read(rows)
		for _, r := range rows[:n] {
			d := &schemas.Document{ID: r.ID, Source: schemas.Source{Path: r.SourcePath, Line: int(r.SourceLine)},
				Split: deref(r.Split), Label: deref(r.Label), Text: r.Text, Cluster: deref(r.Cluster)}
			for _, x := range r.Fields {
				d.Fields = append(d.Fields, schemas.Field{Name: x.Name, Value: x.Value, Raw: x.Raw})
			}
			for _, x := range r.Redactions {
				d.Redactions = append(d.Redactions, schemas.TypeCount{Type: x.Type, Count: int(x.Count)})
			}
			if r.TokenEncoding != nil {
				d.Tokens = &schemas.TokenCounts{Encoding: *r.TokenEncoding, Total: int(*r.TokensTotal), Trained: int(*r.TokensTrained)}
			}
			out = append(out, d)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("parquet-go read: %v", err)
		}
	}
	return out
}

func TestCorpusLayout(t *testing.T) {
	data := writeCorpus(t, testDocs(), WriterOptions{RowGroupBytes: 256 << 10, BatchBytes: 32 << 10})
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	md := pf.MetaData()
	if got := md.GetCreatedBy(); got != CreatedBy {
		t.Errorf("created_by = %q", got)
	}
	// About 2.3 MB of text at 256 KiB per group: several groups, none far
	// above the limit (a batch may overshoot it by at most one batch, plus
	// one oversized document).
	if n := md.NumRowGroups(); n < 5 {
		t.Errorf("%d row groups, want >= 5 for byte-sized groups", n)
	}
	plain := map[string]bool{"id": true, "text": true, "cluster": true, "fields.list.element.value": true}
	dict := map[string]bool{"split": true, "source_path": true, "fields.list.element.name": true}
	for rg := 0; rg < md.NumRowGroups(); rg++ {
		rgm := md.RowGroup(rg)
		for c := 0; c < rgm.NumColumns(); c++ {
			cc, err := rgm.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			path := cc.PathInSchema().String()
			dictEnc := cc.HasDictionaryPage()
			for _, e := range cc.Encodings() {
				if e == parquet.Encodings.RLEDict || e == parquet.Encodings.PlainDict {
					dictEnc = true
				}
			}
			if plain[path] && dictEnc {
				t.Errorf("row group %d column %s is dictionary-encoded: %v", rg, path, cc.Encodings())
			}
			if dict[path] && !dictEnc {
				t.Errorf("row group %d column %s should be dictionary-encoded: %v", rg, path, cc.Encodings())
			}
			if path == "source_line" && (dictEnc || !slices.Contains(cc.Encodings(), parquet.Encodings.DeltaBinaryPacked)) {
				t.Errorf("row group %d column source_line: %v, want delta-encoded without a dictionary", rg, cc.Encodings())
			}
			delete(plain, path)
			delete(dict, path)
		}
	}
	if len(plain)+len(dict) > 0 {
		t.Errorf("columns not found: %v %v", plain, dict)
	}
}

func TestCorpusDeterministic(t *testing.T) {
	a := writeCorpus(t, testDocs(), WriterOptions{RowGroupBytes: 512 << 10})
	b := writeCorpus(t, testDocs(), WriterOptions{RowGroupBytes: 512 << 10})
	if !bytes.Equal(a, b) {
		t.Fatal("same documents gave different files")
	}
}

func TestWriterOptionsErrors(t *testing.T) {
	if _, err := NewCorpusWriter(io.Discard, WriterOptions{Compression: "lz77"}); err == nil {
		t.Fatal("unknown codec accepted")
	}
	w, err := NewCorpusWriter(io.Discard, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := w.Write(&schemas.Document{}); err == nil {
		t.Fatal("write after close accepted")
	}
}

// failWriter fails after n bytes, like a full disk.
type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestCorpusWriteError(t *testing.T) {
	w, err := NewCorpusWriter(&failWriter{n: 1000}, WriterOptions{BatchBytes: 1 << 10, RowGroupBytes: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	var werr error
	for _, d := range testDocs() {
		if werr = w.Write(d); werr != nil {
			break
		}
	}
	if werr == nil {
		werr = w.Close()
	}
	if werr == nil {
		t.Fatal("write error not reported")
	}
}

// failAfter accepts n bytes, then fails every write.
type failAfter struct{ n int }

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n < len(p) {
		return 0, fmt.Errorf("disk full")
	}
	f.n -= len(p)
	return len(p), nil
}

// A sink that fails while batches are being written in the background
// surfaces as an error from Write or Close, whatever the batch at which it
// fails, and Close returns (no writer left waiting).
func TestCorpusWriteErrorSurfaces(t *testing.T) {
	docs := testDocs()
	opts := WriterOptions{BatchBytes: 20_000, RowGroupBytes: 60_000}
	size := len(writeCorpus(t, docs, opts))
	for _, limit := range []int{0, 4, size / 10, size / 2, size - 10} {
		w, err := NewCorpusWriter(&failAfter{n: limit}, opts)
		if err != nil {
			if !strings.Contains(err.Error(), "disk full") {
				t.Fatal(err)
			}
			continue // the magic number did not fit
		}
		var failed error
		for _, d := range docs {
			if failed = w.Write(d); failed != nil {
				break
			}
		}
		if err := w.Close(); failed == nil {
			failed = err
		}
		if failed == nil || !strings.Contains(failed.Error(), "disk full") {
			t.Fatalf("limit %d: error %v, want the sink's", limit, failed)
		}
	}
}

// TestCorpusOneEncodingPerChunk writes more distinct source paths and
// labels than a dictionary page holds by default (1 MB). arrow-go writes a
// column chunk's page encodings from a Go map, in random order, so a chunk
// whose dictionary fell back to plain pages (two data encodings) made the
// footer, and the file, differ from run to run. Every chunk must have one
// data encoding, and the same documents the same bytes.
func TestCorpusOneEncodingPerChunk(t *testing.T) {
	const dictionaryPage = 2 // PageType DICTIONARY_PAGE in the Parquet format
	docs := make([]*schemas.Document, 60_000)
	for i := range docs {
		docs[i] = &schemas.Document{ID: fmt.Sprintf("d%06d", i),
			Source: schemas.Source{Path: fmt.Sprintf("contracts/warranty/c%032d.txt", i), Line: 0},
			Label:  fmt.Sprintf("label-%020d", i), Text: "a short text",
			Fields: schemas.Fields{{Name: "text", Value: "a short text"}}}
	}
	first := writeCorpus(t, docs, WriterOptions{})
	rdr, err := file.NewParquetReader(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Close()
	for g := range rdr.NumRowGroups() {
		rg := rdr.MetaData().RowGroup(g)
		for c := range rg.NumColumns() {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			data := 0
			for _, st := range cc.EncodingStats() {
				if st.PageType != dictionaryPage {
					data++
				}
			}
			if data > 1 {
				t.Errorf("row group %d, column %s: %d data page encodings %v, want 1", g, cc.PathInSchema(), data, cc.EncodingStats())
			}
		}
	}
	for range 3 {
		if again := writeCorpus(t, docs, WriterOptions{}); !bytes.Equal(again, first) {
			t.Fatal("the same documents written twice differ")
		}
	}
}

// TestCorpusMappedBuffers: the writer's large Arrow buffers are mapped
// while it writes and all freed by Arrow by Close (the writer unmaps what
// is left when it closes, which would hide a leak: here the allocator is
// the test's, so nothing hides it), and the file is the one the Go
// allocator gives.
func TestCorpusMappedBuffers(t *testing.T) {
	texts := benchTexts()
	docs := make([]*schemas.Document, 20_000)
	for i := range docs {
		docs[i] = benchDoc(i, texts)
	}
	mem := newMappedAllocator()
	var buf bytes.Buffer
	w, err := NewCorpusWriter(&buf, WriterOptions{Allocator: mem, RowGroupBytes: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	peak := int64(0)
	for _, d := range docs {
		if err := w.Write(d); err != nil {
			t.Fatal(err)
		}
		peak = max(peak, mem.mem.Mapped())
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && peak < 4<<20 {
		t.Errorf("at most %d bytes mapped while writing, want a batch's buffers (4 MB or more)", peak)
	}
	if left := mem.mem.Mapped(); left != 0 {
		t.Errorf("%d bytes still mapped after Close: Arrow did not free them", left)
	}
	heap := writeCorpus(t, docs, WriterOptions{Allocator: memory.NewGoAllocator(), RowGroupBytes: 8 << 20})
	if !bytes.Equal(buf.Bytes(), heap) {
		t.Error("the file written with mapped buffers differs from the one written on the heap")
	}
}
