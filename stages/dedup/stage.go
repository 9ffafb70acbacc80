package dedup

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/minhash"
)

// Stage is the dedup stage. Keys and signatures are computed in parallel
// (Process); the index is consulted and updated in input order (Sequence),
// so the result never depends on timing or worker count.
type Stage struct {
	cfg    Config
	mh     *minhash.MinHasher
	dd     *minhash.Deduper
	params minhash.Params
	holds  bool

	exact     map[uint64]int64 // exact key hash -> kept record
	ids       []keptRec        // kept records' IDs, by ascending sequence number
	clusters  map[int64]*cluster
	order     []*cluster // in order of creation
	conflicts map[int64]uint64
	docs      map[int64]*schemas.Document // held records (survivor rules, drop-all)
	reps      map[int64]repInfo           // survivor attributes of kept records, when holding
	st        counts
	out       *pipeline.OutFile
}

// cluster is a kept record and its duplicates.
type cluster struct {
	id       string
	seq      int64
	length   int
	priority float64
	members  []member
	conflict bool
	survivor string
}

type member struct {
	id       string
	seq      int64
	sim      float64
	match    string
	conflict bool
	kept     bool
	length   int
	priority float64
}

// New validates cfg and prepares the index.
func New(cfg Config) (*Stage, error) {
	s := &Stage{cfg: cfg, exact: map[uint64]int64{}, clusters: map[int64]*cluster{}, docs: map[int64]*schemas.Document{}, reps: map[int64]repInfo{}}
	switch cfg.Survivor {
	case "", "first":
		s.cfg.Survivor = "first"
	case "longest":
		s.holds = true
	case "priority":
		if cfg.PriorityField == "" {
			return nil, fmt.Errorf("survivor: priority needs priority_field")
		}
		s.holds = true
	default:
		return nil, fmt.Errorf("survivor: %q is not first, longest or priority", cfg.Survivor)
	}
	switch cfg.Conflicts {
	case "", "keep-first":
		s.cfg.Conflicts = "keep-first"
	case "keep-and-report":
	case "drop-all":
		s.holds = true
	default:
		return nil, fmt.Errorf("conflicts: %q is not keep-first, drop-all or keep-and-report", cfg.Conflicts)
	}
	if len(cfg.ConflictFields) > 0 {
		s.conflicts = map[int64]uint64{}
	}
	if cfg.Near.Enabled {
		if err := s.initNear(); err != nil {
			return nil, fmt.Errorf("near: %w", err)
		}
	}
	return s, nil
}

func (s *Stage) initNear() error {
	n := s.cfg.Near
	sc := minhash.ShingleConfig{N: n.N, CaseSensitive: n.CaseSensitive, KeepPunct: n.KeepPunct, FoldDigits: n.FoldDigits, Seed: n.Seed}
	switch n.Shingle {
	case "", "words":
		sc.Kind = minhash.Words
	case "chars":
		sc.Kind = minhash.Chars
	default:
		return fmt.Errorf("shingle: %q is not words or chars", n.Shingle)
	}
	// The range minhash.ChooseParams and NewDeduper accept. At 1 only
	// records with identical shingle sets are near-duplicates: copies that
	// differ in case, punctuation or spacing, which exact dedup on the raw
	// key keeps (with verify: estimate, all num_perm values must agree).
	if !(n.Threshold > 0 && n.Threshold <= 1) {
		return fmt.Errorf("threshold: %v is not in (0, 1]", n.Threshold)
	}
	if n.GroupThreshold < 0 || n.GroupThreshold > n.Threshold {
		return fmt.Errorf("group_threshold: %v must be between 0 and threshold", n.GroupThreshold)
	}
	mh, err := minhash.NewMinHasher(minhash.Config{Shingle: sc, NumPerm: n.NumPerm, Seed: n.Seed})
	if err != nil {
		return err
	}
	p, err := minhash.ChooseParams(n.Threshold, mh.NumPerm(), n.FPWeight, n.FNWeight)
	if err != nil {
		return err
	}
	switch n.Verify {
	case "", "estimate":
		s.dd, err = minhash.NewDeduper(p)
	case "exact":
		s.dd, err = minhash.NewExactDeduper(p)
	default:
		return fmt.Errorf("verify: %q is not estimate or exact", n.Verify)
	}
	s.mh, s.params = mh, p
	return err
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return "dedup" }

