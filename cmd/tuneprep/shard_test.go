package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
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
// goroutines and as processes, writes what a plain run writes, with the
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

// TestKilledTaskRerun: a prepare task killed midway leaves no finished
// task behind; the run that follows skips the tasks that did finish,
// reruns the killed one, and writes what a plain run writes.
func TestKilledTaskRerun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a large input")
	}
	in := writeMixedInput(t, 60000)
	out := filepath.Join(t.TempDir(), "out")
	work := filepath.Join(t.TempDir(), "work")
	runOK(t, "--in", in, "--out", out)
	want := snapshot(t, out)

	// Task 0 finishes; task 1 is killed once it has started writing.
	code, _, stderr := cli(t, "step", "prepare", "--quiet", "--in", in, "--tasks", "2", "--task", "0", "--work", work)
	if code != 0 {
		t.Fatalf("step prepare --task 0: exit %d\n%s", code, stderr)
	}
	cmd := exec.Command(os.Args[0], "step", "prepare", "--quiet", "--in", in, "--tasks", "2", "--task", "1", "--work", work)
	cmd.Env = append(os.Environ(), "TUNEPREP_TEST_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	partial := filepath.Join(work, "prepare-00001-of-00002.bin.tmp")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if st, err := os.Stat(partial); err == nil && st.Size() > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("task 1 wrote nothing in 30 s")
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(work, "prepare-00001-of-00002.json")); err == nil {
		t.Fatal("the killed task left a finished task's manifest")
	}
	finished, err := os.ReadFile(filepath.Join(work, "prepare-00000-of-00002.bin"))
	if err != nil {
		t.Fatal(err)
	}

	code, _, stderr = cli(t, "run", "--in", in, "--out", out, "--tasks", "2", "--work", work)
	if code != 0 {
		t.Fatalf("rerun: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "task already done") {
		t.Errorf("the rerun did not say it skipped task 0:\n%s", stderr)
	}
	if again, _ := os.ReadFile(filepath.Join(work, "prepare-00000-of-00002.bin")); !bytes.Equal(again, finished) {
		t.Error("the rerun rewrote the finished task")
	}
	got := snapshot(t, out)
	for name, content := range want {
		if got[name] != content {
			t.Errorf("%s differs from a plain run's", name)
		}
	}
}

// TestSlurmScriptsAsShell runs the scripts of `plan slurm` as Slurm would,
// without Slurm: each array task with its SLURM_ARRAY_TASK_ID, then the
// merge. The output is a plain run's. (TestSlurmPlan submits them to a real
// cluster.)
func TestSlurmScriptsAsShell(t *testing.T) {
	in := shardInput(t)
	out := filepath.Join(t.TempDir(), "out")
	runOK(t, "--in", in, "--out", out)
	want := snapshot(t, out)
	planDir, work := filepath.Join(t.TempDir(), "plan"), filepath.Join(t.TempDir(), "work")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr := cli(t, "plan", "slurm", "--tasks", "3", "--in", in, "--out", out, "--work", work, "--plan-dir", planDir, "--binary", self)
	if code != 0 {
		t.Fatalf("plan slurm: exit %d\n%s", code, stderr)
	}
	script, err := os.ReadFile(filepath.Join(planDir, "prepare.sbatch"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "#SBATCH --array=0-2\n") {
		t.Fatalf("prepare.sbatch is not a 3-task array:\n%s", script)
	}
	if submit, _ := os.ReadFile(filepath.Join(planDir, "submit.sh")); !strings.Contains(string(submit), "--dependency=afterok:") ||
		!strings.Contains(string(submit), "--kill-on-invalid-dep=yes") {
		t.Fatalf("submit.sh does not make the merge wait for the prepare tasks, or wait forever when one fails:\n%s", submit)
	}
	run := func(name string, env ...string) {
		cmd := exec.Command("bash", filepath.Join(planDir, name))
		cmd.Env = append(append(os.Environ(), "TUNEPREP_TEST_MAIN=1"), env...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, env, err, b)
		}
	}
	for i := range 3 {
		run("prepare.sbatch", fmt.Sprintf("SLURM_ARRAY_TASK_ID=%d", i))
	}
	run("merge.sbatch")
	got := snapshot(t, out)
	if len(got) != len(want) {
		t.Fatalf("%d files, want %d", len(got), len(want))
	}
	for name, content := range want {
		if got[name] != content {
			t.Errorf("%s differs from a plain run's", name)
		}
	}
}

