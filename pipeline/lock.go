package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// LockHolder is what an output's lock file says about the run holding it.
type LockHolder struct {
	PID     int    `json:"pid"`
	Host    string `json:"host"`
	Started string `json:"started"`
	RunID   string `json:"run_id,omitempty"`
}

func (h LockHolder) String() string {
	if h.PID == 0 {
		return "another tuneprep run"
	}
	s := fmt.Sprintf("tuneprep run pid %d", h.PID)
	if h.Host != "" {
		s += " on " + h.Host
	}
	if h.Started != "" {
		s += ", started " + h.Started
	}
	if h.RunID != "" {
		s += ", run " + h.RunID
	}
	return s
}

// LockedError is returned by Run when another run holds the output's lock
// (for longer than RunOptions.Wait).
type LockedError struct {
	Out    string
	Holder LockHolder
	Waited time.Duration
}

func (e *LockedError) Error() string {
	msg := fmt.Sprintf("output %s is in use by %s", e.Out, e.Holder)
	if e.Waited > 0 {
		msg += fmt.Sprintf(" (waited %s)", e.Waited.Round(time.Second))
	}
	return msg
}

// lockName is the lock file of an output: a hidden sibling, since the
// output directory itself is swapped out by the commit.
func lockName(final string) string {
	return filepath.Join(filepath.Dir(final), "."+filepath.Base(final)+".lock")
}

// outputLock is a held lock on an output directory: no other run writes
// into it, or sets its temporaries aside, until release.
type outputLock struct {
	path string
	f    *os.File
}

// lockPoll is how often a run that waits for a lock tries again.
const lockPoll = 200 * time.Millisecond

// lockOutput takes the lock of the output directory final, waiting up to
// wait while another run holds it. A lock file that names a holder nobody
// holds is what a killed run leaves: it is taken over, with a warning.
func lockOutput(ctx context.Context, final string, wait time.Duration, runID string, logger *slog.Logger) (*outputLock, error) {
	path := lockName(final)
	start := time.Now()
	for {
		f, stale, err := tryLock(path)
		if err != nil {
			return nil, fmt.Errorf("output lock %s: %w", path, err)
		}
		if f != nil {
			if stale != nil {
				logger.Warn("took over the output lock of a run that ended without releasing it",
					"lock", path, "pid", stale.PID, "host", stale.Host, "started", stale.Started, "stale_run_id", stale.RunID)
			}
			l := &outputLock{path: path, f: f}
			if err := l.write(runID); err != nil {
				l.release()
				return nil, fmt.Errorf("output lock %s: %w", path, err)
			}
			return l, nil
		}
		waited := time.Since(start)
		if waited >= wait {
			e := &LockedError{Out: final, Holder: readHolder(path)}
			if wait > 0 {
				e.Waited = waited
			}
			return nil, e
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(min(lockPoll, wait-waited)):
		}
	}
}

// write records this process as the holder.
func (l *outputLock) write(runID string) error {
	host, _ := os.Hostname()
	b, err := json.Marshal(LockHolder{PID: os.Getpid(), Host: host, Started: time.Now().UTC().Format(time.RFC3339), RunID: runID})
	if err != nil {
		return err
	}
	if err := l.f.Truncate(0); err != nil {
		return err
	}
	if _, err := l.f.WriteAt(append(b, '\n'), 0); err != nil {
		return err
	}
	return l.f.Sync()
}

// release removes the lock file, then lets go of the lock: a run that
// opened the file before it was removed finds it gone and tries again.
func (l *outputLock) release() {
	if l == nil {
		return
	}
	os.Remove(l.path)
	l.f.Close()
}

// readHolder reads what a lock file says about its holder; the zero
// LockHolder when it says nothing readable (it may be being written).
func readHolder(path string) LockHolder {
	var h LockHolder
	if b, err := os.ReadFile(path); err == nil {
		json.Unmarshal(b, &h)
	}
	return h
}

// parseHolder reads a holder from the start of an open lock file; nil when
// the file is empty (a fresh lock) or unreadable.
func parseHolder(f *os.File) *LockHolder {
	b := make([]byte, 4096)
	n, _ := f.ReadAt(b, 0)
	var h LockHolder
	if n == 0 || json.Unmarshal(b[:n], &h) != nil || h.PID == 0 {
		return nil
	}
	return &h
}