// Holds implements pipeline.Holder: survivor rules other than first and the
// drop-all conflict policy need the whole input.
func (s *Stage) Holds() bool { return s.holds }

// Open creates dedup/clusters.jsonl.
func (s *Stage) Open(_ context.Context, env *pipeline.Env) error {
	out, err := env.Create("dedup/clusters.jsonl")
	s.out = out
	return err
}

// keptRec names a kept record: a cluster is named after its first record.
// Sequence sees records in input order, so ids is sorted by seq. Together
// with the index and the exact-key map it is the stage's only per-record
// memory, and only for kept records.
type keptRec struct {
	seq int64
	id  string
}

// idOf returns the ID of the kept record seq.
func (s *Stage) idOf(seq int64) string {
	i, ok := slices.BinarySearchFunc(s.ids, seq, func(k keptRec, seq int64) int { return cmp.Compare(k.seq, seq) })
	if !ok {
		return ""
	}
	return s.ids[i].id
}

// kept registers a record that starts (or, grouped, joins) a cluster.
func (s *Stage) kept(seq int64, d *schemas.Document, p *prep) {
	s.ids = append(s.ids, keptRec{seq, d.ID})
	if s.conflicts != nil {
		s.conflicts[seq] = p.conflict
	}
	if s.holds {
		// A record is kept before any duplicate of it arrives: its survivor
		// attributes wait here until it becomes a cluster, if ever.
		s.docs[seq] = d
		s.reps[seq] = repInfo{length: p.length, priority: p.priority}
	}
}

// cluster returns (creating it) the cluster of kept record rep.
func (s *Stage) cluster(rep int64) *cluster {
	if c, ok := s.clusters[rep]; ok {
		return c
	}
	c := &cluster{id: s.idOf(rep), seq: rep}
	if info, ok := s.reps[rep]; ok {
		c.length, c.priority = info.length, info.priority
	}
	s.clusters[rep] = c
	s.order = append(s.order, c)
	return c
}

// clusterOf is the cluster ID of a kept record.
func (s *Stage) clusterOf(seq int64) string {
	if c, ok := s.clusters[seq]; ok {
		return c.id
	}
	return s.idOf(seq)
}

type repInfo struct {
	length   int
	priority float64
}

// Release applies the survivor rule and the drop-all policy to held records.
func (s *Stage) Release(_ context.Context, drop func(*schemas.Document, *schemas.Drop)) error {
	for _, c := range s.order {
		if c.conflict && s.cfg.Conflicts == "drop-all" {
			drop(s.docs[c.seq], pipeline.Dropf("conflict", fmt.Sprintf("cluster %s has members with different outputs", c.id)))
			for i := range c.members {
				drop(s.docs[c.members[i].seq], pipeline.Dropf("conflict", fmt.Sprintf("cluster %s has members with different outputs", c.id)))
			}
			c.survivor = ""
			continue
		}
		best := s.survivor(c)
		c.survivor = s.docs[best].ID
		if best != c.seq {
			drop(s.docs[c.seq], pipeline.Dropf("survivor", fmt.Sprintf("of %s (%s survivor)", c.survivor, s.cfg.Survivor)))
			s.docs[best].Cluster = c.id
		}
		for _, m := range c.members {
			if m.seq == best || m.kept {
				continue
			}
			reason := m.match + "-duplicate"
			if m.conflict {
				reason = "conflicting-duplicate"
			}
			drop(s.docs[m.seq], pipeline.Dropf(reason, fmt.Sprintf("of %s, similarity %.3f to the cluster's first record", c.survivor, m.sim)))
		}
	}
	s.docs = nil
	return nil
}

// survivor picks the cluster's survivor by the rule; ties go to the earlier record.
func (s *Stage) survivor(c *cluster) int64 {
	best, bl, bp := c.seq, c.length, c.priority
	for _, m := range c.members {
		if m.kept {
			continue
		}
		better := false
		switch s.cfg.Survivor {
		case "longest":
			better = m.length > bl
		case "priority":
			better = m.priority > bp
		}
		if better {
			best, bl, bp = m.seq, m.length, m.priority
		}
	}
	return best
}
