package minhash

import (
	"sync"
	"unsafe"
)

// arena holds an index's large tables outside the Go heap (mapped memory
// on Unix). They hold no pointers, so the collector has nothing to find in
// them; what keeping them off the heap changes is the heap's size: the
// collector lets the heap grow by GOGC percent of what is live before it
// collects, and a 700 MB index on the heap would let it grow by 350 MB
// more at GOGC 50. Off the heap, the headroom is a share of the rest.
//
// Tables below offheapMin bytes stay on the heap. An arena frees its
// memory when the index calls release, or when the index becomes
// unreachable (runtime.AddCleanup), whichever comes first.
type arena struct {
	mu      sync.Mutex
	regions map[*byte][]byte // mapped regions, by their first byte
	size    int64
}

// offheapMin is the smallest table kept off the heap: a mapping costs a
// system call and whole pages.
const offheapMin = 64 << 10

func newArena() *arena { return &arena{regions: map[*byte][]byte{}} }

// table returns n zeroed values of T, a type without pointers: off the
// heap when a is not nil and they take offheapMin bytes or more.
func table[T any](a *arena, n int) []T {
	if a != nil {
		if b := a.alloc(n * int(unsafe.Sizeof(*new(T)))); b != nil {
			return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), n)
		}
	}
	return make([]T, n)
}

// freeTable frees s, a table from a, if it is off the heap.
func freeTable[T any](a *arena, s []T) {
	if a != nil && cap(s) > 0 {
		a.free(unsafe.Pointer(unsafe.SliceData(s)))
	}
}

// bytes returns an empty slice with capacity n.
func (a *arena) bytes(n int) []byte {
	b := a.alloc(n)
	if b == nil {
		return make([]byte, 0, n)
	}
	return b[:0]
}

// alloc maps n zeroed bytes, or returns nil when the table belongs on the
// heap (small, or no mapping on this platform).
func (a *arena) alloc(n int) []byte {
	if n < offheapMin {
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

// free unmaps the region starting at p, if the arena mapped it (a table on
// the heap is the collector's).
func (a *arena) free(p unsafe.Pointer) {
	if p == nil {
		return
	}
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

// release unmaps every region.
func (a *arena) release() {
	a.mu.Lock()
	regions := a.regions
	a.regions, a.size = map[*byte][]byte{}, 0
	a.mu.Unlock()
	for _, b := range regions {
		unmapMemory(b)
	}
}

// mapped returns the bytes mapped now.
func (a *arena) mapped() int64 {
	if a == nil {
		return 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.size
}
