// Package binenc writes and reads compact binary encodings of per-record
// data that one binary writes and reads back, such as a stage's Stash for
// a sharded run. Integers are varints (uvarints when unsigned), a float64
// is 8 bytes little-endian, a string or byte slice is a uvarint length and
// its bytes, and a slice's length is written plus one, so that 0 is a nil
// slice and nil and empty differ.
//
// A Reader's first error sticks: later reads return zero values, and Done
// or Err reports it.
package binenc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// AppendString appends s with a uvarint length.
func AppendString(dst []byte, s string) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

// AppendBytes appends p with a uvarint length.
func AppendBytes(dst, p []byte) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(p))), p...)
}

// AppendFloat appends f as 8 bytes, little-endian.
func AppendFloat(dst []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
}

// AppendLen appends a slice's length n as a uvarint n+1, or 0 if it is nil.
func AppendLen(dst []byte, isNil bool, n int) []byte {
	if isNil {
		return append(dst, 0)
	}
	return binary.AppendUvarint(dst, uint64(n)+1)
}

// Reader reads an encoding from a byte slice.
type Reader struct {
	b    []byte
	what string
	err  error
}

// NewReader returns a Reader of b; what names the data in errors, as in
// "bad quality stash: truncated".
func NewReader(b []byte, what string) *Reader {
	return &Reader{b: b, what: what}
}

func (r *Reader) fail(problem string) {
	if r.err == nil {
		r.err = errors.New("bad " + r.what + ": " + problem)
	}
	r.b = nil
}

// next returns the next n bytes, or nil after an error.
func (r *Reader) next(n int) []byte {
	if n > len(r.b) {
		r.fail("truncated")
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

// varint checks the count binary.Uvarint or binary.Varint returned.
func (r *Reader) varint(n int) bool {
	if n <= 0 {
		if n == 0 {
			r.fail("truncated")
		} else {
			r.fail("varint overflows 64 bits")
		}
		return false
	}
	r.b = r.b[n:]
	return true
}

// Uvarint reads a uvarint.
func (r *Reader) Uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if !r.varint(n) {
		return 0
	}
	return v
}

// Varint reads a varint.
func (r *Reader) Varint() int64 {
	v, n := binary.Varint(r.b)
	if !r.varint(n) {
		return 0
	}
	return v
}

// Byte reads a byte.
func (r *Reader) Byte() byte {
	if p := r.next(1); p != nil {
		return p[0]
	}
	return 0
}

// Uint32 reads 4 bytes, little-endian.
func (r *Reader) Uint32() uint32 {
	if p := r.next(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

// Uint64 reads 8 bytes, little-endian.
func (r *Reader) Uint64() uint64 {
	if p := r.next(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

// Float reads a float64 written by AppendFloat.
func (r *Reader) Float() float64 {
	return math.Float64frombits(r.Uint64())
}

// String reads a string written by AppendString. It shares no memory with
// the Reader's bytes.
func (r *Reader) String() string {
	return string(r.Bytes())
}

// Bytes reads a byte slice written by AppendBytes. It is a sub-slice of
// the Reader's bytes, not a copy.
func (r *Reader) Bytes() []byte {
	n := r.Uvarint()
	if n > uint64(len(r.b)) {
		r.fail("truncated")
		return nil
	}
	return r.next(int(n))
}

// Len reads a slice length written by AppendLen; ok is false for a nil
// slice or an error. A length that the bytes left cannot hold, at size
// (at least 1) bytes an element, is an error.
func (r *Reader) Len(size int) (n int, ok bool) {
	v := r.Uvarint()
	if v == 0 {
		return 0, false
	}
	if v-1 > uint64(len(r.b)/size) {
		r.fail("truncated")
		return 0, false
	}
	return int(v - 1), true
}

// Rest returns the bytes not read yet, sharing the Reader's bytes.
func (r *Reader) Rest() []byte { return r.b }

// Err returns the first error.
func (r *Reader) Err() error { return r.err }

// Done returns the first error, or an error if bytes are left over.
func (r *Reader) Done() error {
	if r.err == nil && len(r.b) > 0 {
		r.err = fmt.Errorf("bad %s: %d bytes left over", r.what, len(r.b))
	}
	return r.err
}
