package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"time"
)

// heapPeak keeps the heap profile of the largest live heap it has seen. A
// profile taken at the end of a run shows what outlives it, not what the
// run held at its peak: by then the dedup and overlap indexes are freed.
type heapPeak struct {
	mu   sync.Mutex
	live uint64 // the live heap when prof was taken
	prof []byte
}

// sample takes a heap profile when the live heap (as of the last garbage
// collection, which is also what a heap profile reports) has grown by a
// tenth since the last one it kept.
func (p *heapPeak) sample() {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	live := s[0].Value.Uint64()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.prof != nil && live < p.live+p.live/10 {
		return
	}
	var b bytes.Buffer
	if pprof.Lookup("heap").WriteTo(&b, 0) == nil {
		p.live, p.prof = live, b.Bytes()
	}
}

// heapSampleEvery is how often startHeapProfile looks at the live heap.
const heapSampleEvery = 200 * time.Millisecond

// startHeapProfile creates the heap profile's file now, so that a bad path
// fails before the run, and watches the live heap; the returned function
// writes the profile of the largest live heap seen (go tool pprof FILE; with
// -sample_index=alloc_space, every allocation sampled until then) and
// returns that heap's size.
func startHeapProfile(path string) (func() (uint64, error), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	var p heapPeak
	stop := every(heapSampleEvery, p.sample)
	return func() (uint64, error) {
		stop()
		runtime.GC()
		p.sample() // the end may be the peak, e.g. in a short run
		_, err := f.Write(p.prof)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return 0, fmt.Errorf("--memprofile: %w", err)
		}
		return p.live, nil
	}, nil
}
