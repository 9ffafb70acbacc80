package main

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKillTrials kills runs with SIGKILL at random points, 3 times in CI
// and 24 with TUNEPREP_LONG=1: a plain run; or a run whose tasks are
// processes (--tasks 3 --executor processes --work DIR): one of its `step
// prepare` tasks, its parent alone, or its whole process group, as a
// scheduler or a terminal would (long mode only). After each kill the
// output is the previous output, byte for byte, or (the kill came after
// the commit) the new one, complete: nothing in between. The run that
// follows writes what an undisturbed run writes, skips the tasks that had
// finished without touching their files, and leaves no temporaries behind.
//
// The delays are drawn from a seeded RNG (TUNEPREP_TEST_SEED repeats them,
// though not the timing of the run they hit) over 1.1 times an undisturbed
// run's duration, so that kills land while the program starts, in ingest,
// in the stages and while writing; one in five waits for the commit.
func TestKillTrials(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a large input and runs the binary many times")
	}
	if runtime.GOOS != "linux" {
		t.Skip("finds a run's task processes in /proc")
	}
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0x4b111))
	trials := 3
	if longMode() {
		trials = 24
	}
	t.Setenv("TUNEPREP_TEST_MAIN", "1") // child processes are this binary, run as tuneprep

	in := writeMixedInput(t, 12000) // about 1.3 s a run, half of it starting up
	parent := t.TempDir()
	out := filepath.Join(parent, "out")

	// The previous output: a smaller input's, so that it differs from the
	// new one; kept aside and put back before each trial.
	runOK(t, "--in", writeMixedInput(t, 300), "--out", out)
	saved := filepath.Join(t.TempDir(), "previous")
	if err := os.CopyFS(saved, os.DirFS(out)); err != nil {
		t.Fatal(err)
	}
	restore := func() map[string]string {
		t.Helper()
		if err := os.RemoveAll(out); err != nil {
			t.Fatal(err)
		}
		if err := os.CopyFS(out, os.DirFS(saved)); err != nil {
			t.Fatal(err)
		}
		return outputTexts(out, "")
	}

	// Undisturbed runs, plain and in task processes: what every trial must
	// end with, and how long a run takes.
	span := map[string]time.Duration{}
	var want map[string]string
	for _, kind := range []string{"plain", "tasks"} {
		restore()
		run := startKillable(t, in, out, kind, filepath.Join(t.TempDir(), "work"))
		if err := run.end(t); err != nil {
			t.Fatalf("undisturbed %s run: %v\n%s", kind, err, run.log())
		}
		span[kind] = time.Since(run.started)
		got := snapshot(t, out)
		if want == nil {
			want = got
		} else {
			sameSnapshot(t, "undisturbed tasks run", got, want)
		}
	}
	t.Logf("undisturbed runs: plain %v, 3 task processes %v", span["plain"].Round(time.Millisecond), span["tasks"].Round(time.Millisecond))

	kinds := []string{"plain", "tasks-child", "tasks-parent", "tasks-group"}
	for i := range trials {
		kind := kinds[i%len(kinds)]
		prev := restore()
		work := filepath.Join(t.TempDir(), "work")
		base, _, _ := strings.Cut(kind, "-")
		run := startKillable(t, in, out, base, work)
		what := run.kill(t, rng, kind, span)
		// The next run starts as soon as the killed one is reaped: its
		// tasks die with it (a task left running would race the next run
		// on the work directory's files). end, after the next run, checks
		// that none was left.
		run.cmd.Wait()

		// Nothing in between: the previous output or the new one.
		now := outputTexts(out, "")
		state := "previous output"
		if !maps.Equal(now, prev) {
			state = "new output"
			sameSnapshot(t, fmt.Sprintf("trial %d (%s, %s): the output is neither the previous nor the new one:", i, kind, what), snapshot(t, out), want)
		}
		done := doneTasks(work)
		t.Logf("trial %d: %s; %s left the %s, %d of 3 tasks done", i, kind, what, state, len(done))

		args := []string{"run", "--quiet", "--in", in, "--out", out}
		if kind != "plain" {
			args = append(args, "--tasks", "3", "--executor", "processes", "--work", work)
		}
		code, _, stderr := cli(t, args...)
		if code != 0 {
			t.Fatalf("trial %d (%s, %s): the next run: exit %d\n%s", i, kind, what, code, stderr)
		}
		sameSnapshot(t, fmt.Sprintf("trial %d (%s, %s): the next run:", i, kind, what), snapshot(t, out), want)
		for task, before := range done {
			if after, err := os.Stat(taskFile(work, task, ".bin")); err != nil || !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
				t.Errorf("trial %d (%s, %s): the next run did not skip finished task %d: it replaced its records", i, kind, what, task)
			}
		}
		if orphans := processGroup(run.cmd.Process.Pid); len(orphans) > 0 {
			t.Errorf("trial %d (%s, %s): processes of the killed run outlived it: %v", i, kind, what, orphans)
		}
		run.end(t)
		left, _ := filepath.Glob(filepath.Join(parent, ".out.tmp-*"))
		work1, _ := filepath.Glob(filepath.Join(parent, ".tuneprep-work-*"))
		tmps, _ := filepath.Glob(filepath.Join(work, "*.tmp"))
		if left = append(append(left, work1...), tmps...); len(left) > 0 {
			t.Errorf("trial %d (%s, %s): temporaries left after the next run: %v", i, kind, what, left)
		}
		if t.Failed() {
			t.Fatalf("repeat with TUNEPREP_TEST_SEED=%d", seed)
		}
	}
}

