package redact

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/tuneprep/tuneprep/pipeline"
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
	dst = appendLen(dst, f.spans == nil, len(f.spans))
	for _, sp := range f.spans {
		dst = appendString(appendString(dst, sp.ID), sp.Field)
		dst = binary.AppendVarint(binary.AppendVarint(dst, int64(sp.Start)), int64(sp.End))
		dst = appendString(appendString(dst, sp.Type), sp.Detector)
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(sp.Score))
	}
	dst = appendLen(dst, f.residual == nil, len(f.residual))
	for _, sp := range f.residual {
		dst = binary.AppendVarint(binary.AppendVarint(dst, int64(sp.Start)), int64(sp.End))
		dst = appendString(appendString(dst, sp.Type), sp.Detector)
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(sp.Score))
	}
	for _, n := range []int{f.masked, f.hashed, f.dropped} {
		dst = binary.AppendVarint(dst, int64(n))
	}
	if f.drop == nil {
		return append(dst, 0), nil
	}
	dst = appendString(appendString(append(dst, 1), f.drop.Stage), f.drop.Reason)
	return appendString(dst, f.drop.Detail), nil
}

// ReadStash implements pipeline.StashCodec. The found shares no memory with b.
func (s *Stage) ReadStash(b []byte) (any, error) {
	r := &reader{b: b}
	f := &found{}
	// A span takes at least 14 bytes, a residual finding 12.
	if n, ok := r.len(14); ok {
		f.spans = make([]AuditSpan, n)
		for i := range f.spans {
			sp := &f.spans[i]
			sp.ID, sp.Field = r.str(), r.str()
			sp.Start, sp.End = r.int(), r.int()
			sp.Type, sp.Detector, sp.Score = r.str(), r.str(), r.float()
		}
	}
	if n, ok := r.len(12); ok {
		f.residual = make([]pii.Span, n)
		for i := range f.residual {
			sp := &f.residual[i]
			sp.Start, sp.End = r.int(), r.int()
			sp.Type, sp.Detector, sp.Score = r.str(), r.str(), r.float()
		}
	}
	f.masked, f.hashed, f.dropped = r.int(), r.int(), r.int()
	switch r.u8() {
	case 0:
	case 1:
		f.drop = &schemas.Drop{Stage: r.str(), Reason: r.str(), Detail: r.str()}
	default:
		r.short()
	}
	if err := r.done(); err != nil {
		return nil, err
	}
	return f, nil
}

func appendLen(dst []byte, isNil bool, n int) []byte {
	if isNil {
		return append(dst, 0)
	}
	return binary.AppendUvarint(dst, uint64(n)+1)
}

func appendString(dst []byte, s string) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

// reader reads a stash; the first error sticks and later reads give zeros.
type reader struct {
	b   []byte
	err error
}

func (r *reader) short() {
	if r.err == nil {
		r.err = errors.New("redact: bad stash: truncated or malformed")
	}
	r.b = nil
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.short()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) int() int {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.short()
		return 0
	}
	r.b = r.b[n:]
	return int(v)
}

func (r *reader) u8() byte {
	if len(r.b) < 1 {
		r.short()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *reader) float() float64 {
	if len(r.b) < 8 {
		r.short()
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

func (r *reader) str() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.short()
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// len reads a slice length (uvarint length+1); ok is false for a nil slice
// or an error. A length the rest of b cannot hold, at least size bytes a
// value, is an error.
func (r *reader) len(size int) (int, bool) {
	v := r.uvarint()
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
		r.err = fmt.Errorf("redact: bad stash: %d bytes left over", len(r.b))
	}
	return r.err
}

// StashDrops implements pipeline.StashCodec: a record Process decided to drop.
func (s *Stage) StashDrops(stash any) bool {
	f, ok := stash.(*found)
	return ok && f.drop != nil
}
