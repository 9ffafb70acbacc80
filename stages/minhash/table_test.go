package minhash

import "testing"

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
