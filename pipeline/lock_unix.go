//go:build unix

package pipeline

import (
	"errors"
	"os"
	"syscall"
)

// tryLock takes an exclusive flock(2) on the lock file without waiting: nil
// when another process holds it. The kernel lets go of a flock when its
// process dies, even by SIGKILL, so a lock file that still names a holder
// once the lock is taken was left by a run that died: that holder is
// returned as stale.
func tryLock(path string) (*os.File, *LockHolder, error) {
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, nil, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EAGAIN) {
				return nil, nil, nil
			}
			return nil, nil, err
		}
		// The holder may have removed the file (release) between our open
		// and our flock: then the lock is on a file nobody else will open.
		held, err1 := f.Stat()
		named, err2 := os.Stat(path)
		if err1 != nil || err2 != nil || !os.SameFile(held, named) {
			f.Close()
			continue
		}
		return f, parseHolder(f), nil
	}
}
