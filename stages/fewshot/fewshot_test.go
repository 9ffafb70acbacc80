package fewshot

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/pricing"
	"github.com/tuneprep/tuneprep/stages/tokenizer"
)

// docs is a source of records that already carry split, label and example.
type docs []*schemas.Document

func (ds docs) Name() string { return "src" }

func (ds docs) Read(_ context.Context, _ *pipeline.Env, emit func(*schemas.Document) error) error {
	for _, d := range ds {
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

func qa(id, split, label, q, a string) *schemas.Document {
	return &schemas.Document{ID: id, Split: split, Label: label, Text: q + "\n\n" + a, Source: schemas.Source{Path: "x", Line: 1},
		Example: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{
			{Role: "system", Content: "Answer briefly."}, {Role: "user", Content: q}, {Role: "assistant", Content: a}}}}
}

func words(i, n int) string {
	var b strings.Builder
	for j := 0; j < n; j++ {
		fmt.Fprintf(&b, "w%d ", (i*7919+j*104729)%4099)
	}
	return strings.TrimSpace(b.String())
}

func runBanks(t *testing.T, cfg Config, in docs) (Stats, []bankLine, string) {
	t.Helper()
	return runBanksFor(t, cfg, in, pricing.Model{Name: "m", Input: 1})
}

// runBanksFor is runBanks priced for model.
func runBanksFor(t *testing.T, cfg Config, in docs, model pricing.Model) (Stats, []bankLine, string) {
	t.Helper()
	tok, _ := tokenizer.Get(tokenizer.O200KBase)
	s, err := New(cfg, tok, model)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	if _, err := pipeline.Run(context.Background(), pipeline.RunOptions{Plan: pipeline.Plan{Source: in, Stages: []pipeline.Stage{s}}, OutDir: out}); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(filepath.Join(out, "fewshot", "bank.jsonl"))
	defer f.Close()
	var lines []bankLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l bankLine
		json.Unmarshal(sc.Bytes(), &l)
		lines = append(lines, l)
	}
	return s.Stats().(Stats), lines, out
}

func TestBanksRespectSplitsBudgetsAndOverlap(t *testing.T) {
	var in docs
	for i := 0; i < 60; i++ {
		label := []string{"a", "b"}[i%2]
		in = append(in, qa(fmt.Sprintf("t%02d", i), "train", label, words(i, 12), words(i+1000, 10+i%30)))
	}
	// A test record that copies train record t00: t00 must stay out of banks.
	in = append(in, qa("v0", "test", "a", words(0, 12), words(1000, 10)))
	in = append(in, qa("big", "train", "a", words(5000, 12), words(5001, 600)))
	cfg := Defaults()
	cfg.K, cfg.MaxExampleTokens, cfg.MaxBankTokens = 4, 200, 450
	st, lines, out := runBanks(t, cfg, in)
	if len(st.Banks) != 2 {
		t.Fatalf("banks %+v", st.Banks)
	}
	per := map[string]int{}
	for _, l := range lines {
		per[l.Label]++
		if l.ID == "t00" || l.ID == "v0" || l.ID == "big" || l.Tokens > 200 {
			t.Errorf("bank holds %s (%d tokens)", l.ID, l.Tokens)
		}
	}
	for _, b := range st.Banks {
		if b.TokensPerRequest > 450 || b.Selected != per[b.Label] || b.Selected == 0 {
			t.Errorf("bank %+v", b)
		}
		if b.Label == "a" && (b.OverlapsEval != 1 || b.OverBudget != 1) {
			t.Errorf("bank a should exclude one overlap and one long example: %+v", b)
		}
		if b.CostPer1000Requests == nil || *b.CostPer1000Requests != float64(b.TokensPerRequest)*1000/1e6 {
			t.Errorf("cost %+v", b)
		}
	}
	bj, _ := os.ReadFile(filepath.Join(out, "fewshot", "bank.json"))
	var grouped map[string][]map[string]string
	if err := json.Unmarshal(bj, &grouped); err != nil || len(grouped["a"]) != per["a"] || grouped["a"][0]["input"] == "" {
		t.Errorf("bank.json: %v %s", err, bj[:100])
	}
	p, _ := os.ReadFile(filepath.Join(out, "fewshot", "prompt-a.txt"))
	if !strings.HasPrefix(string(p), "Answer briefly.") || strings.Count(string(p), "<example>") != per["a"] {
		t.Errorf("prompt: %s", p)
	}
}

func TestStrategies(t *testing.T) {
	var in docs
	// Clusters of near-identical examples: diverse should take one of each.
	for c := 0; c < 5; c++ {
		for i := 0; i < 8; i++ {
			in = append(in, qa(fmt.Sprintf("c%d-%d", c, i), "train", "", words(c, 20)+fmt.Sprintf(" v%d", i), words(c+50, 20)))
		}
	}
	got := map[string][]string{}
	dist := map[string]float64{}
	for _, strategy := range []string{"diverse", "representative", "random", "shortest"} {
		cfg := Defaults()
		cfg.Strategy, cfg.PerLabel = strategy, false
		st, lines, _ := runBanks(t, cfg, in)
		for _, l := range lines {
			got[strategy] = append(got[strategy], l.ID)
		}
		dist[strategy] = st.Banks[0].MinPairwiseDistance
		// Same input, same bank.
		_, again, _ := runBanks(t, cfg, in)
		if len(again) != len(lines) || again[0].ID != lines[0].ID {
			t.Errorf("%s is not deterministic", strategy)
		}
	}
	clusters := map[byte]bool{}
	for _, id := range got["diverse"] {
		clusters[id[1]] = true
	}
	if len(clusters) != 5 {
		t.Errorf("diverse picked %v", got["diverse"])
	}
	if dist["diverse"] <= dist["random"] {
		t.Errorf("min pairwise distance: diverse %.3f, random %.3f", dist["diverse"], dist["random"])
	}
	t.Logf("banks %v; min pairwise distance %v", got, dist)
}

