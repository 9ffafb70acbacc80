// Package dedup removes duplicate records: exact duplicates of a key (the
// main text, or chosen fields) and near-duplicates by MinHash/LSH, each
// verified against a record that was kept, never against a removed one, so
// clusters cannot chain. Every removed record names the record it
// duplicates and the similarity; every kept record carries its cluster ID,
// which the split stage uses to keep near variants on one side.
package dedup

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"unsafe"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/minhash"
)

// Config says what counts as a duplicate and which record survives.
type Config struct {
	// Exact removes records whose key is identical to an earlier record's.
	Exact bool `yaml:"exact" doc:"remove records whose key equals a kept record's"`
	// Key names the fields that form the key; empty means the main text.
	Key  []string   `yaml:"key" doc:"fields that form the duplicate key (default: the main text); e.g. only the prompt side of a Q&A pair"`
	Near NearConfig `yaml:"near" doc:"near-duplicate detection (MinHash/LSH)"`
	// Survivor picks the record a cluster keeps.
	Survivor string `yaml:"survivor" doc:"which record of a cluster is kept: first (streaming), longest, or priority (highest priority_field); the last two hold records until the input ends"`
	// PriorityField is read as a number for the priority survivor rule.
	PriorityField string `yaml:"priority_field" doc:"numeric field for survivor: priority (missing or not a number counts as lowest)"`
	// ConflictFields are the output side of a record: duplicates by key whose
	// conflict fields differ are conflicts (contradictory labels).
	ConflictFields []string `yaml:"conflict_fields" doc:"output-side fields (e.g. response, label): duplicates by key whose values here differ are conflicts"`
	// Conflicts is the policy for conflicts.
	Conflicts string `yaml:"conflicts" doc:"keep-first (drop later ones as conflicting-duplicate), drop-all (drop every member of a conflicting cluster; holds records), or keep-and-report"`
}

// NearConfig configures near-duplicate detection.
type NearConfig struct {
	Enabled   bool    `yaml:"enabled" doc:"remove near-duplicates"`
	Threshold float64 `yaml:"threshold" doc:"Jaccard similarity of shingle sets at which a record is a near-duplicate of a kept one"`
	// Shingle is words or chars.
	Shingle       string `yaml:"shingle" doc:"words or chars: the n-grams compared"`
	N             int    `yaml:"n" doc:"n-gram size (0: 3 for words, 24 for chars)"`
	CaseSensitive bool   `yaml:"case_sensitive" doc:"compare letter case (default: lowercase everything)"`
	KeepPunct     bool   `yaml:"keep_punct" doc:"keep punctuation in shingles (default: fold it away)"`
	FoldDigits    bool   `yaml:"fold_digits" doc:"treat all digits as equal, so texts differing only in numbers match"`
	NumPerm       int    `yaml:"num_perm" doc:"MinHash permutations"`
	// FPWeight and FNWeight weigh false positives and false negatives when
	// bands x rows are chosen for the threshold.
	FPWeight float64 `yaml:"fp_weight" doc:"weight of false candidates when choosing bands x rows"`
	FNWeight float64 `yaml:"fn_weight" doc:"weight of missed candidates when choosing bands x rows"`
	// Verify is estimate (signature agreement) or exact (Jaccard of the
	// shingle sets, which keeps the kept records' shingles in memory).
	Verify string `yaml:"verify" doc:"estimate (from the signatures) or exact (Jaccard of shingle sets; more memory)"`
	// GroupThreshold: a kept record at least this similar to a kept
	// candidate joins its cluster (same split) without being removed.
	GroupThreshold float64 `yaml:"group_threshold" doc:"kept records at least this similar to an earlier kept record share its cluster, so they never straddle train and test (0: off)"`
	Seed           uint64  `yaml:"seed" doc:"seed of the shingle hashes and permutations"`
}

// Defaults returns exact and near-duplicate removal, first record kept.
func Defaults() Config {
	return Config{
		Exact:     true,
		Survivor:  "first",
		Conflicts: "keep-first",
		Near: NearConfig{
			Enabled: true, Threshold: minhash.DefaultThreshold, Shingle: "words", N: minhash.DefaultWordN,
			NumPerm: minhash.DefaultNumPerm, FPWeight: minhash.DefaultFPWeight, FNWeight: minhash.DefaultFNWeight,
			Verify: "estimate", GroupThreshold: 0.5,
		},
	}
}

