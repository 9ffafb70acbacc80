// Package testcorpora finds the shared third-party corpora (../shared/corpora
// next to the module root) for tests and benchmarks. The corpora are not in
// the repository, so a checkout elsewhere has none: a test that needs them
// skips, loudly. CI sets TUNEPREP_REQUIRE_CORPORA=1, and there a missing
// corpus fails the test instead, so that real-data tests cannot all skip
// unnoticed.
package testcorpora

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
)

// RequireEnv names the variable that turns a missing corpus into a failure.
const RequireEnv = "TUNEPREP_REQUIRE_CORPORA"

// Path returns the path of a file or folder under ../shared/corpora (e.g.
// "support/bitext_customer_support.csv"; "" for the root). When it is absent
// the test is skipped with a message that says so, or fails when
// TUNEPREP_REQUIRE_CORPORA is set.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	root, err := root()
	if err == nil {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if _, err = os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv(RequireEnv) != "" {
		tb.Fatalf("corpus ../shared/corpora/%s required (%s is set) but missing: %v", rel, RequireEnv, err)
	}
	tb.Skipf("SKIPPED: real-corpus test needs ../shared/corpora/%s next to the repository: %v", rel, err)
	return ""
}

// CSV reads a CSV file of the corpora whole, header row included; it skips
// or fails as Path does when the file is absent.
func CSV(tb testing.TB, rel string) [][]string {
	tb.Helper()
	f, err := os.Open(Path(tb, rel))
	if err != nil {
		tb.Fatalf("%s: %v", rel, err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatalf("%s: %v", rel, err)
	}
	return rows
}

// root is ../shared/corpora beside the directory that holds go.mod.
func root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "corpora"), nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", os.ErrNotExist
		}
		dir = up
	}
}
