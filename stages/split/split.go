// Package split assigns each record to train, validation or test. The hash
// method uses a seeded hash of the record's group key, so a record keeps its
// split when data is added; the exact method holds the records and meets the
// proportions per label exactly. Either way all records of a group (a
// duplicate cluster, a customer) share one split. The stage also drops
// training records contaminated by evaluation sets and reports leakage
// between train and the evaluation splits.
package split

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/keyhash"
	"github.com/tuneprep/tuneprep/stages/minhash"
	"github.com/tuneprep/tuneprep/stages/pricing"
)

// Split names.
const (
	Train      = "train"
	Validation = "validation"
	Test       = "test"
	// Bank holds records set aside for few-shot banks: neither trained on
	// nor evaluated.
	Bank = "bank"
)

// names are the splits in output order; index i is share i of a Config.
var names = [...]string{Train, Validation, Test, Bank}

// Names returns the splits in output order (a new slice each call).
func Names() []string { return slices.Clone(names[:]) }

// Config sets the proportions, the method and the checks.
type Config struct {
	Train      float64 `yaml:"train" doc:"share of records for training"`
	Validation float64 `yaml:"validation" doc:"share of records for validation"`
	Test       float64 `yaml:"test" doc:"share of records for test"`
	Bank       float64 `yaml:"bank" doc:"share of records set aside for few-shot banks (fewshot.from: bank): not trained on, not evaluated"`
	Seed       uint64  `yaml:"seed" doc:"seed of the assignment; change it to draw a different split"`
	// Method is hash or exact.
	Method string `yaml:"method" doc:"hash (a record keeps its split when data is added; shares are met on average), exact (exact shares per label for this run; holds records until the input ends), or stable (exact shares, and groups keep the split an earlier run into the same output gave them)"`
	// Stratify keeps each label's share in every split (exact method).
	Stratify bool `yaml:"stratify" doc:"exact method: meet the shares within each label"`
	// GroupKey names a field whose records always share a split; empty means
	// the duplicate cluster from dedup, else the record ID.
	GroupKey string `yaml:"group_key" doc:"field whose equal values always share a split (default: the dedup cluster, so near variants never straddle splits)"`
	// MinPerSplit is a quality gate: a split with a share but fewer records
	// fails the run (exit 3). The CLI reads it as an alias of
	// gates.min_examples, which counts the examples emitted per split.
	MinPerSplit int `yaml:"min_per_split" doc:"alias of gates.min_examples (used when that is 0): every split with a share needs at least this many examples (exit 3 otherwise)"`
	// Leakage configures the train vs validation/test overlap report.
	Leakage LeakageConfig `yaml:"leakage" doc:"n-gram containment between train and the evaluation splits, reported"`
	// Decontaminate lists evaluation sets (JSONL or CSV); contaminated training records are dropped.
	Decontaminate []string `yaml:"decontaminate" doc:"evaluation sets (JSONL/CSV paths); training records overlapping an item are dropped"`
	// DecontaminateN and DecontaminateThreshold set the overlap test.
	DecontaminateN         int     `yaml:"decontaminate_n" doc:"word n-gram size of the decontamination check"`
	DecontaminateThreshold float64 `yaml:"decontaminate_threshold" doc:"containment (either way) at which a training record counts as contaminated"`
	// DecontaminateFields name the evaluation items' text fields (default: every string field).
	DecontaminateFields []string `yaml:"decontaminate_fields" doc:"fields of the evaluation items compared (default: every string field)"`
	// DecontaminateSide is the side of each training example compared.
	DecontaminateSide string `yaml:"decontaminate_side" doc:"prompt, completion or all: the side of each training example compared with the evaluation items, as in split.leakage.fields"`
	// DecontaminateBoilerplate bounds the evaluation items an n-gram may be
	// in before it counts as boilerplate.
	DecontaminateBoilerplate int `yaml:"decontaminate_boilerplate" doc:"n-grams found in more than this many evaluation items are boilerplate (e.g. an instruction every item repeats): not evidence of contamination, counted in the report (0: 50)"`
	// CostModel, set from the tokens section, prices the training split.
	CostModel *pricing.Model `yaml:"-"`
}

