//go:build darwin

package main

import (
	"os"
	"syscall"
)

// peakRSS is a finished process's peak resident set in bytes (getrusage
// reports bytes on macOS).
func peakRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss)
	}
	return 0
}
