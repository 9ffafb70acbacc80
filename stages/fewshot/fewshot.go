// Package fewshot builds few-shot example banks for prompting from the
// curated training split: k examples per label, chosen by a deterministic
// strategy (diverse, representative, random, shortest), within token
// budgets, never overlapping the validation and test splits.
package fewshot

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/keyhash"
	"github.com/tuneprep/tuneprep/stages/minhash"
	"github.com/tuneprep/tuneprep/stages/pricing"
)

// Config is the few-shot stage's configuration.
type Config struct {
	Enabled bool `yaml:"enabled" doc:"build few-shot banks"`
	// From is the split the banks are drawn from.
	From string `yaml:"from" doc:"train, or bank (a split set aside with split.bank, so bank examples are not trained on)"`
	K    int    `yaml:"k" doc:"examples per bank"`
	// PerLabel makes one bank per label; otherwise one bank for everything.
	PerLabel bool   `yaml:"per_label" doc:"one bank per label (else one bank)"`
	Strategy string `yaml:"strategy" doc:"diverse (greedy max-min MinHash distance), representative (highest mean similarity to its pool), random, or shortest"`
	Seed     uint64 `yaml:"seed" doc:"seed of the candidate sampling and ties"`
	// MaxExampleTokens and MaxBankTokens are the token budgets.
	MaxExampleTokens int `yaml:"max_example_tokens" doc:"examples longer than this (rendered, in tokens) are not used"`
	MaxBankTokens    int `yaml:"max_bank_tokens" doc:"token budget of one bank (the examples added to every request)"`
	// Pool bounds the candidates kept per bank (a seeded sample of the training split).
	Pool int `yaml:"pool" doc:"candidates kept per bank: a seeded sample of the training split, so memory stays bounded"`
	// InputKey and OutputKey name the keys of bank.json's flat objects.
	InputKey  string `yaml:"input_key" doc:"key of the example input in bank.json (the prompt variable)"`
	OutputKey string `yaml:"output_key" doc:"key of the example output in bank.json"`
	// OverlapThreshold excludes candidates overlapping a validation or test record.
	OverlapThreshold float64 `yaml:"overlap_threshold" doc:"candidates whose n-gram containment (either way) with a validation or test record reaches this are excluded; n-grams, compared side and boilerplate as in split.leakage"`
	// EvalIndex, when set, is the validation/test index the split stage
	// fills (split.LeakageConfig.Share): the stage reads it at Finish
	// instead of indexing those records again, and compares the side it was
	// built from. Nil: the stage indexes them itself (5-grams, prompt side).
	EvalIndex *minhash.Handoff `yaml:"-" json:"-"`
}

// Defaults: 5 diverse examples per label.
func Defaults() Config {
	return Config{Enabled: true, From: "train", K: 5, PerLabel: true, Strategy: "diverse", Seed: 42,
		MaxExampleTokens: 512, MaxBankTokens: 2048, Pool: 400, InputKey: "input", OutputKey: "output", OverlapThreshold: 0.5}
}

// Counter counts the tokens of a text under the run's encoding.
type Counter interface {
	Count(text string) int
	Name() string
}

// Stage is the few-shot stage. It sees the records that survived every
// stage, in input order; banks are chosen when the input ends. It keeps the
// candidates of each pool (at most pool per bank) and nothing per other
// record: validation and test records are in the split stage's shared index
// (with no EvalIndex, in its own: 4 bytes per record and per n-gram that is
// not boilerplate, 16-20 per distinct n-gram).
type Stage struct {
	cfg    Config
	count  Counter
	model  pricing.Model
	mh     *minhash.MinHasher
	pools  map[string]*pool
	labels []string // in order of first appearance
	side   minhash.Side
	own    *minhash.ContainmentIndex // nil when EvalIndex is shared
	nEval  uint32
	st     Stats
	banks  []bank
	env    *pipeline.Env
}

// candidate is a training example that may enter a bank.
type candidate struct {
	id, label, source string
	system            string
	input, output     string
	messages          []schemas.Message
	overlap           string // the side compared with validation and test
	key               uint64 // seeded hash: sampling and ties
	tokens            int
	sig               minhash.Signature
}

