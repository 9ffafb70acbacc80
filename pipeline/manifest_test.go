package pipeline

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

// run.json written with its inputs streamed is byte for byte what
// marshalling the whole manifest gives, whatever the config holds.
func TestManifestStreamedInputs(t *testing.T) {
	for _, n := range []int{0, 1, 3, 5} {
		m := &schemas.RunManifest{Tool: "tuneprep", Version: "dev",
			Config: map[string]any{"input": map[string]any{"include": []string{"\n  \"inputs\": [],\n", "x"}},
				"inputs": "a key named like the field"},
			Outputs: []schemas.FileEntry{{Path: "out.jsonl", Bytes: 3, SHA256: "ab"}},
			Stages:  []schemas.StageSummary{}, Gates: []schemas.Gate{}, GateResults: []schemas.GateResult{}, Splits: []schemas.SplitSummary{}}
		// Paths with what JSON escapes: quotes, HTML, control characters,
		// bytes that are not UTF-8, U+2028.
		odd := []string{"dir/f\"%d\".txt", "<a&b>/%d.txt", "tab\there\n%d\x01", "bad\xff\xfe%d", "line\u2028sep/é%d.txt"}
		for i := range n {
			m.Inputs.Add(schemas.InputFile{Path: fmt.Sprintf(odd[i%len(odd)], i), Bytes: int64(i) << (10 * i), SHA256: [32]byte{0, 0xff, byte(i)}})
		}
		env := stagedEnv(t)
		if err := writeManifest(env, m); err != nil {
			t.Fatal(err)
		}
		env.closeAll()
		got, err := os.ReadFile(filepath.Join(env.out.tmp, manifestName))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.MarshalIndent(m, "", "  ")
		if string(got) != string(want)+"\n" {
			t.Fatalf("%d inputs: streamed run.json differs:\n%s\nwant:\n%s", n, got, want)
		}
	}
}

// stagedEnv returns an Env over a new staging output that the test
// discards.
func stagedEnv(tb testing.TB) *Env {
	tb.Helper()
	out, err := openOutput(filepath.Join(tb.TempDir(), "out"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { out.abort() })
	return &Env{out: out}
}

// newOutFile creates rel in a new staging output that the test discards.
func newOutFile(tb testing.TB, rel string) *OutFile {
	tb.Helper()
	f, err := stagedEnv(tb).Create(rel)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// TestOutFileCountsLines checks the line count an output file gives the
// manifest, across writes that split lines anywhere.
func TestOutFileCountsLines(t *testing.T) {
	f := newOutFile(t, "a.jsonl")
	for _, p := range []string{"{}\n{", "}\n", "", "\n\n", "{\"a\":1}"} {
		if _, err := f.WriteString(p); err != nil {
			t.Fatal(err)
		}
	}
	if f.records != 4 || f.bytes != 15 {
		t.Errorf("%d records, %d bytes; want 4, 15", f.records, f.bytes)
	}
}

// BenchmarkOutFileWrite writes JSON lines of about 1 KB through an output
// file, which buffers, hashes and counts them.
func BenchmarkOutFileWrite(b *testing.B) {
	line := []byte(`{"messages":[{"role":"user","content":"` + strings.Repeat("where is my order ", 50) + `"}]}` + "\n")
	f := newOutFile(b, "a.jsonl")
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if _, err := f.Write(line); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkManifestInputs writes run.json for a run over 100,000 input
// files, the serial step that ends a run.
func BenchmarkManifestInputs(b *testing.B) {
	m := &schemas.RunManifest{Tool: "tuneprep", Version: "dev", Config: map[string]any{}}
	for i := range 100_000 {
		m.Inputs.Add(schemas.InputFile{Path: fmt.Sprintf("contracts/folder-%02d/contract-%06d.txt", i%13, i), Bytes: int64(1000 + i), SHA256: [32]byte{byte(i), byte(i >> 8)}})
	}
	for b.Loop() {
		env := stagedEnv(b)
		if err := writeManifest(env, m); err != nil {
			b.Fatal(err)
		}
		env.closeAll()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*m.Inputs.Len()), "ns/input")
}
