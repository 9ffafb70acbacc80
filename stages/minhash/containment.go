package minhash

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
)

// ContainmentIndex answers "which reference texts contain this text?" (the
// overlap check for train/test leakage, decontamination against evaluation
// sets and few-shot banks). It measures containment, not Jaccard: a short
// text copied out of a long reference is leakage although their Jaccard is
// small.
//
// For a query set A and a reference set B of word n-gram hashes:
//
//	containment(A in B) = |A ∩ B| / |A|   (the query inside a reference)
//	containment(B in A) = |A ∩ B| / |B|   (a reference, e.g. an eval item,
//	                                       inside the query)
//
// The index is an inverted index in compressed sparse row form: sorted
// distinct 64-bit n-gram hashes, an offset per hash, and the reference ids
// per hash, and a hash table over the sorted hashes (a binary search per
// n-gram cost half the query time): 20-28 bytes per distinct n-gram plus 4
// bytes per (n-gram, reference) pair, no texts. Counts are exact up to
// 64-bit hash collisions.
//
// Add all references before querying: the first query after an Add rebuilds
// the index (O(total postings)). QueryEither is safe for concurrent use.
type ContainmentIndex struct {
	sh *Shingler

	mu      sync.RWMutex
	pending []posting  // added since the last build
	keys    []uint64   // distinct n-gram hashes, ascending
	offs    []uint32   // refs[offs[i]:offs[i+1]] hold keys[i]
	refs    []uint32   // reference ids, ascending per key
	lookup  []uint32   // open addressing: key's top bits -> index into keys, +1
	shift   uint8      // 64 - log2(len(lookup))
	sizes   multiTable // reference id -> number of distinct n-grams
	maxID   uint32
	scratch sync.Pool // *hitCounter, one per concurrent query
}

// hitCounter counts postings per reference id without sorting them: a dense
// array indexed by id and the list of ids touched, reset after each query.
type hitCounter struct {
	counts  []uint32
	touched []uint32
}

type posting struct {
	hash uint64
	id   uint32
}

// Match is a reference record found by a containment query.
type Match struct {
	ID uint32
	// Containment is |A ∩ B| / |A|, the share of the query inside the reference.
	Containment float64
	// RefContainment is |A ∩ B| / |B|, the share of the reference inside the query.
	RefContainment float64
}

// NewContainmentIndex returns an empty index over n-grams of size n (5 for
// leakage reports, 13 for decontamination); cfg gives the other shingle
// options (its N is replaced by n; word n-grams unless cfg.Kind says Chars).
func NewContainmentIndex(n int, cfg ShingleConfig) (*ContainmentIndex, error) {
	if n < 1 {
		return nil, fmt.Errorf("minhash: containment n %d: want >= 1", n)
	}
	cfg.N = n
	sh, err := newShingler(cfg)
	if err != nil {
		return nil, err
	}
	return &ContainmentIndex{sh: sh}, nil
}

// Add adds a reference text under id and returns its number of distinct
// n-grams; 0 means the text is shorter than n words and can never match
// (check it by exact comparison instead). Adding an id twice is an error.
func (c *ContainmentIndex) Add(id uint32, text string) (int, error) {
	set := c.sh.AppendSet(nil, text)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, dup := c.sizes.first(id); dup {
		return 0, fmt.Errorf("minhash: containment add %d: id already added", id)
	}
	c.sizes.insert(id, uint32(min(len(set), 1<<32-2)))
	c.maxID = max(c.maxID, id)
	for _, h := range set {
		c.pending = append(c.pending, posting{hash: h, id: id})
	}
	return len(set), nil
}

// QueryEither returns the references where either containment reaches the
// threshold, best first by the larger of the two, ties by ascending id: one
// pass for the leakage and decontamination checks, which look both ways.
func (c *ContainmentIndex) QueryEither(text string, threshold float64) []Match {
	return c.query(text, threshold, byEither)
}

type side int

const (
	byQuery side = iota
	byReference
	byEither
)

