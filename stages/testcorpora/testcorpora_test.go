package testcorpora

import (
	"os"
	"testing"
)

// fakeTB records what Path does instead of stopping the test.
type fakeTB struct {
	testing.TB
	skipped, failed bool
}

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Skipf(string, ...any)  { f.skipped = true }
func (f *fakeTB) Fatalf(string, ...any) { f.failed = true }

func TestMissingCorpus(t *testing.T) {
	t.Setenv(RequireEnv, "")
	f := &fakeTB{}
	Path(f, "no/such/file.csv")
	if !f.skipped || f.failed {
		t.Errorf("without %s: skipped %v failed %v", RequireEnv, f.skipped, f.failed)
	}
	t.Setenv(RequireEnv, "1")
	f = &fakeTB{}
	Path(f, "no/such/file.csv")
	if !f.failed {
		t.Errorf("with %s a missing corpus does not fail", RequireEnv)
	}
}

func TestPresentCorpus(t *testing.T) {
	p := Path(t, "")
	if st, err := os.Stat(p); err != nil || !st.IsDir() {
		t.Errorf("%s: %v", p, err)
	}
}
