package minhash

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
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
	if runtime.GOOS != "windows" && mem.mapped() < int64(len(sigs))*int64(p.NumPerm) {
		t.Fatalf("%d bytes mapped for %d signatures", mem.mapped(), len(sigs))
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
	if mem.mapped() != 0 || x.Len() != 0 || len(x.query(nil, sigs[0])) != 0 {
		t.Fatalf("after Release: %d bytes mapped, %d documents", mem.mapped(), x.Len())
	}

	y := mustIndex(t, p)
	for i := range 5000 {
		if err := y.insert(uint64(i), sigs[i]); err != nil {
			t.Fatal(err)
		}
	}
	mem = y.mem
	if mem.mapped() == 0 && runtime.GOOS != "windows" {
		t.Fatal("nothing mapped")
	}
	y = nil
	for range 50 {
		runtime.GC()
		if mem.mapped() == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("an unreachable index still maps %d bytes", mem.mapped())
}

func TestArenaSmallTablesOnHeap(t *testing.T) {
	a := newArena()
	w := a.words(16)
	b := a.bytes(100)
	if len(w) != 16 || cap(b) != 100 || a.mapped() != 0 {
		t.Fatalf("small tables: %d words, %d bytes capacity, %d mapped", len(w), cap(b), a.mapped())
	}
	a.free(firstWord(w)) // not the arena's: nothing happens
	big := a.words(1 << 14)
	big[len(big)-1] = 7
	if runtime.GOOS != "windows" && a.mapped() != 8<<14 {
		t.Fatalf("mapped %d, want %d", a.mapped(), 8<<14)
	}
	a.free(firstWord(big))
	if a.mapped() != 0 {
		t.Fatalf("mapped %d after free", a.mapped())
	}
}
