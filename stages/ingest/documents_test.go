package ingest

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/parquetio"
)

func docx(t *testing.T, body string) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, _ := z.Create("word/document.xml")
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body + `</w:body></w:document>`))
	z.Close()
	return b.Bytes()
}

func TestDocumentReaders(t *testing.T) {
	files := fstest.MapFS{
		"page.html": {Data: []byte(`<html lang="en"><head><title>Refunds</title><script>var x=1</script></head><body><nav>Home</nav><h1>Refund policy</h1><p>Returns within 30 days.</p><p hidden>secret</p></body></html>`)},
		"note.docx": {Data: docx(t, `<w:p><w:r><w:t>Clause one.</w:t></w:r></w:p><w:p><w:r><w:t>Clause two.</w:t></w:r></w:p>`)},
		"bad.docx":  {Data: docx(t, "")[:30]},
		"msg.eml":   {Data: []byte("From: Ann <ann@example.com>\r\nTo: support@example.com\r\nSubject: Order late\r\nDate: Mon, 02 Jan 2006 15:04:05 -0700\r\nContent-Type: text/plain\r\n\r\nMy order has not arrived.\r\n")},
		"box.mbox":  {Data: []byte("From ann@example.com Mon Jan  2 15:04:05 2006\nSubject: one\n\nFirst body.\n\nFrom bob@example.com Mon Jan  2 15:05:05 2006\nSubject: two\n\nSecond body.\n")},
	}
	got, g := collect(t, Defaults(), files)
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"bad.docx:0 !malformed-docx",
		"box.mbox:1 ", "box.mbox:6 ",
		"msg.eml:0 ", "subject=Order late", "text=My order has not arrived.",
		"note.docx:0 text=Clause one.",
		"page.html:0 text=Refund policy\n\nReturns within 30 days.",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in\n%s", want, all)
		}
	}
	if strings.Contains(all, "secret") || strings.Contains(all, "var x") || strings.Contains(all, "Home") {
		t.Errorf("hidden text read:\n%s", all)
	}
	if g.stats.FilesByType["html"] != 1 || g.stats.FilesByType["mbox"] != 1 {
		t.Errorf("stats %+v", g.stats)
	}
}

func TestParquetInput(t *testing.T) {
	dir := t.TempDir()
	f, _ := os.Create(filepath.Join(dir, "data.parquet"))
	w, err := parquetio.NewJSONLinesWriter(f, []string{"instruction", "response"}, parquetio.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.WriteLine([]byte(`{"instruction":"Where is my order?","response":"On its way."}`))
	w.WriteLine([]byte(`{"instruction":"Cancel it","response":null}`))
	w.Close()
	f.Close()
	os.WriteFile(filepath.Join(dir, "broken.parquet"), []byte("PAR1 not really"), 0o644)
	fsys, _ := OpenDir(dir)
	g, _ := New(Defaults(), fsys)
	var got []string
	g.Read(t.Context(), envForTest(), func(d *schemas.Document) error {
		if d.Reject != nil {
			got = append(got, d.Source.Path+" !"+d.Reject.Reason)
			return nil
		}
		v, _ := d.Fields.Get("instruction")
		got = append(got, d.Source.Path+":"+itoa(d.Source.Line)+" "+v+" fields="+itoa(len(d.Fields)))
		return nil
	})
	want := "broken.parquet !corrupt-parquet|data.parquet:1 Where is my order? fields=2|data.parquet:2 Cancel it fields=1"
	if strings.Join(got, "|") != want {
		t.Errorf("got %q", strings.Join(got, "|"))
	}
	if len(g.stats.FilesByType) != 1 || g.stats.InputBytes == 0 {
		t.Errorf("stats %+v", g.stats)
	}
}
