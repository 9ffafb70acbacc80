//go:build !unix

package pii

import "time"

// processCPU is unavailable here; the CPU-time metric is then omitted.
func processCPU() time.Duration { return 0 }
