package gates

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/report"
)

// sampleRun is a run with every figure a gate reads: 100 records read, 10
// rejected, 20 dropped (15 of the 90 that entered dedup), 56/7/7 examples
// per split, labels of 40 and 30, 2 residual values, 4 leaking pairs, 3
// conflicts, banks of 5 and 2.
func sampleRun() (*report.Run, map[string]int64) {
	r := &report.Run{
		Totals: schemas.Totals{Read: 100, Emitted: 70, Dropped: 20, Rejected: 10},
		Stages: []report.Stage{
			{Name: "ingest", In: 100, Out: 90, Dropped: []report.Count{{Name: "bad", N: 10}}},
			{Name: "dedup", In: 90, Out: 75, Dropped: []report.Count{{Name: "exact-duplicate", N: 15}}},
			{Name: "template", In: 75, Out: 70, Dropped: []report.Count{{Name: "no-rule", N: 5}}},
		},
		PII:     &report.PII{Residual: 2},
		Dups:    &report.Duplicates{Conflicts: 3},
		Leakage: &report.Leakage{Pairs: 4, Records: 3},
		Banks:   &report.Banks{K: 5, Banks: []report.Bank{{Label: "a", Examples: 5}, {Label: "b", Examples: 2}}},
		Targets: map[string]float64{"train": 0.8, "validation": 0.1, "test": 0.1},
		Tokens: report.Tokens{Splits: []schemas.SplitSummary{
			{Split: "train", Examples: 56}, {Split: "validation", Examples: 7}, {Split: "test", Examples: 7}}},
	}
	return r, map[string]int64{"a": 40, "b": 30}
}

// TestEachGate: every gate passes at its figure and fails just past it.
func TestEachGate(t *testing.T) {
	cases := []struct {
		gate, pass, fail string
		value            float64
	}{
		{"max_reject_rate", "0.1", "0.09", 0.1},
		{"max_reject_rate", "10%", "9.5%", 0.1},
		{"max_drop_rate", "0.2", "0.19", 0.2},
		{"max_drop_rate.dedup", "0.17", "0.16", 0.166667},
		{"max_drop_rate.ingest", "0.1", "0.05", 0.1},
		{"min_examples", "7", "8", 7},
		{"min_examples.train", "56", "57", 56},
		{"min_examples.bank", "0", "1", 0},
		{"min_examples_per_label", "30", "31", 30},
		{"max_residual_pii", "2", "1", 2},
		{"max_leakage_pairs", "4", "3", 4},
		{"max_conflicts", "3", "2", 3},
		{"min_bank_examples", "2", "3", 2},
	}
	for _, c := range cases {
		for _, threshold := range []string{c.pass, c.fail} {
			cfg := Defaults()
			cfg.MaxResidualPII = -1 // only the gate under test
			if err := cfg.Set(c.gate, threshold); err != nil {
				t.Fatal(err)
			}
			r, labels := sampleRun()
			res := Evaluate(cfg, r, labels)
			if len(res) != 1 {
				t.Fatalf("%s=%s: %d results: %+v", c.gate, threshold, len(res), res)
			}
			g := res[0]
			if g.Gate != c.gate || g.Passed != (threshold == c.pass) || g.Value == nil || *g.Value != c.value || g.Message == "" {
				t.Errorf("%s=%s: %+v (value %v)", c.gate, threshold, g, deref(g.Value))
			}
		}
	}
}

