package pipeline

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/tuneprep/tuneprep/schemas"
)

// finishCtx records the context error Finish saw.
type finishCtx struct {
	called bool
	err    error
}

func (f *finishCtx) Name() string { return "finish" }

func (f *finishCtx) Sequence(context.Context, *schemas.Document) (*schemas.Drop, error) {
	return nil, nil
}

func (f *finishCtx) Finish(ctx context.Context) error {
	f.called, f.err = true, ctx.Err()
	return nil
}

func TestFinishGetsCallersContext(t *testing.T) {
	f := &finishCtx{}
	if _, _, err := runPlan(t, Plan{Source: &counter{n: 10}, Stages: []Stage{&jitter{name: "a"}, f}, Workers: 2}); err != nil {
		t.Fatal(err)
	}
	if !f.called || f.err != nil {
		t.Fatalf("Finish called %v with context error %v", f.called, f.err)
	}
}

// squatter creates the sink's file in Open, so that the sink cannot be created.
type squatter struct{}

func (squatter) Name() string { return "squatter" }

func (squatter) Process(context.Context, *schemas.Document) (*schemas.Drop, error) { return nil, nil }

func (squatter) Open(_ context.Context, env *Env) error {
	_, err := env.Create(DroppedFile)
	return err
}

// unending emits records until its context ends.
type unending struct{}

func (unending) Name() string { return "unending" }

func (unending) Read(ctx context.Context, _ *Env, emit func(*schemas.Document) error) error {
	for i := 0; ; i++ {
		if err := emit(&schemas.Document{ID: strconv.Itoa(i), Text: "x"}); err != nil {
			return err
		}
	}
}

func TestSinkFailureLeavesNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	out := filepath.Join(t.TempDir(), "out")
	_, err := Run(context.Background(), RunOptions{Plan: Plan{Source: unending{}, Stages: []Stage{squatter{}, &order{}}, Workers: 4}, OutDir: out})
	if err == nil {
		t.Fatal("run succeeded although dropped.jsonl could not be created")
	}
	// Goroutines that were told to stop may take a moment to return; ones
	// that leaked never do. The bound only ends a failing test.
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(10 * time.Second); n > before && time.Now().Before(deadline); n = runtime.NumGoroutine() {
		time.Sleep(10 * time.Millisecond)
	}
	if n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before the run, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// deadPID returns the id of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A run killed between the two renames of a platform without an atomic
// exchange leaves the previous output at <tmp>.old and no output directory:
// the next run puts it back instead of deleting it.
func TestPreviousOutputRecoveredAfterInterruptedExchange(t *testing.T) {
	parent := t.TempDir()
	final := filepath.Join(parent, "out")
	old := filepath.Join(parent, tempPrefix("out")+strconv.Itoa(deadPID(t))+"-123"+oldSuffix)
	writeFile(t, filepath.Join(old, manifestName), `{"previous":true}`)
	writeFile(t, filepath.Join(old, "finetune", "train.jsonl"), "{}\n")
	o, err := openOutput(final)
	if err != nil {
		t.Fatal(err)
	}
	defer o.abort()
	if got := readFile(t, filepath.Join(final, manifestName)); got != `{"previous":true}` {
		t.Fatalf("run.json = %q", got)
	}
	if got := readFile(t, filepath.Join(final, "finetune", "train.jsonl")); got != "{}\n" {
		t.Fatalf("train.jsonl = %q", got)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Fatalf("%s still there: %v", old, err)
	}
}