// LeakageConfig configures the leakage report.
type LeakageConfig struct {
	Enabled   bool    `yaml:"enabled" doc:"report train records overlapping validation/test records"`
	N         int     `yaml:"n" doc:"word n-gram size"`
	Threshold float64 `yaml:"threshold" doc:"containment (either way) reported as leakage"`
	// Fields is the side of each example compared (minhash.Side).
	Fields string `yaml:"fields" doc:"side of each example compared: prompt (the user turns of a chat, never the system prompt; the prompt of a completion), completion (the assistant turns; the completion) or all (every turn but the system prompt); a text example is its text, a record without an example its main text. Two questions that get the same canned answer are no leak. The few-shot overlap exclusion compares the same side"`
	// Boilerplate bounds the records an n-gram may be in before it counts
	// as boilerplate; it also bounds the work per training record.
	Boilerplate int `yaml:"boilerplate" doc:"n-grams found in more than this many validation/test records are boilerplate (template text): not evidence of overlap, counted in the report; keeps the check linear in the data (0: 50)"`
	// Share, when set, receives the validation/test index for a later stage
	// (the few-shot overlap exclusion), so that it is built once; with a
	// Share the index is built even when the report is off.
	Share *minhash.Handoff `yaml:"-" json:"-"`
}

// Defaults returns an 80/10/10 hash split with a leakage report.
func Defaults() Config {
	return Config{Train: 0.8, Validation: 0.1, Test: 0.1, Seed: 42, Method: "hash", Stratify: true,
		Leakage:        LeakageConfig{Enabled: true, N: 5, Threshold: 0.5, Fields: string(minhash.SidePrompt), Boilerplate: minhash.DefaultMaxRefs},
		DecontaminateN: 13, DecontaminateThreshold: 0.5, DecontaminateSide: string(minhash.SidePrompt), DecontaminateBoilerplate: minhash.DefaultMaxRefs}
}

// Stage is the split stage. It keeps per record only what the leakage index
// needs of a validation or test record (see leakage): 9 bytes plus its ID
// (25 with ingest's 16-character IDs), and its share of the n-gram index. A
// training record costs nothing in memory: counters, and its compared side
// spooled to disk for the leakage check. The exact and stable methods add
// about 60 bytes per group (see exactSplit); the engine holds their records,
// spilling them to disk.
type Stage struct {
	cfg    Config
	shares [4]float64
	bounds [4]float64 // cumulative upper bounds for the hash method
	counts map[string]int64
	labels map[string]map[string]int64
	exact  *exactSplit
	decon  *decontaminator
	leak   *leakage
	tokens map[string]*SplitTokens
	// trainN and trainBilled are the training examples and their tokens,
	// each capped at the model's limit, for the cost estimate.
	trainN      int
	trainBilled int64
	ledger      *ledger
}

// SplitTokens sums one split's token counts.
type SplitTokens struct {
	Total     int64 `json:"total"`
	Trained   int64 `json:"trained"`
	System    int64 `json:"system"`
	User      int64 `json:"user"`
	Assistant int64 `json:"assistant"`
}

// New validates cfg: shares are non-negative and sum to 1. Evaluation sets
// for decontamination are read here.
func New(cfg Config) (*Stage, error) {
	shares := [4]float64{cfg.Train, cfg.Validation, cfg.Test, cfg.Bank}
	sum := 0.0
	for i, s := range shares {
		if s < 0 || math.IsNaN(s) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("%s: share %v is not a non-negative number", names[i], s)
		}
		sum += s
	}
	if math.Abs(sum-1) > 1e-9 {
		return nil, fmt.Errorf("train + validation + test + bank = %v, must be 1", sum)
	}
	st := &Stage{cfg: cfg, shares: shares, counts: map[string]int64{}, labels: map[string]map[string]int64{}, tokens: map[string]*SplitTokens{}}
	acc, last := 0.0, 0
	for i, s := range shares {
		acc += s
		st.bounds[i] = acc
		if s > 0 {
			last = i
		}
	}
	// The last split with a share takes the rest of [0, 1): the shares may
	// sum to just under 1 (0.7+0.2+0.1 does in float64; New allows 1e-9),
	// and a hash in that gap would otherwise go to the bank even without a
	// bank share, a split no file is written for.
	st.bounds[last] = 2
	switch cfg.Method {
	case "", "hash":
		st.cfg.Method = "hash"
	case "exact", "stable":
		st.exact = newExactSplit()
	default:
		return nil, fmt.Errorf("method: %q is not hash or exact", cfg.Method)
	}
	if cfg.MinPerSplit < 0 {
		return nil, fmt.Errorf("min_per_split: %d is negative", cfg.MinPerSplit)
	}
	if len(cfg.Decontaminate) > 0 {
		d, err := loadDecontaminator(cfg)
		if err != nil {
			return nil, fmt.Errorf("decontaminate: %w", err)
		}
		st.decon = d
	}
	l, err := newLeakage(cfg.Leakage)
	if err != nil {
		return nil, fmt.Errorf("leakage: %w", err)
	}
	st.leak = l
	return st, nil
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return "split" }

