//go:build linux

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

	"github.com/tuneprep/tuneprep/schemas"
)

// Faults while reading the input, with the real binary: a file or the
// whole input directory removed while the run reads it, and a folder or a
// file the run's user cannot read. (stages/ingest tests every change of a
// file between the walk and the read, and while it is read, through hooks.)

// readFaultInput writes an input whose first file, big.jsonl, takes a while
// to read, followed by more files in a folder and at the top.
func readFaultInput(t *testing.T, dir string) {
	t.Helper()
	var b bytes.Buffer
	words := variedWords(3)
	for i := 0; b.Len() < 6<<20; i++ {
		fmt.Fprintf(&b, `{"prompt":"Big %d: %s?","completion":" %s."}`+"\n", i, words(150), words(150)) // long records: few of them
	}
	hostileWrite(t, filepath.Join(dir, "a-big.jsonl"), b.Bytes())
	goodRecords(t, filepath.Join(dir, "b", "more.jsonl"), "more", 10)
	goodRecords(t, filepath.Join(dir, "c-last.jsonl"), "last", 10)
}

// stopWhileReading starts a run, stops it (SIGSTOP) while it has
// a-big.jsonl open, calls change, lets it go on and returns how it ended.
func stopWhileReading(t *testing.T, in, out string, change func()) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "run", "--quiet", "--in", in, "--out", out, "--workers", "2")
	cmd.Env = append(os.Environ(), "TUNEPREP_TEST_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	big := filepath.Join(in, "a-big.jsonl")
	reading := func() bool {
		fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", cmd.Process.Pid))
		for _, fd := range fds {
			if target, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", cmd.Process.Pid, fd.Name())); target == big {
				return true
			}
		}
		return false
	}
	// No timing decides the outcome: the run is frozen with the file open,
	// so the files after it are not open yet (ingest reads one at a time).
	deadline := time.Now().Add(60 * time.Second)
	for {
		if reading() {
			cmd.Process.Signal(syscall.SIGSTOP)
			if reading() {
				break
			}
			cmd.Process.Signal(syscall.SIGCONT)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run never had %s open while it could be stopped", big)
		}
		time.Sleep(time.Millisecond)
	}
	change()
	cmd.Process.Signal(syscall.SIGCONT)
	cmd.Wait()
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// TestReadFaultInputGone: the input directory removed while the run reads
// it fails the run (exit 1) with an error that says so, and the previous
// output stays as it was; a file removed after the walk is a reject and
// the run goes on.
func TestReadFaultInputGone(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a 6 MB input twice")
	}
	in := filepath.Join(t.TempDir(), "in")
	readFaultInput(t, in)
	out := filepath.Join(t.TempDir(), "out")

	code, stderr := stopWhileReading(t, in, out, func() { os.Remove(filepath.Join(in, "c-last.jsonl")) })
	if code != exitOK {
		t.Fatalf("a file removed: exit %d\n%s", code, stderr)
	}
	rejects := readLines[schemas.RejectedRecord](t, filepath.Join(out, "rejects.jsonl"))
	if len(rejects) != 1 || rejects[0].Source.Path != "c-last.jsonl" || rejects[0].Reason != "unreadable" || !strings.Contains(rejects[0].Detail, "no such file") {
		t.Errorf("rejects %+v", rejects)
	}
	before := snapshot(t, out)

	goodRecords(t, filepath.Join(in, "c-last.jsonl"), "last", 10)
	code, stderr = stopWhileReading(t, in, out, func() { os.RemoveAll(in) })
	if code != exitFailed || !strings.Contains(stderr, "is gone") || !strings.Contains(stderr, in) {
		t.Fatalf("the input removed: exit %d, want %d with an error saying that %s is gone\n%s", code, exitFailed, in, stderr)
	}
	sameSnapshot(t, "the previous output changed:", snapshot(t, out), before)
}

// TestReadFaultUnreadable: a folder and a file the run's user may not read
// are skipped (the folder, counted and logged) and rejected (the file,
// unreadable), and the run goes on with the rest. Root reads everything, so
// the run is made as nobody; the test is skipped when it cannot be.
func TestReadFaultUnreadable(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run tuneprep as nobody (root would read the unreadable files)")
	}
	dir := faultPublicDir(t)
	if err := os.Chmod(dir, 0o777); err != nil { // nobody writes its output here
		t.Fatal(err)
	}
	bin := copyTestBinary(t, dir)
	in := filepath.Join(dir, "in")
	goodRecords(t, filepath.Join(in, "good.jsonl"), "good", 30)
	goodRecords(t, filepath.Join(in, "locked", "hidden.jsonl"), "locked", 5)
	goodRecords(t, filepath.Join(in, "secret.jsonl"), "secret", 5)
	for p, mode := range map[string]os.FileMode{"": 0o755, "good.jsonl": 0o644, "locked": 0o000, "secret.jsonl": 0o000} {
		if err := os.Chmod(filepath.Join(in, p), mode); err != nil {
			t.Fatal(err)
		}
	}
	defer os.Chmod(filepath.Join(in, "locked"), 0o755) // so that the temporary directory can be removed
	out := filepath.Join(dir, "out")
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}
	r := runTuneprep(t, bin, nobody, []string{"HOME=" + dir}, "run", "--quiet", "--in", in, "--out", out)
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "unreadable entry skipped") || !strings.Contains(r.stderr, "path=locked") {
		t.Errorf("no warning names the unreadable folder:\n%s", r.stderr)
	}
	rejects := readLines[schemas.RejectedRecord](t, filepath.Join(out, "rejects.jsonl"))
	if len(rejects) != 1 || rejects[0].Source.Path != "secret.jsonl" || rejects[0].Reason != "unreadable" || !strings.Contains(rejects[0].Detail, "permission denied") {
		t.Errorf("rejects %+v", rejects)
	}
	m := checkBalance(t, out)
	if m.Totals.Emitted < 25 {
		t.Errorf("totals %+v", m.Totals)
	}
	b, _ := os.ReadFile(filepath.Join(out, "reports", "01-ingest.json"))
	if !bytes.Contains(b, []byte(`"unreadable": 1`)) {
		t.Errorf("the ingest report does not count the unreadable folder:\n%s", b)
	}
}