// TestMergeRefusesOtherTasks: the merge names a task that has not finished,
// and refuses one made with another configuration.
func TestMergeRefusesOtherTasks(t *testing.T) {
	in := shardInput(t)
	work := filepath.Join(t.TempDir(), "work")
	out := filepath.Join(t.TempDir(), "out")
	if code, _, stderr := cli(t, "step", "prepare", "--quiet", "--in", in, "--tasks", "2", "--task", "0", "--work", work); code != 0 {
		t.Fatalf("step prepare: exit %d\n%s", code, stderr)
	}
	code, _, stderr := cli(t, "step", "merge", "--quiet", "--in", in, "--tasks", "2", "--work", work, "--out", out)
	if code != 1 || !strings.Contains(stderr, "task 1 of 2 has not finished") {
		t.Errorf("merge with a task missing: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := cli(t, "step", "prepare", "--quiet", "--in", in, "--tasks", "2", "--task", "1", "--work", work); code != 0 {
		t.Fatalf("step prepare: exit %d\n%s", code, stderr)
	}
	code, _, stderr = cli(t, "step", "merge", "--quiet", "--in", in, "--tasks", "2", "--work", work, "--out", out, "--formats", "alpaca")
	if code != 1 || !strings.Contains(stderr, "ran with other inputs, configuration or program") {
		t.Errorf("merge with another config: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused merge wrote an output")
	}
	if code, _, stderr := cli(t, "step", "merge", "--quiet", "--in", in, "--tasks", "2", "--work", work, "--out", out); code != 0 {
		t.Fatalf("step merge: exit %d\n%s", code, stderr)
	}
}

// TestIncrementalRun: a run over A, then an incremental run with B added,
// writes what a full run over A+B writes, reading only B; a file of A
// changed or deleted afterwards gives a full run's output over what is left.
func TestIncrementalRun(t *testing.T) {
	in := shardInput(t) // A: a CSV, a JSONL and zz-extra.jsonl
	state := filepath.Join(t.TempDir(), "state")
	out := filepath.Join(t.TempDir(), "out")
	full := func() map[string]string {
		runOK(t, "--in", in, "--out", out)
		return snapshot(t, out)
	}
	incremental := func(wantReused, wantRead int) map[string]string {
		t.Helper()
		code, _, stderr := cli(t, "run", "--in", in, "--out", out, "--state", state)
		if code != 0 {
			t.Fatalf("incremental run: exit %d\n%s", code, stderr)
		}
		if want := fmt.Sprintf("files_reused=%d files_read=%d", wantReused, wantRead); !strings.Contains(stderr, want) {
			t.Fatalf("want %s in the log:\n%s", want, stderr)
		}
		return snapshot(t, out)
	}
	same := func(what string, got, want map[string]string) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d files, want %d", what, len(got), len(want))
		}
		for name, content := range want {
			if got[name] != content {
				t.Errorf("%s: %s differs from a full run's", what, name)
			}
		}
	}
	incremental(0, 3)
	// B: a new file, with a duplicate of a record of A and new records.
	b := `{"instruction":"Where is my parcel for order 5?","response":"It left the depot this morning and arrives tomorrow."}
{"instruction":"Can I change the address of order 9001?","response":"Yes, until it ships: open the order and choose Change address."}
`
	if err := os.WriteFile(filepath.Join(in, "b-new.jsonl"), []byte(b), 0o644); err != nil {
		t.Fatal(err)
	}
	got := incremental(3, 1)
	same("A then B", got, full())

	if err := os.WriteFile(filepath.Join(in, "zz-extra.jsonl"), []byte(`{"instruction":"A changed file now holds one question about order 12?","response":"And one answer."}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got = incremental(3, 1)
	same("a changed file", got, full())

	if err := os.Remove(filepath.Join(in, "b-new.jsonl")); err != nil {
		t.Fatal(err)
	}
	got = incremental(3, 0)
	same("a deleted file", got, full())
	if segs, _ := filepath.Glob(filepath.Join(state, "seg-*.bin")); len(segs) > 2 {
		t.Errorf("segments no file uses are kept: %v", segs)
	}
}

// TestPlanFlags: plan slurm asks for the CPUs it is told and uses them as
// workers; it refuses a plan directory sbatch cannot name logs in; plan k8s
// takes a volume mounted at / and needs to be told where tuneprep is.
func TestPlanFlags(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := cli(t, "plan", "slurm", "--tasks", "2", "--in", dir, "--out", dir+"/out", "--work", dir+"/work", "--plan-dir", dir+"/plan", "--cpus-per-task", "4")
	if code != 0 {
		t.Fatalf("plan slurm: exit %d\n%s", code, stderr)
	}
	script, _ := os.ReadFile(filepath.Join(dir, "plan", "prepare.sbatch"))
	if !strings.Contains(string(script), "#SBATCH --cpus-per-task=4\n") || !strings.Contains(string(script), "'--workers' '4'") {
		t.Errorf("prepare.sbatch does not ask for 4 CPUs and use 4 workers:\n%s", script)
	}
	if code, _, _ := cli(t, "plan", "slurm", "--tasks", "2", "--in", dir, "--out", dir+"/out", "--work", dir+"/work", "--plan-dir", dir+"/my plan"); code != 2 {
		t.Errorf("plan slurm with a space in --plan-dir: exit %d, want 2", code)
	}
	k8s := []string{"plan", "k8s", "--tasks", "2", "--in", "/in", "--out", "/out", "--work", "/work", "--plan-dir", dir + "/k8s", "--image", "img:1", "--volume-claim", "data", "--mount", "/"}
	if code, _, stderr := cli(t, k8s...); code != 2 || !strings.Contains(stderr, "--binary is required") {
		t.Errorf("plan k8s without --binary: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := cli(t, append(k8s, "--binary", "/usr/local/bin/tuneprep")...); code != 0 {
		t.Errorf("plan k8s with the volume at /: exit %d\n%s", code, stderr)
	}
}
