package minhash

import (
	"cmp"
	"fmt"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/tuneprep/tuneprep/stages/offheap"
)

// ContainmentIndex answers "which reference texts contain this text?" (the
// overlap check for train/test leakage, decontamination against evaluation
// sets and few-shot banks). It measures containment, not Jaccard: a short
// text copied out of a long reference is leakage although their Jaccard is
// small.
//
// For a query set A, a reference set B of word n-gram hashes, and the
// index's boilerplate X:
//
//	containment(A in B) = |A ∩ B \ X| / |A \ X|   (the query inside a reference)
//	containment(B in A) = |A ∩ B \ X| / |B \ X|   (a reference, e.g. an eval
//	                                               item, inside the query)
//
// Boilerplate is every n-gram found in more than MaxRefs references
// (DefaultMaxRefs unless SetMaxRefs says otherwise): template text such as
// a canned answer's "you can reach our customer service team" is no
// evidence that two records overlap, and skipping it bounds a query's work
// to MaxRefs postings per n-gram, so that checking every record of a data
// set costs time linear in its size, however templated. With fewer than
// MaxRefs references nothing is boilerplate and the figures are plain
// containment. Stats says what was skipped.
//
// The index is an inverted index in compressed sparse row form: sorted
// distinct 64-bit n-gram hashes, an offset per hash, and the reference ids
// per hash (none kept for boilerplate), and a directory of the sorted
// hashes by their top bits: 16-20 bytes per distinct n-gram plus 4 bytes per (n-gram,
// reference) pair that is not boilerplate, plus 4 bytes per reference id
// (ids should be small and dense: each concurrent query also counts hits in
// an array of 4 bytes per id). No texts. Counts are exact up to 64-bit hash
// collisions.
//
// Postings are merged into the sorted arrays in batches as they are added:
// those waiting take at most half the bytes of the arrays (or 32 MB), and a
// merge holds the old arrays and the new ones. Add all references before querying:
// the first query after an Add merges the last batch and rebuilds the
// directory. QueryEither is safe for concurrent use.
type ContainmentIndex struct {
	sh      *Shingler
	maxRefs int
	// mem holds the tables below that are large: off the heap, in huge
	// pages where the system has them. A merge writes fresh tables as big
	// as the index; on the heap each page of them was faulted in one at a
	// time, 10-20 us a page on this project's VM (a third of a run's page
	// faults at 100k contracts).
	mem *offheap.Arena

	mu sync.RWMutex
	// pending are the postings added since the last merge into the sorted
	// arrays below, at most half their bytes (or minMerge postings), so that
	// memory stays near the compressed size however many references are
	// added.
	pending  []posting
	minMerge int      // minMerge unless a test says otherwise
	stale    bool     // dir does not index keys yet
	keys     []uint64 // distinct n-gram hashes, ascending
	offs     []uint32 // refs[offs[i]:offs[i+1]] hold keys[i]; empty for boilerplate
	refs     []uint32 // reference ids per key, in no set order
	dir      []uint32 // dir[p]: the first key whose top bits are p or more; one more than the buckets
	shift    uint8    // 64 - log2(buckets)
	bpRefs   []uint32 // the i-th boilerplate key (ascending) is in bpRefs[i] references
	bpBits   []uint64 // bit k%64 of bpBits[k/64]: keys[k] is boilerplate
	bpBase   []uint32 // boilerplate keys before keys[64*b]
	sizes    []uint32 // reference id -> 1 + its n-grams that are not boilerplate; 0: not added
	nrefs    int
	top      []CommonNgram
	scratch  sync.Pool // *hitCounter, one per concurrent query

	// Work done by queries, for Stats (updated once per query).
	queries, queryNgrams, visited, bpHits, skipped atomic.Int64
}

// DefaultMaxRefs is the default boilerplate bound: an n-gram found in more
// than this many references is template text, not evidence of overlap. A
// passage copied between a training and an evaluation record sits in a
// handful of records (near variants share a split); a phrase in more than
// 50 evaluation records is how the data is written.
const DefaultMaxRefs = 50

// hitCounter counts postings per reference id without sorting them: a dense
// array indexed by id and the list of ids touched, reset after each query.
type hitCounter struct {
	counts   []uint32
	touched  []uint32
	set      []uint64
	found    []uint32 // indexes of the query's n-grams in keys
	distinct distinctTable
}

// Match is a reference record found by a containment query.
type Match struct {
	ID uint32
	// Containment is |A ∩ B| / |A|, the share of the query inside the
	// reference (boilerplate left out of both sets).
	Containment float64
	// RefContainment is |A ∩ B| / |B|, the share of the reference inside the query.
	RefContainment float64
}

