package pipeline

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

// run.json written with its inputs streamed is byte for byte what
// marshalling the whole manifest gives, whatever the config holds.
func TestManifestStreamedInputs(t *testing.T) {
	for _, n := range []int{0, 1, 3} {
		m := &schemas.RunManifest{Tool: "tuneprep", Version: "dev",
			Config: map[string]any{"input": map[string]any{"include": []string{"\n  \"inputs\": [],\n", "x"}},
				"inputs": "a key named like the field"},
			Outputs: []schemas.FileEntry{{Path: "out.jsonl", Bytes: 3, SHA256: "ab"}},
			Stages:  []schemas.StageSummary{}, Gates: []schemas.Gate{}, GateResults: []schemas.GateResult{}, Splits: []schemas.SplitSummary{}}
		for i := range n {
			m.Inputs.Add(schemas.InputFile{Path: fmt.Sprintf("dir/f\"%d\".txt", i), Bytes: int64(i), SHA256: [32]byte{0, 0xff, byte(i)}})
		}
		out, err := openOutput(filepath.Join(t.TempDir(), "out"))
		if err != nil {
			t.Fatal(err)
		}
		env := &Env{out: out}
		if err := writeManifest(env, m); err != nil {
			t.Fatal(err)
		}
		env.closeAll()
		got, err := os.ReadFile(filepath.Join(out.tmp, manifestName))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.MarshalIndent(m, "", "  ")
		if string(got) != string(want)+"\n" {
			t.Fatalf("%d inputs: streamed run.json differs:\n%s\nwant:\n%s", n, got, want)
		}
		out.abort()
	}
}
