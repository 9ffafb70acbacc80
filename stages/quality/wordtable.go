package quality

import "math/bits"

// wordTable maps words of at most 8 bytes to a byte of flags (here: the
// fast-path languages a function word belongs to) with one probe of a flat
// table that stays in the cache; a Go map of strings costs a hash of the
// string and two or three memory reads for each of a text's words.
type wordTable struct {
	slots []wordSlot
	shift uint
}

type wordSlot struct {
	key   uint64 // the word's bytes, little-endian, zero-padded
	n     uint8  // its length; 0: empty
	flags uint8
}

func packWord(w []byte) uint64 {
	var k uint64
	for i := len(w) - 1; i >= 0; i-- {
		k = k<<8 | uint64(w[i])
	}
	return k
}

func (t *wordTable) home(k uint64, n int) uint64 {
	return (k ^ uint64(n)<<59) * 0x9E3779B97F4A7C15 >> t.shift
}

// newWordTable builds a table of words (1 to 8 bytes each) at most a
// quarter full.
func newWordTable(words map[string]uint8) *wordTable {
	size := 16
	for size < 4*len(words) {
		size *= 2
	}
	t := &wordTable{slots: make([]wordSlot, size), shift: uint(64 - bits.TrailingZeros(uint(size)))}
	for w, f := range words {
		if len(w) == 0 || len(w) > 8 {
			panic("quality: function word of " + w + " is not 1 to 8 bytes")
		}
		k := packWord([]byte(w))
		i := t.home(k, len(w))
		for t.slots[i].n != 0 {
			i = (i + 1) & uint64(size-1)
		}
		t.slots[i] = wordSlot{key: k, n: uint8(len(w)), flags: f}
	}
	return t
}

// find returns w's flags, 0 when w is not in the table.
func (t *wordTable) find(w []byte) uint8 {
	if len(w) == 0 || len(w) > 8 {
		return 0
	}
	k := packWord(w)
	mask := uint64(len(t.slots) - 1)
	for i := t.home(k, len(w)); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.n == 0 {
			return 0
		}
		if s.key == k && int(s.n) == len(w) {
			return s.flags
		}
	}
}
