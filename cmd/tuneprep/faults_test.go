//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Faults while writing the output: each test makes a run of the real
// binary fail (disk full, permission denied, read-only parent, rename
// failing) after a good run into the same --out, and checks that it exits 1
// naming the file and the OS reason, leaves the previous output byte for
// byte and nothing beside it, and that a rerun writes what an undisturbed
// run writes.

// faultFsizeEnv sets RLIMIT_FSIZE (bytes) in a child of these tests: it
// limits itself, since exec.Cmd cannot set a limit on the process it starts.
const faultFsizeEnv = "TUNEPREP_TEST_FSIZE"

func init() {
	v := os.Getenv(faultFsizeEnv)
	if v == "" {
		return
	}
	n, err := strconv.ParseUint(v, 10, 64)
	var lim unix.Rlimit
	if err == nil {
		err = unix.Getrlimit(unix.RLIMIT_FSIZE, &lim)
	}
	if err == nil {
		lim.Cur = n
		err = unix.Setrlimit(unix.RLIMIT_FSIZE, &lim)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s=%s: %v\n", faultFsizeEnv, v, err)
		os.Exit(99)
	}
}

// faultRunner runs tuneprep in a child process: this test binary,
// re-executed as tuneprep, as this user or another one.
type faultRunner struct {
	bin  string              // the binary
	dir  string              // its working directory ("": ours)
	cred *syscall.Credential // nil: this process's user
	args []string            // of every run, in-process ones too: --in, --config...
}

func samplesRunner() faultRunner {
	return faultRunner{bin: os.Args[0], args: []string{"--in", "../../samples/data", "--config", "../../samples/tuneprep.yaml"}}
}

// otherUserRunner returns a runner whose child runs as nobody (uid 65534),
// with a copy of the binary and the samples that nobody can read, or false
// when this process is not root: DAC permissions do not apply to root, so
// its tests fault by chmod then.
func otherUserRunner(t *testing.T) (faultRunner, bool) {
	t.Helper()
	if os.Geteuid() != 0 {
		return faultRunner{}, false
	}
	dir := faultPublicDir(t)
	bin := copyTestBinary(t, dir)
	err := os.CopyFS(filepath.Join(dir, "data"), os.DirFS("../../samples/data"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "tuneprep.yaml")
	b, err := os.ReadFile("../../samples/tuneprep.yaml")
	if err == nil {
		err = os.WriteFile(cfg, b, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	return faultRunner{
		bin: bin, dir: dir,
		cred: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}},
		args: []string{"--in", filepath.Join(dir, "data"), "--config", cfg},
	}, true
}

// copyTestBinary copies this test binary into dir, where another user may
// run it, and returns its path.
func copyTestBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "tuneprep")
	b, err := os.ReadFile(os.Args[0])
	if err == nil {
		err = os.WriteFile(bin, b, 0o755)
	}
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// faultPublicDir returns a new temporary directory that every user may
// enter and read; t.TempDir makes them 0700. It skips the test when an
// ancestor keeps other users out.
func faultPublicDir(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	for _, p := range []string{filepath.Dir(d), d} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for p := filepath.Dir(filepath.Dir(d)); ; p = filepath.Dir(p) {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm()&0o001 == 0 {
			t.Skipf("other users cannot enter %s, so a child running as nobody cannot reach the test's files", p)
		}
		if p == filepath.Dir(p) {
			return d
		}
	}
}

// faultResult is how a child run ended.
type faultResult struct {
	code     int
	signaled bool
	stderr   string
}

// run runs `tuneprep run --quiet --out out` with the runner's arguments
// and env (NAME=value) added to ours.
func (r faultRunner) run(t *testing.T, out string, env ...string) faultResult {
	t.Helper()
	cmd := exec.Command(r.bin, append([]string{"run", "--quiet", "--out", out}, r.args...)...)
	cmd.Env = append(append(os.Environ(), "TUNEPREP_TEST_MAIN=1"), env...)
	cmd.Dir = r.dir
	if r.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: r.cred}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if cmd.ProcessState == nil { // it did not start
		if r.cred != nil {
			t.Skipf("cannot run a process as uid %d here: %v", r.cred.Uid, err)
		}
		t.Fatal(err)
	}
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	return faultResult{code: cmd.ProcessState.ExitCode(), signaled: ws.Signaled(), stderr: stderr.String()}
}

// faultOutput is an output directory with a previous output in it.
type faultOutput struct {
	parent, out string
	want        map[string]string // an undisturbed run, as snapshot has it
	before      map[string][]byte // the previous output, byte for byte
}

