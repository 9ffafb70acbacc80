package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestSlurmPlan runs the scripts of `tuneprep plan slurm --tasks 3` on a
// real Slurm cluster (in CI: a one-node one, .ci/slurm.sh start) and checks
// that the output is byte-identical to a plain run's.
func TestSlurmPlan(t *testing.T) {
	if os.Getenv("TUNEPREP_SLURM") != "1" {
		t.Skip("needs a Slurm cluster: start one with .ci/slurm.sh start, then set TUNEPREP_SLURM=1")
	}
	for _, tool := range []string{"sbatch", "squeue", "scontrol", "scancel"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("TUNEPREP_SLURM=1 but %v", err)
		}
	}
	start := time.Now()
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin", "tuneprep")
	build := exec.Command("go", "build", "-o", bin, ".") // the test runs in cmd/tuneprep
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built %s in %.1fs", bin, time.Since(start).Seconds())
	in := shardInput(t)
	out := filepath.Join(tmp, "out") // one path for both runs: run.json names it
	work := filepath.Join(tmp, "work")
	plan := filepath.Join(tmp, "plan")

	runOK(t, "--in", in, "--out", out)
	checkBalance(t, out)
	want := snapshot(t, out)
	if err := os.RemoveAll(out); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := cli(t, "plan", "slurm", "--tasks", "3", "--in", in, "--out", out, "--work", work,
		"--plan-dir", plan, "--binary", bin, "--workers", "1", "--name", "tuneprep-test")
	if code != 0 {
		t.Fatalf("plan slurm: exit %d\n%s", code, stderr)
	}
	for _, name := range []string{"prepare.sbatch", "merge.sbatch", "submit.sh"} {
		if !strings.Contains(stdout, filepath.Join(plan, name)) {
			t.Errorf("plan slurm does not list %s:\n%s", name, stdout)
		}
	}
	logs := func() {
		t.Helper()
		paths, _ := filepath.Glob(filepath.Join(plan, "logs", "*"))
		for _, p := range paths {
			b, _ := os.ReadFile(p)
			t.Logf("--- %s\n%s", p, b)
		}
	}

	submit := exec.Command(filepath.Join(plan, "submit.sh"))
	submit.Dir = tmp // submit.sh goes to the plan directory itself
	var serr bytes.Buffer
	submit.Stderr = &serr
	idb, err := submit.Output()
	if err != nil {
		t.Fatalf("submit.sh: %v\n%s", err, serr.String())
	}
	merge := strings.TrimSpace(string(idb))
	if !regexp.MustCompile(`^[0-9]+$`).MatchString(merge) {
		t.Fatalf("submit.sh printed %q, want the merge's job ID", idb)
	}
	submitted := time.Now()
	t.Logf("merge job %s", merge)

	// Wait for the merge. scontrol knows a finished job for MinJobAge (five
	// minutes in .ci/slurm.sh's slurm.conf); once it has forgotten it, the
	// job is no longer in squeue either.
	state := regexp.MustCompile(`\bJobState=(\S+)`)
	reason := regexp.MustCompile(`\bReason=(\S+)`)
	dependency := regexp.MustCompile(`\bDependency=afterok:([0-9]+)`)
	cancel := func(show string) {
		ids := []string{merge}
		if m := dependency.FindStringSubmatch(show); m != nil {
			ids = append(ids, m[1])
		}
		exec.Command("scancel", ids...).Run()
	}
	deadline := time.Now().Add(5 * time.Minute)
	var show string
	for {
		b, err := exec.Command("scontrol", "show", "job", "-o", merge).CombinedOutput()
		show = string(b)
		if err != nil {
			if q, _ := exec.Command("squeue", "-h", "-j", merge).Output(); len(bytes.TrimSpace(q)) == 0 {
				show = "" // finished and forgotten
				break
			}
		}
		s := state.FindStringSubmatch(show)
		if s != nil && s[1] == "COMPLETED" {
			break
		}
		if s != nil && s[1] != "PENDING" && s[1] != "RUNNING" && s[1] != "CONFIGURING" && s[1] != "COMPLETING" {
			logs()
			t.Fatalf("merge job %s ended %s:\n%s", merge, s[1], show)
		}
		if r := reason.FindStringSubmatch(show); r != nil && r[1] == "DependencyNeverSatisfied" {
			cancel(show)
			logs()
			t.Fatalf("a prepare task failed: the merge (job %s) will never run:\n%s", merge, show)
		}
		if time.Now().After(deadline) {
			cancel(show)
			logs()
			t.Fatalf("merge job %s has not finished after 5 minutes:\n%s", merge, show)
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("the jobs took %.1fs", time.Since(submitted).Seconds())
	if _, err := os.Stat(filepath.Join(out, "run.json")); err != nil {
		logs()
		t.Fatalf("the merge wrote no run.json: %v\n%s", err, show)
	}
	for _, name := range []string{"prepare-0.log", "prepare-1.log", "prepare-2.log", "merge.log"} {
		if _, err := os.Stat(filepath.Join(plan, "logs", name)); err != nil {
			t.Errorf("no log %s: %v", name, err)
		}
	}
	got := snapshot(t, out)
	if len(got) != len(want) {
		t.Errorf("the Slurm run wrote %d files, a plain run %d", len(got), len(want))
	}
	for name, content := range want {
		if got[name] != content {
			t.Errorf("%s differs from a plain run's", name)
		}
	}
	if t.Failed() {
		logs()
	}
}
