// Package shortkey maps strings of 1 to 8 bytes (most words and most
// tokens of a vocabulary) to 32-bit values with one probe of a flat table:
// a string's bytes, zero-padded, are its key, and its length sits beside
// the value (a string may end in zero bytes). A Go map of strings hashes
// the string and touches a control word, a slot and the key's bytes: two or
// three cache misses per lookup in a large table, where this takes one.
package shortkey

import (
	"iter"
	"math/bits"
)

// Table is an immutable map from strings of 1 to 8 bytes to uint32 values,
// safe for concurrent use.
type Table struct {
	slots []slot
	shift uint8 // 64 - log2(len(slots))
}

type slot struct {
	key uint64 // the string's bytes, little-endian, zero-padded
	val uint32
	n   uint32 // the string's length; 0: empty slot
}

// MaxLen is the longest string a Table holds.
const MaxLen = 8

// New builds a table of the entries whose keys are 1 to MaxLen bytes long
// (others are left out), at most 1/spread full: 2 keeps a miss to a probe
// or two, 4 for tables small enough that space does not matter. It reads
// entries twice, and a key given twice keeps its last value.
func New(entries iter.Seq2[string, uint32], spread int) *Table {
	n := 0
	for k := range entries {
		if len(k) > 0 && len(k) <= MaxLen {
			n++
		}
	}
	size := 1 << max(4, bits.Len(uint(spread*n)))
	t := &Table{slots: make([]slot, size), shift: uint8(64 - bits.TrailingZeros(uint(size)))}
	mask := uint64(size - 1)
	for k, v := range entries {
		if len(k) == 0 || len(k) > MaxLen {
			continue
		}
		key := Pack(k)
		i := t.home(key, len(k))
		for t.slots[i].n != 0 && (t.slots[i].key != key || t.slots[i].n != uint32(len(k))) {
			i = (i + 1) & mask
		}
		t.slots[i] = slot{key: key, val: v, n: uint32(len(k))}
	}
	return t
}

// Pack packs a string of at most 8 bytes into a key as GetPacked takes it:
// two overlapping 4-byte loads, or three single bytes, whose shared bytes
// agree (no loop, and no store of the bytes to reload them as a word).
func Pack[S string | []byte](s S) uint64 {
	switch n := len(s); {
	case n >= 4:
		return uint64(load32(s[:4])) | uint64(load32(s[n-4:]))<<(8*(n-4))
	case n > 0:
		return uint64(s[0]) | uint64(s[n/2])<<(8*(n/2)) | uint64(s[n-1])<<(8*(n-1))
	}
	return 0
}

// load32 reads the first 4 bytes of s little-endian (one load once compiled).
func load32[S string | []byte](s S) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

// home is the first slot of key's probe run: the top bits of a Fibonacci
// multiply, mixed with the length.
func (t *Table) home(key uint64, n int) uint64 {
	return (key ^ uint64(n)<<59) * 0x9E3779B97F4A7C15 >> t.shift
}

// Get returns the value of s, and whether s is in the table.
func Get[S string | []byte](t *Table, s S) (uint32, bool) {
	if len(s) == 0 || len(s) > MaxLen {
		return 0, false
	}
	return GetPacked(t, Pack(s), len(s))
}

// GetPacked is Get for a string of n bytes already packed as the table
// packs its keys: little-endian in a uint64, zero above the n bytes (what
// an 8-byte load of a zero-padded buffer gives).
func GetPacked(t *Table, k uint64, n int) (uint32, bool) {
	if n == 0 || n > MaxLen {
		return 0, false
	}
	mask := uint64(len(t.slots) - 1)
	for i := t.home(k, n); ; i = (i + 1) & mask {
		e := &t.slots[i]
		if e.n == 0 {
			return 0, false
		}
		if e.key == k && e.n == uint32(n) {
			return e.val, true
		}
	}
}
