package pipeline

import "golang.org/x/sys/unix"

// exchange swaps two paths atomically: a reader sees the old or the new
// output, never neither.
func exchange(a, b string) error {
	return unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
}
