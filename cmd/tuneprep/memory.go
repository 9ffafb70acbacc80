package main

import (
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
)

// defaultGOGC is the garbage collector's target when GOGC is not set: the
// heap may grow by half its live size between collections, not by all of
// it (Go's default, 100). A run's large state (the MinHash index, the
// overlap index) is pointer-free, so a collection costs little more at 50:
// on 500,000 support tickets, peak RSS 917 -> 700 MB for 2% more time.
const defaultGOGC = 50

// tuneMemory applies the run's memory settings and returns a function that
// undoes them. GOGC is defaultGOGC unless the GOGC variable is set. The
// soft memory limit is:
//   - --memory-limit SIZE;
//   - --memory-limit auto: a governor's, the live heap plus a quarter of it
//     (at least 128 MiB), followed as the heap grows. On 2 million tickets
//     it cut peak RSS from 1.77 to 1.36 GB and cost 40% more wall time
//     (the collector runs twice as often and the runtime returns memory to
//     the system sooner, faulting it back in), so it is not the default;
//   - else GOMEMLIMIT, which the runtime reads itself;
//   - else, in a container with a memory limit (cgroup), 90% of it, so that
//     the collector works harder before the kernel kills the run.
//
// The governor never goes above the container's 90% either.
func tuneMemory(limit string, lookup func(string) (string, bool)) (func(), error) {
	gogc := debug.SetGCPercent(-1)
	debug.SetGCPercent(gogc)
	if _, ok := lookup("GOGC"); !ok {
		debug.SetGCPercent(defaultGOGC)
	}
	before := debug.SetMemoryLimit(-1)
	undo := func() { debug.SetGCPercent(gogc); debug.SetMemoryLimit(before) }
	switch _, env := lookup("GOMEMLIMIT"); {
	case limit == "auto":
		stop := govern(cgroupMemory())
		return func() { stop(); undo() }, nil
	case limit != "":
		n, err := parseSize(limit)
		if err != nil {
			undo()
			return nil, usageError{"--memory-limit: " + err.Error()}
		}
		debug.SetMemoryLimit(n)
	case !env:
		if c := cgroupMemory(); c > 0 {
			debug.SetMemoryLimit(c)
		}
	}
	return undo, nil
}

// governorFloor is the least headroom the governor leaves above the live
// heap, so that a small run collects no more often than GOGC says.
const governorFloor = 128 << 20

// govern keeps the soft memory limit at the live heap plus a quarter (at
// least governorFloor), capped at ceiling (0: none), until stop is called.
// It samples the live heap twice a second; between samples the limit can
// only be too high, never below what is live, so a collection can always
// get under it.
func govern(ceiling int64) (stop func()) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	set := func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		live := int64(sample[0].Value.Uint64())
		limit := live + max(live/4, governorFloor)
		if ceiling > 0 {
			limit = min(limit, ceiling)
		}
		debug.SetMemoryLimit(limit)
	}
	set()
	return every(500*time.Millisecond, set)
}

// every calls fn every interval on a goroutine of its own until stop is
// called; stop returns once fn has returned for the last time.
func every(interval time.Duration, fn func()) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fn()
			}
		}
	}()
	return func() { close(done); <-finished }
}

// cgroupMemory is 90% of the memory limit of the process's cgroup (v2
// memory.max, else v1 memory.limit_in_bytes), or 0 when there is none.
func cgroupMemory() int64 {
	for _, path := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || n <= 0 || n >= 1<<60 { // "max", or v1's "no limit"
			return 0
		}
		return n / 10 * 9
	}
	return 0
}

// sizeUnits are the suffixes parseSize knows, longest first.
var sizeUnits = []struct {
	suffix string
	mult   float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40},
	{"B", 1},
}

// parseSize reads a byte size: a number with an optional unit (B, KB, MB,
// GB, TB as powers of 1000; KiB, MiB, GiB, TiB and K, M, G, T as powers of
// 1024), e.g. 1.5GiB, 800MB, 67108864.
func parseSize(s string) (int64, error) {
	num, mult := strings.TrimSpace(s), 1.0
	for _, u := range sizeUnits {
		if rest, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) || f*mult >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is not a size (e.g. 64MiB, 1.5GB, 1048576)", s)
	}
	return int64(f * mult), nil
}