// killedRun is a tuneprep run started as a process of its own group, so
// that the tasks it starts can be found and waited for.
type killedRun struct {
	cmd     *exec.Cmd
	started time.Time
	logPath string
	out     string
	ended   bool // reaped by end
}

// startKillable starts `tuneprep run` into out: plain, or with 3 task
// processes sharing work.
func startKillable(t *testing.T, in, out, kind, work string) *killedRun {
	t.Helper()
	args := []string{"run", "--quiet", "--in", in, "--out", out}
	if kind == "tasks" {
		args = append(args, "--tasks", "3", "--executor", "processes", "--work", work)
	}
	logPath := filepath.Join(t.TempDir(), "stderr")
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command(os.Args[0], args...)
	// Files, not pipes: tasks that outlive a killed parent would hold a
	// pipe open and keep Wait waiting.
	cmd.Stderr = log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	r := &killedRun{cmd: cmd, started: time.Now(), logPath: logPath, out: out}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// What a failed test left running. Only before end: until the run is
	// reaped its pid, and so its group's, cannot be another's.
	t.Cleanup(func() {
		if !r.ended {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
	})
	return r
}

func (r *killedRun) log() string { b, _ := os.ReadFile(r.logPath); return string(b) }

// kill sends SIGKILL after a random delay: to the run (plain,
// tasks-parent), to its process group (tasks-group) or to one of its task
// processes (tasks-child; the parent when none is left by then). One kill
// of the run in five comes the moment the output has been swapped in,
// which a delay seldom hits: the run is then removing the previous output.
// It returns what it did, for the log.
func (r *killedRun) kill(t *testing.T, rng *rand.Rand, kind string, span map[string]time.Duration) string {
	t.Helper()
	pid := r.cmd.Process.Pid
	base, _, _ := strings.Cut(kind, "-")
	delay := time.Duration(rng.Float64() * 1.1 * float64(span[base]))
	atCommit := kind != "tasks-child" && rng.IntN(5) == 0
	if kind == "tasks-child" {
		// From the moment the tasks exist, within the prepare step.
		for deadline := time.Now().Add(30 * time.Second); len(r.tasks()) == 0 && time.Now().Before(deadline); {
			time.Sleep(2 * time.Millisecond)
		}
		delay = time.Duration(rng.Float64() * 0.6 * float64(span[base]-time.Since(r.started)))
	}
	pick := rng.Uint64()
	if atCommit {
		r.waitCommit(t)
	} else {
		time.Sleep(delay)
	}
	at := time.Since(r.started)
	temp, _ := filepath.Glob(filepath.Join(filepath.Dir(r.out), fmt.Sprintf(".out.tmp-%d-*", pid)))
	target := "run"
	if kind == "tasks-group" {
		pid, target = -pid, "run and its tasks"
	} else if kind == "tasks-child" {
		if tasks := r.tasks(); len(tasks) > 0 {
			pid = tasks[pick%uint64(len(tasks))]
			target = "task process"
		} else {
			target = "run (no task process left)"
		}
	}
	syscall.Kill(pid, syscall.SIGKILL)
	if atCommit {
		target += " once the output was swapped in"
	}
	return fmt.Sprintf("SIGKILL to the %s at %v of %v (temporary output: %t)", target, at.Round(time.Millisecond), span[base].Round(time.Millisecond), len(temp) > 0)
}

// waitCommit waits until the output directory is another one (the run has
// swapped its own in) or the run has ended.
func (r *killedRun) waitCommit(t *testing.T) {
	t.Helper()
	before, err := os.Stat(r.out)
	if err != nil {
		t.Fatal(err)
	}
	pid := r.cmd.Process.Pid
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if now, err := os.Stat(r.out); err == nil && !os.SameFile(before, now) || !running(pid) {
			return
		}
	}
	t.Fatal("the run neither committed nor ended in 2 minutes")
}

