package shortkey

import (
	"iter"
	"math/bits"
)

// Wide is a Table for strings of 9 to 16 bytes (WideMin to WideMax): the
// longer words of a text and of a vocabulary (" agreement",
// " indemnification"), which a Go map of strings finds with two or three
// cache misses and a byte comparison, and Wide with one probe of a 24-byte
// slot. Immutable, safe for concurrent use.
type Wide struct {
	slots []wideSlot
	shift uint8 // 64 - log2(len(slots))
}

type wideSlot struct {
	lo, hi uint64 // bytes 0-7, and the bytes from 8 on, zero-padded
	val    uint32
	n      uint32 // the string's length; 0: empty slot
}

// The lengths a Wide holds.
const (
	WideMin = MaxLen + 1
	WideMax = 2 * MaxLen
)

// NewWide builds a Wide of the entries whose keys are WideMin to WideMax
// bytes long (others are left out), at most 1/spread full. It reads
// entries twice, and a key given twice keeps its last value.
func NewWide(entries iter.Seq2[string, uint32], spread int) *Wide {
	n := 0
	for k := range entries {
		if len(k) >= WideMin && len(k) <= WideMax {
			n++
		}
	}
	size := 1 << max(4, bits.Len(uint(spread*n)))
	w := &Wide{slots: make([]wideSlot, size), shift: uint8(64 - bits.TrailingZeros(uint(size)))}
	mask := uint64(size - 1)
	for k, v := range entries {
		if len(k) < WideMin || len(k) > WideMax {
			continue
		}
		lo, hi := packWide(k)
		i := w.home(lo, hi, len(k))
		for s := &w.slots[i]; s.n != 0 && (s.lo != lo || s.hi != hi || s.n != uint32(len(k))); s = &w.slots[i] {
			i = (i + 1) & mask
		}
		w.slots[i] = wideSlot{lo: lo, hi: hi, val: v, n: uint32(len(k))}
	}
	return w
}

// packWide packs a string of WideMin to WideMax bytes into two words: its
// first 8 bytes, and its last 8 shifted down past the bytes they share
// with the first (two loads, no loop).
func packWide(s string) (lo, hi uint64) {
	n := len(s)
	return Load64(s[:8]), Load64(s[n-8:]) >> (8 * (WideMax - n))
}

// Load64 reads the first 8 bytes of s little-endian (the compiler makes it
// one load).
func Load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// home is the first slot of a key's probe run. Many keys share their first
// 8 bytes (" agreeme|nt", " agreeme|d"), so the second word is mixed in
// by a multiply before the Fibonacci hash of the sum.
func (w *Wide) home(lo, hi uint64, n int) uint64 {
	return (lo ^ (hi^uint64(n)<<59)*0xC2B2AE3D27D4EB4F) * 0x9E3779B97F4A7C15 >> w.shift
}

// Get returns the value of s, and whether s is in the table.
func (w *Wide) Get(s string) (uint32, bool) {
	if len(s) < WideMin || len(s) > WideMax {
		return 0, false
	}
	lo, hi := packWide(s)
	mask := uint64(len(w.slots) - 1)
	for i := w.home(lo, hi, len(s)); ; i = (i + 1) & mask {
		e := &w.slots[i]
		if e.n == 0 {
			return 0, false
		}
		if e.lo == lo && e.hi == hi && e.n == uint32(len(s)) {
			return e.val, true
		}
	}
}
