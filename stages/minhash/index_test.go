package minhash

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

func mustIndex(t testing.TB, p Params) *Index {
	t.Helper()
	x, err := newIndex(p)
	if err != nil {
		t.Fatalf("newIndex(%+v): %v", p, err)
	}
	return x
}

// randomSig returns a synthetic signature of k random 32-bit values.
func randomSig(rng *rand.Rand, k int) Signature {
	s := make(Signature, k)
	for i := range s {
		s[i] = rng.Uint32()
	}
	return s
}

// similarityOf is the estimated similarity between sig and the document
// stored under id, and false if id is not stored.
func similarityOf(x *Index, id uint64, sig Signature) (float64, bool) {
	slot, ok := x.slotOf(id)
	if !ok {
		return 0, false
	}
	return x.similarity(sig, slot), true
}

// perturb returns a copy of s with each value replaced with probability q.
func perturb(rng *rand.Rand, s Signature, q float64) Signature {
	out := slices.Clone(s)
	for i := range out {
		if rng.Float64() < q {
			out[i] = rng.Uint32()
		}
	}
	return out
}

func TestIndexQuery(t *testing.T) {
	p := defaultParams()
	x := mustIndex(t, p)
	rng := rand.New(rand.NewPCG(1, 1))
	base := randomSig(rng, p.NumPerm)
	near := perturb(rng, base, 0.05)
	far := randomSig(rng, p.NumPerm)
	// Insert out of id order: Query must still return ascending ids.
	for _, e := range []struct {
		id  uint64
		sig Signature
	}{{30, near}, {10, base}, {20, far}} {
		if err := x.insert(e.id, e.sig); err != nil {
			t.Fatal(err)
		}
	}
	got := x.query(nil, base)
	if len(got) != 2 || got[0].ID != 10 || got[1].ID != 30 {
		t.Fatalf("Query(base) = %+v, want ids 10 and 30", got)
	}
	if got[0].Similarity != 1 {
		t.Errorf("similarity to itself = %v, want 1", got[0].Similarity)
	}
	if s := got[1].Similarity; s < 0.85 || s > 1 {
		t.Errorf("similarity to a 5%% perturbed copy = %v", s)
	}
	if s, ok := similarityOf(x, 20, base); !ok || s > 0.05 {
		t.Errorf("similarity(far) = %v, %v", s, ok)
	}
	if _, ok := similarityOf(x, 99, base); ok {
		t.Error("similarity of an unknown id reported ok")
	}
	if x.Len() != 3 || x.Bytes() <= 0 || x.params != p {
		t.Errorf("Len %d Bytes %d params %+v", x.Len(), x.Bytes(), x.params)
	}
	if got := x.query(nil, base[:5]); len(got) != 0 {
		t.Errorf("short signature found %v", got)
	}
	// Appending keeps dst's prefix.
	pre := []candidate{{ID: 1}}
	if got := x.query(pre, base); len(got) != 3 || got[0].ID != 1 {
		t.Errorf("Query onto a prefix = %+v", got)
	}
}

func TestIndexInsertErrors(t *testing.T) {
	x := mustIndex(t, defaultParams())
	sig := randomSig(rand.New(rand.NewPCG(2, 2)), DefaultNumPerm)
	if err := x.insert(1, sig); err != nil {
		t.Fatal(err)
	}
	if err := x.insert(1, sig); err == nil {
		t.Error("repeated id accepted")
	}
	if err := x.insert(2, sig[:10]); err == nil {
		t.Error("short signature accepted")
	}
	for _, p := range []Params{{NumPerm: 0, Bands: 1, Rows: 1}, {NumPerm: 8, Bands: 3, Rows: 3}, {NumPerm: 8, Bands: 0, Rows: 1}} {
		if _, err := newIndex(p); err == nil {
			t.Errorf("newIndex(%+v): no error", p)
		}
	}
}

// TestIndexManyDocs checks growth and probing with enough documents to
// resize the tables many times: every document finds itself, and 16-bit
// collisions make unrelated similarities tiny.
func TestIndexManyDocs(t *testing.T) {
	p := defaultParams()
	x := mustIndex(t, p)
	rng := rand.New(rand.NewPCG(3, 3))
	const n = 5000
	sigs := make([]Signature, n)
	for i := range sigs {
		sigs[i] = randomSig(rng, p.NumPerm)
		if err := x.insert(uint64(i*7), sigs[i]); err != nil {
			t.Fatal(err)
		}
	}
	var buf []candidate
	for i, s := range sigs {
		buf = x.query(buf[:0], s)
		j := slices.IndexFunc(buf, func(c candidate) bool { return c.ID == uint64(i*7) })
		if j < 0 || buf[j].Similarity != 1 {
			t.Fatalf("doc %d not found with similarity 1: %+v", i, buf)
		}
		for _, c := range buf {
			if c.ID != uint64(i*7) && c.Similarity > 0.05 {
				t.Errorf("unrelated doc %d similarity %v", c.ID, c.Similarity)
			}
		}
	}
}