// New validates cfg. count measures token budgets; model prices the banks.
func New(cfg Config, count Counter, model pricing.Model) (*Stage, error) {
	if cfg.K <= 0 {
		return nil, fmt.Errorf("k: %d must be positive", cfg.K)
	}
	switch cfg.From {
	case "":
		cfg.From = "train"
	case "train", "bank":
	default:
		return nil, fmt.Errorf("from: %q is not train or bank", cfg.From)
	}
	switch cfg.Strategy {
	case "diverse", "representative", "random", "shortest":
	default:
		return nil, fmt.Errorf("strategy: %q is not diverse, representative, random or shortest", cfg.Strategy)
	}
	if cfg.Pool < cfg.K {
		return nil, fmt.Errorf("pool: %d is smaller than k", cfg.Pool)
	}
	if cfg.MaxExampleTokens <= 0 || cfg.MaxBankTokens <= 0 {
		return nil, fmt.Errorf("max_example_tokens and max_bank_tokens must be positive")
	}
	if cfg.InputKey == "" || cfg.OutputKey == "" || cfg.InputKey == cfg.OutputKey {
		return nil, fmt.Errorf("input_key and output_key must be set and differ")
	}
	mh, err := minhash.NewMinHasher(minhash.Config{Seed: cfg.Seed})
	if err != nil {
		return nil, err
	}
	return &Stage{cfg: cfg, count: count, model: model, mh: mh, pools: map[string]*pool{},
		st: Stats{Strategy: cfg.Strategy, K: cfg.K, Encoding: count.Name(), Model: model.Name, PricesAsOf: pricing.AsOf}}, nil
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return "fewshot" }

// Open keeps the environment for the output files written at Finish and
// decides where the validation and test records are indexed: in the index
// an earlier stage offered (every stage is constructed before any opens),
// else in the stage's own.
func (s *Stage) Open(_ context.Context, env *pipeline.Env) error {
	s.env = env
	side, shared := s.cfg.EvalIndex.Offered()
	s.side, s.st.Overlap = side, Overlap{Side: string(side), Threshold: s.cfg.OverlapThreshold, Shared: shared}
	if !shared {
		idx, err := minhash.NewContainmentIndex(5, minhash.ShingleConfig{Kind: minhash.Words, N: 5})
		if err != nil {
			return err
		}
		s.own = idx
	}
	return nil
}

// Sequence offers examples of the source split to their bank's pool and
// indexes the validation and test records that banks must not overlap.
func (s *Stage) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if d.Split == "validation" || d.Split == "test" {
		if s.own == nil {
			return nil, nil // in the shared index
		}
		_, err := s.own.Add(s.nEval, s.side.Text(d.Example, d.Text))
		s.nEval++
		return nil, err
	}
	if d.Split != s.cfg.From {
		return nil, nil
	}
	c, ok := s.candidate(d)
	if !ok {
		s.st.Unusable++
		return nil, nil
	}
	label := ""
	if s.cfg.PerLabel {
		label = d.Label
	}
	c.label = label
	p := s.pools[label]
	if p == nil {
		p = &pool{limit: s.cfg.Pool}
		s.pools[label] = p
		s.labels = append(s.labels, label)
	}
	p.offer(c)
	return nil, nil
}

// candidate turns a chat or completion example into an input/output pair:
// the last user turn and the assistant's answer to it.
func (s *Stage) candidate(d *schemas.Document) (*candidate, bool) {
	ex := d.Example
	if ex == nil {
		return nil, false
	}
	c := &candidate{id: d.ID, source: d.Source.Path + ":" + strconv.Itoa(d.Source.Line), key: keyhash.Seeded(s.cfg.Seed, d.ID),
		overlap: s.side.Text(ex, d.Text)}
	switch ex.Kind {
	case schemas.KindCompletion:
		c.input, c.output = ex.Prompt, ex.Completion
		c.messages = []schemas.Message{{Role: "user", Content: ex.Prompt}, {Role: "assistant", Content: ex.Completion}}
	case schemas.KindChat:
		n := len(ex.Messages)
		if n < 2 || ex.Messages[n-1].Role != "assistant" || ex.Messages[n-2].Role != "user" || ex.Messages[n-1].Content == "" {
			return nil, false
		}
		c.input, c.output = ex.Messages[n-2].Content, ex.Messages[n-1].Content
		c.system = ex.System()
		c.messages = []schemas.Message{ex.Messages[n-2], ex.Messages[n-1]}
	default:
		return nil, false
	}
	return c, true
}

// rendered is how an example appears in a prompt; its tokens are what the
// example adds to every request.
func rendered(c *candidate) string {
	return "<example>\n<input>\n" + c.input + "\n</input>\n<output>\n" + c.output + "\n</output>\n</example>\n"
}

// Finish selects the banks and writes fewshot/. A shared index is
// complete by now: the stage that fills it finished before this one.
func (s *Stage) Finish(context.Context) error {
	idx := s.own
	if idx == nil {
		var err error
		if idx, err = s.cfg.EvalIndex.Index(); err != nil {
			return err
		}
	}
	s.st.Overlap.N = idx.N()
	for _, label := range sortedLabels(s.labels) {
		b, err := s.choose(label, s.pools[label], idx)
		if err != nil {
			return err
		}
		s.banks = append(s.banks, b)
	}
	return s.write()
}

func sortedLabels(labels []string) []string {
	out := append([]string(nil), labels...)
	sort.Strings(out)
	return out
}
