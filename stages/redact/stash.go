package redact

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/pipeline/binenc"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/pii"
)

var _ pipeline.StashCodec = (*Stage)(nil)

// AppendStash implements pipeline.StashCodec. A found is written as spans
// (uvarint length+1, 0 for nil; each ID, Field, Start, End, Type, Detector,
// Score); residual (likewise; each Start, End, Type, Detector, Score);
// masked, hashed, dropped; drop (a byte 0 for nil, else 1 and Stage,
// Reason, Detail). Ints are varints, a string is a uvarint length and its
// bytes, a float 8 bytes.
func (s *Stage) AppendStash(dst []byte, stash any) ([]byte, error) {
	f, ok := stash.(*found)
	if !ok || f == nil {
		return dst, fmt.Errorf("redact: stash %T is not a *found", stash)
	}
	dst = binenc.AppendLen(dst, f.spans == nil, len(f.spans))
	for _, sp := range f.spans {
		dst = binenc.AppendString(binenc.AppendString(dst, sp.ID), sp.Field)
		dst = binary.AppendVarint(binary.AppendVarint(dst, int64(sp.Start)), int64(sp.End))
		dst = binenc.AppendString(binenc.AppendString(dst, sp.Type), sp.Detector)
		dst = binenc.AppendFloat(dst, sp.Score)
	}
	dst = binenc.AppendLen(dst, f.residual == nil, len(f.residual))
	for _, sp := range f.residual {
		dst = binary.AppendVarint(binary.AppendVarint(dst, int64(sp.Start)), int64(sp.End))
		dst = binenc.AppendString(binenc.AppendString(dst, sp.Type), sp.Detector)
		dst = binenc.AppendFloat(dst, sp.Score)
	}
	for _, n := range []int{f.masked, f.hashed, f.dropped} {
		dst = binary.AppendVarint(dst, int64(n))
	}
	if f.drop == nil {
		return append(dst, 0), nil
	}
	dst = binenc.AppendString(binenc.AppendString(append(dst, 1), f.drop.Stage), f.drop.Reason)
	return binenc.AppendString(dst, f.drop.Detail), nil
}

// ReadStash implements pipeline.StashCodec. The found shares no memory with b.
func (s *Stage) ReadStash(b []byte) (any, error) {
	r := binenc.NewReader(b, "redact stash")
	f := &found{}
	// A span takes at least 14 bytes, a residual finding 12.
	if n, ok := r.Len(14); ok {
		f.spans = make([]AuditSpan, n)
		for i := range f.spans {
			sp := &f.spans[i]
			sp.ID, sp.Field = r.String(), r.String()
			sp.Start, sp.End = int(r.Varint()), int(r.Varint())
			sp.Type, sp.Detector, sp.Score = r.String(), r.String(), r.Float()
		}
	}
	if n, ok := r.Len(12); ok {
		f.residual = make([]pii.Span, n)
		for i := range f.residual {
			sp := &f.residual[i]
			sp.Start, sp.End = int(r.Varint()), int(r.Varint())
			sp.Type, sp.Detector, sp.Score = r.String(), r.String(), r.Float()
		}
	}
	f.masked, f.hashed, f.dropped = int(r.Varint()), int(r.Varint()), int(r.Varint())
	hasDrop := r.Byte()
	if hasDrop == 1 {
		f.drop = &schemas.Drop{Stage: r.String(), Reason: r.String(), Detail: r.String()}
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	if hasDrop > 1 {
		return nil, errors.New("bad redact stash: drop flag out of range")
	}
	return f, nil
}

// StashDrops implements pipeline.StashCodec: a record Process decided to drop.
func (s *Stage) StashDrops(stash any) bool {
	f, ok := stash.(*found)
	return ok && f.drop != nil
}