// TestIndexMemoryPerDoc inserts 1M synthetic documents at the default
// settings and measures the heap growth after GC: it must stay under 600
// bytes per document. Skipped under -short and -race (it takes a few
// seconds and ~600 MB).
func TestIndexMemoryPerDoc(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("1M-document memory measurement: skipped under -short and -race")
	}
	perDoc, heldPerDoc := measureIndexMemory(t, 1_000_000)
	t.Logf("index at %dx%d, 1M docs: %.1f bytes/doc HeapAlloc delta + mapped, %.1f bytes/doc held by Index.Bytes", defaultParams().Bands, defaultParams().Rows, perDoc, heldPerDoc)
	if perDoc >= 450 {
		t.Errorf("index uses %.1f bytes/doc, want < 450", perDoc)
	}
}

// measureIndexMemory inserts n synthetic documents (5% of them perturbed
// copies of earlier ones, so bands collide as in real data) and returns the
// HeapAlloc growth per document after GC and Index.Bytes per document.
func measureIndexMemory(t testing.TB, n int) (heapPerDoc, heldPerDoc float64) {
	p := defaultParams()
	rng := rand.New(rand.NewPCG(4, 4))
	sig := make(Signature, p.NumPerm)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	x := mustIndex(t, p)
	prev := randomSig(rng, p.NumPerm)
	for i := range n {
		for j := range sig {
			sig[j] = rng.Uint32()
		}
		if i%20 == 0 {
			copy(sig, perturb(rng, prev, 0.4))
		}
		if err := x.insert(uint64(i), sig); err != nil {
			t.Fatal(err)
		}
		copy(prev, sig)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	// What the index holds on the heap and in memory it mapped itself.
	heap := float64(after.HeapAlloc) - float64(before.HeapAlloc) + float64(x.mem.Mapped())
	runtime.KeepAlive(x)
	return heap / float64(n), float64(x.Bytes()) / float64(n)
}

// TestConcurrentQueries runs Index and ContainmentIndex queries from several
// goroutines (meaningful under -race), including the lazy containment build.
func TestConcurrentQueries(t *testing.T) {
	p := defaultParams()
	x := mustIndex(t, p)
	rng := rand.New(rand.NewPCG(8, 8))
	sigs := make([]Signature, 200)
	for i := range sigs {
		sigs[i] = randomSig(rng, p.NumPerm)
		if err := x.insert(uint64(i), sigs[i]); err != nil {
			t.Fatal(err)
		}
	}
	c := mustContainment(t, 3)
	for i := range 50 {
		if _, err := c.Add(uint32(i), shiftedDoc(i*10)); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan []int, 4)
	for g := range 4 {
		go func() {
			var counts []int
			var buf []candidate
			for i := range sigs {
				buf = x.query(buf[:0], sigs[(i+g)%len(sigs)])
				counts = append(counts, len(buf))
			}
			counts = append(counts, len(c.query(shiftedDoc(100), 0.5, byQuery)))
			done <- counts
		}()
	}
	for range 4 {
		counts := <-done
		if last := counts[len(counts)-1]; last == 0 {
			t.Error("concurrent containment query found nothing")
		}
	}
}

// TestIndexWideIDs: ids are 64-bit. Ids that agree in their low 32 bits, or
// that fold to the same 32-bit key, are distinct documents.
func TestIndexWideIDs(t *testing.T) {
	p := defaultParams()
	rng := rand.New(rand.NewPCG(8, 8))
	const big = uint64(1) << 32
	ids := []uint64{5, big + 5, 3*big + 6, big*(big-1) + 5, ^uint64(0), 6} // 3*big+6 folds like 5
	x := mustIndex(t, p)
	sigs := make([]Signature, len(ids))
	for i, id := range ids {
		sigs[i] = randomSig(rng, p.NumPerm)
		if err := x.insert(id, sigs[i]); err != nil {
			t.Fatalf("Insert(%d): %v", id, err)
		}
	}
	for i, id := range ids {
		if err := x.insert(id, sigs[i]); err == nil {
			t.Errorf("Insert(%d) twice: no error", id)
		}
		if got := x.query(nil, sigs[i]); len(got) != 1 || got[0].ID != id || got[0].Similarity != 1 {
			t.Errorf("Query(sig of %d) = %+v", id, got)
		}
		if sim, ok := similarityOf(x, id, sigs[i]); !ok || sim != 1 {
			t.Errorf("similarity(%d) = %v, %v", id, sim, ok)
		}
	}
	if _, ok := similarityOf(x, big+6, sigs[0]); ok {
		t.Error("similarity of an id never inserted: ok")
	}

	d, err := NewDeduper(p)
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		if v, err := d.Check(id, sigs[i]); err != nil || v.Duplicate {
			t.Fatalf("Check(%d) = %+v, %v", id, v, err)
		}
	}
	if v, err := d.Check(7*big, perturb(rng, sigs[1], 0.05)); err != nil || !v.Duplicate || v.DupOf != big+5 {
		t.Errorf("near copy of %d: %+v, %v", big+5, v, err)
	}
}