func TestConfigErrors(t *testing.T) {
	tok, _ := tokenizer.Get(tokenizer.O200KBase)
	for _, mut := range []func(*Config){
		func(c *Config) { c.K = 0 },
		func(c *Config) { c.Strategy = "best" },
		func(c *Config) { c.Pool = 2 },
		func(c *Config) { c.MaxBankTokens = 0 },
		func(c *Config) { c.OutputKey = c.InputKey },
	} {
		c := Defaults()
		mut(&c)
		if _, err := New(c, tok, pricing.Model{}); err == nil {
			t.Errorf("accepted %+v", c)
		}
	}
}

func TestFileName(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct{ label, want string }{
		{"", "all"},
		{"billing", "billing"},
		{"Tax-2024_v1.2", "Tax-2024_v1.2"},
		{"a/b", "a_b-c14cddc0"},
		{"a:b", "a_b-6783a31e"},
		{".hidden", "_hidden-16924190"},
		{"v1.", "v1_-d146c29a"},
		{"CON", "_CON-a3dbc4b6"},
		{"con.txt", "_con.txt-d3bde286"},
		{"Com1", "_Com1-5bb25012"},
		{"COM10", "COM10"},
		{"console", "console"},
		{"日本", "__-cf2abf0c"},
		{long, strings.Repeat("x", 71) + "-0d4e2ca9"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := fileName(tt.label)
			if got != tt.want {
				t.Errorf("fileName(%q) = %q, want %q", tt.label, got, tt.want)
			}
			if len(got) > maxFileName || got[0] == '.' || windowsDevice(got) {
				t.Errorf("fileName(%q) = %q is not a safe name", tt.label, got)
			}
			for _, c := range []byte(got) {
				if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
					t.Errorf("fileName(%q) = %q has byte %q", tt.label, got, c)
				}
			}
		})
	}
}

// TestPromptFileNames runs banks whose labels are too long for a file name,
// differ only in unsafe characters, or only in case: every bank gets its
// own prompt file.
func TestPromptFileNames(t *testing.T) {
	long := strings.Repeat("very long label ", 19) // 304 bytes
	labels := []string{long, long + "!", "a/b", "a:b", "a_b", "A", "a", ""}
	var in docs
	for i, label := range labels {
		in = append(in, qa(fmt.Sprintf("t%02d", i), "train", label, words(i, 12), words(i+100, 12)))
	}
	cfg := Defaults()
	cfg.K, cfg.Pool = 1, 1
	st, _, out := runBanks(t, cfg, in)
	if len(st.Banks) != len(labels) {
		t.Fatalf("%d banks, want %d", len(st.Banks), len(labels))
	}
	want := map[string]string{
		"":         "fewshot/prompt-all.txt",
		"A":        "fewshot/prompt-A.txt",
		"a":        "fewshot/prompt-a-2.txt", // after "A": one file on case-insensitive file systems
		"a_b":      "fewshot/prompt-a_b.txt",
		"a/b":      "fewshot/prompt-a_b-c14cddc0.txt",
		"a:b":      "fewshot/prompt-a_b-6783a31e.txt",
		long:       "fewshot/prompt-" + strings.Repeat("very_long_label_", 4) + "very_lo-" + sha8(long) + ".txt",
		long + "!": "fewshot/prompt-" + strings.Repeat("very_long_label_", 4) + "very_lo-" + sha8(long+"!") + ".txt",
	}
	seen := map[string]bool{}
	for _, b := range st.Banks {
		if b.PromptFile != want[b.Label] {
			t.Errorf("label %.20q: prompt file %q, want %q", b.Label, b.PromptFile, want[b.Label])
		}
		if seen[strings.ToLower(b.PromptFile)] {
			t.Errorf("prompt file %q used twice", b.PromptFile)
		}
		seen[strings.ToLower(b.PromptFile)] = true
		if _, err := os.Stat(filepath.Join(out, filepath.FromSlash(b.PromptFile))); err != nil {
			t.Error(err)
		}
	}
}

func sha8(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}

// TestCostUnknownPrice: a model without an input price has no cost per
// 1,000 requests (null in the report), not a cost of 0.
func TestCostUnknownPrice(t *testing.T) {
	var in docs
	for i := 0; i < 8; i++ {
		in = append(in, qa(fmt.Sprintf("t%d", i), "train", "a", words(i, 12), words(i+1000, 10)))
	}
	for _, m := range []pricing.Model{{Name: "unpriced"}, {Name: "priced", Input: 2.5}} {
		st, _, _ := runBanksFor(t, Defaults(), in, m)
		if len(st.Banks) != 1 || st.Banks[0].TokensPerRequest == 0 {
			t.Fatalf("%s: banks %+v", m.Name, st.Banks)
		}
		var report struct {
			Banks []map[string]json.RawMessage `json:"banks"`
		}
		b, err := json.Marshal(st)
		if err != nil || json.Unmarshal(b, &report) != nil {
			t.Fatalf("%s: report %s: %v", m.Name, b, err)
		}
		got, want := string(report.Banks[0]["input_cost_per_1000_requests_usd"]), "null"
		if m.Input > 0 {
			want = strconv.FormatFloat(float64(st.Banks[0].TokensPerRequest)*1000/1e6*m.Input, 'g', -1, 64)
		}
		if got != want {
			t.Errorf("%s: input_cost_per_1000_requests_usd = %s, want %s", m.Name, got, want)
		}
	}
}
