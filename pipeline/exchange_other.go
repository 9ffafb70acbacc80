//go:build !linux

package pipeline

import "os"

// exchange swaps two directories with two renames where the platform has no
// atomic exchange; a kill between them leaves the old output at a.
func exchange(a, b string) error {
	old := a + ".old"
	if err := os.Rename(b, old); err != nil {
		return err
	}
	if err := os.Rename(a, b); err != nil {
		os.Rename(old, b)
		return err
	}
	return os.Rename(old, a)
}