func deref(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// TestGateMessages: a failed gate names what failed.
func TestGateMessages(t *testing.T) {
	cfg := Defaults()
	for _, kv := range []string{"min_examples=8", "min_examples_per_label=35", "min_bank_examples=3", "max_drop_rate.dedup=10%"} {
		k, v, _ := strings.Cut(kv, "=")
		if err := cfg.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	r, labels := sampleRun()
	want := map[string]string{
		"max_residual_pii":       "2 sensitive values found again after redaction; at most 0 allowed",
		"min_examples":           "validation, test below 8; examples per split: train 56, validation 7, test 7; at least 8 wanted",
		"min_examples_per_label": `1 of 2 labels below 35: "b" 30; at least 35 wanted`,
		"min_bank_examples":      `1 of 2 banks below 3: "b" 2; at least 3 wanted`,
		"max_drop_rate.dedup":    "dedup dropped 15 of the 90 records that entered it (16.67%); at most 10% allowed",
	}
	res := Evaluate(cfg, r, labels)
	if len(res) != len(want) {
		t.Fatalf("%d results: %+v", len(res), res)
	}
	for _, g := range res {
		if g.Passed || g.Message != want[g.Gate] {
			t.Errorf("%s: %q\nwant %q", g.Gate, g.Message, want[g.Gate])
		}
	}
}

// TestMissingFigures: a gate whose figure the run lacks fails and says
// why; max_residual_pii is skipped when the run did not redact.
func TestMissingFigures(t *testing.T) {
	cfg := Defaults()
	for _, kv := range []string{"max_leakage_pairs=0", "max_conflicts=0", "min_bank_examples=1", "max_drop_rate.nope=0.5"} {
		k, v, _ := strings.Cut(kv, "=")
		cfg.Set(k, v)
	}
	r := &report.Run{Totals: schemas.Totals{Read: 5, Emitted: 5}}
	res := Evaluate(cfg, r, map[string]int64{"": 5})
	if len(res) != 4 {
		t.Fatalf("%+v", res)
	}
	for _, g := range res {
		if g.Passed || g.Value != nil || !strings.HasPrefix(g.Message, "cannot be checked: ") {
			t.Errorf("%+v", g)
		}
	}
	if res := Evaluate(Defaults(), r, nil); len(res) != 0 {
		t.Errorf("default gates on a run without redaction: %+v", res)
	}
}

func TestSetErrors(t *testing.T) {
	for _, c := range []struct{ key, value, want string }{
		{"max_drop_rat", "0.1", `unknown gate "max_drop_rat"`},
		{"max_reject_rate", "2", "more than 1"},
		{"max_reject_rate", "-0.5", "negative (-1 turns it off)"},
		{"max_reject_rate", "lots", "is not a share"},
		{"min_examples", "-1", "negative"},
		{"min_examples", "1.5", "not a whole number"},
		{"min_examples_per_label.x", "1", "has no per-stage or per-split form"},
		{"max_drop_rate.", "0.1", "name a stage after the dot"},
		{"max_drop_rate.dedup", "-1", "negative"},
		{"block_output", "maybe", "not true or false"},
	} {
		var cfg Config
		err := cfg.Set(c.key, c.value)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Set(%s, %s) = %v, want %q", c.key, c.value, err, c.want)
		}
	}
	cfg := Defaults()
	cfg.MinExamples = -3 // as the environment may set it
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "min_examples") {
		t.Errorf("Validate: %v", err)
	}
}

// TestYAML: the section takes the scoped keys, names an unknown key and
// its line, and writes back what it read.
func TestYAML(t *testing.T) {
	var doc struct {
		Gates Config `yaml:"gates"`
	}
	doc.Gates = Defaults()
	src := "gates:\n  max_drop_rate: 30%\n  max_drop_rate.dedup: 0.25\n  min_examples.train: 100\n  block_output: true\n"
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	g := doc.Gates
	if g.MaxDropRate != 0.3 || !g.BlockOutput || len(g.Scoped) != 2 || g.Scoped[0] != (Scoped{"max_drop_rate", "dedup", 0.25}) ||
		g.Scoped[1] != (Scoped{"min_examples", "train", 100}) || g.MaxResidualPII != 0 {
		t.Fatalf("%+v", g)
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Gates Config `yaml:"gates"`
	}
	if err := yaml.Unmarshal(out, &back); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if back.Gates.MaxDropRate != 0.3 || len(back.Gates.Scoped) != 2 || !strings.Contains(string(out), "max_drop_rate.dedup: 0.25") {
		t.Errorf("round trip:\n%s", out)
	}
	err = yaml.Unmarshal([]byte("gates:\n  min_examples: 3\n  max_leak: 1\n"), &back)
	if err == nil || !strings.Contains(err.Error(), "line 3: gates.max_leak: unknown gate") {
		t.Errorf("unknown key: %v", err)
	}
}
