// Package gates holds tuneprep's quality gates: thresholds on a finished
// run's figures (reject and drop rates, examples per split, label and bank,
// sensitive values left, leakage, conflicts) that fail the run, exit 3,
// when crossed. The gates: section of the config and the --gate flag set
// them; Evaluate judges a run from its reports.
package gates

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Config is the gates: section. A maximum of -1 and a minimum of 0 are off.
// The per-stage and per-split forms (max_drop_rate.<stage>,
// min_examples.<split>) are keys of the section too, e.g.
// `max_drop_rate.dedup: 0.3`, and are kept in Scoped.
type Config struct {
	MaxRejectRate       float64 `yaml:"max_reject_rate" doc:"largest share (0-1, or a percentage such as 2%) of the records read that may be rejected as unreadable (-1: off)"`
	MaxDropRate         float64 `yaml:"max_drop_rate" doc:"largest share of the records read that the stages may drop (-1: off); max_drop_rate.<stage> (e.g. max_drop_rate.dedup: 0.3): of the records that entered that stage"`
	MinExamples         int64   `yaml:"min_examples" doc:"fewest examples every split with a share must hold (0: off); min_examples.<split> (e.g. min_examples.train: 100) for one split; split.min_per_split is an alias"`
	MinExamplesPerLabel int64   `yaml:"min_examples_per_label" doc:"fewest examples, over all splits, every label must have (0: off)"`
	MaxResidualPII      int64   `yaml:"max_residual_pii" doc:"most sensitive values the redact stage's second scan may still find after replacement (-1: off; checked when redact is on)"`
	MaxLeakagePairs     int64   `yaml:"max_leakage_pairs" doc:"most training/evaluation record pairs the leakage check may find (-1: off; needs split.leakage.enabled)"`
	MaxConflicts        int64   `yaml:"max_conflicts" doc:"most duplicates with conflicting outputs dedup may count (-1: off; see dedup.conflict_fields)"`
	MinBankExamples     int64   `yaml:"min_bank_examples" doc:"fewest examples every few-shot bank must hold (0: off; needs fewshot.enabled)"`
	BlockOutput         bool    `yaml:"block_output" doc:"when a gate fails, keep the previous output in place; the failed run's output goes beside it as <output.dir>.failed"`
	// Scoped are the gates for one stage or split, in the order set.
	Scoped []Scoped `yaml:"-"`
}

// Scoped is a gate for one stage (max_drop_rate.<stage>) or split
// (min_examples.<split>).
type Scoped struct {
	Gate      string
	Scope     string
	Threshold float64
}

// Key is the gate's name in the config and on the command line.
func (s Scoped) Key() string { return s.Gate + "." + s.Scope }

// Defaults: every gate off but max_residual_pii, which is 0: a run whose
// redaction left a value it can still find has failed.
func Defaults() Config {
	return Config{MaxRejectRate: -1, MaxDropRate: -1, MaxResidualPII: 0, MaxLeakagePairs: -1, MaxConflicts: -1}
}

// kind says how a gate's threshold reads and compares.
type kind struct {
	name  string
	max   bool   // a maximum (else a minimum)
	rate  bool   // a share of records, 0-1 (else a count)
	scope string // what name.<x> names: "stage", "split", or "" for no such form
}

var kinds = []kind{
	{name: "max_reject_rate", max: true, rate: true},
	{name: "max_drop_rate", max: true, rate: true, scope: "stage"},
	{name: "min_examples", scope: "split"},
	{name: "min_examples_per_label"},
	{name: "max_residual_pii", max: true},
	{name: "max_leakage_pairs", max: true},
	{name: "max_conflicts", max: true},
	{name: "min_bank_examples"},
}

func kindOf(name string) (kind, bool) {
	for _, k := range kinds {
		if k.name == name {
			return k, true
		}
	}
	return kind{}, false
}

// Names lists every gate name, with the scoped forms as name.<stage> or
// name.<split>, and block_output.
func Names() []string {
	var out []string
	for _, k := range kinds {
		out = append(out, k.name)
		if k.scope != "" {
			out = append(out, k.name+".<"+k.scope+">")
		}
	}
	return append(out, "block_output")
}

