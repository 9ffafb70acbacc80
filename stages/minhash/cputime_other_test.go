//go:build !unix

package minhash

import "time"

// processCPU is unavailable here; benchmarks then skip the per-core metric.
func processCPU() (time.Duration, bool) { return 0, false }
