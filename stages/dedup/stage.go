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
//
// Kept records are numbered in input order from 0 (their ordinal): the
// near-duplicate index, the exact-key map and the per-kept-record tables
// name them by it. What the stage keeps per kept record, besides the index:
// an exact-key entry (about 30 bytes), the ID (8 bytes for ingest's 16 hex
// digits), a conflict hash (8 bytes, with conflict_fields) and, when
// holding, the sequence number and survivor score (16 bytes). Duplicates
// add a cluster member each; no Document is kept.
type Stage struct {
	cfg Config
	mh  *minhash.MinHasher
	dd  *minhash.Deduper
	// index is the near-duplicate index's size, noted when Finish lets the
	// index go (the largest state of a run: nothing needs it after the
	// last record).
	index  struct{ docs, bytes, full, offHeap int64 }
	params minhash.Params
	holds  bool

	exact     map[uint64]int64 // exact key hash -> kept ordinal
	ids       idTable          // kept ordinal -> ID
	conflicts []uint64         // kept ordinal -> conflict hash, with conflict_fields
	reps      []repInfo        // kept ordinal -> survivor attributes, when holding
	clusters  map[int64]*cluster
	order     []*cluster // in order of creation
	members   idTable    // cluster members' IDs
	verdicts  []verdict  // held records to drop, by sequence number (after Decide)
	st        counts
	out       *pipeline.OutFile
}

// cluster is a kept record and its duplicates.
type cluster struct {
	id       string
	rep      int64 // kept ordinal of the first record
	seq      int64 // its sequence number, when holding
	score    float64
	members  []member
	conflict bool
	survivor string
}

type member struct {
	seq   int64
	sim   float64
	score float64 // survivor score, when holding
	id    int     // in Stage.members
	exact bool    // matched the exact key, else near
	// conflict: its conflict fields differ from the first record's; kept:
	// kept nonetheless (keep-and-report).
	conflict, kept bool
}

func (m *member) match() string {
	if m.exact {
		return "exact"
	}
	return "near"
}

// repInfo is what a survivor rule needs of a kept record that may become a
// cluster's first record.
type repInfo struct {
	seq   int64
	score float64 // key length (longest) or priority (priority)
}

// verdict is a held record's drop, decided by Decide.
type verdict struct {
	seq  int64
	drop *schemas.Drop
}

// New validates cfg and prepares the index.
func New(cfg Config) (*Stage, error) {
	s := &Stage{cfg: cfg, exact: map[uint64]int64{}, clusters: map[int64]*cluster{}}
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

// Holds implements pipeline.Replayer: survivor rules other than first and
// the drop-all conflict policy need the whole input.
func (s *Stage) Holds() bool { return s.holds }

// Open creates dedup/clusters.jsonl.
func (s *Stage) Open(_ context.Context, env *pipeline.Env) error {
	out, err := env.Create("dedup/clusters.jsonl")
	s.out = out
	return err
}

// kept registers a record that starts (or, grouped, joins) a cluster and
// returns its ordinal.
func (s *Stage) kept(d *schemas.Document, p *prep) int64 {
	k := int64(s.ids.add(d.ID))
	if len(s.cfg.ConflictFields) > 0 {
		s.conflicts = append(s.conflicts, p.conflict)
	}
	if s.holds {
		// A record is kept before any duplicate of it arrives: its survivor
		// attributes wait here until it becomes a cluster, if ever.
		s.reps = append(s.reps, repInfo{seq: d.Seq, score: p.score})
	}
	return k
}

// cluster returns (creating it) the cluster of kept record rep.
func (s *Stage) cluster(rep int64) *cluster {
	if c, ok := s.clusters[rep]; ok {
		return c
	}
	c := &cluster{id: s.ids.get(int(rep)), rep: rep}
	if s.holds {
		c.seq, c.score = s.reps[rep].seq, s.reps[rep].score
	}
	s.clusters[rep] = c
	s.order = append(s.order, c)
	return c
}

// clusterOf is the cluster ID of a kept record.
func (s *Stage) clusterOf(rep int64) string {
	if c, ok := s.clusters[rep]; ok {
		return c.id
	}
	return s.ids.get(int(rep))
}

// Decide implements pipeline.Replayer: it applies the survivor rule and the
// drop-all policy to the clusters, and notes the held records to drop.
func (s *Stage) Decide(context.Context) error {
	for _, c := range s.order {
		if c.conflict && s.cfg.Conflicts == "drop-all" {
			why := fmt.Sprintf("cluster %s has members with different outputs", c.id)
			s.verdicts = append(s.verdicts, verdict{c.seq, pipeline.Dropf("conflict", why)})
			for _, m := range c.members {
				s.verdicts = append(s.verdicts, verdict{m.seq, pipeline.Dropf("conflict", why)})
			}
			c.survivor = ""
			continue
		}
		best := s.survivor(c)
		c.survivor = c.id
		if best >= 0 {
			c.survivor = s.members.get(c.members[best].id)
			s.verdicts = append(s.verdicts, verdict{c.seq, pipeline.Dropf("survivor", fmt.Sprintf("of %s (%s survivor)", c.survivor, s.cfg.Survivor))})
		}
		for i, m := range c.members {
			if i == best || m.kept {
				continue
			}
			reason := m.match() + "-duplicate"
			if m.conflict {
				reason = "conflicting-duplicate"
			}
			s.verdicts = append(s.verdicts, verdict{m.seq, pipeline.Dropf(reason, fmt.Sprintf("of %s, similarity %.3f to the cluster's first record", c.survivor, m.sim))})
		}
	}
	slices.SortFunc(s.verdicts, func(a, b verdict) int { return cmp.Compare(a.seq, b.seq) })
	return nil
}

// Replay implements pipeline.Replayer: it drops what Decide decided to
// drop. Records come in input order, so a cursor walks the verdicts.
func (s *Stage) Replay(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	for len(s.verdicts) > 0 && s.verdicts[0].seq < d.Seq {
		s.verdicts = s.verdicts[1:]
	}
	if len(s.verdicts) == 0 || s.verdicts[0].seq != d.Seq {
		return nil, nil
	}
	drop := s.verdicts[0].drop
	s.verdicts = s.verdicts[1:]
	return drop, nil
}

// survivor picks the cluster's survivor by the rule: the index of the
// member, or -1 for the first record. Ties go to the earlier record.
func (s *Stage) survivor(c *cluster) int {
	best, score := -1, c.score
	for i, m := range c.members {
		if !m.kept && m.score > score {
			best, score = i, m.score
		}
	}
	return best
}