func (m Match) score(by side) float64 {
	switch by {
	case byQuery:
		return m.Containment
	case byReference:
		return m.RefContainment
	}
	return max(m.Containment, m.RefContainment)
}

// query returns the references whose containment on the given side reaches
// threshold, best first, ties by ascending id; nil for a query shorter than n
// words.
func (c *ContainmentIndex) query(text string, threshold float64, by side) []Match {
	set := c.sh.AppendSet(nil, text)
	if len(set) == 0 {
		return nil
	}
	c.ensureBuilt()
	c.mu.RLock()
	defer c.mu.RUnlock()
	hc, _ := c.scratch.Get().(*hitCounter)
	if hc == nil || len(hc.counts) <= int(c.maxID) {
		hc = &hitCounter{counts: make([]uint32, int(c.maxID)+1)}
	}
	defer func() { hc.touched = hc.touched[:0]; c.scratch.Put(hc) }()
	for _, h := range set {
		i, ok := c.find(h)
		if !ok {
			continue
		}
		for _, id := range c.refs[c.offs[i]:c.offs[i+1]] {
			if hc.counts[id] == 0 {
				hc.touched = append(hc.touched, id)
			}
			hc.counts[id]++
		}
	}
	slices.Sort(hc.touched)
	var out []Match
	for _, id := range hc.touched {
		shared := int(hc.counts[id])
		hc.counts[id] = 0
		size, _ := c.sizes.first(id)
		m := Match{ID: id, Containment: float64(shared) / float64(len(set))}
		if size > 0 {
			m.RefContainment = float64(shared) / float64(size)
		}
		if m.score(by) >= threshold {
			out = append(out, m)
		}
	}
	slices.SortStableFunc(out, func(a, b Match) int { return cmp.Compare(b.score(by), a.score(by)) })
	return out
}

// ensureBuilt merges pending postings into the compressed index.
func (c *ContainmentIndex) ensureBuilt() {
	c.mu.RLock()
	clean := len(c.pending) == 0
	c.mu.RUnlock()
	if clean {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pending) == 0 {
		return
	}
	all := c.pending
	for i, k := range c.keys {
		for _, id := range c.refs[c.offs[i]:c.offs[i+1]] {
			all = append(all, posting{hash: k, id: id})
		}
	}
	slices.SortFunc(all, func(a, b posting) int {
		return cmp.Or(cmp.Compare(a.hash, b.hash), cmp.Compare(a.id, b.id))
	})
	keys, offs, refs := make([]uint64, 0, len(c.keys)), make([]uint32, 0, len(c.offs)), make([]uint32, 0, len(all))
	for i, p := range all {
		if i == 0 || p.hash != all[i-1].hash {
			keys = append(keys, p.hash)
			offs = append(offs, uint32(len(refs)))
		}
		refs = append(refs, p.id)
	}
	c.keys, c.offs, c.refs, c.pending = keys, append(offs, uint32(len(refs))), refs, nil
	c.buildLookup()
}

// buildLookup indexes keys in a power-of-two table at most half full. Keys
// are uniform 64-bit hashes, so their top bits are the home slot.
func (c *ContainmentIndex) buildLookup() {
	bits := uint8(4)
	for 1<<bits < 2*len(c.keys) {
		bits++
	}
	c.lookup, c.shift = make([]uint32, 1<<bits), 64-bits
	mask := uint64(len(c.lookup) - 1)
	for k, h := range c.keys {
		i := h >> c.shift
		for c.lookup[i] != 0 {
			i = (i + 1) & mask
		}
		c.lookup[i] = uint32(k + 1)
	}
}

// find returns the index of h in keys.
func (c *ContainmentIndex) find(h uint64) (int, bool) {
	if len(c.keys) == 0 {
		return 0, false
	}
	mask := uint64(len(c.lookup) - 1)
	for i := h >> c.shift; ; i = (i + 1) & mask {
		v := c.lookup[i]
		if v == 0 {
			return 0, false
		}
		if c.keys[v-1] == h {
			return int(v - 1), true
		}
	}
}
