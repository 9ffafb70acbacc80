// Package split assigns each record to train, validation or test by a seeded
// hash of its group key, so that a record keeps its split when data is added
// and all records of a group (a duplicate cluster, a customer) share one.
package split

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"

	"github.com/tuneprep/tuneprep/schemas"
)

// Split names.
const (
	Train      = "train"
	Validation = "validation"
	Test       = "test"
)

// Names lists the splits in output order.
var Names = []string{Train, Validation, Test}

// Config sets the proportions and the grouping.
type Config struct {
	Train      float64 `yaml:"train" doc:"share of records for training"`
	Validation float64 `yaml:"validation" doc:"share of records for validation"`
	Test       float64 `yaml:"test" doc:"share of records for test"`
	Seed       uint64  `yaml:"seed" doc:"seed of the assignment hash; change it to draw a different split"`
	// GroupKey names a field whose records always share a split; empty means
	// the duplicate cluster from dedup, else the record ID.
	GroupKey string `yaml:"group_key" doc:"field whose equal values always share a split (default: the dedup cluster, i.e. the record)"`
}

// Defaults returns an 80/10/10 split.
func Defaults() Config { return Config{Train: 0.8, Validation: 0.1, Test: 0.1, Seed: 42} }

// Stage is the split stage.
type Stage struct {
	cfg    Config
	bounds [3]float64 // cumulative upper bounds
	counts map[string]int64
	labels map[string]map[string]int64
}

// Stats are the split report's statistics.
type Stats struct {
	Method  string                      `json:"method"`
	Seed    uint64                      `json:"seed"`
	Targets map[string]float64          `json:"targets"`
	Counts  map[string]int64            `json:"counts"`
	ByLabel map[string]map[string]int64 `json:"by_label,omitempty"`
}

// New validates cfg: shares are non-negative and sum to 1.
func New(cfg Config) (*Stage, error) {
	shares := []float64{cfg.Train, cfg.Validation, cfg.Test}
	sum := 0.0
	for i, s := range shares {
		if s < 0 || math.IsNaN(s) {
			return nil, fmt.Errorf("%s: share %v is negative", Names[i], s)
		}
		sum += s
	}
	if math.Abs(sum-1) > 1e-9 {
		return nil, fmt.Errorf("train + validation + test = %v, must be 1", sum)
	}
	st := &Stage{cfg: cfg, counts: map[string]int64{}, labels: map[string]map[string]int64{}}
	acc := 0.0
	for i, s := range shares {
		acc += s
		st.bounds[i] = acc
	}
	st.bounds[2] = 1.0000001 // absorb rounding
	return st, nil
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return "split" }

// Process assigns the split; it depends only on the seed and the group key.
func (s *Stage) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	key := d.Cluster
	if key == "" {
		key = d.ID
	}
	if s.cfg.GroupKey != "" {
		// A blank value (an empty CSV cell) names no group.
		if v, _ := d.Fields.Get(s.cfg.GroupKey); strings.TrimSpace(v) != "" {
			key = "field:" + v
		}
	}
	d.Split = s.assign(key)
	return nil, nil
}

// Sequence counts the assignments.
func (s *Stage) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	s.counts[d.Split]++
	if d.Label != "" {
		m := s.labels[d.Label]
		if m == nil {
			m = map[string]int64{}
			s.labels[d.Label] = m
		}
		m[d.Split]++
	}
	return nil, nil
}

func (s *Stage) assign(key string) string {
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatUint(s.cfg.Seed, 10)))
	h.Write([]byte{0})
	h.Write([]byte(key))
	u := float64(mix(h.Sum64())>>11) / (1 << 53)
	for i, b := range s.bounds {
		if u < b {
			return Names[i]
		}
	}
	return Train
}

// mix is splitmix64's finalizer: FNV's low bits are not uniform enough alone.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// Stats implements pipeline.Reporter.
func (s *Stage) Stats() any {
	st := Stats{Method: "hash", Seed: s.cfg.Seed, Counts: map[string]int64{},
		Targets: map[string]float64{Train: s.cfg.Train, Validation: s.cfg.Validation, Test: s.cfg.Test}}
	for _, n := range Names {
		st.Counts[n] = s.counts[n]
	}
	if len(s.labels) > 0 {
		st.ByLabel = s.labels
	}
	return st
}
