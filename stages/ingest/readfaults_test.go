package ingest

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
)

// The rule for files that change under a run: a file is read once, through
// one handle opened after the walk; its records are cut from the bytes read
// and run.json lists those bytes and their sha256. A file that changed
// before it was opened is simply read as it then is. One that changed while
// it was read keeps the records read before its last one, and its last
// record becomes a reject (changed-while-read). A file gone before it was
// opened is a reject (unreadable); a folder gone before it was listed is
// skipped (unreadable); an input directory gone is an error that stops the
// run.

// faultRun is what a run over an input directory made: documents (records
// as "path:line", rejects as "path:line !reason"), rejects' details, the
// inputs of run.json, and the run's error.
type faultRun struct {
	docs    []string
	details map[string]string
	inputs  map[string]schemas.InputFile
	err     error
}

// recorder is a stage that notes every record it sees, in input order.
type recorder struct{ docs *[]string }

func (r recorder) Name() string { return "recorder" }
func (r recorder) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	*r.docs = append(*r.docs, fmt.Sprintf("%s:%d", d.Source.Path, d.Source.Line))
	return nil, nil
}

// runDir runs ingest over dir, through pipeline.Run, with the hooks set.
func runDir(t *testing.T, dir string, cfg Config, before, after func(p string)) faultRun {
	t.Helper()
	testHookBeforeOpen, testHookAfterOpen = before, after
	defer func() { testHookBeforeOpen, testHookAfterOpen = nil, nil }()
	fsys, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(cfg, fsys)
	if err != nil {
		t.Fatal(err)
	}
	var r faultRun
	out := filepath.Join(t.TempDir(), "out")
	m, err := pipeline.Run(context.Background(), pipeline.RunOptions{Plan: pipeline.Plan{Source: g, Stages: []pipeline.Stage{recorder{&r.docs}}}, OutDir: out})
	if r.err = err; err != nil {
		return r
	}
	r.inputs = map[string]schemas.InputFile{}
	for in := range m.Inputs.All() {
		r.inputs[in.Path] = in
	}
	f, err := os.Open(filepath.Join(out, pipeline.RejectedFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r.details = map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rj schemas.RejectedRecord
		if err := json.Unmarshal(sc.Bytes(), &rj); err != nil {
			t.Fatal(err)
		}
		d := fmt.Sprintf("%s:%d !%s", rj.Source.Path, rj.Source.Line, rj.Reason)
		r.docs = append(r.docs, d)
		r.details[d] = rj.Detail
	}
	slices.SortStableFunc(r.docs, func(a, b string) int { return strings.Compare(pathLine(a), pathLine(b)) })
	return r
}

// pathLine sorts "path:line..." by path, then line.
func pathLine(d string) string {
	p, rest, _ := strings.Cut(d, ":")
	line, _, _ := strings.Cut(rest, " ")
	return fmt.Sprintf("%s\x00%09s", p, line)
}

// last returns the documents of file p: their count, and the last one.
func (r faultRun) last(p string) (int, string) {
	n, last := 0, ""
	for _, d := range r.docs {
		if strings.HasPrefix(d, p+":") {
			n, last = n+1, d
		}
	}
	return n, last
}

// jsonlOf returns n JSON lines of about 64 bytes each.
func jsonlOf(n int) []byte {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "{\"text\":\"record %06d of a file that changes while the run reads it\"}\n", i)
	}
	return []byte(b.String())
}

func writeFile(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t *testing.T, p string, data []byte) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
}

