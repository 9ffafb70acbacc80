package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// onDevFull points an output file at /dev/full, where every write fails
// with ENOSPC, or skips the test where there is none.
func onDevFull(t *testing.T, f *OutFile) {
	t.Helper()
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full to fail writes: %v", err)
	}
	f.f.Close()
	f.f = full
	f.w.Reset(full)
}

// An output file whose write fails says so, naming it, at Close and at
// every Close after: Run's closeAll sees a failure its writer missed.
func TestOutFileErrorSticks(t *testing.T) {
	env := stagedEnv(t)
	f, err := env.Create("finetune/train.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	onDevFull(t, f)
	f.WriteString("{}\n")
	err = f.Close()
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "finetune/train.jsonl") {
		t.Fatalf("Close = %v, want ENOSPC naming finetune/train.jsonl", err)
	}
	if again := f.Close(); again != err {
		t.Errorf("second Close = %v, want %v", again, err)
	}
	if all := env.closeAll(); all != err {
		t.Errorf("closeAll = %v, want %v", all, err)
	}
}

// A file written by RunOptions.Write whose Close error the hook ignored
// still fails the run: the previous output stays, nothing is left beside.
func TestMissedCloseErrorFailsRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if _, err := Run(context.Background(), RunOptions{Plan: Plan{Source: &counter{n: 5}}, OutDir: out}); err != nil {
		t.Fatal(err)
	}
	before := readFile(t, filepath.Join(out, manifestName))
	write := func(env *Env, _ *Facts) error {
		f, err := env.Create("card.md")
		if err != nil {
			return err
		}
		onDevFull(t, f)
		f.WriteString("# card\n")
		f.Close() // the error is missed
		return nil
	}
	_, err := Run(context.Background(), RunOptions{Plan: Plan{Source: &counter{n: 7}}, OutDir: out, Write: write})
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "card.md") {
		t.Fatalf("Run = %v, want ENOSPC naming card.md", err)
	}
	if readFile(t, filepath.Join(out, manifestName)) != before {
		t.Error("the previous output changed")
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
		t.Errorf("beside the output: %v", entries)
	}
}

// A file that fails to sync fails the run, though its Close returned
// before the sync: run.json, the last file written, and a report written
// before it. The previous output stays, nothing is left beside it.
func TestSyncErrorFailsRun(t *testing.T) {
	for _, name := range []string{manifestName, "reports/"} {
		out := filepath.Join(t.TempDir(), "out")
		if _, err := Run(context.Background(), RunOptions{Plan: Plan{Source: &counter{n: 5}}, OutDir: out}); err != nil {
			t.Fatal(err)
		}
		if name == "reports/" {
			reports, err := os.ReadDir(filepath.Join(out, "reports"))
			if err != nil || len(reports) == 0 {
				t.Fatalf("no reports: %v", err)
			}
			name += reports[0].Name()
		}
		before := readFile(t, filepath.Join(out, manifestName))
		syncFile = func(f *os.File) error {
			if strings.HasSuffix(filepath.ToSlash(f.Name()), "/"+name) {
				return syscall.EIO
			}
			return f.Sync()
		}
		_, err := Run(context.Background(), RunOptions{Plan: Plan{Source: &counter{n: 7}}, OutDir: out})
		syncFile = (*os.File).Sync
		if !errors.Is(err, syscall.EIO) || !strings.Contains(err.Error(), "sync "+name) {
			t.Fatalf("%s: Run = %v, want EIO syncing it", name, err)
		}
		if readFile(t, filepath.Join(out, manifestName)) != before {
			t.Errorf("%s: the previous output changed", name)
		}
		if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
			t.Errorf("%s: beside the output: %v", name, entries)
		}
	}
}