// TestBucketCap: when thousands of documents share one band (templated
// text), the bucket keeps its first BucketCap; a query sharing only that
// band sees those and no more, while a document sharing another band with
// a later member still finds it there.
func TestBucketCap(t *testing.T) {
	p := defaultParams()
	x := mustIndex(t, p)
	rng := rand.New(rand.NewPCG(7, 9))
	shared := randomSig(rng, p.NumPerm)
	const n = 5000
	sigs := make([]Signature, n)
	for i := range n {
		s := randomSig(rng, p.NumPerm)
		copy(s[:p.Rows], shared[:p.Rows]) // band 0 shared by all
		sigs[i] = s
		if err := x.insert(uint64(i), s); err != nil {
			t.Fatal(err)
		}
	}
	if x.Full() != n-BucketCap {
		t.Errorf("full: %d entries not stored, want %d", x.Full(), n-BucketCap)
	}
	q := randomSig(rng, p.NumPerm)
	copy(q[:p.Rows], shared[:p.Rows])
	got := x.query(nil, q)
	if len(got) != BucketCap {
		t.Fatalf("query through the shared band: %d candidates, want the bucket's %d", len(got), BucketCap)
	}
	for i, c := range got {
		if c.ID != uint64(i) {
			t.Fatalf("candidate %d is %d: the bucket keeps the first documents", i, c.ID)
		}
	}
	// A late document is still found through its own bands.
	late := slices.Clone(sigs[n-1])
	found := false
	for _, c := range x.query(nil, late) {
		found = found || (c.ID == n-1 && c.Similarity == 1)
	}
	if !found {
		t.Error("the last document is not found through its other bands")
	}
}

// TestIndexOrdinalIDs: ordinal ids (0, 1, 2, ...) keep no id table; the
// first other id converts the index, and every document is still found
// under its own id, and a repeated id is still refused.
func TestIndexOrdinalIDs(t *testing.T) {
	p := defaultParams()
	rng := rand.New(rand.NewPCG(3, 5))
	x := mustIndex(t, p)
	ids := []uint64{}
	for i := range 1000 {
		ids = append(ids, uint64(i))
	}
	ids = append(ids, 1<<40, 7_000_000, 1000)
	sigs := map[uint64]Signature{}
	for k, id := range ids {
		sigs[id] = randomSig(rng, p.NumPerm)
		if err := x.insert(id, sigs[id]); err != nil {
			t.Fatal(err)
		}
		if k == 999 && (!x.dense || len(x.ids) != 0 || x.bySlot.n != 0) {
			t.Fatalf("ordinal ids: dense %v, %d ids, %d table entries", x.dense, len(x.ids), x.bySlot.n)
		}
	}
	if x.dense || x.Len() != len(ids) {
		t.Fatalf("after other ids: dense %v, len %d", x.dense, x.Len())
	}
	for id, sig := range sigs {
		got, ok := similarityOf(x, id, sig)
		if !ok || got != 1 {
			t.Errorf("id %d: similarity %v, found %v", id, got, ok)
		}
	}
	for _, id := range []uint64{0, 999, 1 << 40} {
		if err := x.insert(id, sigs[id]); err == nil {
			t.Errorf("id %d inserted twice", id)
		}
	}
}
