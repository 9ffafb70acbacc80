package quality

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/pipeline/binenc"
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
			dst = binenc.AppendFloat(dst, r.value[c])
		}
	}
	dst = binary.AppendVarint(dst, int64(r.fail))
	dst = binenc.AppendString(dst, r.detail)
	dst = append(dst, byte(b2u(r.langRan)))
	dst = binenc.AppendString(dst, r.lang)
	return binenc.AppendFloat(dst, r.conf), nil
}

// ReadStash implements pipeline.StashCodec. The result comes from the pool
// that Sequence returns results to, and shares no memory with b.
func (s *Stage) ReadStash(b []byte) (any, error) {
	rd := binenc.NewReader(b, "quality stash")
	applied, over, nonzero := rd.Uvarint(), rd.Uvarint(), rd.Uvarint()
	if (applied|over|nonzero)>>numChecks != 0 {
		return nil, errors.New("bad quality stash: check mask out of range")
	}
	var value [numChecks]float64
	var app, ov [numChecks]bool
	for c := range numChecks {
		if nonzero&(1<<c) != 0 {
			value[c] = rd.Float()
		}
		app[c], ov[c] = applied&(1<<c) != 0, over&(1<<c) != 0
	}
	fail := rd.Varint()
	detail := rd.String()
	langRan := rd.Byte()
	lang := rd.String()
	conf := rd.Float()
	if err := rd.Done(); err != nil {
		return nil, err
	}
	if fail < -1 || fail >= numChecks || langRan > 1 {
		return nil, errors.New("bad quality stash: fail or langRan out of range")
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

// StashDrops implements pipeline.StashCodec: a record that failed a check.
func (s *Stage) StashDrops(stash any) bool {
	r, ok := stash.(*result)
	return ok && r.fail >= 0
}
