package minhash

import "syscall"

// mapMemory maps n zeroed bytes, populated at once: a table is written all
// over as soon as it is made (a segment's entries are moved into it), and
// one call that faults in every page costs far less than a fault per page,
// which on a virtual machine is several microseconds.
func mapMemory(n int) ([]byte, error) {
	return syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE|syscall.MAP_POPULATE)
}

func unmapMemory(b []byte) { syscall.Munmap(b) }