// tasks returns the pids of the run's `step prepare` processes.
func (r *killedRun) tasks() []int {
	var pids []int
	for _, p := range processGroup(r.cmd.Process.Pid) {
		if p != r.cmd.Process.Pid {
			if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p)); bytes.Contains(b, []byte("step\x00prepare\x00")) {
				pids = append(pids, p)
			}
		}
	}
	return pids
}

// end waits for the run, then until every process of its group has ended
// (the tasks of a killed parent finish their work); it kills what is left
// after 2 minutes. It returns the run's error.
func (r *killedRun) end(t *testing.T) error {
	t.Helper()
	var err error
	if r.cmd.ProcessState == nil {
		err = r.cmd.Wait()
	} else if !r.cmd.ProcessState.Success() {
		err = errors.New(r.cmd.ProcessState.String())
	}
	r.ended = true
	pgid := r.cmd.Process.Pid
	for deadline := time.Now().Add(2 * time.Minute); len(processGroup(pgid)) > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			syscall.Kill(-pgid, syscall.SIGKILL)
			t.Fatalf("the processes of run %d did not end in 2 minutes", pgid)
		}
	}
	return err
}

// processGroup lists the running processes (not zombies) of a process group.
func processGroup(pgid int) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && procStat(pid, 2) == strconv.Itoa(pgid) && running(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// running reports whether pid is a process that has not ended (not a zombie).
func running(pid int) bool { s := procStat(pid, 0); return s != "" && s != "Z" }

// procStat returns field i of /proc/pid/stat after the command name: 0 is
// the state, 2 the process group; "" when there is no such process.
func procStat(pid, i int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// pid (comm) state ppid pgrp ...; comm may hold spaces and parens
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if i >= len(f) {
		return ""
	}
	return f[i]
}

// doneTasks returns, by task, the files of the prepare tasks with a
// manifest in work: a rerun that skips a task leaves them as they are.
func doneTasks(work string) map[int]os.FileInfo {
	done := map[int]os.FileInfo{}
	for task := range 3 {
		if _, err := os.Stat(taskFile(work, task, ".json")); err != nil {
			continue
		}
		if st, err := os.Stat(taskFile(work, task, ".bin")); err == nil {
			done[task] = st
		}
	}
	return done
}

// taskFile names a file of prepare task i of 3 (see pipeline.ShardOptions).
func taskFile(work string, i int, ext string) string {
	return filepath.Join(work, fmt.Sprintf("prepare-%05d-of-00003%s", i, ext))
}

// sameSnapshot fails the test when two snapshots differ, naming the files.
func sameSnapshot(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	var diff []string
	for name, content := range want {
		if g, ok := got[name]; !ok {
			diff = append(diff, name+" missing")
		} else if g != content {
			diff = append(diff, name+" differs")
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			diff = append(diff, name+" extra")
		}
	}
	if len(diff) > 0 {
		t.Errorf("%s %s", what, strings.Join(diff, ", "))
	}
}
