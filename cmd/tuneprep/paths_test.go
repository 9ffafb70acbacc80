package main

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// copySamples copies the sample data into a fresh directory.
func copySamples(t *testing.T) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in")
	if err := os.CopyFS(in, os.DirFS(filepath.Join("..", "..", "samples", "data"))); err != nil {
		t.Fatal(err)
	}
	return in
}

// TestOutputInsideInputNotRead runs twice into an output (and a state
// directory) inside the input: the second run reads the same files as the
// first, never its own output, and writes what a run outside would.
func TestOutputInsideInputNotRead(t *testing.T) {
	in := copySamples(t)
	out, state := filepath.Join(in, "out"), filepath.Join(in, "state")
	cfg := filepath.Join("..", "..", "samples", "tuneprep.yaml")
	runOK(t, "--in", in, "--out", out, "--config", cfg, "--state", state)
	first := readManifest(t, out)
	runOK(t, "--in", in, "--out", out, "--config", cfg, "--state", state)
	second := readManifest(t, out)
	firstIn, secondIn := slices.Collect(first.Inputs.All()), slices.Collect(second.Inputs.All())
	if !reflect.DeepEqual(firstIn, secondIn) || first.Totals != second.Totals {
		t.Fatalf("the second run read other inputs:\n%v %+v\n%v %+v", firstIn, first.Totals, secondIn, second.Totals)
	}
	for _, f := range secondIn {
		if strings.HasPrefix(f.Path, "out/") || strings.HasPrefix(f.Path, "state/") {
			t.Errorf("read its own file %s", f.Path)
		}
	}
	ingestReport, _ := os.ReadFile(filepath.Join(out, "reports", "01-ingest.json"))
	if !strings.Contains(string(ingestReport), `"tuneprep-output": 2`) {
		t.Errorf("ingest report does not count the skipped output and state folders:\n%s", ingestReport)
	}
	outside := filepath.Join(t.TempDir(), "out")
	runOK(t, "--in", copySamples(t), "--out", outside, "--config", cfg)
	for _, f := range []string{"finetune/train.jsonl", "finetune/test.jsonl", "corpus.parquet"} {
		a, _ := os.ReadFile(filepath.Join(out, f))
		b, _ := os.ReadFile(filepath.Join(outside, f))
		if string(a) != string(b) {
			t.Errorf("%s differs from a run with the output outside the input", f)
		}
	}
}

// TestOutputPathsRefused: a run never replaces its own input, work or state
// directory, nor a directory it did not write.
func TestOutputPathsRefused(t *testing.T) {
	in := copySamples(t)
	foreign := t.TempDir()
	os.WriteFile(filepath.Join(foreign, "keep.txt"), []byte("mine"), 0o644)
	prev := filepath.Join(t.TempDir(), "prev")
	runOK(t, "--out", prev)
	os.CopyFS(filepath.Join(prev, "data"), os.DirFS(in))
	link := filepath.Join(t.TempDir(), "link")
	os.Symlink(in, link)
	cases := []struct {
		name string
		args []string
		want string
		code int
	}{
		{"out is the input", []string{"--in", in, "--out", in}, "lies inside the output directory", exitUsage},
		{"out is a parent of the input", []string{"--in", in, "--out", filepath.Dir(in)}, "lies inside the output directory", exitUsage},
		{"out via a symlink to the input", []string{"--in", in, "--out", link}, "lies inside the output directory", exitUsage},
		{"out with .. to the input", []string{"--in", in, "--out", filepath.Join(in, "legal", "..")}, "lies inside the output directory", exitUsage},
		{"input inside a previous output", []string{"--in", filepath.Join(prev, "data"), "--out", prev}, "lies inside the output directory", exitUsage},
		{"state inside the output", []string{"--in", in, "--out", prev, "--state", filepath.Join(prev, "state")}, "--state", exitUsage},
		{"work inside the output", []string{"--in", in, "--out", prev, "--tasks", "2", "--work", filepath.Join(prev, "work")}, "--work", exitUsage},
		{"foreign directory", []string{"--in", in, "--out", foreign}, "not a tuneprep output", exitFailed},
	}
	for _, c := range cases {
		code, _, stderr := cli(t, append([]string{"run", "--quiet"}, c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, want %d with %q:\n%s", c.name, code, c.code, c.want, stderr)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(foreign, "keep.txt")); string(b) != "mine" {
		t.Error("the foreign directory changed")
	}
	if _, err := os.Stat(filepath.Join(prev, "data", "legal")); err != nil {
		t.Error("the input inside the previous output is gone")
	}
}

func TestWithin(t *testing.T) {
	for _, c := range []struct {
		p, dir string
		want   bool
	}{
		{"/a/b", "/a", true}, {"/a", "/a", true}, {"/ab", "/a", false},
		{"/a", "/a/b", false}, {"/..x", "/", true}, {"/a/..b", "/a", true},
	} {
		if got := within(c.p, c.dir); got != c.want {
			t.Errorf("within(%q, %q) = %v", c.p, c.dir, got)
		}
	}
}

// TestOutputSymlinkKept: an output given as a symbolic link replaces the
// directory it leads to, and the link stays.
func TestOutputSymlinkKept(t *testing.T) {
	dir := t.TempDir()
	target, link := filepath.Join(dir, "volume", "train"), filepath.Join(dir, "current")
	runOK(t, "--out", target)
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(target, "stale.txt"), []byte("from before"), 0o644)
	runOK(t, "--out", link)
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", st, err)
	}
	if _, err := os.Stat(filepath.Join(target, "stale.txt")); err == nil {
		t.Error("the link's target was not replaced")
	}
	readManifest(t, link)
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("left beside the link: %v", entries)
	}
}
