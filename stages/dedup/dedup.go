// Package dedup removes duplicate records: exact duplicates of a key (the
// main text, or chosen fields) after normalization. The first record in input
// order is kept; every removed record names the one it duplicates.
package dedup

import (
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
)

// Config says what counts as a duplicate.
type Config struct {
	// Exact removes records whose key is identical to an earlier record's.
	Exact bool `yaml:"exact" doc:"remove records whose key equals an earlier record's"`
	// Key names the fields that form the key; empty means the main text.
	Key []string `yaml:"key" doc:"fields that form the duplicate key (default: the main text); e.g. only the prompt side of a Q&A pair"`
}

// Defaults returns the default: exact deduplication on the main text.
func Defaults() Config { return Config{Exact: true} }

// Stage is the dedup stage. Keys are hashed in parallel (Process) and looked
// up in input order (Sequence), so the kept record never depends on timing.
type Stage struct {
	cfg  Config
	seen map[[16]byte]string // key hash -> kept record's ID
	st   Stats
}

// Stats are the dedup report's statistics.
type Stats struct {
	Exact        bool  `json:"exact"`
	Distinct     int64 `json:"distinct_keys"`
	ExactRemoved int64 `json:"exact_duplicates"`
	// IndexBytes estimates the exact index's memory: a 16-byte hash and the
	// kept ID per distinct key, plus map overhead.
	IndexBytes int64 `json:"exact_index_bytes"`
}

// New validates cfg.
func New(cfg Config) (*Stage, error) {
	return &Stage{cfg: cfg, seen: map[[16]byte]string{}, st: Stats{Exact: cfg.Exact}}, nil
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return "dedup" }

// Process hashes the record's key.
func (s *Stage) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if !s.cfg.Exact {
		return nil, nil
	}
	var key string
	if len(s.cfg.Key) == 0 {
		key = d.Text
	} else {
		for _, f := range s.cfg.Key {
			v, _ := d.Fields.Get(f)
			key += v + "\x1f"
		}
	}
	sum := sha256.Sum256([]byte(key))
	var h [16]byte
	copy(h[:], sum[:16])
	d.Stash = h
	return nil, nil
}

// Sequence keeps the first record of each key.
func (s *Stage) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	d.Cluster = d.ID
	h, ok := d.Stash.([16]byte)
	if !ok {
		return nil, nil
	}
	if kept, dup := s.seen[h]; dup {
		s.st.ExactRemoved++
		return pipeline.Dropf("exact-duplicate", fmt.Sprintf("of %s", kept)), nil
	}
	s.seen[h] = d.ID
	s.st.Distinct++
	return nil, nil
}

// Stats implements pipeline.Reporter.
func (s *Stage) Stats() any {
	st := s.st
	st.IndexBytes = st.Distinct * (16 + 16 + 16 + 48)
	return st
}
