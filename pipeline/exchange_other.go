//go:build !linux

package pipeline

import "os"

// exchange swaps two directories with two renames where the platform has no
// atomic exchange. A kill between the first two leaves b missing and the old
// output at a+oldSuffix, where the next run's recoverPrevious puts it back.
func exchange(a, b string) error {
	old := a + oldSuffix
	if err := os.Rename(b, old); err != nil {
		return err
	}
	if err := os.Rename(a, b); err != nil {
		os.Rename(old, b)
		return err
	}
	return os.Rename(old, a)
}

// writable checks nothing here: a previous output that cannot be removed
// is reported once the new one is in place (see Run).
func writable(string) error { return nil }