// CommonNgram is a boilerplate n-gram: its hash (the text is not kept) and
// the number of references it is found in.
type CommonNgram struct {
	Hash    string `json:"hash"`
	Records int    `json:"records"`
}

// IndexStats says what an index holds, what it treated as boilerplate and
// how much work its queries did.
type IndexStats struct {
	References int   `json:"records"`
	Ngrams     int   `json:"ngrams"`
	Postings   int64 `json:"postings"`
	// MaxRefs is the boilerplate bound: n-grams in more references than this
	// are boilerplate.
	MaxRefs             int   `json:"boilerplate_above_records"`
	Boilerplate         int   `json:"boilerplate_ngrams"`
	BoilerplatePostings int64 `json:"boilerplate_postings"`
	// Top lists at most 5 boilerplate n-grams, most references first.
	Top         []CommonNgram `json:"boilerplate_top"`
	Queries     int64         `json:"queries"`
	QueryNgrams int64         `json:"query_ngrams"`
	// Visited counts the postings queries walked: at most MaxRefs per query
	// n-gram.
	Visited int64 `json:"postings_visited"`
	// BoilerplateHits and Skipped count the query n-grams found to be
	// boilerplate and the postings they would have walked.
	BoilerplateHits int64 `json:"query_boilerplate_ngrams"`
	Skipped         int64 `json:"postings_skipped"`
	// OffHeap is the bytes of the index's tables kept off the Go heap,
	// which heap statistics do not show.
	OffHeap int64 `json:"off_heap_bytes"`
}

// NewContainmentIndex returns an empty index over n-grams of size n (5 for
// leakage reports, 13 for decontamination); cfg gives the other shingle
// options (its N is replaced by n; word n-grams unless cfg.Kind says Chars).
// N-grams in more than DefaultMaxRefs references are boilerplate.
func NewContainmentIndex(n int, cfg ShingleConfig) (*ContainmentIndex, error) {
	if n < 1 {
		return nil, fmt.Errorf("minhash: containment n %d: want >= 1", n)
	}
	cfg.N = n
	sh, err := newShingler(cfg)
	if err != nil {
		return nil, err
	}
	c := &ContainmentIndex{sh: sh, maxRefs: DefaultMaxRefs, minMerge: minMerge, mem: offheap.New()}
	runtime.AddCleanup(c, (*offheap.Arena).Release, c.mem)
	return c, nil
}

// SetMaxRefs sets the boilerplate bound k (k >= 1): n-grams found in more
// than k references are boilerplate, and a query walks at most k postings
// per n-gram. Set it before the first Add.
func (c *ContainmentIndex) SetMaxRefs(k int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k < 1 {
		return fmt.Errorf("minhash: containment boilerplate bound %d: want >= 1", k)
	}
	if c.nrefs > 0 {
		return fmt.Errorf("minhash: containment boilerplate bound set after Add")
	}
	c.maxRefs = k
	return nil
}

// N returns the n-gram size.
func (c *ContainmentIndex) N() int { return c.sh.n }

// Add adds a reference text under id and returns its number of distinct
// n-grams; 0 means the text is shorter than n words and can never match
// (check it by exact comparison instead). Adding an id twice is an error.
func (c *ContainmentIndex) Add(id uint32, text string) (int, error) {
	hc := c.counter()
	defer c.scratch.Put(hc)
	hc.set = c.sh.appendDistinct(hc.set[:0], text, &hc.distinct)
	set := hc.set // copied into pending below
	c.mu.Lock()
	defer c.mu.Unlock()
	if id == 1<<32-1 {
		return 0, fmt.Errorf("minhash: containment add %d: id out of range", id)
	}
	if int(id) < len(c.sizes) && c.sizes[id] != 0 {
		return 0, fmt.Errorf("minhash: containment add %d: id already added", id)
	}
	if int(id) >= len(c.sizes) {
		c.sizes = slices.Grow(c.sizes, int(id)+1-len(c.sizes))[:id+1]
	}
	c.sizes[id] = uint32(min(uint64(len(set)), 1<<32-2)) + 1
	c.nrefs++
	// Postings go into room made for a whole batch, never grown by append:
	// 32 MB of them grown from nil are copied five times over into fresh
	// pages, 40x slower on this project's VM than appends into room made
	// at once. The first batch is small, so that a run of a few records
	// does not clear 32 MB (0.2 s here).
	if c.pending == nil {
		c.pending = offheap.Table[posting](c.mem, c.batchCap())[:0]
	}
	if len(c.pending)+len(set) > cap(c.pending) && len(c.pending) > 0 {
		c.merge() // and make room for the next batch
	}
	for _, h := range set {
		c.pending = append(c.pending, posting{h, id})
	}
	if len(c.pending) >= c.mergeAt() {
		c.merge()
	}
	return len(set), nil
}