// goodRun runs tuneprep (in this process) into parent/out and records what
// it wrote: the previous output of the run that is made to fail.
func goodRun(t *testing.T, r faultRunner, parent string) *faultOutput {
	t.Helper()
	o := &faultOutput{parent: parent, out: filepath.Join(parent, "out")}
	runOK(t, append([]string{"--out", o.out}, r.args...)...)
	o.want = snapshot(t, o.out)
	o.before = readFiles(t, o.out)
	return o
}

// larger returns the paths of the previous output's files over n bytes:
// those a file size limit of n bytes faults.
func (o *faultOutput) larger(t *testing.T, n int) []string {
	t.Helper()
	var names []string
	for name, b := range o.before {
		if len(b) > n {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		t.Fatalf("no output file over %d bytes: a limit of %[1]d faults nothing", n)
	}
	return names
}

// checkFailed checks that the run failed as a fault must make it fail:
// exit 1, not killed by a signal, stderr giving reason and naming one of
// names (the file or directory that failed).
func checkFailed(t *testing.T, res faultResult, reason error, names ...string) {
	t.Helper()
	t.Logf("stderr: %s", res.stderr)
	if res.code != exitFailed || res.signaled {
		t.Fatalf("exit %d (signaled: %v), want 1; stderr:\n%s", res.code, res.signaled, res.stderr)
	}
	if !strings.Contains(res.stderr, reason.Error()) {
		t.Errorf("stderr does not say %q:\n%s", reason, res.stderr)
	}
	for _, name := range names {
		if strings.Contains(res.stderr, name) {
			return
		}
	}
	t.Errorf("stderr names none of %q:\n%s", names, res.stderr)
}

// checkIntact checks that the previous output is there byte for byte and
// that nothing else is beside it (no temporary directory, no lock).
func (o *faultOutput) checkIntact(t *testing.T) {
	t.Helper()
	after := readFiles(t, o.out)
	for name, b := range o.before {
		if got, ok := after[name]; !ok {
			t.Errorf("the previous output lost %s", name)
		} else if !bytes.Equal(got, b) {
			t.Errorf("the previous output's %s changed", name)
		}
	}
	for name := range after {
		if _, ok := o.before[name]; !ok {
			t.Errorf("the previous output gained %s", name)
		}
	}
	o.checkAlone(t, "out")
}

// checkAlone checks that the output's parent holds only names.
func (o *faultOutput) checkAlone(t *testing.T, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(o.parent)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(names, " ") {
		t.Errorf("%s holds %q, want %q", o.parent, got, names)
	}
}

// checkRerun runs again, undisturbed, and checks it writes what an
// undisturbed run writes.
func (o *faultOutput) checkRerun(t *testing.T, r faultRunner) {
	t.Helper()
	runOK(t, append([]string{"--out", o.out}, r.args...)...)
	got := snapshot(t, o.out)
	for name, content := range o.want {
		if got[name] != content {
			t.Errorf("rerun: %s differs from an undisturbed run's", name)
		}
	}
	if len(got) != len(o.want) {
		t.Errorf("rerun: %d files, an undisturbed run %d", len(got), len(o.want))
	}
	o.checkAlone(t, "out")
}

// mountTmpfs mounts a tmpfs of size bytes on dir until the test ends, or
// skips the test where mounting is not allowed.
func mountTmpfs(t *testing.T, dir string, size int64) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size="+strconv.FormatInt(size, 10)); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
}

func remount(t *testing.T, dir string, flags uintptr, data string) {
	t.Helper()
	if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_REMOUNT|flags, data); err != nil {
		t.Fatalf("remount %s %s: %v", dir, data, err)
	}
}

