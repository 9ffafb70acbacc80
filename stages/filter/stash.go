package filter

import (
	"fmt"

	"github.com/tuneprep/tuneprep/pipeline"
)

var _ pipeline.StashCodec = (*Stage)(nil)

// AppendStash implements pipeline.StashCodec. The Stash is the bool true
// (the record was truncated), written as one byte: 1 for true, 0 for false.
func (s *Stage) AppendStash(dst []byte, stash any) ([]byte, error) {
	b, ok := stash.(bool)
	if !ok {
		return dst, fmt.Errorf("filter: stash %T is not a bool", stash)
	}
	if b {
		return append(dst, 1), nil
	}
	return append(dst, 0), nil
}

// ReadStash implements pipeline.StashCodec.
func (s *Stage) ReadStash(b []byte) (any, error) {
	if len(b) != 1 || b[0] > 1 {
		return nil, fmt.Errorf("filter: bad stash: % x", b)
	}
	return b[0] == 1, nil
}

// StashDrops implements pipeline.StashCodec: a truncated record is kept.
func (s *Stage) StashDrops(any) bool { return false }
