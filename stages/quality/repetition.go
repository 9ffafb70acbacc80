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
// 4-grams) occurs twice or more, or (for 6- to 10-grams) where every 5-gram
// inside it does. So after one pass that counts every 2- and 5-gram, the
// longer n-grams are counted only there, in tables sized for them: the same
// results for a fraction of the work, since most positions of natural text
// start no repeated 5-gram. An n-gram's hash comes from prefix hashes of
// the word hashes (a polynomial, so each n-gram costs two multiplies
// whatever its length).
func ngrams(words []word, sc *ngramScratch) (top [topNgrams]int, dup [dupNgrams]int) {
	n := len(words)
	if n < 2 {
		return top, dup
	}
	ph, off := grow(&sc.prefix, n+1), grow(&sc.offset, n+1)
	ph[0], off[0] = 0, 0
	for i, w := range words {
		ph[i+1] = ph[i]*gramMul + w.hash
		off[i+1] = off[i] + uint64(w.n) + 1
	}
	hash := func(i, k int) uint64 { return ph[i+k] - ph[i]*gramPow[k] }
	size := func(i, k int) int { return int(off[i+k] - off[i] - 1) }
	best := func(k int, c int32, i int) {
		if c >= 2 {
			top[k-2] = max(top[k-2], int(c)*size(i, k))
		}
	}

	ts := &sc.tables
	at2, at5 := grow(&sc.at2, n), grow(&sc.at5, n)
	ts[0].reset(n - 1)
	ts[full5].reset(max(n-4, 0))
	for i := 0; i+2 <= n; i++ {
		_, at2[i] = ts[0].add(hash(i, 2))
		if i+5 <= n {
			_, at5[i] = ts[full5].add(hash(i, 5))
		}
	}

	// 3-grams where the 2-gram repeats; 4-grams where the 3-gram does.
	rep := grow(&sc.rep, n)
	r := 0
	for i := 0; i+2 <= n; i++ {
		c := ts[0].count(at2[i])
		best(2, c, i)
		if c >= 2 && i+3 <= n {
			rep[r] = int32(i)
			r++
		}
	}
	ts[1].reset(r)
	at3 := grow(&sc.at3, r)
	for j, i := range rep[:r] {
		_, at3[j] = ts[1].add(hash(int(i), 3))
	}
	r4 := 0
	for j, i := range rep[:r] {
		c := ts[1].count(at3[j])
		best(3, c, int(i))
		if c >= 2 && int(i)+4 <= n {
			rep[r4] = i
			r4++
		}
	}
	ts[2].reset(r4)
	for _, i := range rep[:r4] {
		if before, _ := ts[2].add(hash(int(i), 4)); before > 0 {
			best(4, before+1, int(i))
		}
	}

	// lone[i] counts the positions before i whose 5-gram occurs once: a
	// k-gram at i can repeat only if lone[i+k-4] == lone[i].
	if n < 5 {
		return top, dup
	}
	lone := grow(&sc.lone, n-3)
	lone[0] = 0
	for i := 0; i+5 <= n; i++ {
		lone[i+1] = lone[i]
		if ts[full5].count(at5[i]) < 2 {
			lone[i+1]++
		}
	}
	repeats := n - 4 - int(lone[n-4])
	for k := 5; k <= dupNgrams+4; k++ {
		t := &ts[full5+k-4]
		t.reset(repeats)
		for i := 0; i+k <= n; {
			if lone[i+k-4] != lone[i] { // an inner 5-gram occurs once: so does this k-gram
				i++
				continue
			}
			if before, _ := t.add(hash(i, k)); before > 0 {
				dup[k-5] += size(i, k)
				i += k
				continue
			}
			i++
		}
	}
	return top, dup
}

// gramMul is the prefix hash's multiplier (odd, so no bits are lost), and
// gramPow its powers.
const gramMul = 0x9E3779B97F4A7C15

var gramPow = func() (p [dupNgrams + 5]uint64) {
	p[0] = 1
	for k := 1; k < len(p); k++ {
		p[k] = p[k-1] * gramMul
	}
	return p
}()

// grow returns (*buf)[:n], reallocating only when it is too small.
func grow[T any](buf *[]T, n int) []T {
	if cap(*buf) < n {
		*buf = make([]T, n)
	}
	*buf = (*buf)[:n]
	return *buf
}

// ngramScratch is a worker's memory for ngrams: tables for the 2-, 3- and
// 4-gram counts, the 5-gram counts and the sets of the 5- to 10-gram
// scans; prefix hashes and byte offsets; slot numbers and positions.
type ngramScratch struct {
	tables         [topNgrams + 1 + dupNgrams]table
	prefix, offset []uint64
	at2, at3, at5  []int32
	rep, lone      []int32
}

// full5 is the table of every 5-gram's count.
const full5 = topNgrams
