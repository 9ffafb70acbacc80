package minhash

import (
	"math"

	"github.com/tuneprep/tuneprep/stages/offheap"
)

// multiTable is an open-addressing multimap from a 32-bit key to 32-bit
// values, with linear probing. Each slot is one uint64, key<<32 | (value+1),
// and 0 marks an empty slot, so an entry costs 8 bytes divided by the load
// factor (kept between 3/5 and 3/4 once the table passes 75 MB, 3/8 and 3/4
// before): 10.7-13.3 bytes, up to 21 in a small table. A Go map[uint32][]uint32
// costs 50+ bytes per entry plus the slice headers.
//
// Equal keys are stored in separate slots of the same probe run; lookups walk
// the run until an empty slot. Entries are never deleted.
//
// The table is cut into tableSegs segments by the key's hash, each its own
// open-addressing table that grows on its own: growing copies one segment,
// never the whole table, so a large index grows without a spike of twice
// its size (at 40 million entries, a 1.25x grow of one table would hold
// 0.5 GB old and 0.6 GB new slots at once).
type multiTable struct {
	segs [tableSegs]segment
	n    int
	// mem holds the large segments off the heap (nil: all on the heap).
	mem *offheap.Arena
}

// segment is one open-addressing table of a multiTable.
type segment struct {
	slots []uint64
	n     int
	grows int // how many times it has grown (see grow)
}

// tableSegs is the number of segments: a power of two, so the top bits of
// the key's hash pick one.
const (
	tableSegs    = 64
	tableSegBits = 6
)

const minTableSlots = 16

// probe returns key's segment and the first slot of key's probe run, or a
// nil segment when the segment is empty. The key is spread by a Fibonacci
// multiply (ids may be sequential): the top bits pick the segment, the next
// 32 are mapped onto any segment size by a multiply-shift, so a segment can
// grow by 1.25x rather than 2x.
func (t *multiTable) probe(key uint32) (*segment, int) {
	spread := uint64(key) * 0x9E3779B97F4A7C15
	s := &t.segs[spread>>(64-tableSegBits)]
	if len(s.slots) == 0 {
		return nil, 0
	}
	return s, s.home(spread)
}

func (s *segment) home(spread uint64) int {
	return int((uint64(uint32(spread>>(32-tableSegBits))) * uint64(len(s.slots))) >> 32)
}

// next is the following slot of a probe run.
func (s *segment) next(i int) int {
	if i++; i == len(s.slots) {
		return 0
	}
	return i
}

// insert adds (key, val); val must be below 2^32-1. A segment grows at 3/4
// load (see segmentSlots): by 1.25x once large, so the load stays in
// [3/5, 3/4], 10.7-13.3 bytes per entry; by 2x while small, between 3/8 and
// 3/4, up to 21 bytes.
func (t *multiTable) insert(key, val uint32) {
	s := t.room(uint64(key) * 0x9E3779B97F4A7C15)
	s.put(uint64(key)<<32 | uint64(val+1))
	s.n++
	t.n++
}

// insertCapped adds (key, val) unless key already holds limit values, and
// reports whether it did. The count comes free from the probe to the empty
// slot, which walks every entry of key.
func (t *multiTable) insertCapped(key, val uint32, limit int) bool {
	spread := uint64(key) * 0x9E3779B97F4A7C15
	s := t.room(spread)
	n := 0
	for i := s.home(spread); ; i = s.next(i) {
		e := s.slots[i]
		if e == 0 {
			s.slots[i] = uint64(key)<<32 | uint64(val+1)
			s.n++
			t.n++
			return true
		}
		if uint32(e>>32) == key {
			if n++; n >= limit {
				return false
			}
		}
	}
}

// room returns the segment of a key spread as in probe, grown first if one
// more entry would take it above 3/4 load.
func (t *multiTable) room(spread uint64) *segment {
	i := int(spread >> (64 - tableSegBits))
	s := &t.segs[i]
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow(t.mem, i)
	}
	return s
}

// put stores an entry in the first empty slot of its probe run.
func (s *segment) put(e uint64) {
	for i := s.home(uint64(uint32(e>>32)) * 0x9E3779B97F4A7C15); ; i = s.next(i) {
		if s.slots[i] == 0 {
			s.slots[i] = e
			return
		}
	}
}

// grow enlarges the segment (see segmentSlots) or creates it, and
// reinserts every entry: in a large table each entry is moved about four
// times over the table's life. With an arena, large segments live off the
// heap.
//
// Segment i's sizes are segment 0's times 1.25^(i/tableSegs). Segments fill
// at the same pace: with equal sizes, all would grow within a few thousand
// documents of each other (at 2 million documents, half a gigabyte
// reallocated and 40 million entries moved in one burst); offset, they grow
// one at a time.
func (s *segment) grow(mem *offheap.Arena, i int) {
	old := s.slots
	n := segmentSlots(s.grows, i)
	s.grows++
	s.slots = offheap.Table[uint64](mem, n)
	for _, e := range old {
		if e != 0 {
			s.put(e)
		}
	}
	offheap.FreeTable(mem, old)
}

// segmentSlots is the size of segment i after g grows: doubling up to
// doublingGrows grows, by a quarter after. Every grow maps fresh memory and
// moves the segment's entries; doubling while the table is small moves each
// entry about once instead of four times, for at most 75 MB of slots at up
// to 21 bytes an entry (not 13). Large tables keep the quarter.
func segmentSlots(g, i int) int {
	stagger := float64(i) / tableSegs
	if g <= doublingGrows {
		return int(minTableSlots * math.Pow(2, float64(g)) * math.Pow(1.25, stagger))
	}
	return int(minTableSlots * math.Pow(2, doublingGrows) * math.Pow(1.25, float64(g-doublingGrows)+stagger))
}

// doublingGrows is how many times a segment doubles: to 128k slots (1 MB).
const doublingGrows = 13

// touch loads the slot that each key's probe run starts at. In a large
// table each such load misses the caches and the TLB; made together, with
// no walk in between, the misses overlap instead of queueing, and the walks
// that follow find their slots cached.
func (t *multiTable) touch(keys []uint32) {
	var or uint64
	for _, k := range keys {
		if s, i := t.probe(k); s != nil {
			or |= s.slots[i]
		}
	}
	keep(or)
}

// keep uses its argument, so that the compiler keeps loads made only to
// bring memory into the cache (Go has no prefetch instruction).
//
//go:noinline
func keep(uint64) {}

// first returns the first value stored under key.
func (t *multiTable) first(key uint32) (uint32, bool) {
	s, i := t.probe(key)
	if s == nil {
		return 0, false
	}
	for ; ; i = s.next(i) {
		e := s.slots[i]
		if e == 0 {
			return 0, false
		}
		if uint32(e>>32) == key {
			return uint32(e) - 1, true
		}
	}
}

// bytes is the memory the table holds.
func (t *multiTable) bytes() int {
	n := 0
	for i := range t.segs {
		n += 8 * cap(t.segs[i].slots)
	}
	return n
}
