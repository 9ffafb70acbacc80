package parquetio

import (
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tuneprep/tuneprep/stages/offheap"
)

// mappedAllocator is the Go allocator for small buffers and mapped memory
// for those of offheap.MinBytes or more: a batch's column buffers (the
// text's some megabytes) and each column chunk's compressed pages, which
// grow by doubling until the row group is written. From the heap, every
// fresh page of those faulted in on its own and the freed buffers waited
// for a collection; mapped, a buffer is faulted in by one call and
// returned when Arrow frees it.
type mappedAllocator struct {
	heap memory.GoAllocator
	mem  *offheap.Arena
}

func newMappedAllocator() *mappedAllocator { return &mappedAllocator{mem: offheap.New()} }

// Allocate returns size zeroed bytes, 64-byte aligned as Arrow wants (a
// mapping starts on a page; a large heap object too).
func (a *mappedAllocator) Allocate(size int) []byte {
	if size < offheap.MinBytes {
		return a.heap.Allocate(size)
	}
	return offheap.Table[byte](a.mem, size)
}

func (a *mappedAllocator) Reallocate(size int, b []byte) []byte {
	if cap(b) >= size {
		return b[:size]
	}
	nb := a.Allocate(size)
	copy(nb, b)
	a.Free(b)
	return nb
}

func (a *mappedAllocator) Free(b []byte) { offheap.FreeTable(a.mem, b) }
