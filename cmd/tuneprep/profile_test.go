package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
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

// sink holds TestHeapProfilePeak's allocation where the compiler cannot
// drop it.
var sink []byte

// TestHeapProfilePeak: the profile kept is the one of the largest live
// heap, not of the end, when what was held is freed.
func TestHeapProfilePeak(t *testing.T) {
	path := filepath.Join(t.TempDir(), "heap.prof")
	write, err := startHeapProfile(path)
	if err != nil {
		t.Fatal(err)
	}
	const held = 256 << 20
	sink = make([]byte, held)
	for i := range sink {
		sink[i] = byte(i)
	}
	runtime.GC()
	time.Sleep(5 * heapSampleEvery) // a sample or more while it is live
	sink = nil
	runtime.GC()
	live, err := write()
	if err != nil {
		t.Fatal(err)
	}
	var now runtime.MemStats
	runtime.ReadMemStats(&now)
	if live < held || now.HeapAlloc >= held {
		t.Fatalf("profile of a %d MB live heap (%d MB live at the end); want the peak, over %d MB", live>>20, now.HeapAlloc>>20, held>>20)
	}
	if b, err := os.ReadFile(path); err != nil || len(b) == 0 {
		t.Fatalf("profile file: %d bytes, %v", len(b), err)
	}
}