// TestFileChangesBetweenWalkAndRead: a file removed, shrunk, grown or
// replaced after the walk listed it and before it is opened is a reject
// (removed) or read as it is when opened: its records are those of the new
// content, and run.json has the sha256 and size of the new content; never
// half a record. Small files (read whole) and large ones (streamed) alike.
func TestFileChangesBetweenWalkAndRead(t *testing.T) {
	line := len(jsonlOf(1))
	for _, lines := range []int{100, 20000} { // 7 KB and 1.4 MB: both ways of reading
		orig := jsonlOf(lines)
		half := len(orig)/2 + 7 // inside a line
		cases := []struct {
			name     string
			change   func(t *testing.T, p string)
			content  func() []byte // the content read; nil: none
			wantLast string        // the last document of x.jsonl
		}{
			{"removed", func(t *testing.T, p string) { os.Remove(p) }, nil, "x.jsonl:0 !unreadable"},
			{"shrunk inside a line", func(t *testing.T, p string) { os.Truncate(p, int64(half)) },
				func() []byte { return orig[:half] }, fmt.Sprintf("x.jsonl:%d !truncated-json", lines/2+1)},
			{"shrunk at a line end", func(t *testing.T, p string) { os.Truncate(p, int64(len(orig)-line)) },
				func() []byte { return orig[:len(orig)-line] }, fmt.Sprintf("x.jsonl:%d", lines-1)},
			{"grown", func(t *testing.T, p string) { appendFile(t, p, jsonlOf(2)) },
				func() []byte { return append(slices.Clone(orig), jsonlOf(2)...) }, fmt.Sprintf("x.jsonl:%d", lines+2)},
			{"replaced", func(t *testing.T, p string) {
				writeFile(t, p+".new", jsonlOf(3))
				if err := os.Rename(p+".new", p); err != nil {
					t.Fatal(err)
				}
			}, func() []byte { return jsonlOf(3) }, "x.jsonl:3"},
		}
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/%d lines", c.name, lines), func(t *testing.T) {
				dir := t.TempDir()
				writeFile(t, filepath.Join(dir, "x.jsonl"), orig)
				writeFile(t, filepath.Join(dir, "y.jsonl"), jsonlOf(2))
				r := runDir(t, dir, Defaults(), func(p string) {
					if p == "x.jsonl" {
						c.change(t, filepath.Join(dir, p))
					}
				}, nil)
				if r.err != nil {
					t.Fatal(r.err)
				}
				if _, last := r.last("x.jsonl"); last != c.wantLast {
					t.Errorf("last document %q, want %q (%s)", last, c.wantLast, r.details[last])
				}
				if n, _ := r.last("y.jsonl"); n != 2 {
					t.Errorf("the next file gave %d documents, want 2", n)
				}
				in, listed := r.inputs["x.jsonl"]
				switch {
				case c.content == nil && listed:
					t.Errorf("a file never read is listed in run.json: %+v", in)
				case c.content != nil && (in.Bytes != int64(len(c.content())) || in.SHA256 != sha256.Sum256(c.content())):
					t.Errorf("run.json lists %d bytes, want %d, and the sha256 of the bytes read", in.Bytes, len(c.content()))
				}
			})
		}
	}
}

// TestFileChangesWhileRead: a file written after it was opened keeps the
// records read before its last one; the last becomes a reject
// (changed-while-read); run.json lists the bytes read. A small file is read
// whole when opened, so a later change does not reach it; a file replaced
// by a rename is read as it was, through the handle. A file that grows past
// max_file_bytes is cut with a file-too-large reject.
func TestFileChangesWhileRead(t *testing.T) {
	large, line := jsonlOf(20000), len(jsonlOf(1))
	cases := []struct {
		name     string
		orig     []byte
		max      int64
		change   func(t *testing.T, p string)
		wantLast string
		read     func() []byte // what run.json lists
	}{
		{"large file grows", large, 0, func(t *testing.T, p string) { appendFile(t, p, jsonlOf(2)) },
			"x.jsonl:20002 !changed-while-read", func() []byte { return append(slices.Clone(large), jsonlOf(2)...) }},
		{"large file shrinks at a line end", large, 0, func(t *testing.T, p string) { os.Truncate(p, int64(len(large)-10*line)) },
			"x.jsonl:19990 !changed-while-read", func() []byte { return large[:len(large)-10*line] }},
		{"large file shrinks inside a line", large, 0, func(t *testing.T, p string) { os.Truncate(p, int64(len(large)-10*line-5)) },
			"x.jsonl:19990 !truncated-json", func() []byte { return large[:len(large)-10*line-5] }},
		{"large file replaced", large, 0, func(t *testing.T, p string) {
			writeFile(t, p+".new", jsonlOf(3))
			os.Rename(p+".new", p)
		}, "x.jsonl:20000", func() []byte { return large }},
		{"small file grows", jsonlOf(10), 0, func(t *testing.T, p string) { appendFile(t, p, jsonlOf(2)) },
			"x.jsonl:10", func() []byte { return jsonlOf(10) }},
		{"grows past max_file_bytes", large, int64(len(large)) + 100, func(t *testing.T, p string) { appendFile(t, p, jsonlOf(20)) },
			"x.jsonl:20002 !file-too-large", func() []byte { return append(slices.Clone(large), jsonlOf(20)...)[:len(large)+101] }}, // the byte past the limit was read
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "x.jsonl"), c.orig)
			writeFile(t, filepath.Join(dir, "y.jsonl"), jsonlOf(2))
			cfg := Defaults()
			if c.max > 0 {
				cfg.MaxFileBytes = c.max
			}
			r := runDir(t, dir, cfg, nil, func(p string) {
				if p == "x.jsonl" {
					c.change(t, filepath.Join(dir, p))
				}
			})
			if r.err != nil {
				t.Fatal(r.err)
			}
			n, last := r.last("x.jsonl")
			if last != c.wantLast {
				t.Errorf("last of %d documents %q, want %q (%s)", n, last, c.wantLast, r.details[last])
			}
			for _, d := range r.docs[:n-1] {
				if strings.Contains(d, "!") {
					t.Errorf("a reject before the last document: %s", d)
				}
			}
			if n, _ := r.last("y.jsonl"); n != 2 {
				t.Errorf("the next file gave %d documents, want 2", n)
			}
			in := r.inputs["x.jsonl"]
			if want := c.read(); in.SHA256 != sha256.Sum256(want) {
				t.Errorf("run.json lists %d bytes and a sha256 that is not of the %d bytes read", in.Bytes, len(want))
			}
		})
	}
}

