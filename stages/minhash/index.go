package minhash

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"

	"github.com/tuneprep/tuneprep/stages/offheap"
)

// Index is an LSH index over compact MinHash signatures.
//
// What it keeps per inserted document, and why:
//   - the signature, reduced to the low 8 bits of each value (b-bit MinHash,
//     Li and König 2010), in one flat chunked slab: NumPerm bytes (128 at 128
//     permutations) instead of 512. Two unrelated values agree on 8 bits
//     with probability 2^-8; similarity corrects for it, and the added
//     noise (a standard deviation of 0.004 at 0.8 over 128 values) is small
//     next to the sampling error of 128 permutations (0.035 at 0.8);
//   - one 32-bit hash per band in a shared open-addressing table (8 bytes per
//     band over a load factor of 0.6-0.75: 10.7-13.3 bytes; up to 21 while
//     the table is under about 75 MB, see multiTable). Two different
//     bands may hash alike; such a false candidate costs one similarity
//     computation and is dropped by the caller's verification;
//   - unless the ids are 0, 1, 2, ... in insertion order (a Deduper's
//     kept ordinals), the caller's 64-bit id (8-10 bytes) and an id -> slot
//     table keyed by the id folded to 32 bits (10.7-13.3 bytes); a lookup
//     confirms the full id, so ids that fold alike (2^32 apart) stay
//     distinct.
//
// It never keeps texts. At the defaults (128 permutations, 20 bands) this is
// 128 + 213..267 = 341-395 bytes per document with ordinal ids, 19-23 more
// with others, once past about 250k documents (BenchmarkIndexMemory and
// TestIndexMemoryPerDoc measure it).
// The signatures and large table segments are off the Go heap (see arena).
// A growing table segment briefly holds old and new slots (+25% of one
// 64th of the table). Exact Jaccard verification needs
// the shingle sets: see shingleStore, an opt-in store with its own cost.
//
// Band keys are computed from the low 16 bits of the full signature at
// insert and at query, so they do not depend on what the slab keeps.
//
// Deduper inserts only documents it keeps and verifies each candidate's
// similarity before calling a document a duplicate; it exposes the index for
// reports (Len, Bytes). insert must not run concurrently with anything else;
// concurrent query calls are safe.
type Index struct {
	params Params
	chunks [][]uint8 // signature slab: chunkDocs signatures per chunk
	// n documents are stored. While every id has equalled its slot (ids
	// 0, 1, 2, ...: a Deduper's kept ordinals), ids and bySlot stay empty
	// and cost nothing; the first other id fills them.
	n      int
	dense  bool
	ids    []uint64   // slot -> caller id, unless dense
	bySlot multiTable // fold(caller id) -> slot, unless dense
	bands  multiTable // band hash -> slot
	// full counts band entries not stored because their bucket already
	// held BucketCap documents.
	full int64
	// mem holds the signature slab and the large table segments off the
	// heap; Release frees it.
	mem *offheap.Arena
}

// BucketCap is the most documents one band bucket keeps: the first ones
// inserted, its anchors (NeMo Curator compares each bucket's documents
// with a few anchors; datatrove links them to the bucket's first). A
// document whose band falls in a full bucket is still indexed under its
// other bands, and a query walks at most BucketCap entries per band, so
// templated text, where thousands of records share a band, costs no more
// per record as the index grows. A near-duplicate is missed only if every
// band it shares with its match is in a bucket that filled before the match
// arrived.
const BucketCap = 32

// chunkDocs signatures per slab chunk (2 MB at 128 permutations of a byte:
// one huge page): the slab never reallocates, so its overhead
// is at most one chunk.
const chunkDocs = 16384

// candidate is a stored document that shares at least one band with a query,
// with the estimated Jaccard similarity of the two.
type candidate struct {
	ID         uint64
	Similarity float64
}

