package quality

import "math/bits"

// The Gopher repetition rules, as datatrove implements them, with one
// difference: the top n-gram counts only when it occurs at least twice (a
// text of two words is not one repeated bigram).

const (
	topNgrams = 3 // 2-, 3- and 4-grams
	dupNgrams = 6 // 5- to 10-grams
)

// table is an open-addressing hash table from a 64-bit hash to a count. A
// generation counter clears it in O(1), so a worker's tables serve all its
// texts. A slot is one 16-byte struct: a probe touches one cache line.
type table struct {
	slots []slot
	cur   uint32
	shift uint
}

type slot struct {
	key   uint64
	gen   uint32
	count int32
}

// reset empties t for up to n keys.
func (t *table) reset(n int) {
	size := 16
	for size < 2*n {
		size *= 2
	}
	if cap(t.slots) < size || t.cur == ^uint32(0) {
		t.slots, t.cur = make([]slot, size), 0
	}
	// A larger table from a longer text serves with its first size slots:
	// a short text's keys stay close together in the cache.
	t.slots = t.slots[:size]
	t.cur++
	t.shift = uint(64 - bits.TrailingZeros(uint(size)))
}

// add counts key and returns its count before and its slot, whose count
// t.count reads once every key is in.
func (t *table) add(key uint64) (before int32, at int32) {
	mask := uint64(len(t.slots) - 1)
	for i := (key * 0x9e3779b97f4a7c15) >> t.shift; ; i = (i + 1) & mask {
		sl := &t.slots[i]
		if sl.gen != t.cur {
			*sl = slot{key: key, gen: t.cur, count: 1}
			return 0, int32(i)
		}
		if sl.key == key {
			sl.count++
			return sl.count - 1, int32(i)
		}
	}
}

func (t *table) count(at int32) int32 { return t.slots[at].count }

// dupSpans returns how many spans repeat an earlier one and their bytes.
func dupSpans(spans []span, t *table) (dups, bytes int) {
	t.reset(len(spans))
	for _, s := range spans {
		if before, _ := t.add(s.hash); before > 0 {
			dups++
			bytes += s.n
		}
	}
	return dups, bytes
}

// ngrams returns the bytes covered by the most frequent repeated n-gram
// for n = 2..4 (its length times its count, when it occurs at least twice)
// and the bytes of n-grams that repeat an earlier one for n = 5..10, read
// left to right and skipping past each repeat as datatrove's
// find_all_duplicate does, so no byte counts twice. An n-gram's bytes are
// its words' and the n-1 spaces between them.
//
// An n-gram can only repeat where its (n-1)-gram prefix (for 3- and
// 4-grams) or its 5-gram prefix (for 6- to 10-grams) occurs twice or more,
// so after one pass that counts every 2- and 5-gram, the longer n-grams
// are hashed and counted only there: the same results for a fraction of
// the work, since most positions of natural text start no repeated 5-gram.
func ngrams(words []word, sc *ngramScratch) (top [topNgrams]int, dup [dupNgrams]int) {
	ts := &sc.tables
	for k := range ts {
		ts[k].reset(len(words))
	}
	n := len(words)
	at := func(buf *[]int32) []int32 {
		if cap(*buf) < n {
			*buf = make([]int32, n)
		}
		*buf = (*buf)[:n]
		return *buf
	}
	at2, at3, at5 := at(&sc.at2), at(&sc.at3), at(&sc.at5)
	// bytes and hash of words[i:i+k]
	span := func(i, k int) (h uint64, b int) {
		h = uint64(k)
		for _, w := range words[i : i+k] {
			h = (h ^ w.hash) * fnvPrime
			h ^= h >> 29
			b += int(w.n)
		}
		return h, b + k - 1
	}
	for i := 0; i+2 <= n; i++ {
		h, _ := span(i, 2)
		_, at2[i] = ts[0].add(h)
		if i+5 <= n {
			h, _ = span(i, 5)
			_, at5[i] = ts[full5].add(h)
		}
	}
	best := func(k int, c int32, b int) {
		if c >= 2 {
			top[k-2] = max(top[k-2], int(c)*b)
		}
	}
	for i := 0; i+2 <= n; i++ {
		c2 := ts[0].count(at2[i])
		_, b := span(i, 2)
		best(2, c2, b)
		at3[i] = -1
		if c2 < 2 || i+3 > n {
			continue
		}
		h, _ := span(i, 3)
		_, at3[i] = ts[1].add(h)
	}
	for i := 0; i+3 <= n; i++ {
		if at3[i] < 0 {
			continue
		}
		c3 := ts[1].count(at3[i])
		_, b := span(i, 3)
		best(3, c3, b)
		if c3 < 2 || i+4 > n {
			continue
		}
		h, b4 := span(i, 4)
		if before, _ := ts[2].add(h); before > 0 {
			best(4, before+1, b4)
		}
	}
	for k := 5; k <= dupNgrams+4; k++ {
		t := &ts[full5+k-4]
		for i := 0; i+k <= n; {
			if ts[full5].count(at5[i]) < 2 { // no repeat starts here, nor can this one repeat later
				i++
				continue
			}
			h, b := span(i, k)
			if before, _ := t.add(h); before > 0 {
				dup[k-5] += b
				i += k
				continue
			}
			i++
		}
	}
	return top, dup
}

// ngramScratch is a worker's memory for ngrams: tables for the 2-, 3- and
// 4-gram counts, the 5-gram counts and the sets of the 5- to 10-gram
// scans; slot numbers per position.
type ngramScratch struct {
	tables        [topNgrams + 1 + dupNgrams]table
	at2, at3, at5 []int32
}

// full5 is the table of every 5-gram's count.
const full5 = topNgrams
