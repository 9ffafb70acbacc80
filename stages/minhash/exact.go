package minhash

// shingleStore keeps the distinct shingle hashes of documents for exact
// Jaccard verification. It is opt-in because it costs 8 bytes per distinct
// shingle plus about 60 bytes per document (a Go map entry): a 2 KB
// document of ~350 words costs about 2.8 KB, ten times the Index's share.
// Not safe for concurrent use with add.
type shingleStore struct {
	hashes []uint64
	spans  map[uint64]span // looked up only, never iterated
}

type span struct{ off, n int }

// newShingleStore returns an empty store.
func newShingleStore() *shingleStore {
	return &shingleStore{spans: make(map[uint64]span)}
}

// add stores set (sorted, distinct, as from Shingler.AppendSet) under id,
// replacing any earlier set's lookup.
func (s *shingleStore) add(id uint64, set []uint64) {
	s.spans[id] = span{off: len(s.hashes), n: len(set)}
	s.hashes = append(s.hashes, set...)
}

// jaccard returns |A ∩ B| / |A ∪ B| between set and the set stored under id,
// and false if id is unknown. Two empty sets have Jaccard 1.
func (s *shingleStore) jaccard(id uint64, set []uint64) (float64, bool) {
	sp, ok := s.spans[id]
	if !ok {
		return 0, false
	}
	stored := s.hashes[sp.off : sp.off+sp.n]
	inter := IntersectSorted(stored, set)
	union := len(stored) + len(set) - inter
	if union == 0 {
		return 1, true
	}
	return float64(inter) / float64(union), true
}

// IntersectSorted counts the common values of two ascending distinct slices.
func IntersectSorted(a, b []uint64) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}