// prep is what Process computes in parallel for Sequence.
type prep struct {
	hash     uint64 // exact key hash
	sig      minhash.Signature
	set      []uint64 // shingle set, for exact verification
	shingles int
	conflict uint64  // hash of the conflict fields
	score    float64 // survivor score: key length (longest) or priority
}

// Process computes the record's key hash and signature.
func (s *Stage) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	key := d.Text
	if len(s.cfg.Key) > 0 {
		key = joinFields(d.Fields, s.cfg.Key)
	}
	p := &prep{hash: hash64(key)}
	if s.cfg.Survivor == "longest" {
		p.score = float64(len(key))
	}
	if s.mh != nil {
		p.sig, p.shingles = s.mh.Sign(key)
		if s.cfg.Near.Verify == "exact" && p.shingles > 0 {
			p.set = s.mh.Shingler().AppendSet(nil, key)
		}
	}
	if len(s.cfg.ConflictFields) > 0 {
		p.conflict = hash64(joinFields(d.Fields, s.cfg.ConflictFields))
	}
	if s.cfg.Survivor == "priority" {
		v, _ := d.Fields.Get(s.cfg.PriorityField)
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			f = -1e308
		}
		p.score = f
	}
	d.Stash = p
	return nil, nil
}

func joinFields(fs schemas.Fields, names []string) string {
	var b []byte
	for _, n := range names {
		v, _ := fs.Get(n)
		b = append(append(b, v...), 0x1f)
	}
	return string(b)
}

// hash64 is the first 8 bytes of s's SHA-256. The digest reads s in place
// (Sum256 neither keeps nor changes its argument) instead of a copy of it.
func hash64(s string) uint64 {
	h := sha256.Sum256(unsafe.Slice(unsafe.StringData(s), len(s)))
	return binary.LittleEndian.Uint64(h[:8])
}

// Sequence decides, in input order, whether the record duplicates a kept one.
func (s *Stage) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	p := d.Stash.(*prep)
	d.Cluster = d.ID

	match, of, sim := "", int64(0), 0.0
	if s.cfg.Exact {
		if rep, ok := s.exact[p.hash]; ok {
			match, of, sim = "exact", rep, 1
		}
	}
	if match == "" && s.dd != nil {
		if p.shingles == 0 {
			s.st.TooShort++
		} else {
			// The record's ordinal if it is kept: the index keeps it then.
			v, err := s.check(int64(s.ids.len()), p)
			if err != nil {
				return nil, err
			}
			s.st.Candidates += int64(v.Candidates)
			switch {
			case v.Duplicate:
				match, of, sim = "near", int64(v.DupOf), v.Similarity
			case v.Candidates > 0 && s.cfg.Near.GroupThreshold > 0 && v.Similarity >= s.cfg.Near.GroupThreshold:
				d.Cluster = s.clusterOf(int64(v.DupOf))
				s.st.Grouped++
			}
		}
	}
	if match == "" {
		k := s.kept(d, p)
		if s.cfg.Exact {
			s.exact[p.hash] = k
		}
		return nil, nil
	}
	return s.duplicate(d, p, match, of, sim), nil
}

// check consults the near-duplicate index, whose ids are kept ordinals.
func (s *Stage) check(k int64, p *prep) (minhash.Verdict, error) {
	if p.set != nil {
		return s.dd.CheckSet(uint64(k), p.sig, p.set)
	}
	return s.dd.Check(uint64(k), p.sig)
}

// duplicate records a duplicate of the kept record rep and applies the
// survivor rule and the conflict policy.
func (s *Stage) duplicate(d *schemas.Document, p *prep, match string, rep int64, sim float64) *schemas.Drop {
	c := s.cluster(rep)
	conflict := len(s.cfg.ConflictFields) > 0 && p.conflict != s.conflicts[rep]
	c.members = append(c.members, member{id: s.members.add(d.ID), seq: d.Seq, sim: sim, exact: match == "exact", conflict: conflict, score: p.score})
	if match == "exact" {
		s.st.Exact++
	} else {
		s.st.Near++
	}
	d.Cluster = c.id
	if conflict {
		s.st.Conflicts++
		c.conflict = true
		if s.cfg.Conflicts == "keep-and-report" {
			c.members[len(c.members)-1].kept = true
			return nil
		}
	}
	if s.holds {
		return nil // decided by Decide, dropped at Replay
	}
	reason := match + "-duplicate"
	if conflict {
		reason = "conflicting-duplicate"
	}
	return pipeline.Dropf(reason, fmt.Sprintf("of %s, similarity %.3f", c.id, sim))
}
