package tokenizer

import (
	"math"

	"github.com/tuneprep/tuneprep/stages/shortkey"
)

// noRank marks a pair that is not in the vocabulary.
const noRank = math.MaxUint32

// shortPiece is the longest piece merged by the quadratic scan; longer pieces
// use a tournament tree, whose cost is O(n log n) but with a larger constant.
const shortPiece = 128

// rank returns the rank of piece, or noRank. Pieces longer than the longest
// token are rejected before hashing, which keeps long runs cheap.
func (t *Tokenizer) rank(piece string) uint32 {
	if len(piece) <= shortkey.MaxLen {
		if r, ok := shortkey.Get(t.short, piece); ok {
			return r
		}
		return noRank
	}
	if len(piece) <= shortkey.WideMax {
		if r, ok := t.wide.Get(piece); ok {
			return r
		}
		return noRank
	}
	if len(piece) > t.maxLen {
		return noRank
	}
	if r, ok := t.ranks[piece]; ok {
		return r
	}
	return noRank
}

// appendPiece appends the tokens of one piece (the output of the split
// pattern) to dst.
func (t *Tokenizer) appendPiece(dst []int, piece string) []int {
	if r := t.rank(piece); r != noRank {
		return append(dst, int(r))
	}
	if len(piece) > shortPiece {
		return t.mergeLong(dst, piece)
	}
	var buf [shortPiece]uint32
	for _, id := range t.shortIDs(piece, &buf) {
		dst = append(dst, int(id))
	}
	return dst
}

// countPiece returns the number of tokens of one piece; it allocates only to
// cache a piece seen for the first time or for pieces over shortPiece bytes.
func (t *Tokenizer) countPiece(piece string) int {
	if t.rank(piece) != noRank {
		return 1
	}
	if len(piece) > shortPiece {
		return len(t.mergeLong(nil, piece))
	}
	var buf [shortPiece]uint32
	return len(t.shortIDs(piece, &buf))
}

// shortIDs returns the tokens of a piece of at most shortPiece bytes that is
// not a single token, from the cache or by merging into buf.
func (t *Tokenizer) shortIDs(piece string, buf *[shortPiece]uint32) []uint32 {
	if ids := t.cache.get(piece); ids != nil {
		return ids
	}
	var starts [shortPiece + 1]int32
	m := t.mergeShort(piece, &starts)
	for k := range m {
		buf[k] = t.rank(piece[starts[k]:starts[k+1]])
	}
	t.cache.put(piece, buf[:m])
	return buf[:m]
}

// mergeShort runs the reference's byte-pair merge on a piece of at most
// shortPiece bytes: repeatedly merge the adjacent pair of lowest rank, the
// leftmost one on ties. It leaves the part boundaries in starts[0..m] and
// returns the number of parts m.
func (t *Tokenizer) mergeShort(piece string, starts *[shortPiece + 1]int32) int {
	var pair [shortPiece]uint32 // pair[k]: rank of parts k and k+1 joined
	m := len(piece)
	for k := 0; k <= m; k++ {
		starts[k] = int32(k)
	}
	for k := 0; k+1 < m; k++ {
		pair[k] = t.pairs[uint16(piece[k])<<8|uint16(piece[k+1])]
	}
	for m > 1 {
		best, at := uint32(noRank), -1
		for k := 0; k+1 < m; k++ {
			if pair[k] < best {
				best, at = pair[k], k
			}
		}
		if at < 0 {
			break
		}
		// Join parts at and at+1: drop boundary at+1 and pair at+1.
		copy(starts[at+1:m], starts[at+2:m+1])
		copy(pair[at+1:m-1], pair[at+2:m])
		m--
		if at+1 < m {
			pair[at] = t.rank(piece[starts[at]:starts[at+2]])
		} else {
			pair[at] = noRank
		}
		if at > 0 {
			pair[at-1] = t.rank(piece[starts[at-1]:starts[at+1]])
		}
	}
	return m
}

// mergeLong performs the same merge as mergeShort in O(n log n). Parts form
// a linked list over byte offsets; a tournament tree over the offsets holds
// the key (rank<<32 | offset) of the pair starting at each part, so the root
// is the lowest rank, leftmost on ties, exactly as the reference's linear
// scan. Consecutive merges touch neighbouring leaves, so the tree stays in
// cache far better than a heap with stale entries does.
func (t *Tokenizer) mergeLong(dst []int, piece string) []int {
	n := len(piece)
	next := make([]int32, n) // next[k]: start of the part after part k
	prev := make([]int32, n)
	tr := newMinTree(n)
	for k := range n {
		next[k], prev[k] = int32(k+1), int32(k-1)
		if k+1 < n {
			tr.leaves()[k] = pairKey(t.pairs[uint16(piece[k])<<8|uint16(piece[k+1])], k)
		}
	}
	tr.build()
	// pairKey of part k joined with the part after it.
	pairAt := func(k int32) uint64 {
		j := next[k]
		if int(j) >= n {
			return emptyKey
		}
		end := int32(n)
		if int(next[j]) < n {
			end = next[j]
		}
		return pairKey(t.rank(piece[k:end]), int(k))
	}
	for top := tr.min(); top != emptyKey; top = tr.min() {
		k := int32(top & math.MaxUint32)
		j := next[k]
		next[k] = next[j]
		if int(next[j]) < n {
			prev[next[j]] = k
		}
		tr.set(int(j), emptyKey)
		tr.set(int(k), pairAt(k))
		if p := prev[k]; p >= 0 {
			tr.set(int(p), pairAt(p))
		}
	}
	for k := int32(0); int(k) < n; k = next[k] {
		end := n
		if int(next[k]) < n {
			end = int(next[k])
		}
		dst = append(dst, int(t.rank(piece[k:end])))
	}
	return dst
}

// emptyKey marks a leaf without a mergeable pair; it sorts after every key.
const emptyKey = math.MaxUint64

// pairKey orders pairs by rank, then by offset.
func pairKey(rank uint32, offset int) uint64 {
	if rank == noRank {
		return emptyKey
	}
	return uint64(rank)<<32 | uint64(offset)
}

// minTree is a tournament tree: node i holds the minimum of nodes 2i and
// 2i+1, the root is node 1, and leaf k is node size+k.
type minTree struct {
	size int
	node []uint64
}

func newMinTree(n int) *minTree {
	size := 1
	for size < n {
		size <<= 1
	}
	node := make([]uint64, 2*size)
	for i := range node {
		node[i] = emptyKey
	}
	return &minTree{size: size, node: node}
}

func (m *minTree) leaves() []uint64 { return m.node[m.size:] }

func (m *minTree) build() {
	for i := m.size - 1; i >= 1; i-- {
		m.node[i] = min(m.node[2*i], m.node[2*i+1])
	}
}

func (m *minTree) min() uint64 { return m.node[1] }

// set changes leaf k and its ancestors, stopping where the minimum no longer
// changes.
func (m *minTree) set(k int, key uint64) {
	i := m.size + k
	m.node[i] = key
	for i > 1 {
		i >>= 1
		v := min(m.node[2*i], m.node[2*i+1])
		if m.node[i] == v {
			return
		}
		m.node[i] = v
	}
}
