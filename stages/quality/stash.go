package quality

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/tuneprep/tuneprep/pipeline"
)

var _ pipeline.StashCodec = (*Stage)(nil)

// The check masks below are one uint64 each.
const _ = uint64(1) << (64 - numChecks)

// AppendStash implements pipeline.StashCodec. A result is written as the
// uvarint bit masks of applied, over and non-zero value; the non-zero
// values (8 bytes each, in check order); fail (varint); detail; langRan (a
// byte); lang; conf (8 bytes). A string is a uvarint length and its bytes.
func (s *Stage) AppendStash(dst []byte, stash any) ([]byte, error) {
	r, ok := stash.(*result)
	if !ok || r == nil {
		return dst, fmt.Errorf("quality: stash %T is not a *result", stash)
	}
	var applied, over, nonzero uint64
	for c := range numChecks {
		applied |= b2u(r.applied[c]) << c
		over |= b2u(r.over[c]) << c
		nonzero |= b2u(math.Float64bits(r.value[c]) != 0) << c
	}
	dst = binary.AppendUvarint(dst, applied)
	dst = binary.AppendUvarint(dst, over)
	dst = binary.AppendUvarint(dst, nonzero)
	for c := range numChecks {
		if nonzero&(1<<c) != 0 {
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(r.value[c]))
		}
	}
	dst = binary.AppendVarint(dst, int64(r.fail))
	dst = appendString(dst, r.detail)
	dst = append(dst, byte(b2u(r.langRan)))
	dst = appendString(dst, r.lang)
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(r.conf)), nil
}

// ReadStash implements pipeline.StashCodec. The result comes from the pool
// that Sequence returns results to, and shares no memory with b.
func (s *Stage) ReadStash(b []byte) (any, error) {
	rd := &reader{b: b}
	applied, over, nonzero := rd.uvarint(), rd.uvarint(), rd.uvarint()
	if (applied|over|nonzero)>>numChecks != 0 {
		return nil, errors.New("quality: bad stash: check mask out of range")
	}
	var value [numChecks]float64
	var app, ov [numChecks]bool
	for c := range numChecks {
		if nonzero&(1<<c) != 0 {
			value[c] = rd.float()
		}
		app[c], ov[c] = applied&(1<<c) != 0, over&(1<<c) != 0
	}
	fail := rd.varint()
	detail := rd.str()
	langRan := rd.u8()
	lang := rd.str()
	conf := rd.float()
	if err := rd.done(); err != nil {
		return nil, err
	}
	if fail < -1 || fail >= numChecks || langRan > 1 {
		return nil, errors.New("quality: bad stash: fail or langRan out of range")
	}
	r, _ := s.results.Get().(*result)
	if r == nil {
		r = new(result)
	}
	*r = result{value: value, applied: app, over: ov, fail: int(fail), detail: detail,
		langRan: langRan == 1, lang: lang, conf: conf}
	return r, nil
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func appendString(dst []byte, s string) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

// reader reads a stash; the first error sticks and later reads give zeros.
type reader struct {
	b   []byte
	err error
}

var errShort = errors.New("quality: bad stash: truncated")

func (r *reader) short() {
	if r.err == nil {
		r.err = errShort
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

func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.short()
		return 0
	}
	r.b = r.b[n:]
	return v
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

// done reports the first error, or bytes left over.
func (r *reader) done() error {
	if r.err == nil && len(r.b) > 0 {
		r.err = fmt.Errorf("quality: bad stash: %d bytes left over", len(r.b))
	}
	return r.err
}

// StashDrops implements pipeline.StashCodec: a record that failed a check.
func (s *Stage) StashDrops(stash any) bool {
	r, ok := stash.(*result)
	return ok && r.fail >= 0
}