// Set sets one gate from its key and text, as the --gate flag and the
// config's keys give them: max_drop_rate=0.2, max_drop_rate.dedup=5%,
// min_examples.train=100, block_output=true.
func (c *Config) Set(key, value string) error {
	value = strings.TrimSpace(value)
	if key == "block_output" {
		b, err := strconv.ParseBool(value)
		if err != nil {
			return fmt.Errorf("block_output: %q is not true or false", value)
		}
		c.BlockOutput = b
		return nil
	}
	name, scope, scoped := strings.Cut(key, ".")
	k, ok := kindOf(name)
	if !ok {
		return fmt.Errorf("unknown gate %q (gates: %s)", key, strings.Join(Names(), ", "))
	}
	if scoped && (k.scope == "" || scope == "") {
		if k.scope == "" {
			return fmt.Errorf("%s: %s has no per-stage or per-split form", key, name)
		}
		return fmt.Errorf("%s: name a %s after the dot, e.g. %s.%s", key, k.scope, name, map[string]string{"stage": "dedup", "split": "train"}[k.scope])
	}
	v, err := k.parse(value, scoped)
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	if scoped {
		for i := range c.Scoped {
			if c.Scoped[i].Gate == name && c.Scoped[i].Scope == scope {
				c.Scoped[i].Threshold = v
				return nil
			}
		}
		c.Scoped = append(c.Scoped, Scoped{Gate: name, Scope: scope, Threshold: v})
		return nil
	}
	switch name {
	case "max_reject_rate":
		c.MaxRejectRate = v
	case "max_drop_rate":
		c.MaxDropRate = v
	case "min_examples":
		c.MinExamples = int64(v)
	case "min_examples_per_label":
		c.MinExamplesPerLabel = int64(v)
	case "max_residual_pii":
		c.MaxResidualPII = int64(v)
	case "max_leakage_pairs":
		c.MaxLeakagePairs = int64(v)
	case "max_conflicts":
		c.MaxConflicts = int64(v)
	case "min_bank_examples":
		c.MinBankExamples = int64(v)
	}
	return nil
}

// parse reads a threshold: a rate as a share (0.05) or a percentage (5%),
// a count as a whole number; -1 turns a maximum off.
func (k kind) parse(s string, scoped bool) (float64, error) {
	if k.rate {
		pct := strings.HasSuffix(s, "%")
		v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a share (0.05) or a percentage (5%%)", s)
		}
		if pct {
			v /= 100
		}
		if err := k.check(v, scoped); err != nil {
			return 0, err
		}
		return v, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	v := float64(n)
	return v, k.check(v, scoped)
}

// check validates a threshold.
func (k kind) check(v float64, scoped bool) error {
	off := k.max && v == -1 && !scoped
	switch {
	case off:
	case v < 0:
		if k.max && !scoped {
			return fmt.Errorf("%v is negative (-1 turns it off)", v)
		}
		return fmt.Errorf("%v is negative", v)
	case k.rate && v > 1:
		return fmt.Errorf("%v is more than 1 (100%%)", v)
	}
	return nil
}

// Validate checks every threshold, for a config filled from the
// environment, which bypasses Set.
func (c Config) Validate() error {
	for _, x := range []struct {
		name string
		v    float64
	}{{"max_reject_rate", c.MaxRejectRate}, {"max_drop_rate", c.MaxDropRate}, {"min_examples", float64(c.MinExamples)},
		{"min_examples_per_label", float64(c.MinExamplesPerLabel)}, {"max_residual_pii", float64(c.MaxResidualPII)},
		{"max_leakage_pairs", float64(c.MaxLeakagePairs)}, {"max_conflicts", float64(c.MaxConflicts)},
		{"min_bank_examples", float64(c.MinBankExamples)}} {
		k, _ := kindOf(x.name)
		if err := k.check(x.v, false); err != nil {
			return fmt.Errorf("%s: %w", x.name, err)
		}
	}
	return nil
}

// On reports whether the gate named (without a scope) is on.
func (c Config) On(name string) bool {
	switch name {
	case "max_reject_rate":
		return c.MaxRejectRate >= 0
	case "max_drop_rate":
		return c.MaxDropRate >= 0
	case "min_examples":
		return c.MinExamples > 0
	case "min_examples_per_label":
		return c.MinExamplesPerLabel > 0
	case "max_residual_pii":
		return c.MaxResidualPII >= 0
	case "max_leakage_pairs":
		return c.MaxLeakagePairs >= 0
	case "max_conflicts":
		return c.MaxConflicts >= 0
	case "min_bank_examples":
		return c.MinBankExamples > 0
	}
	return false
}

// UnmarshalYAML reads the section key by key through Set, so the config
// file takes the same names as --gate (scoped ones included) and an unknown
// one is an error with its line.
func (c *Config) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: gates: want a mapping of gate names to thresholds", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: gates.%s: want a number", v.Line, k.Value)
		}
		if err := c.Set(k.Value, v.Value); err != nil {
			return fmt.Errorf("line %d: gates.%s: %s", k.Line, k.Value, strings.TrimPrefix(err.Error(), k.Value+": "))
		}
	}
	return nil
}

// MarshalYAML writes the section with the scoped gates as keys, sorted.
func (c Config) MarshalYAML() (any, error) {
	type fields Config // without these methods
	var n yaml.Node
	if err := n.Encode(fields(c)); err != nil {
		return nil, err
	}
	scoped := append([]Scoped(nil), c.Scoped...)
	sort.Slice(scoped, func(i, j int) bool { return scoped[i].Key() < scoped[j].Key() })
	for _, s := range scoped {
		n.Content = append(n.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Value: s.Key()},
			&yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatFloat(s.Threshold, 'g', -1, 64)})
	}
	return &n, nil
}

// round keeps figures readable in run.json.
func round(x float64) float64 { return math.Round(x*1e6) / 1e6 }
