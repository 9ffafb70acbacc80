package tokenizer

import (
	"hash/maphash"
	"strings"
	"sync/atomic"
)

// cacheSlots is the number of entries of the piece cache (a power of two).
// Natural text repeats its multi-token words; 65536 slots hold the working
// set of a 3 MB corpus with few evictions, in 512 KB of pointers plus at most
// about 10 MB of entries (pieces are at most 128 bytes) per encoding.
const cacheSlots = 1 << 16

// pieceCache remembers the tokens of pieces that are not single tokens, so a
// repeated word costs one hash and one comparison instead of a merge. It is
// direct-mapped: a new piece evicts whatever shared its slot, which bounds
// memory without locks; slots are atomic pointers to immutable entries, so
// readers never see a torn entry.
type pieceCache struct {
	seed  maphash.Seed
	slots [cacheSlots]atomic.Pointer[cacheEntry]
}

type cacheEntry struct {
	piece string
	ids   []uint32
}

func newPieceCache() *pieceCache {
	return &pieceCache{seed: maphash.MakeSeed()}
}

// get returns the cached tokens of piece, or nil.
func (c *pieceCache) get(piece string) []uint32 {
	e := c.slots[maphash.String(c.seed, piece)&(cacheSlots-1)].Load()
	if e != nil && e.piece == piece {
		return e.ids
	}
	return nil
}

// put stores the tokens of piece, copying both.
func (c *pieceCache) put(piece string, ids []uint32) {
	e := &cacheEntry{piece: strings.Clone(piece), ids: append([]uint32(nil), ids...)}
	c.slots[maphash.String(c.seed, piece)&(cacheSlots-1)].Store(e)
}
