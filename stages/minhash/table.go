package minhash

// multiTable is an open-addressing multimap from a 32-bit key to 32-bit
// values, with linear probing. Each slot is one uint64, key<<32 | (value+1),
// and 0 marks an empty slot, so an entry costs 8 bytes divided by the load
// factor (kept between 3/5 and 3/4): 10.7-13.3 bytes. A Go map[uint32][]uint32
// costs 50+ bytes per entry plus the slice headers.
//
// Equal keys are stored in separate slots of the same probe run; lookups walk
// the run until an empty slot. Entries are never deleted.
type multiTable struct {
	slots []uint64
	n     int
}

const minTableSlots = 16

// home returns the first slot for key: the key is spread by a Fibonacci
// multiply (ids may be sequential) and mapped onto any table size by a
// multiply-shift, so the table can grow by 1.25x rather than 2x.
func (t *multiTable) home(key uint32) int {
	spread := (uint64(key) * 0x9E3779B97F4A7C15) >> 32
	return int((spread * uint64(len(t.slots))) >> 32)
}

// next is the following slot of a probe run.
func (t *multiTable) next(i int) int {
	if i++; i == len(t.slots) {
		return 0
	}
	return i
}

// insert adds (key, val); val must be below 2^32-1. The table grows by 1.25x
// at 3/4 load, so the load stays in [3/5, 3/4]: 10.7-13.3 bytes per entry.
// (Growing by 2x would leave it between 3/8 and 3/4, up to 21 bytes.)
func (t *multiTable) insert(key, val uint32) {
	if 4*(t.n+1) > 3*len(t.slots) {
		t.grow()
	}
	t.put(uint64(key)<<32 | uint64(val+1))
	t.n++
}

// put stores an entry in the first empty slot of its probe run.
func (t *multiTable) put(e uint64) {
	for i := t.home(uint32(e >> 32)); ; i = t.next(i) {
		if t.slots[i] == 0 {
			t.slots[i] = e
			return
		}
	}
}

// grow enlarges the table by a quarter (or creates it) and reinserts every
// entry: each entry is moved about four times over the table's life.
func (t *multiTable) grow() {
	old := t.slots
	t.slots = make([]uint64, max(minTableSlots, len(old)+len(old)/4))
	for _, e := range old {
		if e != 0 {
			t.put(e)
		}
	}
}

// first returns the first value stored under key.
func (t *multiTable) first(key uint32) (uint32, bool) {
	if t.n == 0 {
		return 0, false
	}
	for i := t.home(key); ; i = t.next(i) {
		e := t.slots[i]
		if e == 0 {
			return 0, false
		}
		if uint32(e>>32) == key {
			return uint32(e) - 1, true
		}
	}
}

// bytes is the memory the table holds.
func (t *multiTable) bytes() int { return 8 * cap(t.slots) }
