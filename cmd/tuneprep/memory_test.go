package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "1048576": 1 << 20, "64MiB": 64 << 20, "1.5GiB": 3 << 29, "800MB": 800e6,
		"2G": 2 << 30, "512K": 512 << 10, "10 KB": 10e3, "7B": 7,
	} {
		got, err := parseSize(in)
		if err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MiB", "-1GiB", "1.5XB", "NaN", "1e30GB", "ten"} {
		if n, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", bad, n)
		}
	}
	if code, _, stderr := cli(t, "run", "--memory-limit", "lots"); code != 2 {
		t.Errorf("--memory-limit lots: exit %d, want 2\n%s", code, stderr)
	}
}

// TestHoldMemorySpills: with --hold-memory 0 the exact split and the
// longest-survivor rule spill every held batch to the staging directory;
// the outputs are the same bytes as when they stay in memory, and nothing
// is left in the output.
func TestHoldMemorySpills(t *testing.T) {
	t.Setenv("TUNEPREP_SPLIT_METHOD", "exact")
	t.Setenv("TUNEPREP_DEDUP_SURVIVOR", "longest")
	dir := t.TempDir()
	outs := map[string]string{"64MiB": filepath.Join(dir, "memory"), "0": filepath.Join(dir, "spilled")}
	for limit, out := range outs {
		runOK(t, "--out", out, "--hold-memory", limit, "--memory-limit", "1GiB")
	}
	for _, f := range []string{"finetune/train.jsonl", "finetune/test.jsonl", "finetune/validation.jsonl", "dropped.jsonl", "dedup/clusters.jsonl", "fewshot/bank.jsonl", "corpus.parquet"} {
		a, err := os.ReadFile(filepath.Join(outs["64MiB"], f))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(outs["0"], f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs when held records spill", f)
		}
	}
	for limit, out := range outs {
		for _, stage := range []string{"03-dedup", "08-split"} {
			var r schemas.StageReport
			raw, err := os.ReadFile(filepath.Join(out, "reports", stage+".json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			h := r.Held
			switch {
			case h == nil || h.Records == 0:
				t.Errorf("%s at %s: held %+v", stage, limit, h)
			case limit == "0" && (h.SpilledRecords != h.Records || h.SpilledBytes == 0 || h.MemoryBytes != 0):
				t.Errorf("%s at --hold-memory 0: held %+v, want everything spilled", stage, *h)
			case limit != "0" && (h.SpilledRecords != 0 || h.MemoryBytes == 0):
				t.Errorf("%s at --hold-memory %s: held %+v, want nothing spilled", stage, limit, *h)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(outs["0"], ".spill")); !os.IsNotExist(err) {
		t.Errorf("spill directory left in the output: %v", err)
	}
}