// TestFaultDiskFull: a file that cannot grow (RLIMIT_FSIZE: EFBIG, with
// SIGXFSZ, which the Go runtime ignores; a full tmpfs: ENOSPC) fails the
// run wherever it happens: in a stage's output file, in a file written
// after the stages, in a spill file, in a first output.
func TestFaultDiskFull(t *testing.T) {
	limited := func(n int) string { return faultFsizeEnv + "=" + strconv.Itoa(n) }

	t.Run("stage file", func(t *testing.T) {
		r := samplesRunner()
		o := goodRun(t, r, t.TempDir())
		const limit = 16 << 10
		checkFailed(t, r.run(t, o.out, limited(limit)), syscall.EFBIG, o.larger(t, limit)...)
		o.checkIntact(t)
		o.checkRerun(t, r)
	})

	t.Run("after the stages", func(t *testing.T) {
		// Just under run.json, written last: only files written after
		// the stages (reports, report.html) are larger.
		r := samplesRunner()
		o := goodRun(t, r, t.TempDir())
		limit := len(o.before["run.json"]) - 1
		checkFailed(t, r.run(t, o.out, limited(limit)), syscall.EFBIG, o.larger(t, limit)...)
		o.checkIntact(t)
		o.checkRerun(t, r)
	})

	t.Run("spill file", func(t *testing.T) {
		// dedup's survivor rule "longest" holds the records; with no
		// memory for them they all go to a spill file, whose size the
		// previous run's report gives.
		r := samplesRunner()
		b, err := os.ReadFile("../../samples/tuneprep.yaml")
		if err != nil {
			t.Fatal(err)
		}
		cfg := filepath.Join(t.TempDir(), "spill.yaml")
		if err := os.WriteFile(cfg, append(b, "dedup:\n  survivor: longest\n"...), 0o644); err != nil {
			t.Fatal(err)
		}
		r.args = []string{"--in", "../../samples/data", "--config", cfg, "--hold-memory", "0"}
		o := goodRun(t, r, t.TempDir())
		spilled := faultSpilled(t, o)
		checkFailed(t, r.run(t, o.out, limited(spilled-1)), syscall.EFBIG, "/.spill/")
		o.checkIntact(t)
		o.checkRerun(t, r)
	})

	t.Run("first output", func(t *testing.T) {
		// No previous output: the failed run must not leave one half made.
		r := samplesRunner()
		o := goodRun(t, r, t.TempDir())
		if err := os.RemoveAll(o.out); err != nil {
			t.Fatal(err)
		}
		const limit = 16 << 10
		checkFailed(t, r.run(t, o.out, limited(limit)), syscall.EFBIG, o.larger(t, limit)...)
		o.checkAlone(t)
		o.checkRerun(t, r)
	})

	t.Run("tmpfs", func(t *testing.T) {
		// A real full file system, where mounting is allowed: room for
		// half the new output, then for all of it but its last pages.
		r := samplesRunner()
		parent := t.TempDir()
		const roomy = 8 << 20
		mountTmpfs(t, parent, roomy)
		o := goodRun(t, r, parent)
		var st unix.Statfs_t
		if err := unix.Statfs(parent, &st); err != nil {
			t.Fatal(err)
		}
		used := int64(st.Blocks-st.Bfree) * st.Bsize
		for _, free := range []int64{used / 2, used - 16<<10} {
			remount(t, parent, 0, "size="+strconv.FormatInt(used+free, 10))
			checkFailed(t, r.run(t, o.out), syscall.ENOSPC, filepath.Join(parent, ".out.tmp-"))
			o.checkIntact(t)
		}
		remount(t, parent, 0, "size="+strconv.Itoa(roomy))
		o.checkRerun(t, r)
	})
}

// faultSpilled returns the bytes a stage of the previous output spilled.
func faultSpilled(t *testing.T, o *faultOutput) int {
	t.Helper()
	for name, b := range o.before {
		if !strings.HasPrefix(name, "reports"+string(filepath.Separator)) || !strings.HasSuffix(name, ".json") {
			continue
		}
		var r struct {
			Held struct {
				SpilledBytes int `json:"spilled_bytes"`
			} `json:"held"`
		}
		if json.Unmarshal(b, &r) == nil && r.Held.SpilledBytes > 0 {
			return r.Held.SpilledBytes
		}
	}
	t.Fatal("no stage spilled records: the test does not reach a spill file")
	return 0
}

