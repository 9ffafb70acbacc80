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

// TestMultiTableGrowsInPlace fills a table whose segments live in an arena,
// so that they grow by extending their mappings: every entry, repeated keys
// included, must survive, and the arena's count of mapped bytes must match
// the segments' sizes (a region lost in the remapping would leak).
func TestMultiTableGrowsInPlace(t *testing.T) {
	const n = 600_000 // segments of about 100 KB: off the heap, grown several times there
	m := multiTable{mem: newArena()}
	defer m.mem.release()
	for k := range uint32(n) {
		m.insert(k/3, k) // three values a key: long probe runs
	}
	if m.n != n {
		t.Fatalf("%d entries, want %d", m.n, n)
	}
	var mapped int64
	for i := range m.segs {
		if b := 8 * len(m.segs[i].slots); b >= offheapMin {
			mapped += int64(b)
		}
	}
	if mapped == 0 || m.mem.mapped() != mapped {
		t.Fatalf("arena maps %d bytes, the off-heap segments hold %d", m.mem.mapped(), mapped)
	}
	for k := range uint32(n / 3) {
		seen := 0
		s, i := m.probe(k)
		for ; s.slots[i] != 0; i = s.next(i) {
			if e := s.slots[i]; uint32(e>>32) == k {
				if v := uint32(e) - 1; v/3 != k {
					t.Fatalf("key %d holds value %d", k, v)
				}
				seen++
			}
		}
		if seen != 3 {
			t.Fatalf("key %d holds %d values, want 3", k, seen)
		}
	}
}