// newIndex returns an empty index for signatures of p.NumPerm values banded
// as p.Bands x p.Rows (from ChooseParams, or set by hand).
func newIndex(p Params) (*Index, error) {
	if p.NumPerm < 1 || p.NumPerm > maxNumPerm {
		return nil, fmt.Errorf("minhash: index num_perm %d: want 1..%d", p.NumPerm, maxNumPerm)
	}
	if p.Bands < 1 || p.Rows < 1 || p.Bands*p.Rows > p.NumPerm {
		return nil, fmt.Errorf("minhash: index bands %d x rows %d: want >= 1 and bands*rows <= num_perm %d", p.Bands, p.Rows, p.NumPerm)
	}
	x := &Index{params: p, mem: offheap.New(), dense: true}
	x.bySlot.mem, x.bands.mem = x.mem, x.mem
	runtime.AddCleanup(x, (*offheap.Arena).Release, x.mem)
	return x, nil
}

// OffHeap returns the bytes of the index's tables kept off the Go heap
// (counted in Bytes too): what heap statistics do not show.
func (x *Index) OffHeap() int64 { return x.mem.Mapped() }

// Release frees the index's memory off the heap at once, rather than when
// the index becomes unreachable; the index must not be used after it.
func (x *Index) Release() {
	x.mem.Release()
	*x = Index{params: x.params, mem: x.mem, dense: true}
}

// Full returns the band entries not stored because their bucket was full
// (see BucketCap).
func (x *Index) Full() int64 { return x.full }

// Len returns the number of inserted documents.
func (x *Index) Len() int { return x.n }

// Bytes returns the memory held by the index's data structures (capacities,
// not just lengths), for a stage report's bytes-per-document figure.
func (x *Index) Bytes() int {
	n := 8*cap(x.ids) + x.bySlot.bytes() + x.bands.bytes()
	for _, c := range x.chunks {
		n += cap(c)
	}
	return n
}

// insert stores sig under id. It fails if sig has the wrong length or id is
// already present.
func (x *Index) insert(id uint64, sig Signature) error {
	k := x.params.NumPerm
	if len(sig) != k {
		return fmt.Errorf("minhash: insert %d: signature has %d values, index wants %d", id, len(sig), k)
	}
	if _, dup := x.slotOf(id); dup {
		return fmt.Errorf("minhash: insert %d: id already in the index", id)
	}
	slot := uint32(x.n)
	if slot == math.MaxUint32-1 {
		return fmt.Errorf("minhash: insert %d: index full", id)
	}
	if int(slot)%chunkDocs == 0 {
		x.chunks = append(x.chunks, x.mem.Bytes(chunkDocs*k))
	}
	c := &x.chunks[len(x.chunks)-1]
	for _, v := range sig {
		*c = append(*c, uint8(v))
	}
	if x.dense && id != uint64(slot) {
		// The first id that is not its slot: from now on, keep them all.
		x.dense = false
		x.ids = make([]uint64, slot, max(16, 2*int(slot)))
		for i := range x.ids {
			x.ids[i] = uint64(i)
			x.bySlot.insert(fold(uint64(i)), uint32(i))
		}
	}
	if !x.dense {
		x.ids = append(x.ids, id)
		x.bySlot.insert(fold(id), slot)
	}
	x.n++
	for b := range x.params.Bands {
		if !x.bands.insertCapped(x.bandKey(sig, b), slot, BucketCap) {
			x.full++
		}
	}
	return nil
}

// fold maps a caller id to the 32-bit key of the id -> slot table: ids below
// 2^32 map to themselves, so sequential ids never share a key.
func fold(id uint64) uint32 { return uint32(id ^ id>>32) }

// slotOf returns the slot of id: the entries under its folded key are
// confirmed against the full id.
func (x *Index) slotOf(id uint64) (uint32, bool) {
	if x.dense {
		return uint32(id), id < uint64(x.n)
	}
	key := fold(id)
	t, i := x.bySlot.probe(key)
	if t == nil {
		return 0, false
	}
	for ; ; i = t.next(i) {
		e := t.slots[i]
		if e == 0 {
			return 0, false
		}
		if slot := uint32(e) - 1; uint32(e>>32) == key && x.ids[slot] == id {
			return slot, true
		}
	}
}