// TestFaultPermissionDenied: a previous output this user may not empty (it
// is another user's; one of its directories is read-only) is refused
// before the run writes anything, naming the directory: replacing it would
// leave it half removed beside the new output.
func TestFaultPermissionDenied(t *testing.T) {
	for _, c := range []struct{ name, sub string }{{"output", "."}, {"subdirectory", "finetune"}} {
		t.Run(c.name, func(t *testing.T) {
			r, other := otherUserRunner(t)
			var o *faultOutput
			sub, locked := c.sub, filepath.Join("out", c.sub)
			if other {
				// As nobody: the parent is writable, the previous
				// output (root's) is not, but for the directories
				// other than sub.
				o = goodRun(t, r, faultPublicDir(t))
				faultChmod(t, o.parent, 0o777)
				if sub != "." {
					faultChmodDirs(t, o.out, 0o777)
					faultChmod(t, filepath.Join(o.out, sub), 0o755)
				}
			} else {
				r = samplesRunner()
				o = goodRun(t, r, t.TempDir())
				faultChmod(t, filepath.Join(o.parent, locked), 0o555)
				defer faultChmod(t, filepath.Join(o.parent, locked), 0o755)
				if unix.Access(filepath.Join(o.parent, locked), unix.W_OK) == nil {
					t.Skip("chmod 0555 does not keep this user from writing (CAP_DAC_OVERRIDE?)")
				}
			}
			checkFailed(t, r.run(t, o.out), syscall.EACCES, filepath.Join(o.parent, locked)+" ")
			o.checkIntact(t)
			if !other {
				faultChmod(t, filepath.Join(o.parent, locked), 0o755)
			}
			o.checkRerun(t, r)
		})
	}
}

// TestFaultReadOnlyParent: an output whose parent cannot be written (by
// permissions: EACCES; a read-only mount: EROFS) fails at once, naming it.
func TestFaultReadOnlyParent(t *testing.T) {
	t.Run("permissions", func(t *testing.T) {
		r, other := otherUserRunner(t)
		var o *faultOutput
		if other { // root's 0755 parent is read-only to nobody
			o = goodRun(t, r, faultPublicDir(t))
		} else {
			r = samplesRunner()
			o = goodRun(t, r, t.TempDir())
			faultChmod(t, o.parent, 0o555)
			defer faultChmod(t, o.parent, 0o755)
			if unix.Access(o.parent, unix.W_OK) == nil {
				t.Skip("chmod 0555 does not keep this user from writing (CAP_DAC_OVERRIDE?)")
			}
		}
		checkFailed(t, r.run(t, o.out), syscall.EACCES, o.parent+string(filepath.Separator))
		o.checkIntact(t)
		faultChmod(t, o.parent, 0o755)
		o.checkRerun(t, r)
	})

	t.Run("read-only mount", func(t *testing.T) {
		r := samplesRunner()
		parent := t.TempDir()
		mountTmpfs(t, parent, 8<<20)
		o := goodRun(t, r, parent)
		remount(t, parent, unix.MS_RDONLY, "")
		checkFailed(t, r.run(t, o.out), syscall.EROFS, parent+string(filepath.Separator))
		o.checkIntact(t)
		remount(t, parent, 0, "")
		o.checkRerun(t, r)
	})
}

// TestFaultRenameFails: the output is made, then cannot be put in place:
// the exchange fails (a mount point: EBUSY; a sticky parent and another
// user's output: EPERM). The run's output goes, the previous one stays.
func TestFaultRenameFails(t *testing.T) {
	t.Run("mount point", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("making the output a mount point needs root")
		}
		r := samplesRunner()
		o := goodRun(t, r, t.TempDir())
		if err := unix.Mount(o.out, o.out, "", unix.MS_BIND, ""); err != nil {
			t.Skipf("cannot bind-mount here: %v", err)
		}
		mounted := true
		unmount := func() {
			if mounted {
				mounted = false
				if err := unix.Unmount(o.out, unix.MNT_DETACH); err != nil {
					t.Errorf("unmount %s: %v", o.out, err)
				}
			}
		}
		defer unmount()
		checkFailed(t, r.run(t, o.out), syscall.EBUSY, o.out+":")
		o.checkIntact(t)
		unmount()
		o.checkRerun(t, r)
	})

	t.Run("sticky parent", func(t *testing.T) {
		r, other := otherUserRunner(t)
		if !other {
			t.Skip("a sticky directory stops renaming another user's directory: needs root to run as another user")
		}
		// Nobody may write everything in root's output, but not rename
		// it out of a sticky directory.
		o := goodRun(t, r, faultPublicDir(t))
		faultChmod(t, o.parent, 0o777|fs.ModeSticky)
		faultChmodDirs(t, o.out, 0o777)
		checkFailed(t, r.run(t, o.out), syscall.EPERM, o.out+":")
		o.checkIntact(t)
		o.checkRerun(t, r)
	})
}

func faultChmod(t *testing.T, path string, mode fs.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// faultChmodDirs sets the mode of dir and every directory under it.
func faultChmodDirs(t *testing.T, dir string, mode fs.FileMode) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		return os.Chmod(p, mode)
	})
	if err != nil {
		t.Fatal(err)
	}
}