// Active lists the splits records can go to: train, validation and test
// always (an unused one is an empty file), bank when it has a share. The
// slice is new: callers may change it.
func Active(cfg Config) []string {
	if cfg.Bank > 0 {
		return Names()
	}
	return slices.Clone(names[:3])
}

// Active lists the stage's splits.
func (s *Stage) Active() []string { return Active(s.cfg) }

// Holds implements pipeline.Replayer: the exact and stable methods need
// every record.
func (s *Stage) Holds() bool { return s.exact != nil }

// Open spools the leakage check's training side to the run's staging
// directory, reads the ledger of the previous run into the same output
// (stable method) and creates this run's.
func (s *Stage) Open(_ context.Context, env *pipeline.Env) error {
	if s.leak != nil {
		s.leak.temp = env.TempFile
	}
	if s.cfg.Method != "stable" {
		return nil
	}
	l, err := openLedger(env, s.cfg)
	if err != nil {
		return fmt.Errorf("split ledger: %w", err)
	}
	s.ledger = l
	return nil
}

// groupKey is the key whose records share a split.
func (s *Stage) groupKey(d *schemas.Document) string {
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
	return key
}

// Process assigns the split for the hash method; it depends only on the
// seed and the group key.
func (s *Stage) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if s.exact == nil {
		d.Split = s.assign(s.groupKey(d))
	}
	return nil, nil
}

// Sequence checks and counts each record in input order (hash method) or
// counts it in its group (exact and stable methods, decided in Decide).
func (s *Stage) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if s.exact != nil {
		label := ""
		if s.cfg.Stratify {
			label = d.Label
		}
		s.exact.add(s.groupKey(d), s.cfg.Seed, label)
		return nil, nil
	}
	return s.after(d)
}

// Decide implements pipeline.Replayer: it deals the groups to the splits
// (keeping those the ledger of an earlier run placed) and writes this
// run's ledger.
func (s *Stage) Decide(context.Context) error {
	if s.ledger != nil {
		s.ledger.fix(s.exact.groups)
	}
	s.exact.assign(s.shares)
	if s.ledger != nil {
		return s.ledger.write(s.exact.groups)
	}
	return nil
}

// Replay implements pipeline.Replayer: a held record, in input order, gets
// its group's split and is then checked and counted.
func (s *Stage) Replay(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	d.Split = s.exact.splitOf(s.groupKey(d))
	return s.after(d)
}

