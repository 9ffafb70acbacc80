//go:build unix

package minhash

import (
	"syscall"
	"time"
)

// processCPU returns the process's user+system CPU time, so that benchmarks
// can report throughput per core even on a machine shared with other jobs.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
