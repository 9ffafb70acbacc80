//go:build unix

package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tuneprep/tuneprep/schemas"
)

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestLockExcludes: while one holder has an output's lock, another fails at
// once naming the holder, or waits for it.
func TestLockExcludes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	ctx := context.Background()
	l1, err := lockOutput(ctx, out, 0, "first", discard())
	if err != nil {
		t.Fatal(err)
	}
	_, err = lockOutput(ctx, out, 0, "second", discard())
	var le *LockedError
	if !errors.As(err, &le) || le.Holder.PID != os.Getpid() || le.Holder.RunID != "first" || le.Holder.Started == "" {
		t.Fatalf("err %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "pid "+strconv.Itoa(os.Getpid())) || !strings.Contains(msg, "started ") {
		t.Errorf("message %q does not name the holder", msg)
	}
	time.AfterFunc(300*time.Millisecond, l1.release)
	start := time.Now()
	l2, err := lockOutput(ctx, out, 10*time.Second, "second", discard())
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Errorf("got the lock after %s, while it was held", waited)
	}
	if h := readHolder(lockName(out)); h.RunID != "second" {
		t.Errorf("lock file names %+v", h)
	}
	l2.release()
	if _, err := os.Stat(lockName(out)); !os.IsNotExist(err) {
		t.Errorf("lock file left after release: %v", err)
	}
	// A cancelled wait ends with the context's error.
	l3, _ := lockOutput(ctx, out, 0, "third", discard())
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := lockOutput(cctx, out, time.Hour, "fourth", discard()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled wait: %v", err)
	}
	l3.release()
}

// slow is a stage that notes when the run it belongs to is busy.
type slow struct {
	mu    *sync.Mutex
	spans *[][2]time.Time
	start time.Time
}

func (s *slow) Name() string { return "slow" }
func (s *slow) Open(context.Context, *Env) error {
	s.start = time.Now()
	return nil
}
func (s *slow) Sequence(context.Context, *schemas.Document) (*schemas.Drop, error) {
	time.Sleep(2 * time.Millisecond)
	return nil, nil
}
func (s *slow) Finish(context.Context) error {
	s.mu.Lock()
	*s.spans = append(*s.spans, [2]time.Time{s.start, time.Now()})
	s.mu.Unlock()
	return nil
}

// TestConcurrentRunsNeverOverlap: runs into one output that wait for its
// lock run one after the other; one that does not wait fails.
func TestConcurrentRunsNeverOverlap(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	var mu sync.Mutex
	var spans [][2]time.Time
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := Plan{Source: &counter{n: 60}, Stages: []Stage{&slow{mu: &mu, spans: &spans}}}
			_, errs[i] = Run(context.Background(), RunOptions{Plan: p, OutDir: out, Version: "v", RunID: strconv.Itoa(i), Wait: time.Minute})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(spans) != 4 {
		t.Fatalf("%d runs finished", len(spans))
	}
	for i, a := range spans {
		for j, b := range spans {
			if i != j && a[0].Before(b[1]) && b[0].Before(a[1]) {
				t.Fatalf("runs %d and %d overlapped: %v and %v", i, j, a, b)
			}
		}
	}
	// Without waiting, a second run fails while the first holds the lock.
	held, err := lockOutput(context.Background(), filepath.Join(filepath.Dir(out), "out"), 0, "holder", discard())
	if err != nil {
		t.Fatal(err)
	}
	defer held.release()
	_, err = Run(context.Background(), RunOptions{Plan: Plan{Source: &counter{n: 3}}, OutDir: out, Version: "v"})
	var le *LockedError
	if !errors.As(err, &le) || le.Holder.RunID != "holder" {
		t.Fatalf("err %v", err)
	}
}

// TestLockHelperProcess is not a test: TestStaleLockTakenOver runs the test
// binary as a process that takes a lock and waits to be killed.
func TestLockHelperProcess(t *testing.T) {
	out := os.Getenv("TUNEPREP_LOCK_HELPER")
	if out == "" {
		t.Skip("helper process only")
	}
	if _, err := lockOutput(context.Background(), out, 0, "killed", discard()); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	time.Sleep(time.Minute)
	os.Exit(0)
}

// TestStaleLockTakenOver: the lock of a run killed with SIGKILL is taken
// over by the next run, which says whose lock it took.
func TestStaleLockTakenOver(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelperProcess$")
	cmd.Env = append(os.Environ(), "TUNEPREP_LOCK_HELPER="+out)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "locked" {
		cmd.Process.Kill()
		t.Fatalf("helper: %q", line)
	}
	_, err := lockOutput(context.Background(), out, 0, "mine", discard())
	var le *LockedError
	if !errors.As(err, &le) || le.Holder.PID != cmd.Process.Pid {
		t.Fatalf("while the helper holds it: %v", err)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if h := readHolder(lockName(out)); h.PID != cmd.Process.Pid {
		t.Fatalf("the killed run left %+v", h)
	}
	var logs bytes.Buffer
	l, err := lockOutput(context.Background(), out, 0, "mine", slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf("stale lock not taken over: %v", err)
	}
	defer l.release()
	if !strings.Contains(logs.String(), "took over") || !strings.Contains(logs.String(), "pid="+strconv.Itoa(cmd.Process.Pid)) {
		t.Errorf("log: %s", logs.String())
	}
	if h := readHolder(lockName(out)); h.PID != os.Getpid() || h.RunID != "mine" {
		t.Errorf("lock file names %+v", h)
	}
}