// TestDocxChangesWhileRead: a .docx read at random (in place) that is
// written while it is read is a reject, not a record of a mix of versions.
func TestDocxChangesWhileRead(t *testing.T) {
	dir := t.TempDir()
	body := strings.Repeat(`<w:p><w:r><w:t>A clause of a contract that is long enough to make the file large.</w:t></w:r></w:p>`, 30000)
	writeFile(t, filepath.Join(dir, "x.docx"), docxStored(t, body)) // stored, not deflated: over 1 MiB
	writeFile(t, filepath.Join(dir, "y.jsonl"), jsonlOf(2))
	r := runDir(t, dir, Defaults(), nil, func(p string) {
		if p == "x.docx" {
			appendFile(t, filepath.Join(dir, p), []byte("appended"))
		}
	})
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.docs) != 3 || r.docs[0] != "x.docx:0 !changed-while-read" {
		t.Errorf("got %v", r.docs)
	}
}

// TestFoldersVanish: a sub-folder removed before it is listed is skipped and
// counted (unreadable), the run goes on; the input directory removed while
// the run reads it stops the run with an error that says so.
func TestFoldersVanish(t *testing.T) {
	build := func(t *testing.T) string {
		dir := filepath.Join(t.TempDir(), "in")
		writeFile(t, filepath.Join(dir, "a", "one.jsonl"), jsonlOf(2))
		writeFile(t, filepath.Join(dir, "b", "two.jsonl"), jsonlOf(2))
		writeFile(t, filepath.Join(dir, "c.jsonl"), jsonlOf(2))
		return dir
	}
	t.Run("sub-folder removed", func(t *testing.T) {
		dir := build(t)
		fsys, _ := OpenDir(dir)
		g, _ := New(Defaults(), fsys)
		testHookBeforeOpen = func(p string) {
			if p == "a/one.jsonl" {
				os.RemoveAll(filepath.Join(dir, "b"))
			}
		}
		defer func() { testHookBeforeOpen = nil }()
		var got []string
		err := g.Read(context.Background(), envForTest(), func(d *schemas.Document) error { got = append(got, describe(d)); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 4 || !strings.HasPrefix(got[3], "c.jsonl:2") || g.stats.Skipped["unreadable"] != 1 {
			t.Errorf("read %v, skipped %v", got, g.stats.Skipped)
		}
	})
	for name, at := range map[string]string{"before its folder is listed": "a/one.jsonl", "after its folder was listed": "b/two.jsonl"} {
		t.Run("input removed "+name, func(t *testing.T) {
			dir := build(t)
			r := runDir(t, dir, Defaults(), func(p string) {
				if p == at {
					os.RemoveAll(dir)
				}
			}, nil)
			if r.err == nil || !strings.Contains(r.err.Error(), "is gone") || !strings.Contains(r.err.Error(), dir) {
				t.Fatalf("error %v, want one saying that %s is gone", r.err, dir)
			}
		})
	}
	// The run reads the directory it opened, wherever it goes.
	t.Run("input moved", func(t *testing.T) {
		dir := build(t)
		r := runDir(t, dir, Defaults(), func(p string) {
			if p == "a/one.jsonl" {
				os.Rename(dir, dir+".old")
				os.MkdirAll(filepath.Join(dir, "b"), 0o755)
			}
		}, nil)
		if r.err != nil || len(r.docs) != 6 {
			t.Fatalf("read %v, %v; want the 6 records of the directory as it was", r.docs, r.err)
		}
	})
}

// TestVanishedFileInIncrementalRead: the walk of an incremental run lists a
// file gone by the time its size is taken with size -1 (no saved state
// matches it), and reading it makes the reject a full read makes.
func TestVanishedFileInIncrementalRead(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "x.jsonl"), jsonlOf(2))
	writeFile(t, filepath.Join(dir, "y.jsonl"), jsonlOf(2))
	fsys, _ := OpenDir(dir)
	g, _ := New(Defaults(), fsys)
	testHookBeforeOpen = func(p string) {
		if p == "x.jsonl" {
			os.Remove(filepath.Join(dir, p))
		}
	}
	files, _, err := g.Files(context.Background(), envForTest())
	testHookBeforeOpen = nil
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0].Path != "x.jsonl" || files[0].Size != -1 || files[1].Size <= 0 {
		t.Fatalf("files %+v", files)
	}
	var got []string
	if _, err := g.ReadFile(context.Background(), envForTest(), "x.jsonl", func(d *schemas.Document) error { got = append(got, describe(d)); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "x.jsonl:0 !unreadable" {
		t.Errorf("got %v", got)
	}
}
