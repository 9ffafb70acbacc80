//go:build linux || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"os"
	"syscall"
)

// peakRSS is a finished process's peak resident set in bytes (getrusage
// reports kibibytes here).
func peakRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss) * 1024
	}
	return 0
}
