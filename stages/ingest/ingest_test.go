package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
)

// collect reads fsys with cfg and returns records and rejects as lines
// "path:line fields" or "path:line !reason".
func collect(t testing.TB, cfg Config, fsys fstest.MapFS) ([]string, *Ingest) {
	t.Helper()
	g, err := New(cfg, fsys)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	env := &pipeline.Env{Logger: slog.New(slog.DiscardHandler)}
	err = g.Read(context.Background(), env, func(d *schemas.Document) error {
		if d.Reject != nil {
			out = append(out, fmt.Sprintf("%s:%d !%s", d.Source.Path, d.Source.Line, d.Reject.Reason))
			return nil
		}
		var parts []string
		for _, f := range d.Fields {
			parts = append(parts, f.Name+"="+f.Value)
		}
		out = append(out, fmt.Sprintf("%s:%d %s", d.Source.Path, d.Source.Line, strings.Join(parts, "|")))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, g
}

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	io.WriteString(w, s)
	w.Close()
	return b.Bytes()
}

func zst(s string) []byte {
	var b bytes.Buffer
	w, _ := zstd.NewWriter(&b)
	io.WriteString(w, s)
	w.Close()
	return b.Bytes()
}

func TestReaders(t *testing.T) {
	cases := []struct {
		name  string
		files fstest.MapFS
		want  []string
	}{
		{"jsonl keeps key order and types", fstest.MapFS{"a.jsonl": {Data: []byte(
			"{\"b\":\"x\",\"a\":1,\"c\":[1, 2],\"d\":null,\"e\":true}\n\n{\"b\":\"y\"}")}},
			[]string{"a.jsonl:1 b=x|a=1|c=[1,2]|e=true", "a.jsonl:3 b=y"}},
		{"jsonl CRLF and BOM", fstest.MapFS{"a.ndjson": {Data: []byte("\xEF\xBB\xBF{\"a\":\"1\"}\r\n{\"a\":\"2\"}\r\n")}},
			[]string{"a.ndjson:1 a=1", "a.ndjson:2 a=2"}},
		{"jsonl malformed lines", fstest.MapFS{"a.jsonl": {Data: []byte("{\"a\":\"1\"}\n{\"a\":\n\"str\"\n{\"a\":\"2\"} {}\n{\"a\":\"3\"}\n")}},
			[]string{"a.jsonl:1 a=1", "a.jsonl:2 !malformed-json", "a.jsonl:3 !malformed-json", "a.jsonl:4 !malformed-json", "a.jsonl:5 a=3"}},
		{"json array", fstest.MapFS{"a.json": {Data: []byte(" [ {\"q\":\"1\"}, 5, {\"q\":\"2\"} ]")}},
			[]string{"a.json:1 q=1", "a.json:2 !malformed-json", "a.json:3 q=2"}},
		{"json object", fstest.MapFS{"a.json": {Data: []byte("{\"q\":\"only\"}")}},
			[]string{"a.json:0 q=only"}},
		{"json broken array", fstest.MapFS{"a.json": {Data: []byte("[{\"q\":\"1\"}, {\"q\": ]")}},
			[]string{"a.json:1 q=1", "a.json:2 !malformed-json"}},
		{"csv quoting and multi-line", fstest.MapFS{"a.csv": {Data: []byte("q,\"a\"\n\"x, y\",\"line1\nline2\"\n\"say \"\"hi\"\"\",z\n")}},
			[]string{"a.csv:1 q=x, y|a=line1\nline2", "a.csv:2 q=say \"hi\"|a=z"}},
		{"csv ragged and bare quote", fstest.MapFS{"a.csv": {Data: []byte("q,a\n1,2\n3\n4,5,6\n7,8\n")}},
			[]string{"a.csv:1 q=1|a=2", "a.csv:2 !ragged-row", "a.csv:3 !ragged-row", "a.csv:4 q=7|a=8"}},
		{"tsv and empty header", fstest.MapFS{"a.tsv": {Data: []byte("q\t\n1\t2\n")}},
			[]string{"a.tsv:1 q=1|column_2=2"}},
		{"text file fields", fstest.MapFS{"law/gov/x.y.txt": {Data: []byte("\xEF\xBB\xBFclause")}},
			[]string{"law/gov/x.y.txt:0 text=clause|name=x|folder=gov"}},
		{"gzip", fstest.MapFS{"a.jsonl.gz": {Data: gz("{\"a\":\"1\"}\n")}, "b.csv.GZ": {Data: gz("h\nv\n")}},
			[]string{"a.jsonl.gz:1 a=1", "b.csv.GZ:1 h=v"}},
		{"truncated gzip keeps what came before", fstest.MapFS{"a.jsonl.gz": {Data: gz(strings.Repeat("{\"a\":\"1\"}\n", 5000))[:200]}},
			nil}, // checked below: some records, then one truncated-gz reject
		{"zstd", fstest.MapFS{"a.jsonl.zst": {Data: zst("{\"a\":\"1\"}\n{\"a\":\"2\"}\n")}},
			[]string{"a.jsonl.zst:1 a=1", "a.jsonl.zst:2 a=2"}},
		{"truncated zstd", fstest.MapFS{"a.jsonl.zst": {Data: zst(strings.Repeat("{\"a\":\"1\"}\n", 3000))[:25]}},
			nil},
		{"not gzip", fstest.MapFS{"a.txt.gz": {Data: []byte("plain")}},
			[]string{"a.txt.gz:0 !corrupt-gz"}},
		{"binary", fstest.MapFS{"a.txt": {Data: []byte("ab\x00c")}, "b.csv": {Data: []byte("h\nx\x00\n")}},
			[]string{"a.txt:0 !binary-file", "b.csv:1 !binary-file"}},
		{"invalid utf-8", fstest.MapFS{"a.jsonl": {Data: []byte("{\"a\":\"\xff\"}\n{\"a\":\"ok\"}\n")}, "b.csv": {Data: []byte("h\n\xc3\x28\n")}},
			[]string{"a.jsonl:1 !invalid-utf8", "a.jsonl:2 a=ok", "b.csv:1 !invalid-utf8"}},
		{"hidden and unsupported skipped", fstest.MapFS{".git/x.txt": {Data: []byte("x")}, ".env.txt": {Data: []byte("x")}, "a.pdf": {Data: []byte("%PDF")}, "b.txt": {Data: []byte("b")}},
			[]string{"b.txt:0 text=b|name=b|folder="}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _ := collect(t, Defaults(), c.files)
			if c.want == nil {
				last := got[len(got)-1]
				if len(got) < 1 || !(strings.HasSuffix(last, "!truncated-gz") || strings.HasSuffix(last, "!truncated-zst")) {
					t.Fatalf("%d records, the last %q", len(got), last)
				}
				return
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestLimitsAndPolicies(t *testing.T) {
	cfg := Defaults()
	cfg.MaxRecordBytes = 20
	cfg.MaxFileBytes = 10000
	files := fstest.MapFS{
		"a.jsonl":  {Data: []byte("{\"a\":\"short\"}\n{\"a\":\"" + strings.Repeat("x", 5000) + "\"}\n{\"a\":\"after\"}\n")},
		"big.txt":  {Data: bytes.Repeat([]byte("y"), 10001)},
		"long.txt": {Data: bytes.Repeat([]byte("z"), 30)},
	}
	got, _ := collect(t, cfg, files)
	want := []string{"a.jsonl:1 a=short", "a.jsonl:2 !record-too-large", "a.jsonl:3 a=after", "big.txt:0 !file-too-large", "long.txt:0 !record-too-large"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s", strings.Join(got, "\n"))
	}

	cfg = Defaults()
	cfg.InvalidUTF8 = "repair"
	cfg.Include = []string{"**/*.jsonl"}
	cfg.Exclude = []string{"skip/**"}
	cfg.LabelFields = []string{"missing", "l"}
	got, g := collect(t, cfg, fstest.MapFS{
		"d/a.jsonl":    {Data: []byte("{\"a\":\"b\xffc\",\"l\":\" pos \"}\n")},
		"skip/b.jsonl": {Data: []byte("{\"a\":\"x\"}\n")},
		"c.txt":        {Data: []byte("x")},
	})
	if len(got) != 1 || got[0] != "d/a.jsonl:1 a=b\uFFFDc|l= pos " || g.stats.Repaired != 1 || g.stats.Skipped["excluded"] != 2 {
		t.Errorf("got %q, stats %+v", got, g.stats)
	}
}

func TestLabelAndIDs(t *testing.T) {
	cfg := Defaults()
	cfg.LabelFields = []string{"intent"}
	g, _ := New(cfg, fstest.MapFS{"a.jsonl": {Data: []byte("{\"intent\":\" refund \"}\n")}})
	var d *schemas.Document
	g.Read(context.Background(), &pipeline.Env{Logger: slog.New(slog.DiscardHandler)}, func(x *schemas.Document) error { d = x; return nil })
	if d.Label != "refund" || d.ID != RecordID("a.jsonl", 1) || len(d.ID) != 16 {
		t.Errorf("label %q id %q", d.Label, d.ID)
	}
	if RecordID("a.jsonl", 1) == RecordID("a.jsonl", 2) || RecordID("a", 11) == RecordID("a1", 1) {
		t.Error("IDs collide")
	}
}

func TestSymlinksStayInsideRoot(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("outside"), 0o644)
	os.WriteFile(filepath.Join(root, "in.txt"), []byte("inside"), 0o644)
	os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(root, "escape.txt"))
	os.Symlink("in.txt", filepath.Join(root, "alias.txt"))
	fsys, err := OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := New(Defaults(), fsys)
	var texts []string
	g.Read(context.Background(), &pipeline.Env{Logger: slog.New(slog.DiscardHandler)}, func(d *schemas.Document) error {
		v, _ := d.Fields.Get("text")
		texts = append(texts, d.Source.Path+"="+v)
		return nil
	})
	if strings.Join(texts, ",") != "alias.txt=inside,in.txt=inside" || g.stats.Skipped["symlink-outside-root"] != 1 {
		t.Errorf("read %v, skipped %v", texts, g.stats.Skipped)
	}
}

// FuzzReaders feeds arbitrary bytes to every reader: records and rejects,
// never a panic or an error that stops the walk.
func FuzzReaders(f *testing.F) {
	f.Add([]byte("q,a\n1,2\n\"x\n"), byte(0))
	f.Add([]byte("{\"a\":\"b\"}\n{"), byte(1))
	f.Add([]byte("[{\"a\":1},"), byte(2))
	f.Add([]byte("text \x00"), byte(3))
	f.Fuzz(func(t *testing.T, b []byte, kind byte) {
		names := []string{"x.csv", "x.jsonl", "x.json", "x.txt", "x.tsv", "x.jsonl.gz"}
		name := names[int(kind)%len(names)]
		g, _ := New(Defaults(), fstest.MapFS{name: {Data: b}})
		err := g.Read(context.Background(), &pipeline.Env{Logger: slog.New(slog.DiscardHandler)}, func(d *schemas.Document) error {
			if d.Reject == nil {
				for _, fl := range d.Fields {
					if !utf8.ValidString(fl.Value) {
						t.Fatalf("field %q is not valid UTF-8", fl.Name)
					}
				}
			} else if d.Reject.Reason == "" {
				t.Fatal("reject without a reason")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func BenchmarkReadJSONL(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&buf, "{\"instruction\":\"How do I reset my password for account %d?\",\"response\":\"Open Settings, choose Security, then Reset password. A link is sent to your e-mail and expires in 30 minutes.\",\"intent\":\"account\"}\n", i)
	}
	benchRead(b, "a.jsonl", buf.Bytes())
}

func BenchmarkReadCSV(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("instruction,response,intent\n")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&buf, "\"How do I reset my password for account %d?\",\"Open Settings, choose Security, then Reset password. A link is sent to your e-mail and expires in 30 minutes.\",account\n", i)
	}
	benchRead(b, "a.csv", buf.Bytes())
}

// BenchmarkReadChatJSONL reads OpenAI chat records, each parsed into the
// example it holds.
func BenchmarkReadChatJSONL(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&buf, "{\"messages\":[{\"role\":\"system\",\"content\":\"You are a support agent.\"},{\"role\":\"user\",\"content\":\"How do I reset my password for account %d?\"},{\"role\":\"assistant\",\"content\":\"Open Settings, choose Security, then Reset password. A link is sent to your e-mail and expires in 30 minutes.\"}],\"intent\":\"account\"}\n", i)
	}
	benchRead(b, "a.jsonl", buf.Bytes())
}

// BenchmarkReadExplode reads TAT-QA-like contexts of 6 questions each,
// exploded into one record per question.
func BenchmarkReadExplode(b *testing.B) {
	var buf bytes.Buffer
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&buf, `{"table":{"uid":"t%d","table":[["","2019","2018"],["Revenue","12.5","10.1"],["Costs","8.1","7.7"]]},"paragraphs":[{"uid":"p1","order":1,"text":"Revenue grew in every region, led by services."},{"uid":"p2","order":2,"text":"Costs rose more slowly than sales."}],"questions":[`, i)
		for q := range 6 {
			if q > 0 {
				buf.WriteByte(',')
			}
			fmt.Fprintf(&buf, `{"uid":"q%d","order":%d,"question":"What was the change in revenue between 2018 and 2019 for item %d?","answer":["2.4"],"answer_type":"arithmetic","scale":"million"}`, q, q, q)
		}
		buf.WriteString("]}\n")
	}
	cfg := Defaults()
	cfg.Explode = "questions"
	benchReadConfig(b, cfg, "a.jsonl", buf.Bytes())
}

func benchRead(b *testing.B, name string, data []byte) { benchReadConfig(b, Defaults(), name, data) }

func benchReadConfig(b *testing.B, cfg Config, name string, data []byte) {
	fsys := fstest.MapFS{name: {Data: data}}
	env := &pipeline.Env{Logger: slog.New(slog.DiscardHandler)}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		g, _ := New(cfg, fsys)
		if err := g.Read(context.Background(), env, func(*schemas.Document) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func envForTest() *pipeline.Env { return &pipeline.Env{Logger: slog.New(slog.DiscardHandler)} }

func itoa(n int) string { return fmt.Sprint(n) }
