// Package offheap keeps large tables of plain data (no pointers) outside
// the Go heap, in mapped memory on Unix: the MinHash and containment
// indexes' tables and the Parquet writer's large buffers.
//
// Two things are gained. The collector lets the heap grow by GOGC percent
// of what is live before it collects, and a 700 MB index on the heap would
// let it grow by 350 MB more at GOGC 50; off the heap, the headroom is a
// share of the rest, and a freed table is returned at once. And a table is
// faulted in by one call, in huge pages where the system grants them,
// where the heap faults each fresh 4 KB page on its own (10-20 us a page
// on this project's virtual machine).
package offheap

import (
	"sync"
	"unsafe"
)

// Arena maps and unmaps the tables of one owner. Its owner frees a table
// with FreeTable, and everything at once with Release (when it is done, or
// from a runtime.AddCleanup when it becomes unreachable). It is safe for
// concurrent use; a nil Arena keeps every table on the heap.
type Arena struct {
	mu      sync.Mutex
	regions map[*byte][]byte // mapped regions, by their first byte
	size    int64
}

// MinBytes is the smallest table kept off the heap: a mapping costs system
// calls and whole pages.
const MinBytes = 64 << 10

// New returns an empty arena.
func New() *Arena { return &Arena{regions: map[*byte][]byte{}} }

// Table returns n zeroed values of T, a type without pointers: off the
// heap when a is not nil and they take MinBytes or more.
func Table[T any](a *Arena, n int) []T {
	if a != nil {
		if b := a.alloc(n * int(unsafe.Sizeof(*new(T)))); b != nil {
			return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), n)
		}
	}
	return make([]T, n)
}

// FreeTable frees s, a table from a, if it is off the heap (one on the heap
// is the collector's).
func FreeTable[T any](a *Arena, s []T) {
	if a != nil && cap(s) > 0 {
		a.free(unsafe.Pointer(unsafe.SliceData(s)))
	}
}

// Bytes returns an empty slice with capacity n.
func (a *Arena) Bytes(n int) []byte { return Table[byte](a, n)[:0] }

// alloc maps n zeroed bytes, or returns nil when the table belongs on the
// heap (small, or no mapping on this platform).
func (a *Arena) alloc(n int) []byte {
	if n < MinBytes {
		return nil
	}
	b, err := mapMemory(n)
	if err != nil || len(b) == 0 {
		return nil // the heap, then
	}
	a.mu.Lock()
	a.regions[&b[0]] = b
	a.size += int64(len(b))
	a.mu.Unlock()
	return b
}

// hugePage is the size of a huge page on the common platforms (x86-64 and
// arm64 with 4 KB base pages); a large table starts on a multiple of it, so
// that all of it but its last partial page can be huge. Tables are read at
// random: with 4 KB pages nearly every lookup in a table of hundreds of MB
// also misses the TLB, which costs hundreds of nanoseconds (microseconds on
// some virtual machines); a huge page covers 512 times as much.
const hugePage = 2 << 20

// free unmaps the region starting at p, if the arena mapped it.
func (a *Arena) free(p unsafe.Pointer) {
	a.mu.Lock()
	b, ok := a.regions[(*byte)(p)]
	if ok {
		delete(a.regions, (*byte)(p))
		a.size -= int64(len(b))
	}
	a.mu.Unlock()
	if ok {
		unmapMemory(b)
	}
}

// Release unmaps every table; none may be used after it.
func (a *Arena) Release() {
	a.mu.Lock()
	regions := a.regions
	a.regions, a.size = map[*byte][]byte{}, 0
	a.mu.Unlock()
	for _, b := range regions {
		unmapMemory(b)
	}
}

// Mapped returns the bytes mapped now.
func (a *Arena) Mapped() int64 {
	if a == nil {
		return 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.size
}
