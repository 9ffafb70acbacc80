// Package minhash finds near-duplicate and overlapping texts: word or
// character n-gram shingling, MinHash signatures, LSH banding with
// parameters chosen by minimising weighted false-positive and false-negative
// areas, a compact LSH index (489-546 bytes per kept document at the defaults,
// no texts), a Deduper that keeps the first of each near-duplicate group
// in input order, and a containment index for train/test leakage and
// decontamination checks that skips boilerplate (n-grams in more than a
// bounded number of references), so its work stays linear on templated data.
//
// It is a helper shared by the dedup and split stages and the few-shot bank
// selector; it knows nothing about documents, only ids and texts, and which
// side of an example (Side) the overlap checks compare. A Handoff passes one
// containment index from the split stage to the few-shot stage, so that the
// validation and test records are indexed once.
//
// Everything is deterministic: hashes and permutations are seeded, results
// are sorted by id or by score then id, and no map is iterated into output.
//
// Typical use in a dedup stage, in input order:
//
//	mh, _ := minhash.NewMinHasher(minhash.Config{}) // word 3-grams, 128 permutations
//	p, _ := minhash.ChooseParams(minhash.DefaultThreshold, minhash.DefaultNumPerm,
//		minhash.DefaultFPWeight, minhash.DefaultFNWeight) // 0.7: 20 bands x 6 rows
//	d, _ := minhash.NewDeduper(p)
//	for i, text := range texts {
//		sig, n := mh.Sign(text) // workers may compute signatures in parallel
//		if n == 0 {
//			// fewer words than the shingle size: compare exactly instead
//			continue
//		}
//		v, err := d.Check(uint64(i), sig) // verifies candidates, keeps non-duplicates
//		if err != nil {
//			return err // a caller bug (repeated id, wrong signature length)
//		}
//		if v.Duplicate {
//			// drop: "near-duplicate of" v.DupOf, similarity v.Similarity
//		}
//	}
package minhash
