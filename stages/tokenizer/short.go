package tokenizer

import "math/bits"

// shortTable finds the rank of a piece of at most 8 bytes, which is most
// pieces of natural text (a word and its leading space), with one probe of
// a flat table: the piece's bytes, zero-padded, are the key, and its length
// sits in the entry beside the rank (a token may end in zero bytes). A Go
// map of strings touches its control word, its slot and the key's bytes:
// two or three cache misses per lookup in a vocabulary of 200,000 tokens,
// where this takes one. Longer pieces use the map.
type shortTable struct {
	slots []shortEntry
	shift uint8 // 64 - log2(len(slots))
}

type shortEntry struct {
	key  uint64 // the token's bytes, little-endian, zero-padded
	rank uint32
	n    uint32 // the token's length; 0: empty slot
}

// shortKey packs a piece of at most 8 bytes.
func shortKey(s string) uint64 {
	var k uint64
	for i := len(s) - 1; i >= 0; i-- {
		k = k<<8 | uint64(s[i])
	}
	return k
}

// home is the first slot of key's probe run: the top bits of a Fibonacci
// multiply mixed with the length.
func (t *shortTable) home(key uint64, n int) uint64 {
	return (key ^ uint64(n)<<59) * 0x9E3779B97F4A7C15 >> t.shift
}

func newShortTable(ranks map[string]uint32) *shortTable {
	n := 0
	for tok := range ranks {
		if len(tok) > 0 && len(tok) <= 8 {
			n++
		}
	}
	// At most half full: an absent piece (a word made of several tokens)
	// ends its probe at an empty slot within a cache line or two.
	size := 1 << max(4, bits.Len(uint(2*n)))
	t := &shortTable{slots: make([]shortEntry, size), shift: uint8(64 - bits.TrailingZeros(uint(size)))}
	mask := uint64(size - 1)
	for tok, r := range ranks {
		if len(tok) == 0 || len(tok) > 8 {
			continue
		}
		k := shortKey(tok)
		i := t.home(k, len(tok))
		for t.slots[i].n != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = shortEntry{key: k, rank: r, n: uint32(len(tok))}
	}
	return t
}

// rank returns the rank of piece (1 to 8 bytes), or noRank.
func (t *shortTable) rank(piece string) uint32 {
	k := shortKey(piece)
	mask := uint64(len(t.slots) - 1)
	for i := t.home(k, len(piece)); ; i = (i + 1) & mask {
		e := &t.slots[i]
		if e.n == 0 {
			return noRank
		}
		if e.key == k && e.n == uint32(len(piece)) {
			return e.rank
		}
	}
}