// after runs once a record has its split: decontamination, leakage, counts.
func (s *Stage) after(d *schemas.Document) (*schemas.Drop, error) {
	if d.Split == Train && s.decon != nil {
		if why := s.decon.check(d); why != "" {
			return pipeline.Dropf("decontaminated", why), nil
		}
	}
	if s.leak != nil {
		if err := s.leak.add(d); err != nil {
			return nil, err
		}
	}
	s.counts[d.Split]++
	if t := d.Tokens; t != nil {
		st := s.tokens[d.Split]
		if st == nil {
			st = &SplitTokens{}
			s.tokens[d.Split] = st
		}
		st.Total += int64(t.Total)
		st.Trained += int64(t.Trained)
		st.System += int64(t.System)
		st.User += int64(t.User)
		st.Assistant += int64(t.Assistant)
		if d.Split == Train && s.cfg.CostModel != nil {
			n := t.Total
			if limit, capped := s.cfg.CostModel.Limit(); capped {
				n = min(n, limit)
			}
			s.trainN++
			s.trainBilled += int64(n)
		}
	}
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

// hash maps a group key to [0, 1), seeded.
func (s *Stage) hash(key string) float64 { return keyhash.Unit(s.cfg.Seed, key) }

func (s *Stage) assign(key string) string { return s.splitAt(s.hash(key)) }

// splitAt is the split of the hash method for a group whose hash is u.
func (s *Stage) splitAt(u float64) string {
	for i, b := range s.bounds {
		if u < b {
			return names[i]
		}
	}
	return Train
}

// Finish seals the shared validation/test index (every record has passed
// the stage) and computes the leakage report.
func (s *Stage) Finish(context.Context) error {
	if s.leak != nil {
		return s.leak.finish()
	}
	return nil
}

// Gates implements pipeline.Gater: the minimum records per split.
func (s *Stage) Gates() []string {
	var failed []string
	total := int64(0)
	for _, n := range names {
		total += s.counts[n]
	}
	if total > 0 && s.counts["train"] == 0 {
		failed = append(failed, fmt.Sprintf("split train has no records (of %d split); raise split.train or add data", total))
	}
	for i, n := range names {
		if s.shares[i] > 0 && s.counts[n] < int64(s.cfg.MinPerSplit) {
			failed = append(failed, fmt.Sprintf("split %s has %d records, min_per_split is %d", n, s.counts[n], s.cfg.MinPerSplit))
		}
	}
	return failed
}

// openAIMinimum is the fewest training examples OpenAI's fine-tuning
// accepts; other providers ask for more, none for fewer.
const openAIMinimum = 10

// Warnings implements pipeline.Warner: a training split smaller than the
// providers' minimum is legal output but not yet a fine-tuning set.
func (s *Stage) Warnings() []string {
	if n := s.counts["train"]; n > 0 && n < openAIMinimum {
		return []string{fmt.Sprintf("split train has %d examples; OpenAI fine-tuning needs at least %d (50-100 before gains show)", n, openAIMinimum)}
	}
	return nil
}

// Stats are the split report's statistics.
type Stats struct {
	Method         string                      `json:"method"`
	Seed           uint64                      `json:"seed"`
	Stratified     bool                        `json:"stratified"`
	Targets        map[string]float64          `json:"targets"`
	Counts         map[string]int64            `json:"counts"`
	ByLabel        map[string]map[string]int64 `json:"by_label,omitempty"`
	Tokens         map[string]*SplitTokens     `json:"tokens,omitempty"`
	FineTuneCost   *pricing.Estimate           `json:"fine_tune_cost,omitempty"`
	Ledger         *LedgerStats                `json:"ledger,omitempty"`
	Decontaminated *DeconStats                 `json:"decontamination,omitempty"`
	Leakage        *LeakStats                  `json:"leakage,omitempty"`
}

// Stats implements pipeline.Reporter.
func (s *Stage) Stats() any {
	st := Stats{Method: s.cfg.Method, Seed: s.cfg.Seed, Stratified: s.exact != nil && s.cfg.Stratify, Counts: map[string]int64{},
		Targets: map[string]float64{Train: s.cfg.Train, Validation: s.cfg.Validation, Test: s.cfg.Test}}
	for _, n := range s.Active() {
		st.Counts[n] = s.counts[n]
	}
	if s.cfg.Bank > 0 {
		st.Targets[Bank] = s.cfg.Bank
	}
	if len(s.labels) > 0 {
		st.ByLabel = s.labels
	}
	if len(s.tokens) > 0 {
		st.Tokens = s.tokens
	}
	if s.cfg.CostModel != nil {
		e := pricing.FineTuneTotals(*s.cfg.CostModel, s.trainN, s.trainBilled)
		st.FineTuneCost = &e
	}
	if s.decon != nil {
		s.decon.st.Index = s.decon.idx.Stats()
		st.Decontaminated = &s.decon.st
	}
	if s.ledger != nil {
		st.Ledger = &s.ledger.st
	}
	if s.leak != nil && s.leak.report {
		st.Leakage = &s.leak.st
	}
	return st
}

// wordNgrams is the shingling the overlap checks use: lowercased words,
// punctuation folded, n words.
func wordNgrams(n int) minhash.ShingleConfig {
	return minhash.ShingleConfig{Kind: minhash.Words, N: n}
}
