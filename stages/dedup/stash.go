package dedup

import (
	"encoding/binary"
	"fmt"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/pipeline/binenc"
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
	dst = binenc.AppendLen(dst, p.sig == nil, len(p.sig))
	for _, v := range p.sig {
		dst = binary.LittleEndian.AppendUint32(dst, v)
	}
	dst = binenc.AppendLen(dst, p.set == nil, len(p.set))
	for _, v := range p.set {
		dst = binary.LittleEndian.AppendUint64(dst, v)
	}
	dst = binary.AppendVarint(dst, int64(p.shingles))
	dst = binary.LittleEndian.AppendUint64(dst, p.conflict)
	return binenc.AppendFloat(dst, p.score), nil
}

// ReadStash implements pipeline.StashCodec. The prep shares no memory with b.
func (s *Stage) ReadStash(b []byte) (any, error) {
	r := binenc.NewReader(b, "dedup stash")
	p := &prep{hash: r.Uint64()}
	if n, ok := r.Len(4); ok {
		p.sig = make(minhash.Signature, n)
		for i := range p.sig {
			p.sig[i] = r.Uint32()
		}
	}
	if n, ok := r.Len(8); ok {
		p.set = make([]uint64, n)
		for i := range p.set {
			p.set[i] = r.Uint64()
		}
	}
	p.shingles = int(r.Varint())
	p.conflict = r.Uint64()
	p.score = r.Float()
	if err := r.Done(); err != nil {
		return nil, err
	}
	// A shingle count is never negative: Sequence would take any count
	// but 0 for a record with shingles.
	if p.shingles < 0 {
		return nil, fmt.Errorf("bad dedup stash: %d shingles", p.shingles)
	}
	// Sequence hands a record with shingles to the index, which needs a
	// whole signature.
	if s.mh != nil && p.shingles > 0 && len(p.sig) != s.mh.NumPerm() {
		return nil, fmt.Errorf("bad dedup stash: signature of %d values, want %d", len(p.sig), s.mh.NumPerm())
	}
	return p, nil
}

// StashDrops implements pipeline.StashCodec: whether a record is a duplicate
// depends on the records before it, not on its own Stash.
func (s *Stage) StashDrops(any) bool { return false }
