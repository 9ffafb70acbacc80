package minhash

import (
	"fmt"
	"testing"

	"github.com/tuneprep/tuneprep/stages/offheap"
)

// TestMultiTableGrowsApart checks that segments filled at the same pace have
// different sizes, so that they grow one at a time (see segment.grow), and
// that every entry survives the grows.
func TestMultiTableGrowsApart(t *testing.T) {
	const n = 200_000
	var m multiTable
	for k := range uint32(n) {
		m.insert(k, k)
	}
	sizes := map[int]bool{}
	for i := range m.segs {
		sizes[len(m.segs[i].slots)] = true
	}
	if len(sizes) != tableSegs {
		t.Errorf("%d distinct sizes among %d segments: they grow together", len(sizes), tableSegs)
	}
	for k := range uint32(n) {
		if v, ok := m.first(k); !ok || v != k {
			t.Fatalf("first(%d) = %d, %v; want %d, true", k, v, ok, k)
		}
	}
}

// BenchmarkTableInsert fills a band table off the heap as the near-duplicate
// index does: 2M entries (100k records of 20 bands) and 10M (500k), keys
// uniform. Growing is most of the cost: every grow maps and faults in fresh
// memory and moves the segment's entries.
func BenchmarkTableInsert(b *testing.B) {
	for _, n := range []int{2_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("%dM", n/1_000_000), func(b *testing.B) {
			for b.Loop() {
				m := multiTable{mem: offheap.New()}
				for k := range uint32(n) {
					m.insert(k*0x9E3779B1, k)
				}
				b.ReportMetric(float64(m.bytes())/float64(n), "B/entry")
				m.mem.Release()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entry")
		})
	}
}
