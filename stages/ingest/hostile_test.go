package ingest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"

	"github.com/tuneprep/tuneprep/schemas"
)

// gzipBomb is a gzip file of n members, each of which inflates to member
// bytes of b: n*member bytes from a few kilobytes per member.
func gzipBomb(b byte, member, n int) []byte {
	var one bytes.Buffer
	w, _ := gzip.NewWriterLevel(&one, gzip.BestCompression)
	w.Write(bytes.Repeat([]byte{b}, member))
	w.Close()
	return bytes.Repeat(one.Bytes(), n)
}

// zstdBomb is the same in Zstandard frames.
func zstdBomb(b byte, member, n int) []byte {
	var one bytes.Buffer
	w, _ := zstd.NewWriter(&one, zstd.WithEncoderLevel(zstd.SpeedBestCompression))
	w.Write(bytes.Repeat([]byte{b}, member))
	w.Close()
	return bytes.Repeat(one.Bytes(), n)
}

// TestDecompressionBombs: a compressed file that inflates past
// max_compression_ratio (once past 16 MiB) or past max_file_bytes is a
// reject, decompressed-too-large, after a few megabytes of it are read; the
// other files are read.
func TestDecompressionBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("inflates some 50 MB")
	}
	const gib = 1 << 30
	files := fstest.MapFS{
		"bomb.jsonl.gz":  {Data: gzipBomb(0, 4<<20, gib/(4<<20))},    // 1 GiB of NULs in one line
		"bomb.txt.zst":   {Data: zstdBomb('a', 4<<20, gib/(4<<20))},  // 1 GiB of text
		"bomb.html.gz":   {Data: gzipBomb(' ', 4<<20, gib/(4<<20))},  // 1 GiB of white space
		"lines.jsonl.gz": {Data: gzipBomb('\n', 4<<20, gib/(4<<20))}, // 1 GiB of blank lines
		"good.jsonl.gz":  {Data: gz("{\"text\":\"fine\"}\n{\"text\":\"also fine\"}\n")},
	}
	cfs := countFS{MapFS: files, read: map[string]int64{}}
	cfg := Defaults()
	cfg.MaxRecordBytes = 64 << 20 // the ratio, not the record limit, stops them
	g, err := New(cfg, cfs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	details := map[string]string{}
	err = g.Read(context.Background(), envForTest(), func(d *schemas.Document) error {
		got = append(got, describe(d))
		if d.Reject != nil {
			details[d.Source.Path] = d.Reject.Detail
			if n := cfs.read[d.Source.Path]; n > 1<<20 {
				t.Errorf("%s: %d compressed bytes read before the reject", d.Source.Path, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bomb.html.gz:0 !decompressed-too-large", "bomb.jsonl.gz:1 !decompressed-too-large",
		"bomb.txt.zst:0 !decompressed-too-large", "good.jsonl.gz:1.0 text=fine", "good.jsonl.gz:2.0 text=also fine",
		"lines.jsonl.gz:1 !decompressed-too-large"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for p, d := range details {
		if !strings.Contains(d, "max_compression_ratio") {
			t.Errorf("%s: detail %q does not name the limit", p, d)
		}
	}

	// By size: with no ratio to stop it, a bomb is read up to max_file_bytes.
	cfg = Defaults()
	cfg.MaxCompressionRatio = 1 << 40
	cfg.MaxFileBytes = 8 << 20
	docs := readDocs(t, cfg, fstest.MapFS{"bomb.jsonl.gz": files["bomb.jsonl.gz"], "bomb.txt.zst": files["bomb.txt.zst"]})
	for _, d := range docs {
		if d.Reject == nil || d.Reject.Reason != "decompressed-too-large" || !strings.Contains(d.Reject.Detail, "max_file_bytes") {
			t.Errorf("by size: %s (%+v)", describe(d), d.Reject)
		}
	}
}

// zipEntry is one entry of a test archive: its content, as written or
// raw (already deflated), and the sizes its header declares (0: true ones).
type zipEntry struct {
	name        string
	data        []byte
	raw         bool
	size, csize uint64
	store       bool
}

func zipOf(t *testing.T, entries ...zipEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, e := range entries {
		if !e.raw {
			h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
			if e.store {
				h.Method = zip.Store
			}
			w, err := z.CreateHeader(h)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(e.data)
			continue
		}
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(nil),
			CompressedSize64: uint64(len(e.data)), UncompressedSize64: e.size}
		if e.csize > 0 {
			h.CompressedSize64 = e.csize
		}
		w, err := z.CreateRaw(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// deflated is data compressed with raw deflate.
func deflated(data []byte) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// docxStored is a .docx with body in a stored (not deflated) document.xml.
func docxStored(t *testing.T, body string) []byte {
	return zipOf(t, zipEntry{name: "word/document.xml", store: true, data: []byte(`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body + `</w:body></w:document>`)})
}

// TestDocxBombs: a .docx whose parts declare a size or ratio past the limits
// is decompressed-too-large before anything is inflated; one whose parts
// inflate past what they declare is malformed; one nested without end is
// malformed; none stops the run.
func TestDocxBombs(t *testing.T) {
	zeros := deflated(make([]byte, 8<<20))
	head := `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`
	files := fstest.MapFS{
		"declared-huge.docx": {Data: zipOf(t, zipEntry{name: "word/document.xml", raw: true, data: zeros, size: 10 << 30})},
		"ratio.docx":         {Data: zipOf(t, zipEntry{name: "word/document.xml", raw: true, data: zeros, size: 8 << 20})},
		"lying.docx":         {Data: zipOf(t, zipEntry{name: "word/document.xml", raw: true, data: zeros, size: 1000})},
		"deep.docx":          {Data: zipOf(t, zipEntry{name: "word/document.xml", data: []byte(head + strings.Repeat("<w:p>", 200000))})},
		"good.docx":          {Data: docx(t, `<w:p><w:r><w:t>Clause.</w:t></w:r></w:p>`)},
	}
	docs := readDocs(t, Defaults(), files)
	want := []string{"declared-huge.docx:0 !decompressed-too-large", "deep.docx:0 !malformed-docx",
		"good.docx:0.0 text=Clause.", "lying.docx:0 !malformed-docx", "ratio.docx:0 !decompressed-too-large"}
	var got []string
	for _, d := range docs {
		got = append(got, describe(d))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestSymlinkLoops: the walk ends whatever the symlinks: a folder linked to
// its parent, a link to itself, a broken link and one that leaves the root
// are skipped, each counted under its own reason.
func TestSymlinkLoops(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "a", "sub", "doc.txt"), []byte("A document."))
	for link, target := range map[string]string{
		"a/sub/up": "..", "a/sub/again": "../sub", "self.txt": "self.txt", "ping.txt": "pong.txt", "pong.txt": "ping.txt",
		"broken.txt": "nowhere.txt", "escape.txt": "/etc/hostname",
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	fsys, err := OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := New(Defaults(), fsys)
	var got []string
	if err := g.Read(context.Background(), envForTest(), func(d *schemas.Document) error { got = append(got, describe(d)); return nil }); err != nil {
		t.Fatal(err)
	}
	skipped := g.stats.Skipped
	if len(got) != 1 || skipped["symlink-not-file"] != 2 || skipped["symlink-loop"] != 3 || skipped["symlink-broken"] != 1 || skipped["symlink-outside-root"] != 1 {
		t.Errorf("read %v, skipped %v", got, skipped)
	}
}

// TestHostileFileNames: names with newlines, quotes and bytes that are not
// UTF-8 are read; source.path keeps the name as it is, and the name and
// folder fields of a text file are repaired to UTF-8 instead of making the
// text a reject.
func TestHostileFileNames(t *testing.T) {
	root := t.TempDir()
	names := []string{"new\nline \"quoted\" \xff.txt", "tab\there\xc0\xaf/doc.md", "bad\xfe.jsonl"}
	writeFile(t, filepath.Join(root, names[0]), []byte("A text with a hostile name."))
	writeFile(t, filepath.Join(root, names[1]), []byte("In a hostile folder."))
	writeFile(t, filepath.Join(root, names[2]), []byte("{\"text\":\"fine\"}\n"))
	fsys, _ := OpenDir(root)
	g, _ := New(Defaults(), fsys)
	var docs []*schemas.Document
	if err := g.Read(context.Background(), envForTest(), func(d *schemas.Document) error { docs = append(docs, d); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(docs) != 3 {
		t.Fatalf("%d documents", len(docs))
	}
	for _, d := range docs {
		if d.Reject != nil {
			t.Errorf("%q: rejected %+v", d.Source.Path, d.Reject)
		}
		for _, f := range d.Fields {
			if !utf8.ValidString(f.Value) {
				t.Errorf("%q: field %s is not UTF-8: %q", d.Source.Path, f.Name, f.Value)
			}
		}
	}
	if docs[0].Source.Path != "bad\xfe.jsonl" {
		t.Errorf("source path %q, want the name as it is", docs[0].Source.Path)
	}
}

// TestTooManyFields: a CSV file whose header has more columns than
// max_fields is one reject, read no further; a JSON record with more keys
// is a reject, and the records around it are read.
func TestTooManyFields(t *testing.T) {
	var header, row, keys strings.Builder
	for i := range 200000 {
		fmt.Fprintf(&header, "c%d,", i)
		row.WriteString("x,")
		if i < 20000 {
			fmt.Fprintf(&keys, `"k%d":1,`, i)
		}
	}
	csvData := strings.TrimSuffix(header.String(), ",") + "\n" + strings.Repeat(strings.TrimSuffix(row.String(), ",")+"\n", 5)
	jsonData := "{\"text\":\"before\"}\n{" + strings.TrimSuffix(keys.String(), ",") + "}\n{\"text\":\"after\"}\n"
	docs := readDocs(t, Defaults(), fstest.MapFS{"wide.csv": {Data: []byte(csvData)}, "wide.jsonl": {Data: []byte(jsonData)}})
	var got []string
	for _, d := range docs {
		got = append(got, describe(d))
	}
	want := []string{"wide.csv:0 !too-many-fields", "wide.jsonl:1.0 text=before", "wide.jsonl:2 !too-many-fields", "wide.jsonl:3.0 text=after"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
