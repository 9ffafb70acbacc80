package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestMemProfile checks that --memprofile writes a heap profile (a gzipped
// pprof protocol buffer naming the heap's sample types), and that an
// unwritable path fails before the run starts.
func TestMemProfile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "heap.prof")
	runOK(t, "--out", filepath.Join(dir, "out"), "--memprofile", path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("heap profile: %v", err)
	}
	pb, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("heap profile: %v", err)
	}
	if !bytes.Contains(pb, []byte("alloc_space")) || !bytes.Contains(pb, []byte("inuse_space")) {
		t.Fatal("not a heap profile: no alloc_space and inuse_space sample types")
	}

	out := filepath.Join(dir, "out2")
	code, _, stderr := cli(t, "run", "--quiet", "--out", out, "--memprofile", filepath.Join(dir, "missing", "heap.prof"))
	if code == 0 {
		t.Fatalf("unwritable --memprofile: exit 0\n%s", stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatalf("the run went ahead with an unwritable --memprofile")
	}
}
