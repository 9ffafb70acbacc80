package offheap

import (
	"runtime"
	"testing"
)

// TestArenaSmallTablesOnHeap: tables under MinBytes stay on the heap, and
// freeing one is a no-op; a large one is mapped until freed.
func TestArenaSmallTablesOnHeap(t *testing.T) {
	a := New()
	w := Table[uint64](a, 16)
	b := a.Bytes(100)
	if len(w) != 16 || cap(b) != 100 || a.Mapped() != 0 {
		t.Fatalf("small tables: %d words, %d bytes capacity, %d mapped", len(w), cap(b), a.Mapped())
	}
	FreeTable(a, w) // not the arena's: nothing happens
	big := Table[uint64](a, 1<<14)
	big[len(big)-1] = 7
	if runtime.GOOS != "windows" && a.Mapped() != 8<<14 {
		t.Fatalf("mapped %d, want %d", a.Mapped(), 8<<14)
	}
	FreeTable(a, big)
	if a.Mapped() != 0 {
		t.Fatalf("mapped %d after free", a.Mapped())
	}
}
