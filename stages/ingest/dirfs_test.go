package ingest

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
)

// Reading a directory through dirFS's quick way gives the same records,
// rejects and statistics as reading it through os.Root alone: small and
// large files, nested folders, a symlink to a file inside, a compressed
// file, an empty file and a binary one.
func TestDirFSReadsAsRootDoes(t *testing.T) {
	dir := t.TempDir()
	write := func(rel string, data []byte) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/one.txt", []byte("First clause.\n"))
	write("a/b/two.md", []byte("# Two\n\nSecond clause."))
	write("a/empty.txt", nil)
	write("a/bin.txt", []byte("nul\x00byte"))
	write("z.jsonl.gz", gz("{\"text\":\"zipped\"}\n"))
	var big strings.Builder
	for i := 0; big.Len() <= smallFile+1000; i++ {
		fmt.Fprintf(&big, "{\"text\":\"record %d of a file larger than the quick way reads\"}\n", i)
	}
	write("big.jsonl", []byte(big.String()))
	write("a/B.txt", []byte("Upper case sorts first.\n"))
	write(".hidden/x.txt", []byte("Hidden.\n"))
	if err := os.Symlink(filepath.Join("b", "two.md"), filepath.Join(dir, "a", "link.md")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("b", filepath.Join(dir, "a", "dirlink")); err != nil {
		t.Fatal(err)
	}
	quick, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := quick.(*dirFS); !ok {
		t.Fatalf("OpenDir returned %T, want *dirFS", quick)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	got, gotStats := readFS(t, quick)
	want, wantStats := readFS(t, root.FS())
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("records differ:\n got %d: %.600q\nwant %d: %.600q", len(got), got, len(want), want)
	}
	if !reflect.DeepEqual(gotStats, wantStats) {
		t.Fatalf("stats differ:\n got %+v\nwant %+v", gotStats, wantStats)
	}
	if len(got) < 9 || gotStats.Files != 8 {
		t.Fatalf("read %d records from %d files, want the test's 8 files", len(got), gotStats.Files)
	}
	for _, folder := range []string{".", "a", "a/b"} {
		gotList, err := fs.ReadDir(quick, folder)
		if err != nil {
			t.Fatal(err)
		}
		wantList, err := fs.ReadDir(root.FS(), folder)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := listing(gotList), listing(wantList); a != b {
			t.Errorf("folder %s lists %s, want %s", folder, a, b)
		}
	}
	if _, err := fs.ReadDir(quick, "missing"); err == nil || strings.Contains(err.Error(), dir) {
		t.Errorf("missing folder: %v, want an error that names it relative to the input", err)
	}
}

// listing is a folder's entries as name and type.
func listing(list []fs.DirEntry) string {
	var b strings.Builder
	for _, e := range list {
		fmt.Fprintf(&b, "%s %v; ", e.Name(), e.Type())
	}
	return b.String()
}

func readFS(t *testing.T, fsys fs.FS) ([]string, Stats) {
	t.Helper()
	g, err := New(Defaults(), fsys)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	err = g.Read(context.Background(), &pipeline.Env{Logger: slog.New(slog.DiscardHandler)}, func(d *schemas.Document) error {
		if d.Reject != nil {
			out = append(out, fmt.Sprintf("%s:%d !%s %s", d.Source.Path, d.Source.Line, d.Reject.Reason, d.Reject.Detail))
			return nil
		}
		out = append(out, fmt.Sprintf("%s:%d %s %v", d.Source.Path, d.Source.Line, d.ID, d.Fields))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, g.stats
}
