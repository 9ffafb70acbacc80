package binenc

import (
	"encoding/binary"
	"math"
	"reflect"
	"strings"
	"testing"
)

type value struct {
	u     uint64
	i     int64
	c     byte
	u32   uint32
	u64   uint64
	f     float64
	s     string
	p     []byte
	list  []uint32 // nil and empty differ
	list8 []uint64
}

func appendValue(dst []byte, v value) []byte {
	dst = binary.AppendUvarint(dst, v.u)
	dst = binary.AppendVarint(dst, v.i)
	dst = append(dst, v.c)
	dst = binary.LittleEndian.AppendUint32(dst, v.u32)
	dst = binary.LittleEndian.AppendUint64(dst, v.u64)
	dst = AppendFloat(dst, v.f)
	dst = AppendString(dst, v.s)
	dst = AppendBytes(dst, v.p)
	dst = AppendLen(dst, v.list == nil, len(v.list))
	for _, x := range v.list {
		dst = binary.LittleEndian.AppendUint32(dst, x)
	}
	dst = AppendLen(dst, v.list8 == nil, len(v.list8))
	for _, x := range v.list8 {
		dst = binary.LittleEndian.AppendUint64(dst, x)
	}
	return dst
}

func readValue(b []byte) (value, error) {
	r := NewReader(b, "test data")
	v := value{u: r.Uvarint(), i: r.Varint(), c: r.Byte(), u32: r.Uint32(), u64: r.Uint64(), f: r.Float(), s: r.String(), p: r.Bytes()}
	if n, ok := r.Len(4); ok {
		v.list = make([]uint32, n)
		for k := range v.list {
			v.list[k] = r.Uint32()
		}
	}
	if n, ok := r.Len(8); ok {
		v.list8 = make([]uint64, n)
		for k := range v.list8 {
			v.list8[k] = r.Uint64()
		}
	}
	return v, r.Done()
}

// equal compares floats by their bits, byte slices by their bytes (Bytes
// does not keep nil), and the rest with reflect.DeepEqual (which tells nil
// slices from empty ones).
func equal(a, b value) bool {
	if math.Float64bits(a.f) != math.Float64bits(b.f) || string(a.p) != string(b.p) {
		return false
	}
	a.f, b.f, a.p, b.p = 0, 0, nil, nil
	return reflect.DeepEqual(a, b)
}

func values() []value {
	return []value{
		{},
		{list: []uint32{}, list8: []uint64{}, p: []byte{}},
		{u: math.MaxUint64, i: math.MinInt64, c: 0xff, u32: math.MaxUint32, u64: math.MaxUint64, f: math.Inf(-1),
			s: "héllo\x00", p: []byte{0, 1, 2}, list: []uint32{1, 0, math.MaxUint32}, list8: []uint64{math.MaxUint64}},
		{u: 300, i: math.MaxInt64, c: 1, f: math.Copysign(0, -1), s: strings.Repeat("x", 200), list: []uint32{7}},
		{i: -1, f: math.NaN(), list8: []uint64{1, 2, 3}},
	}
}

// TestRoundTrip: every kind reads back as written, nil and empty slices
// included.
func TestRoundTrip(t *testing.T) {
	for _, v := range values() {
		got, err := readValue(appendValue(nil, v))
		if err != nil {
			t.Fatalf("%+v: %v", v, err)
		}
		if !equal(got, v) {
			t.Errorf("read back %+v, want %+v", got, v)
		}
	}
}

// TestNilAndEmpty: a nil slice is written as 0, an empty one as 1.
func TestNilAndEmpty(t *testing.T) {
	if b := AppendLen(nil, true, 0); string(b) != "\x00" {
		t.Errorf("nil: % x", b)
	}
	if b := AppendLen(nil, false, 0); string(b) != "\x01" {
		t.Errorf("empty: % x", b)
	}
	if n, ok := NewReader([]byte{0}, "x").Len(1); n != 0 || ok {
		t.Errorf("nil read as %d, %v", n, ok)
	}
	if n, ok := NewReader([]byte{1}, "x").Len(1); n != 0 || !ok {
		t.Errorf("empty read as %d, %v", n, ok)
	}
}

// TestBadBytes: every truncation of an encoding, and a byte left over, is
// an error, never a panic; the error names the data.
func TestBadBytes(t *testing.T) {
	for _, v := range values() {
		enc := appendValue(nil, v)
		for n := range len(enc) {
			if _, err := readValue(enc[:n]); err == nil {
				t.Fatalf("%+v: %d of %d bytes read without an error", v, n, len(enc))
			} else if err.Error() != "bad test data: truncated" {
				t.Fatalf("%d of %d bytes: %v", n, len(enc), err)
			}
		}
		if _, err := readValue(append(enc, 0)); err == nil || err.Error() != "bad test data: 1 bytes left over" {
			t.Fatalf("a byte left over: %v", err)
		}
	}
}

// TestErrorSticks: after an error, reads give zero values and the first
// error stays.
func TestErrorSticks(t *testing.T) {
	r := NewReader([]byte{9, 'a', 'b', 1, 2, 3}, "x")
	if s := r.String(); s != "" || r.Err() == nil {
		t.Fatalf("String = %q, %v", s, r.Err())
	}
	first := r.Err()
	if r.Uvarint() != 0 || r.Varint() != 0 || r.Byte() != 0 || r.Uint32() != 0 || r.Uint64() != 0 || r.Float() != 0 || r.Bytes() != nil {
		t.Error("a read after an error gave a value")
	}
	if n, ok := r.Len(1); n != 0 || ok {
		t.Error("Len after an error gave a length")
	}
	if r.Done() != first || r.Err() != first || len(r.Rest()) != 0 {
		t.Errorf("error %v, want %v", r.Done(), first)
	}
}

// TestCorruptLengths: a length longer than the bytes left, however big, is
// an error, and so is a varint of more than 64 bits.
func TestCorruptLengths(t *testing.T) {
	huge := binary.AppendUvarint(nil, math.MaxUint64)
	for _, read := range []func(*Reader){
		func(r *Reader) { _ = r.String() },
		func(r *Reader) { r.Bytes() },
		func(r *Reader) { r.Len(1) },
		func(r *Reader) { r.Len(8) },
	} {
		for _, b := range [][]byte{huge, {4, 'a', 'b'}, {10, 1, 2, 3, 4, 5, 6, 7, 8}} {
			r := NewReader(b, "x")
			read(r)
			if r.Err() == nil {
				t.Errorf("% x read without an error", b)
			}
		}
	}
	over := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}
	for _, read := range []func(*Reader){func(r *Reader) { r.Uvarint() }, func(r *Reader) { r.Varint() }} {
		r := NewReader(over, "x")
		read(r)
		if r.Err() == nil || !strings.Contains(r.Err().Error(), "overflows") {
			t.Errorf("an 11-byte varint: %v", r.Err())
		}
	}
}

// TestBytesShares: Bytes is a sub-slice of the reader's bytes, String a
// copy, and Rest what is left.
func TestBytesShares(t *testing.T) {
	b := AppendString(AppendBytes(nil, []byte("ab")), "cd")
	b = append(b, 'z')
	r := NewReader(b, "x")
	p, s := r.Bytes(), r.String()
	b[1], b[4] = 'X', 'Y'
	if string(p) != "Xb" || s != "cd" || string(r.Rest()) != "z" {
		t.Errorf("Bytes %q, String %q, Rest %q", p, s, r.Rest())
	}
}