// id is the caller's id of slot.
func (x *Index) id(slot uint32) uint64 {
	if x.dense {
		return uint64(slot)
	}
	return x.ids[slot]
}

// stored returns the 8-bit signature in slot.
func (x *Index) stored(slot uint32) []uint8 {
	k := x.params.NumPerm
	c := x.chunks[int(slot)/chunkDocs]
	off := (int(slot) % chunkDocs) * k
	return c[off : off+k]
}

// bandKey hashes the low 16 bits of band b's rows, and b itself so that equal
// values in different bands do not collide.
func (x *Index) bandKey(sig Signature, b int) uint32 {
	r := x.params.Rows
	h := uint64(b+1) * 0xD6E8FEB86659FD93
	for _, v := range sig[b*r : (b+1)*r] {
		h = (h ^ uint64(uint16(v))) * runeMul
	}
	return uint32(mix64(h) >> 32)
}

// probeBatch is how many band keys query hashes before it probes the table
// with them (see multiTable.touch): the 20 bands of the default parameters
// in one batch.
const probeBatch = 32

// query appends to dst every stored document sharing at least one band with
// sig, once each, in ascending id order, with its estimated similarity. A
// signature of the wrong length finds nothing. With enough capacity in dst it
// does not allocate.
func (x *Index) query(dst []candidate, sig Signature) []candidate {
	if len(sig) != x.params.NumPerm || x.n == 0 {
		return dst
	}
	start := len(dst)
	// Collect slots in the ID field first, then dedupe and translate. The
	// slots come from a per-call view of dst, so concurrent queries share
	// nothing mutable. The band keys are hashed a batch at a time, and
	// their slots touched before any is walked.
	var buf [probeBatch]uint32
	for from := 0; from < x.params.Bands; from += probeBatch {
		keys := buf[:min(probeBatch, x.params.Bands-from)]
		for b := range keys {
			keys[b] = x.bandKey(sig, from+b)
		}
		x.bands.touch(keys)
		for _, key := range keys {
			t, i := x.bands.probe(key)
			if t == nil {
				continue
			}
			for ; ; i = t.next(i) {
				e := t.slots[i]
				if e == 0 {
					break
				}
				if uint32(e>>32) == key {
					dst = append(dst, candidate{ID: uint64(uint32(e) - 1)})
				}
			}
		}
	}
	found := dst[start:]
	slices.SortFunc(found, func(a, b candidate) int { return cmp.Compare(a.ID, b.ID) })
	found = slices.CompactFunc(found, func(a, b candidate) bool { return a.ID == b.ID })
	x.touchStored(found)
	for i := range found {
		slot := uint32(found[i].ID)
		found[i] = candidate{ID: x.id(slot), Similarity: x.similarity(sig, slot)}
	}
	slices.SortFunc(found, func(a, b candidate) int { return cmp.Compare(a.ID, b.ID) })
	return dst[:start+len(found)]
}

// touchStored loads every cache line of the stored signatures of found's
// slots before any is compared, so that their misses overlap (see
// multiTable.touch): one byte every 64 and the last.
func (x *Index) touchStored(found []candidate) {
	var or uint8
	for _, c := range found {
		s := x.stored(uint32(c.ID))
		for i := 0; i < len(s); i += 64 {
			or |= s[i]
		}
		or |= s[len(s)-1]
	}
	keep(uint64(or))
}

// collide8 is the chance that two unrelated 8-bit minima agree.
const collide8 = 1.0 / 256

// similarity estimates Jaccard from the fraction E of equal 8-bit values:
// E = J + (1-J)*2^-8, so J = (E - 2^-8) / (1 - 2^-8), clamped to [0, 1].
func (x *Index) similarity(sig Signature, slot uint32) float64 {
	eq := 0
	for i, v := range x.stored(slot) {
		if v == uint8(sig[i]) {
			eq++
		}
	}
	e := float64(eq) / float64(len(sig))
	return max(0, (e-collide8)/(1-collide8))
}
