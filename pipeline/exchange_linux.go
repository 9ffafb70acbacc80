package pipeline

import "golang.org/x/sys/unix"

// exchange swaps two paths atomically: a reader sees the old or the new
// output, never neither.
func exchange(a, b string) error {
	return unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
}

// writable reports why this process may not add or remove entries of the
// directory dir (EACCES, EROFS), by its effective user: what removing a
// previous output needs.
func writable(dir string) error {
	return unix.Faccessat(unix.AT_FDCWD, dir, unix.W_OK|unix.X_OK, unix.AT_EACCESS)
}
