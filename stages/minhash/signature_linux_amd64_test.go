//go:build !purego

package minhash

import (
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestSignKernelStaysInBounds puts the constants and the output at the end
// of a page followed by an inaccessible one: a kernel that reads or writes
// one lane past a or out crashes the test.
func TestSignKernelStaysInBounds(t *testing.T) {
	if signKernel == nil {
		t.Skip("no signature kernel on this CPU")
	}
	page := unix.Getpagesize()
	beforeGuard := func() []byte {
		mem, err := unix.Mmap(-1, 0, 2*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Munmap(mem) })
		if err := unix.Mprotect(mem[page:], unix.PROT_NONE); err != nil {
			t.Fatal(err)
		}
		return mem[:page]
	}
	aMem, outMem := beforeGuard(), beforeGuard()
	rng := rand.New(rand.NewPCG(3, 4))
	hashes := make([]uint64, 50)
	for i := range hashes {
		hashes[i] = rng.Uint64()
	}
	for k := 1; k <= 200; k++ {
		a := unsafe.Slice((*uint64)(unsafe.Pointer(&aMem[page-8*k])), k)
		out := unsafe.Slice((*uint32)(unsafe.Pointer(&outMem[page-4*k])), k)
		for i := range a {
			a[i] = rng.Uint64()
		}
		want := make(Signature, k)
		signGeneric(want, hashes, a)
		signKernel(out, hashes, a)
		if !slices.Equal(out, want) {
			t.Fatalf("%d permutations: kernel differs from signGeneric", k)
		}
	}
}
