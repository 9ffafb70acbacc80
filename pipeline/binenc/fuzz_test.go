package binenc

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
)

// FuzzReader reads arbitrary bytes with the reads ops picks (one a byte):
// no read panics; each takes exactly the bytes of what it returns; Len
// never gives more elements than the bytes left can hold at the size
// asked; after an error every read gives a zero value and nothing is left.
func FuzzReader(f *testing.F) {
	for _, v := range values() {
		f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 17, 26}, appendValue(nil, v))
	}
	f.Add([]byte{6, 6, 6}, []byte{9, 'a', 'b'})
	f.Add([]byte{8, 35}, binary.AppendUvarint(nil, math.MaxUint64))
	f.Fuzz(func(t *testing.T, ops, data []byte) {
		r := NewReader(data, "fuzz data")
		for _, op := range ops {
			before, failed := r.Rest(), r.Err() != nil
			var got []byte // the encoding of what the read returned
			zero := false
			switch op % 9 {
			case 0:
				v := r.Uvarint()
				got, zero = binary.AppendUvarint(nil, v), v == 0
			case 1:
				v := r.Varint()
				got, zero = binary.AppendVarint(nil, v), v == 0
			case 2:
				v := r.Byte()
				got, zero = []byte{v}, v == 0
			case 3:
				v := r.Uint32()
				got, zero = binary.LittleEndian.AppendUint32(nil, v), v == 0
			case 4:
				v := r.Uint64()
				got, zero = binary.LittleEndian.AppendUint64(nil, v), v == 0
			case 5:
				v := r.Float()
				got, zero = AppendFloat(nil, v), math.Float64bits(v) == 0
			case 6:
				v := r.String()
				got, zero = []byte(v), v == ""
			case 7:
				v := r.Bytes()
				got, zero = v, v == nil
			case 8:
				size := int(op/9)%16 + 1
				n, ok := r.Len(size)
				if ok && n > len(r.Rest())/size {
					t.Fatalf("Len(%d) = %d with %d bytes left", size, n, len(r.Rest()))
				}
				got, zero = binary.AppendUvarint(nil, uint64(n)), n == 0 && !ok
			}
			after := r.Rest()
			if failed || r.Err() != nil {
				if !zero || len(after) != 0 {
					t.Fatalf("op %d after an error: got % x, %d bytes left", op%9, got, len(after))
				}
				continue
			}
			taken := before[:len(before)-len(after)]
			switch op % 9 {
			case 0, 1, 8: // varints may be written longer than needed
				if len(got) > len(taken) {
					t.Fatalf("op %d took % x for a value written % x", op%9, taken, got)
				}
			case 6, 7: // a length, then the bytes
				if !bytes.HasSuffix(taken, got) {
					t.Fatalf("op %d took % x and returned % x", op%9, taken, got)
				}
			default:
				if !bytes.Equal(taken, got) {
					t.Fatalf("op %d took % x and returned % x", op%9, taken, got)
				}
			}
		}
		if err := r.Done(); (err == nil) != (r.Err() == nil && len(r.Rest()) == 0) {
			t.Fatalf("Done = %v with %d bytes left", err, len(r.Rest()))
		}
	})
}

// FuzzRoundTrip: whatever the values, they read back as written (nil and
// empty slices apart), every truncation of their encoding is an error and
// so is a byte left over.
func FuzzRoundTrip(f *testing.F) {
	for _, v := range values() {
		f.Add(v.u, v.i, v.c, v.u32, v.u64, v.f, v.s, v.p, byte(2))
	}
	f.Add(uint64(0), int64(0), byte(0), uint32(0), uint64(0), 0.0, "", []byte(nil), byte(0))
	f.Add(uint64(0), int64(0), byte(0), uint32(0), uint64(0), 0.0, "", []byte{}, byte(1))
	f.Fuzz(func(t *testing.T, u uint64, i int64, c byte, u32 uint32, u64 uint64, fl float64, s string, p []byte, lists byte) {
		v := value{u: u, i: i, c: c, u32: u32, u64: u64, f: fl, s: s, p: p}
		// lists picks nil, empty or the bytes of p for each list.
		switch lists % 3 {
		case 1:
			v.list, v.list8 = []uint32{}, []uint64{}
		case 2:
			for k, x := range p {
				v.list = append(v.list, uint32(x)<<uint(k%24))
				v.list8 = append(v.list8, uint64(x)<<uint(k%56))
			}
		}
		enc := appendValue(nil, v)
		got, err := readValue(enc)
		if err != nil || !equal(got, v) {
			t.Fatalf("%+v read back as %+v, %v", v, got, err)
		}
		for n := range len(enc) {
			if _, err := readValue(enc[:n]); err == nil {
				t.Fatalf("%+v: %d of %d bytes read without an error", v, n, len(enc))
			}
		}
		if _, err := readValue(append(enc, 0)); err == nil {
			t.Fatalf("%+v: a byte left over read without an error", v)
		}
	})
}
