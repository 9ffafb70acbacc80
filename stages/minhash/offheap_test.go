package minhash

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/tuneprep/tuneprep/stages/offheap"
)

// TestIndexOffHeap: a large index keeps its tables in mapped memory, which
// Release frees at once and the cleanup frees when the index is dropped;
// the index answers the same either way.
func TestIndexOffHeap(t *testing.T) {
	p := defaultParams()
	rng := rand.New(rand.NewPCG(1, 2))
	x := mustIndex(t, p)
	sigs := make([]Signature, 20000)
	for i := range sigs {
		sigs[i] = randomSig(rng, p.NumPerm)
		if err := x.insert(uint64(i), sigs[i]); err != nil {
			t.Fatal(err)
		}
	}
	mem := x.mem
	if runtime.GOOS != "windows" && mem.Mapped() < int64(len(sigs))*int64(p.NumPerm) {
		t.Fatalf("%d bytes mapped for %d signatures", mem.Mapped(), len(sigs))
	}
	for _, i := range []int{0, 9999, 19999} {
		found := false
		for _, c := range x.query(nil, sigs[i]) {
			found = found || (c.ID == uint64(i) && c.Similarity == 1)
		}
		if !found {
			t.Fatalf("document %d not found", i)
		}
	}
	x.Release()
	if mem.Mapped() != 0 || x.Len() != 0 || len(x.query(nil, sigs[0])) != 0 {
		t.Fatalf("after Release: %d bytes mapped, %d documents", mem.Mapped(), x.Len())
	}

	y := mustIndex(t, p)
	for i := range 5000 {
		if err := y.insert(uint64(i), sigs[i]); err != nil {
			t.Fatal(err)
		}
	}
	mem = y.mem
	if mem.Mapped() == 0 && runtime.GOOS != "windows" {
		t.Fatal("nothing mapped")
	}
	y = nil
	waitUnmapped(t, mem)
}

// TestContainmentOffHeap checks that a containment index keeps its large
// tables off the heap, frees each table a merge replaces (what is mapped
// is exactly the tables in use), and unmaps them all once unreachable.
func TestContainmentOffHeap(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no mapped memory on windows")
	}
	c := mustContainment(t, 5)
	c.minMerge = 1 << 14 // many merges
	r := rand.New(rand.NewPCG(7, 8))
	var kept string
	for i := range 20_000 {
		text := templatedText(r, 40)
		if i == 123 {
			kept = text
		}
		if _, err := c.Add(uint32(i), text); err != nil {
			t.Fatal(err)
		}
	}
	c.ensureBuilt()
	var want int64
	for _, bytes := range []int{8 * cap(c.keys), 4 * cap(c.offs), 4 * cap(c.refs), 16 * cap(c.pending), 4 * cap(c.dir)} {
		if bytes >= offheap.MinBytes {
			want += int64(bytes)
		}
	}
	mem := c.mem
	if got := mem.Mapped(); got != want || want < 1<<20 {
		t.Fatalf("mapped %d bytes, want the %d of the tables in use", got, want)
	}
	if m := c.QueryEither(kept, 1); len(m) != 1 || m[0].ID != 123 {
		t.Fatalf("a reference's own text found %v, want reference 123", m)
	}
	c = nil
	waitUnmapped(t, mem)
}

// waitUnmapped collects garbage until mem, the arena of an index just
// dropped, maps nothing (its cleanup ran), for at most half a second.
func waitUnmapped(t *testing.T, mem *offheap.Arena) {
	t.Helper()
	for range 50 {
		runtime.GC()
		if mem.Mapped() == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("an unreachable index still maps %d bytes", mem.Mapped())
}
