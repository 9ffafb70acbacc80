//go:build !unix

package pipeline

import (
	"errors"
	"io/fs"
	"os"
	"time"
)

// tryLock creates the lock file exclusively where there is no flock(2): nil
// when it exists and names a live process (or is being written). A file
// that names a process that is gone, or that has stayed empty for a minute,
// was left by a run that died: it is taken over.
func tryLock(path string) (*os.File, *LockHolder, error) {
	var stale *LockHolder
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			return f, stale, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, nil, err
		}
		h := readHolder(path)
		st, serr := os.Stat(path)
		switch {
		case h.PID != 0 && !processAlive(h.PID):
			stale = &h
		case h.PID == 0 && serr == nil && time.Since(st.ModTime()) > time.Minute:
			stale = &h
		default:
			return nil, nil, nil
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, err
		}
	}
}
