package minhash

import (
	"fmt"
	"math"
	"sync"
)

// Defaults of the near-duplicate decision, justified by the corpus tests:
//
//   - DefaultThreshold 0.7: with word 3-grams (DefaultWordN) a copy with 2%
//     word edits keeps an exact Jaccard of about 0.89 on long contracts and
//     0.77-0.85 on 25-75 word dialogues; all 2% copies of both corpora are at
//     or above 0.75 and 98% at or above 0.8. Verifying at 0.7 leaves about
//     three standard errors of the 128-permutation estimate (0.035 at 0.8)
//     for the worst of them. Unrelated contracts and dialogues stay below
//     0.3. The same threshold treats copies with up to about 5% word edits
//     (Jaccard about 0.74) as near-duplicates, as Data-Juicer's and
//     RedPajama's 0.7 do.
//   - DefaultFPWeight 0.1 / DefaultFNWeight 0.9, giving 20 bands x 6 rows:
//     every candidate is verified, so a false candidate only costs one
//     128-value comparison, while a missed one is a duplicate left in the
//     data. Equal weights give 14 x 9, which finds a pair of Jaccard 0.8
//     only 87% of the time; 20 x 6 finds it 99.8% of the time (0.75: 98%)
//     and makes a pair of Jaccard 0.3 a candidate 1.4% of the time.
const (
	DefaultThreshold = 0.7
	DefaultFPWeight  = 0.1
	DefaultFNWeight  = 0.9
)

// defaultParams returns the band parameters for DefaultThreshold,
// DefaultNumPerm and the default weights (20 x 6), computed once.
var defaultParams = sync.OnceValue(func() Params {
	p, _ := ChooseParams(DefaultThreshold, DefaultNumPerm, DefaultFPWeight, DefaultFNWeight)
	return p
})

// Verdict is the outcome of Deduper.Check for one document.
type Verdict struct {
	// Duplicate is true when a kept document reached the threshold.
	Duplicate bool
	// DupOf is the most similar kept candidate (lowest id on ties): the
	// document duplicated when Duplicate, else the nearest kept variant below
	// the threshold. Meaningful only when Candidates > 0.
	DupOf uint64
	// Similarity is the verified similarity to DupOf, or the best similarity
	// below the threshold among the candidates when not Duplicate (0 if none).
	Similarity float64
	// Candidates is how many kept documents shared a band.
	Candidates int
}

// Deduper decides near-duplicates in input order: each document is compared
// only with documents kept before it, and only kept documents enter the
// index. A document is therefore a duplicate of a kept document, never of a
// removed one, and clusters cannot chain (A~B, B~C does not remove C unless
// C~A). Each LSH candidate is verified by its estimated similarity (or exact
// Jaccard with a shingleStore) against the threshold before removal.
//
// A Deduper is not safe for concurrent use: the dedup stage calls it from
// the single goroutine that sees records in input order.
type Deduper struct {
	idx   *Index
	exact *shingleStore
	buf   []candidate
}

// NewDeduper returns a Deduper with an empty index for p; p.Threshold is the
// verification threshold.
func NewDeduper(p Params) (*Deduper, error) {
	if !(p.Threshold > 0 && p.Threshold <= 1) {
		return nil, fmt.Errorf("minhash: dedup threshold %v: want 0 < t <= 1", p.Threshold)
	}
	idx, err := newIndex(p)
	if err != nil {
		return nil, err
	}
	return &Deduper{idx: idx}, nil
}

// NewExactDeduper is NewDeduper that verifies candidates by exact Jaccard of
// shingle sets (CheckSet) instead of the signature estimate. It also keeps
// every kept document's shingle set: see shingleStore for the cost.
func NewExactDeduper(p Params) (*Deduper, error) {
	d, err := NewDeduper(p)
	if err != nil {
		return nil, err
	}
	d.exact = newShingleStore()
	return d, nil
}

// Index returns the index of kept documents (for reports: Len, Bytes).
func (d *Deduper) Index() *Index { return d.idx }

// Release frees the index's memory off the heap (see Index.Release); the
// Deduper must not be used after it.
func (d *Deduper) Release() { d.idx.Release() }

// Check decides whether the document id with signature sig duplicates a kept
// document; if not, it keeps it (inserts it). Documents must be checked in
// input order. An error (wrong signature length, repeated id, or an exact
// Deduper called without a set) means a bug in the caller, not a bad record.
func (d *Deduper) Check(id uint64, sig Signature) (Verdict, error) {
	if d.exact != nil {
		return Verdict{}, fmt.Errorf("minhash: check %d: exact deduper needs CheckSet", id)
	}
	return d.check(id, sig, nil)
}

// CheckSet is Check for a Deduper made by NewExactDeduper: set is the
// document's sorted distinct shingle hashes (Shingler.AppendSet) and
// candidates are verified by exact Jaccard.
func (d *Deduper) CheckSet(id uint64, sig Signature, set []uint64) (Verdict, error) {
	if d.exact == nil {
		return Verdict{}, fmt.Errorf("minhash: check %d: CheckSet needs NewExactDeduper", id)
	}
	return d.check(id, sig, set)
}

func (d *Deduper) check(id uint64, sig Signature, set []uint64) (Verdict, error) {
	d.buf = d.idx.query(d.buf[:0], sig)
	v := Verdict{Candidates: len(d.buf)}
	best, bestID := math.Inf(-1), uint64(0)
	for _, c := range d.buf {
		sim := c.Similarity
		if d.exact != nil {
			sim, _ = d.exact.jaccard(c.ID, set)
		}
		// Candidates come in ascending id order: strict > keeps the lowest
		// id among equals.
		if sim > best {
			best, bestID = sim, c.ID
		}
	}
	if len(d.buf) > 0 {
		v.Similarity, v.DupOf = best, bestID
		if best >= d.idx.params.Threshold {
			v.Duplicate = true
			return v, nil
		}
	}
	if err := d.idx.insert(id, sig); err != nil {
		return Verdict{}, err
	}
	if d.exact != nil {
		d.exact.add(id, set)
	}
	return v, nil
}
