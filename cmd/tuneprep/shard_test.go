package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// shardInput writes mixed support records (exact and near duplicates) plus
// records that each stage drops or rejects: junk the quality stage drops,
// PII, a bad JSON line, a record with no text.
func shardInput(t *testing.T) string {
	t.Helper()
	in := writeMixedInput(t, 1200)
	extra := strings.Join([]string{
		`{"instruction":"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.","response":"Lorem ipsum dolor sit amet."}`,
		`{"instruction":"Write to me at jane.doe@example.com or call 415-555-0134 about order 77.","response":"We will reply to jane.doe@example.com shortly."}`,
		`{"instruction": broken json`,
		`{"instruction":"   ","response":""}`,
		`{"instruction":"Where is my parcel for order 5?","response":"It left the depot this morning and arrives tomorrow."}`,
	}, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(in, "zz-extra.jsonl"), []byte(extra), 0o644); err != nil {
		t.Fatal(err)
	}
	return in
}

// TestShardedRunIsByteIdentical: a run cut into 1, 3 or 7 tasks, run as
// goroutines or as processes, writes what a plain run writes, with the
// streaming survivor rule and with one that holds records (longest), and
// a rerun over the same work directory skips the finished tasks.
func TestShardedRunIsByteIdentical(t *testing.T) {
	t.Setenv("TUNEPREP_TEST_MAIN", "1") // a task process is this binary, run as tuneprep
	in := shardInput(t)
	for _, survivor := range []string{"first", "longest"} {
		cfg := filepath.Join(t.TempDir(), "tuneprep.yaml")
		conf := fmt.Sprintf("input:\n  dir: %q\n  label_fields: [category]\ndedup:\n  survivor: %s\n", in, survivor)
		if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "out") // one path: run.json names it
		runOK(t, "--config", cfg, "--out", out)
		m := checkBalance(t, out)
		for stage, reason := range map[string]string{"dedup": "exact-duplicate", "ingest": "", "quality": ""} {
			s := stageSummary(t, m, stage)
			if reason != "" && s.Dropped[reason] == 0 || len(s.Dropped) == 0 {
				t.Fatalf("survivor %s: the input should make %s drop records: %v", survivor, stage, s.Dropped)
			}
		}
		want := snapshot(t, out)
		for _, exec := range []string{"goroutines", "processes"} {
			for _, tasks := range []string{"1", "3", "7"} {
				if exec == "processes" && tasks != "3" {
					continue // a process per task: one count shows it
				}
				runOK(t, "--config", cfg, "--out", out, "--tasks", tasks, "--executor", exec)
				got := snapshot(t, out)
				if len(got) != len(want) {
					t.Fatalf("survivor %s, %s tasks as %s: %d files, want %d", survivor, tasks, exec, len(got), len(want))
				}
				for name, content := range want {
					if got[name] != content {
						t.Errorf("survivor %s, %s tasks as %s: %s differs from a plain run's", survivor, tasks, exec, name)
					}
				}
			}
		}
		if entries, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".tuneprep-work-*")); len(entries) > 0 {
			t.Errorf("temporary work directories left: %v", entries)
		}
	}
}