// mergeAt is the number of pending postings at which Add merges them:
// when they take half the bytes of the sorted arrays (16 bytes a pending
// posting; about 20 a key and 4 a reference there), at least minMerge.
func (c *ContainmentIndex) mergeAt() int {
	return max(c.minMerge, (20*len(c.keys)+4*len(c.refs))/32)
}

// batchCap is the room made for the next batch of postings: twice the
// last batch's, from firstBatch up to mergeAt. Batches that double cost
// merges linear in the postings, as batches of mergeAt do.
func (c *ContainmentIndex) batchCap() int {
	return min(c.mergeAt(), max(firstBatch, 2*cap(c.pending)))
}

// firstBatch is the room made for the first batch of postings (1 MB).
const firstBatch = 1 << 16

// posting says that n-gram h is in reference id.
type posting struct {
	h  uint64
	id uint32
}

// minMerge is the least number of pending postings merged at a time
// (32 MB of them). A merge costs time linear in the index, and the index
// grows by a fixed share of itself between merges, so the merges of a
// build cost time linear in its postings.
const minMerge = 1 << 21

// QueryEither returns the references where either containment reaches the
// threshold, best first by the larger of the two, ties by ascending id: one
// pass for the leakage and decontamination checks, which look both ways.
func (c *ContainmentIndex) QueryEither(text string, threshold float64) []Match {
	return c.query(text, threshold, byEither)
}

type direction int

const (
	byQuery direction = iota
	byReference
	byEither
)

func (m Match) score(by direction) float64 {
	switch by {
	case byQuery:
		return m.Containment
	case byReference:
		return m.RefContainment
	}
	return max(m.Containment, m.RefContainment)
}

