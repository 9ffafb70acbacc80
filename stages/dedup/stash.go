package dedup

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/stages/minhash"
)

var _ pipeline.StashCodec = (*Stage)(nil)

// AppendStash implements pipeline.StashCodec. A prep is written as hash (8
// bytes); sig (uvarint length+1, 0 for nil, then 4 bytes a value); set
// (likewise, 8 bytes a value); shingles (varint); conflict and score (8
// bytes each).
func (s *Stage) AppendStash(dst []byte, stash any) ([]byte, error) {
	p, ok := stash.(*prep)
	if !ok || p == nil {
		return dst, fmt.Errorf("dedup: stash %T is not a *prep", stash)
	}
	dst = binary.LittleEndian.AppendUint64(dst, p.hash)
	dst = appendLen(dst, p.sig == nil, len(p.sig))
	for _, v := range p.sig {
		dst = binary.LittleEndian.AppendUint32(dst, v)
	}
	dst = appendLen(dst, p.set == nil, len(p.set))
	for _, v := range p.set {
		dst = binary.LittleEndian.AppendUint64(dst, v)
	}
	dst = binary.AppendVarint(dst, int64(p.shingles))
	dst = binary.LittleEndian.AppendUint64(dst, p.conflict)
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(p.score)), nil
}

// ReadStash implements pipeline.StashCodec. The prep shares no memory with b.
func (s *Stage) ReadStash(b []byte) (any, error) {
	r := &reader{b: b}
	p := &prep{hash: r.u64()}
	if n, ok := r.len(4); ok {
		p.sig = make(minhash.Signature, n)
		for i := range p.sig {
			p.sig[i] = r.u32()
		}
	}
	if n, ok := r.len(8); ok {
		p.set = make([]uint64, n)
		for i := range p.set {
			p.set[i] = r.u64()
		}
	}
	p.shingles = int(r.varint())
	p.conflict = r.u64()
	p.score = math.Float64frombits(r.u64())
	if err := r.done(); err != nil {
		return nil, err
	}
	// Sequence hands a record with shingles to the index, which needs a
	// whole signature.
	if s.mh != nil && p.shingles > 0 && len(p.sig) != s.mh.NumPerm() {
		return nil, fmt.Errorf("dedup: bad stash: signature of %d values, want %d", len(p.sig), s.mh.NumPerm())
	}
	return p, nil
}

func appendLen(dst []byte, isNil bool, n int) []byte {
	if isNil {
		return append(dst, 0)
	}
	return binary.AppendUvarint(dst, uint64(n)+1)
}

// reader reads a stash; the first error sticks and later reads give zeros.
type reader struct {
	b   []byte
	err error
}

func (r *reader) short() {
	if r.err == nil {
		r.err = errors.New("dedup: bad stash: truncated")
	}
	r.b = nil
}

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.short()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) u32() uint32 {
	if len(r.b) < 4 {
		r.short()
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *reader) u64() uint64 {
	if len(r.b) < 8 {
		r.short()
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

// len reads a slice length (uvarint length+1); ok is false for a nil slice
// or an error. A length the rest of b cannot hold, at size bytes a value,
// is an error.
func (r *reader) len(size int) (int, bool) {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.short()
		return 0, false
	}
	r.b = r.b[n:]
	if v == 0 {
		return 0, false
	}
	if v-1 > uint64(len(r.b)/size) {
		r.short()
		return 0, false
	}
	return int(v - 1), true
}

// done reports the first error, or bytes left over.
func (r *reader) done() error {
	if r.err == nil && len(r.b) > 0 {
		r.err = fmt.Errorf("dedup: bad stash: %d bytes left over", len(r.b))
	}
	return r.err
}

// StashDrops implements pipeline.StashCodec: whether a record is a duplicate
// depends on the records before it, not on its own Stash.
func (s *Stage) StashDrops(any) bool { return false }
