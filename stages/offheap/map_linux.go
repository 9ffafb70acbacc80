package offheap

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// mapMemory maps n zeroed bytes. A mapping of a huge page or more starts on
// a huge-page boundary and asks for transparent huge pages (honoured in the
// madvise mode most distributions default to). Every page is faulted in at
// once: a table is written all over as soon as it is made (a segment's
// entries are moved into it), and one call costs less than a fault per page.
//
// The mapping is made and unmapped by address (MmapPtr, MunmapPtr), not by
// unix.Mmap, whose bookkeeping only unmaps a mapping whole.
func mapMemory(n int) ([]byte, error) {
	huge := n >= hugePage
	size := n
	if huge {
		size += hugePage // room to align
	}
	p, err := unix.MmapPtr(-1, 0, nil, uintptr(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return nil, err
	}
	skip := 0
	if huge {
		skip = (hugePage - int(uintptr(p)%hugePage)) % hugePage
		if skip > 0 {
			unix.MunmapPtr(p, uintptr(skip))
		}
		if tail := size - skip - n; tail > 0 {
			unix.MunmapPtr(unsafe.Add(p, skip+n), uintptr(tail))
		}
	}
	b := unsafe.Slice((*byte)(unsafe.Add(p, skip)), n)
	if huge {
		unix.Madvise(b, unix.MADV_HUGEPAGE) // a hint: without it, 4 KB pages
	}
	if unix.Madvise(b, unix.MADV_POPULATE_WRITE) != nil {
		for i := 0; i < len(b); i += 4096 { // kernels before 5.14 fault them one by one
			b[i] = 0
		}
	}
	return b, nil
}

func unmapMemory(b []byte) { unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(b)), uintptr(len(b))) }
