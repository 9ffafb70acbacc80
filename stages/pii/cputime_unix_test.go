//go:build unix

package pii

import (
	"syscall"
	"time"
)

// processCPU returns user+system CPU time of the process, so that benchmarks
// can report throughput per CPU-second on a machine shared with other work.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