// query returns the references whose containment in the given direction reaches
// threshold, best first, ties by ascending id; nil for a query shorter than n
// words or made only of boilerplate. It walks at most maxRefs postings per
// n-gram of the query.
func (c *ContainmentIndex) query(text string, threshold float64, by direction) []Match {
	c.ensureBuilt()
	c.mu.RLock()
	defer c.mu.RUnlock()
	hc := c.counter()
	if len(hc.counts) < len(c.sizes) {
		hc.counts = make([]uint32, len(c.sizes))
	}
	defer c.scratch.Put(hc)
	hc.set = c.sh.appendDistinct(hc.set[:0], text, &hc.distinct)
	if len(hc.set) == 0 {
		return nil
	}
	// Four passes, so that the cache misses of one pass overlap instead of
	// queueing behind each other: load each n-gram's directory entry, then
	// find the n-grams and load their offsets, then load the first posting
	// of each list (a list is about one cache line, at a random place in a
	// large array), then walk the postings.
	c.touch(hc.set)
	hc.found = hc.found[:0]
	var or uint32
	for _, h := range hc.set {
		if i, ok := c.find(h); ok {
			hc.found = append(hc.found, uint32(i))
			or |= c.offs[i+1]
		}
	}
	keep(uint64(or))
	for _, i := range hc.found {
		if o := c.offs[i]; o < c.offs[i+1] {
			or |= c.refs[o]
		}
	}
	keep(uint64(or))
	var visited, bpHits, skipped int64
	size := len(hc.set) // the query's n-grams that are not boilerplate
	for _, i := range hc.found {
		ids := c.refs[c.offs[i]:c.offs[i+1]]
		if len(ids) == 0 {
			size--
			bpHits++
			skipped += int64(c.bpRefs[c.bpRank(i)])
			continue
		}
		visited += int64(len(ids))
		for _, id := range ids {
			if hc.counts[id] == 0 {
				hc.touched = append(hc.touched, id)
			}
			hc.counts[id]++
		}
	}
	c.queries.Add(1)
	c.queryNgrams.Add(int64(len(hc.set)))
	c.visited.Add(visited)
	c.bpHits.Add(bpHits)
	c.skipped.Add(skipped)
	var out []Match
	for _, id := range hc.touched {
		shared := float64(hc.counts[id])
		hc.counts[id] = 0
		// Every touched reference holds a shared n-gram that is not
		// boilerplate, so both sizes are at least 1.
		m := Match{ID: id, Containment: shared / float64(size), RefContainment: shared / float64(c.sizes[id]-1)}
		if m.score(by) >= threshold {
			out = append(out, m)
		}
	}
	hc.touched = hc.touched[:0]
	slices.SortFunc(out, func(a, b Match) int {
		return cmp.Or(cmp.Compare(b.score(by), a.score(by)), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// counter returns scratch space for one query or Add; put it back in
// c.scratch.
func (c *ContainmentIndex) counter() *hitCounter {
	if hc, ok := c.scratch.Get().(*hitCounter); ok {
		return hc
	}
	return &hitCounter{}
}

// bpRank returns the place of keys[k], a boilerplate key, among the
// boilerplate keys: the count of those before it, found in two loads where
// a binary search of them took a dozen (2% of a run's CPU at 500k
// contracts, whose queries meet 17M boilerplate n-grams).
func (c *ContainmentIndex) bpRank(k uint32) uint32 {
	return c.bpBase[k/64] + uint32(bits.OnesCount64(c.bpBits[k/64]&(1<<(k%64)-1)))
}

// Stats returns what the index holds and the work of the queries so far.
func (c *ContainmentIndex) Stats() IndexStats {
	c.ensureBuilt()
	c.mu.RLock()
	defer c.mu.RUnlock()
	st := IndexStats{References: c.nrefs, Ngrams: len(c.keys), Postings: int64(len(c.refs)),
		MaxRefs: c.maxRefs, Boilerplate: len(c.bpRefs), Top: slices.Clone(c.top),
		Queries: c.queries.Load(), QueryNgrams: c.queryNgrams.Load(), Visited: c.visited.Load(),
		BoilerplateHits: c.bpHits.Load(), Skipped: c.skipped.Load(), OffHeap: c.mem.Mapped()}
	for _, n := range c.bpRefs {
		st.BoilerplatePostings += int64(n)
	}
	if st.Top == nil {
		st.Top = []CommonNgram{}
	}
	return st
}

// ensureBuilt merges pending postings into the compressed index and
// indexes its keys for lookups.
func (c *ContainmentIndex) ensureBuilt() {
	c.mu.RLock()
	clean := len(c.pending) == 0 && !c.stale
	c.mu.RUnlock()
	if clean {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) > 0 {
		c.merge()
	}
	if c.stale {
		c.buildLookup()
		c.stale = false
	}
}

// merge merges the pending postings into the sorted arrays, in one pass
// over both. An n-gram that is boilerplate stays so (its count only
// grows); one that crosses maxRefs now becomes so, and its postings are
// dropped. The result does not depend on when merges happen.
func (c *ContainmentIndex) merge() {
	p := c.pending
	// By n-gram only: the order of an n-gram's references changes no count.
	sortPostings(p)
	// Room for every n-gram and posting the merge can keep, so that no
	// append copies the arrays again (a third of a merge's time when the
	// room was guessed).
	fresh := 0 // distinct n-grams pending
	for k := range p {
		if k == 0 || p[k].h != p[k-1].h {
			fresh++
		}
	}
	b := builder{c: c, keys: offheap.Table[uint64](c.mem, len(c.keys)+fresh)[:0], offs: offheap.Table[uint32](c.mem, len(c.keys)+fresh+1)[:0],
		refs: offheap.Table[uint32](c.mem, len(c.refs)+len(p))[:0]}
	var ids []uint32 // the pending references of the n-gram at hand
	i, j := 0, 0     // next old n-gram, next old boilerplate n-gram
	for lo := 0; lo < len(p) || i < len(c.keys); {
		if lo == len(p) || i < len(c.keys) && c.keys[i] < p[lo].h {
			b.old(i, &j) // only in the index
			i++
			continue
		}
		h := p[lo].h
		ids = ids[:0]
		for ; lo < len(p) && p[lo].h == h; lo++ {
			ids = append(ids, p[lo].id)
		}
		var olds []uint32
		if i < len(c.keys) && c.keys[i] == h {
			if c.offs[i] == c.offs[i+1] { // boilerplate already
				b.boilerplate(h, c.bpRefs[j]+uint32(len(ids)), ids)
				i, j = i+1, j+1
				continue
			}
			olds = c.refs[c.offs[i]:c.offs[i+1]]
			i++
		}
		if n := len(olds) + len(ids); n > c.maxRefs {
			b.boilerplate(h, uint32(n), olds, ids)
			continue
		}
		b.keys = append(b.keys, h)
		b.offs = append(b.offs, uint32(len(b.refs)))
		b.refs = append(append(b.refs, olds...), ids...)
	}
	offheap.FreeTable(c.mem, c.keys)
	offheap.FreeTable(c.mem, c.offs)
	offheap.FreeTable(c.mem, c.refs)
	c.keys, c.offs, c.refs = b.keys, append(b.offs, uint32(len(b.refs))), b.refs
	c.bpRefs = b.bpRefs
	c.top = b.top
	// Room for the next batch, so that appends do not copy it as it grows.
	if next := c.batchCap(); cap(c.pending) < next || cap(c.pending) > 2*next {
		offheap.FreeTable(c.mem, c.pending)
		c.pending = offheap.Table[posting](c.mem, next)[:0]
	}
	c.pending = c.pending[:0]
	c.stale = true
}

// builder collects a rebuilt index.
type builder struct {
	c          *ContainmentIndex
	keys       []uint64
	offs, refs []uint32
	bpRefs     []uint32
	top        []CommonNgram
}

// maxTop is how many boilerplate n-grams Stats names.
const maxTop = 5

// old copies the index's n-gram i into the new one; *j is the index's next
// boilerplate n-gram.
func (b *builder) old(i int, j *int) {
	c := b.c
	if c.offs[i] == c.offs[i+1] {
		b.boilerplate(c.keys[i], c.bpRefs[*j])
		*j++
		return
	}
	b.keys = append(b.keys, c.keys[i])
	b.offs = append(b.offs, uint32(len(b.refs)))
	b.refs = append(b.refs, c.refs[c.offs[i]:c.offs[i+1]]...)
}

// boilerplate adds boilerplate n-gram h found in refs references; fresh
// are the references of its postings not yet discounted from their sizes.
func (b *builder) boilerplate(h uint64, refs uint32, fresh ...[]uint32) {
	b.keys = append(b.keys, h)
	b.offs = append(b.offs, uint32(len(b.refs)))
	b.bpRefs = append(b.bpRefs, refs)
	for _, ids := range fresh {
		for _, id := range ids {
			b.c.sizes[id]--
		}
	}
	// Keep the maxTop most common, ties by ascending hash (keys arrive in
	// ascending order, so a tie never displaces an earlier one).
	i := len(b.top)
	for i > 0 && b.top[i-1].Records < int(refs) {
		i--
	}
	if i < maxTop {
		b.top = slices.Insert(b.top, i, CommonNgram{Hash: fmt.Sprintf("%016x", h), Records: int(refs)})
		if len(b.top) > maxTop {
			b.top = b.top[:maxTop]
		}
	}
}

// buildLookup indexes keys by their top bits: the keys of bucket p are
// keys[dir[p]:dir[p+1]]. Keys are sorted uniform 64-bit hashes, so a
// bucket holds about one key, and the directory takes 4-8 bytes a key
// where a hash table at most half full took 8-16, for the same loads: one
// in the directory, one in keys.
func (c *ContainmentIndex) buildLookup() {
	width := uint8(1)
	for 1<<width < len(c.keys) {
		width++
	}
	offheap.FreeTable(c.mem, c.dir)
	c.dir, c.shift = offheap.Table[uint32](c.mem, 1<<width+1), 64-width
	p := 0
	for k, h := range c.keys {
		for ; p <= int(h>>c.shift); p++ {
			c.dir[p] = uint32(k)
		}
	}
	for ; p < len(c.dir); p++ {
		c.dir[p] = uint32(len(c.keys))
	}
	// Boilerplate keys are those with no postings.
	blocks := (len(c.keys) + 63) / 64
	c.bpBits, c.bpBase = slices.Grow(c.bpBits[:0], blocks)[:blocks], slices.Grow(c.bpBase[:0], blocks)[:blocks]
	clear(c.bpBits)
	rank := uint32(0)
	for k := range c.keys {
		if k%64 == 0 {
			c.bpBase[k/64] = rank
		}
		if c.offs[k] == c.offs[k+1] {
			c.bpBits[k/64] |= 1 << (k % 64)
			rank++
		}
	}
}

// touch loads the directory entry of each n-gram in set (see
// multiTable.touch).
func (c *ContainmentIndex) touch(set []uint64) {
	if len(c.keys) == 0 { // never built: no directory
		return
	}
	var or uint32
	for _, h := range set {
		or |= c.dir[h>>c.shift]
	}
	keep(uint64(or))
}

// find returns the index of h in keys.
func (c *ContainmentIndex) find(h uint64) (int, bool) {
	if len(c.keys) == 0 {
		return 0, false
	}
	p := h >> c.shift
	for i, end := c.dir[p], c.dir[p+1]; i < end; i++ {
		if c.keys[i] == h {
			return int(i), true
		}
	}
	return 0, false
}
