//go:build !(linux || freebsd || netbsd || openbsd || dragonfly || darwin)

package main

import "os"

// peakRSS is unknown on this platform.
func peakRSS(*os.ProcessState) int64 { return 0 }
