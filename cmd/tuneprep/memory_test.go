package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

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
		for _, stage := range []string{"dedup", "split"} {
			var r schemas.StageReport
			raw := reportBytes(t, out, stage)
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

// TestMemoryGovernor: with --memory-limit auto the run's soft limit follows
// the live heap (live + max(live/4, 128 MiB), capped by a ceiling); with a
// size or GOMEMLIMIT the limit is theirs; without either it is left alone
// outside a container; the settings are restored when the run ends.
func TestMemoryGovernor(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	if cgroupMemory() == 0 {
		restore, err := tuneMemory("", env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if debug.SetMemoryLimit(-1) != before {
			t.Errorf("no container limit, no flag: the limit changed")
		}
		restore()
	}
	restore, err := tuneMemory("auto", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	ballast := make([]byte, 300<<20) // live: the limit must leave room above it
	for i := range ballast {
		ballast[i] = 1
	}
	runtime.GC()
	time.Sleep(1200 * time.Millisecond) // two samples
	got := debug.SetMemoryLimit(-1)
	if got < 300<<20+governorFloor || got > 1<<30 {
		t.Errorf("governed limit %d MiB with 300 MiB live", got>>20)
	}
	runtime.KeepAlive(ballast)
	restore()
	if debug.SetMemoryLimit(-1) != before {
		t.Errorf("limit not restored")
	}

	restore, err = tuneMemory("", env(map[string]string{"GOMEMLIMIT": "1GiB"}))
	if err != nil {
		t.Fatal(err)
	}
	if debug.SetMemoryLimit(-1) != before {
		t.Errorf("GOMEMLIMIT set, but tuneprep changed the limit")
	}
	restore()
	restore, err = tuneMemory("700MiB", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := debug.SetMemoryLimit(-1); got != 700<<20 {
		t.Errorf("--memory-limit 700MiB: limit %d", got)
	}
	restore()

	stop := govern(64 << 20) // a ceiling below the floor wins
	if got := debug.SetMemoryLimit(-1); got != 64<<20 {
		t.Errorf("ceiling 64 MiB: limit %d", got)
	}
	stop()
	debug.SetMemoryLimit(before)
}
