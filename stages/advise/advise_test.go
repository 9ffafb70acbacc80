package advise

import (
	"encoding/json"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/pricing"
	"github.com/tuneprep/tuneprep/stages/tokencount"
	"github.com/tuneprep/tuneprep/stages/tokenizer"
)

// labelSpec makes a label's facts: train examples of trainLen tokens,
// val and test examples, every one a request of in/out tokens.
type labelSpec struct {
	label             string
	train, val, tst   int
	trainLen, in, out int
	bank              int
}

func facts(specs ...labelSpec) *Facts {
	f := NewFacts("o200k_base")
	for _, s := range specs {
		for range s.train {
			f.Add(s.label, "train", s.trainLen, s.in, s.out, true)
		}
		for range s.val {
			f.Add(s.label, "validation", s.trainLen, s.in, s.out, true)
		}
		for range s.tst {
			f.Add(s.label, "test", s.trainLen, s.in, s.out, true)
		}
		f.SetBank(s.label, s.bank)
	}
	return f
}

func gpt4oMini(t *testing.T) pricing.Model {
	m, ok := pricing.With(nil).Lookup("gpt-4o-mini")
	if !ok {
		t.Fatal("gpt-4o-mini not in the table")
	}
	return m
}

func withVolume(v int64) Config {
	c := Defaults()
	c.RequestsPerMonth = v
	return c
}

// TestBranches: each recommendation on a small constructed run.
func TestBranches(t *testing.T) {
	// A classification-like task: a long bank, short inputs and answers,
	// so that a fine-tuned request is cheaper than a prompted one.
	task := func(label string, train int) labelSpec {
		return labelSpec{label: label, train: train, val: train / 8, tst: train / 8, trainLen: 200, in: 50, out: 20, bank: 1000}
	}
	tests := []struct {
		name   string
		facts  *Facts
		volume int64
		want   string
		fired  []string // rules that must have fired (on the top level)
	}{
		{"a handful of examples", facts(task("", 5)), 1_000_000, CollectMoreData, []string{ruleMinimum, ruleUseful}},
		{"enough examples, low volume", facts(task("", 200)), 100, Prompt, nil},
		{"enough examples, no volume", facts(task("", 200)), 0, Prompt, nil},
		{"too few for gains, high volume", facts(task("", 40)), 1_000_000, Prompt, []string{ruleUseful}},
		{"many examples, high volume", facts(task("", 2000)), 1_000_000, FineTune, []string{ruleBreakEven}},
		{"skewed labels", facts(task("billing", 2000), task("refund", 1500), task("rare", 20)), 1_000_000, Hybrid,
			[]string{"labels_fine_tune", "labels_prompt"}},
		{"every label short of data", facts(task("a", 3), task("b", 4)), 1_000_000, CollectMoreData, []string{"labels_collect_more_data"}},
		{"every label rich", facts(task("a", 900), task("b", 1100)), 1_000_000, FineTune, []string{"labels_fine_tune"}},
	}
	for _, tt := range tests {
		a := Compute(tt.facts, gpt4oMini(t), withVolume(tt.volume))
		if a.Recommendation != tt.want {
			t.Errorf("%s: %s (%s), want %s", tt.name, a.Recommendation, a.Reason, tt.want)
		}
		for _, name := range tt.fired {
			if r := rule(a.Rules, name); !r.Fired {
				t.Errorf("%s: rule %s did not fire: %+v", tt.name, name, r)
			}
		}
		if tt.want == Prompt && len(tt.fired) == 0 && rule(a.Rules, ruleBreakEven).Fired {
			t.Errorf("%s: prompt, yet training pays back in time: %+v", tt.name, rule(a.Rules, ruleBreakEven))
		}
	}
}

// TestHybridSplit: the per-label split of the decision, and the training
// job priced over the labels to fine-tune only.
func TestHybridSplit(t *testing.T) {
	f := facts(
		labelSpec{label: "billing", train: 2000, val: 250, tst: 250, trainLen: 200, in: 50, out: 20, bank: 1000},
		labelSpec{label: "rare", train: 20, val: 3, tst: 3, trainLen: 200, in: 50, out: 20, bank: 1000},
		labelSpec{label: "tiny", train: 4, val: 1, tst: 1, trainLen: 200, in: 50, out: 20, bank: 1000},
	)
	a := Compute(f, gpt4oMini(t), withVolume(1_000_000))
	got := map[string]string{}
	for _, e := range a.Labels {
		got[e.Label] = e.Recommendation
	}
	want := map[string]string{"billing": FineTune, "rare": Prompt, "tiny": CollectMoreData}
	for l, w := range want {
		if got[l] != w {
			t.Errorf("%s: %s, want %s", l, got[l], w)
		}
	}
	if a.Recommendation != Hybrid {
		t.Errorf("recommendation %s", a.Recommendation)
	}
	p := a.Plan
	if !slices.Equal(p.FineTune, []string{"billing"}) || !slices.Equal(p.Prompt, []string{"rare"}) || !slices.Equal(p.CollectMoreData, []string{"tiny"}) {
		t.Errorf("plan %+v", p)
	}
	// The job: 2000 examples x 200 tokens x 3 epochs at $3 per 1M.
	if p.Job == nil || p.Job.Examples != 2000 || p.Job.Epochs != 3 || p.Job.BilledTokens != 1_200_000 || *p.Job.CostUSD != 3.6 {
		t.Errorf("job %+v", p.Job)
	}
	// Requests split between labels as the examples do.
	if s := a.Labels[0].Share; s != pricing.Round4(big.NewRat(2500, 2500+26+6)) {
		t.Errorf("billing's share %v", s)
	}
}

// TestBreakEvenArithmetic: break-even is the training cost over the saving
// per request, rounded up to a whole request; the months are those
// requests over the monthly volume; never when the saving is not positive.
func TestBreakEvenArithmetic(t *testing.T) {
	m := pricing.Model{Name: "m", Train: 2, Input: 1, Output: 2, FTInput: 1.5, FTOutput: 3, ContextWindow: 10_000}
	f := facts(labelSpec{train: 100, trainLen: 100, in: 100, out: 10, bank: 500})
	a := Compute(f, m, withVolume(1000))
	e := a.Labels[0]
	// Training: 100 x 100 tokens x 3 epochs = 30,000 at $2 per 1M = $0.06.
	cost := big.NewRat(30_000*2, 1_000_000)
	// Prompted: (500 + 100) x $1 + 10 x $2 = 620 per 1M; tuned: 100 x 1.5 + 10 x 3 = 180.
	saving := big.NewRat(620-180, 1_000_000)
	q := new(big.Rat).Quo(cost, saving) // 136.36...
	want := ceil(q).Int64()
	if e.BreakEven.Requests == nil || *e.BreakEven.Requests != want || want != 137 {
		t.Fatalf("break-even %+v, want %d requests", e.BreakEven, want)
	}
	if e.BreakEven.Months == nil || *e.BreakEven.Months != pricing.Round(big.NewRat(want, 1000), 2) {
		t.Errorf("months %v, want %d / 1000", *e.BreakEven.Months, want)
	}
	if *e.FineTune.CostUSD != 0.06 || *e.Prompt.RequestPer1kUSD != 0.62 || *e.FineTunedPer1k != 0.18 || *e.SavingPer1k != 0.44 {
		t.Errorf("costs: train %v, prompted %v, tuned %v, saving %v", *e.FineTune.CostUSD, *e.Prompt.RequestPer1kUSD, *e.FineTunedPer1k, *e.SavingPer1k)
	}
	if *e.Prompt.CostPer1kRequestsUSD != 0.5 || *e.Prompt.CostPerMonthUSD != 0.5 || *e.Prompt.ContextShare != 0.05 || *e.Prompt.BankTokensPerRequest != 500 {
		t.Errorf("prompt %+v", e.Prompt)
	}
	if r := rule(e.Rules, ruleBreakEven); !r.Fired || *r.Value != 0.14 {
		t.Errorf("break-even rule %+v", r)
	}
	// An unknown fine-tuned price: no saving is known, and no break-even.
	m.FTInput, m.FTOutput = 0.2, 0
	if b := Compute(f, m, withVolume(1000)).Labels[0].BreakEven; b.Requests != nil || b.Never || !strings.Contains(b.Why, "fine-tuned output price") {
		t.Errorf("unknown price: %+v", b)
	}
	m.FTInput, m.FTOutput = 0.2, 2 // tuned: 100 x 0.2 + 10 x 2 = 40; saving 580 per 1M
	b := Compute(f, m, withVolume(1000)).Labels[0].BreakEven
	if want := ceil(new(big.Rat).Quo(cost, big.NewRat(580, 1_000_000))).Int64(); b.Requests == nil || *b.Requests != want {
		t.Errorf("break-even %+v, want %d", b, want)
	}
	// Never: the fine-tuned request costs more than the prompted one.
	m.FTInput, m.FTOutput = 10, 20 // tuned: 1000 + 200 = 1200 > 620
	b = Compute(f, m, withVolume(1000)).Labels[0].BreakEven
	if !b.Never || b.Requests != nil || b.Months != nil || !strings.HasPrefix(b.Why, "never") {
		t.Errorf("never: %+v", b)
	}
	// Equal costs: a saving of zero is never, too.
	m.FTInput, m.FTOutput = 6, 2 // 600 + 20 = 620
	if b := Compute(f, m, withVolume(1000)).Labels[0].BreakEven; !b.Never {
		t.Errorf("zero saving: %+v", b)
	}
	// The JSON names the issue fixes, and null for never.
	out, _ := json.Marshal(Compute(f, m, withVolume(1000)))
	for _, key := range []string{`"model":"m"`, `"prices_as_of"`, `"requests_per_month":1000`, `"recommendation"`, `"labels":[`,
		`"examples":{"train":100,"validation":0,"test":0}`, `"finetune":{"examples":100,"billed_tokens":30000,"epochs":3,"cost_usd":0.06}`,
		`"bank_tokens_per_request":500`, `"cost_per_1k_requests_usd":0.5`, `"context_share":0.05`,
		`"finetuned_cost_per_1k_requests_usd":0.62`, `"break_even":{"requests":null,"months":null`, `"rules":[{"name"`} {
		if !strings.Contains(string(out), key) {
			t.Errorf("JSON lacks %s:\n%s", key, out)
		}
	}
}

// TestUnknownNotZero: a price the table lacks, or banks the run did not
// build, give nulls and say so; never a zero.
func TestUnknownNotZero(t *testing.T) {
	f := NewFacts("o200k_base")
	for range 300 {
		f.Add("", "train", 100, 40, 10, true)
	}
	haiku, _ := pricing.With(nil).Lookup("claude-3-haiku")
	a := Compute(f, haiku, withVolume(5000))
	e := a.Labels[0]
	if e.FineTune.CostUSD != nil || e.FineTunedPer1k != nil || e.Prompt.BankTokensPerRequest != nil || e.Prompt.CostPer1kRequestsUSD != nil ||
		e.BreakEven.Requests != nil || e.BreakEven.Never || e.Prompt.ContextShare != nil {
		t.Errorf("unknowns: %+v", e)
	}
	if a.Recommendation != Prompt {
		t.Errorf("recommendation %s", a.Recommendation)
	}
	var text strings.Builder
	if err := a.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "unknown") || strings.Contains(text.String(), "$0.0000") {
		t.Errorf("text:\n%s", text.String())
	}
	notes := strings.Join(a.Notes, "\n")
	for _, want := range []string{"no training price", "no fine-tuned input price", "built no few-shot banks"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	// Built banks, none with examples: zero tokens, known.
	f.NoBanks()
	if b := Compute(f, haiku, Defaults()).Labels[0].Prompt.BankTokensPerRequest; b == nil || *b != 0 {
		t.Errorf("empty banks: %v", b)
	}
}

// TestIntervalExamples: the examples a ±margin 95% interval takes.
func TestIntervalExamples(t *testing.T) {
	for _, c := range []struct {
		margin float64
		want   int64
	}{{0.05, 385}, {0.1, 97}, {0.03, 1068}, {0.02, 2401}} {
		if got := intervalExamples(c.margin); got != c.want {
			t.Errorf("margin %v: %d, want %d", c.margin, got, c.want)
		}
	}
	f := facts(labelSpec{train: 1000, val: 400, tst: 100, trainLen: 10, in: 5, out: 1, bank: 10})
	a := Compute(f, gpt4oMini(t), Defaults())
	if v, ts := rule(a.Rules, ruleValidation), rule(a.Rules, ruleTest); v.Fired || !ts.Fired || ts.Threshold != 385 || !strings.Contains(ts.Says, "±9.8 points") {
		t.Errorf("validation %+v\ntest %+v", v, ts)
	}
}

// TestRequestTokens: a request's input is the example's tokens without its
// last turn, exactly what the evaluation kit is billed for that request.
func TestRequestTokens(t *testing.T) {
	tok, err := tokenizer.Get("o200k_base")
	if err != nil {
		t.Fatal(err)
	}
	ex := &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{
		{Role: "system", Content: "You are terse."},
		{Role: "user", Content: "Where is my order #123?"},
		{Role: "assistant", Content: "It ships tomorrow.", Name: "agent"},
	}}
	total := tokencount.Count(tok, ex).Total
	in, out, ok := Request(tok, ex, total)
	conv, answer, _ := requestOf(ex)
	wantIn := tokencount.Count(tok, &schemas.Example{Kind: schemas.KindChat, Messages: conv}).Total
	if !ok || in != wantIn || out != tok.Count(answer) {
		t.Errorf("in %d out %d, want %d %d", in, out, wantIn, tok.Count(answer))
	}
	comp := &schemas.Example{Kind: schemas.KindCompletion, Prompt: "2+2=", Completion: " 4"}
	if in, out, ok := Request(tok, comp, tokencount.Count(tok, comp).Total); !ok || in != tok.Count("2+2=") || out != tok.Count(" 4") {
		t.Errorf("completion: %d %d %v", in, out, ok)
	}
	if _, _, ok := Request(tok, &schemas.Example{Kind: schemas.KindText, Text: "x"}, 1); ok {
		t.Error("a text example is a request")
	}
}

// TestDeterministic: the same facts give the same advice, whatever the
// order they were added in.
func TestDeterministic(t *testing.T) {
	a1 := Compute(facts(labelSpec{label: "a", train: 300, trainLen: 7}, labelSpec{label: "b", train: 60, trainLen: 9}), gpt4oMini(t), withVolume(77))
	a2 := Compute(facts(labelSpec{label: "b", train: 60, trainLen: 9}, labelSpec{label: "a", train: 300, trainLen: 7}), gpt4oMini(t), withVolume(77))
	j1, _ := json.Marshal(a1)
	j2, _ := json.Marshal(a2)
	if string(j1) != string(j2) {
		t.Errorf("order changed the advice:\n%s\n%s", j1, j2)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := Defaults().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, mut := range []func(*Config){
		func(c *Config) { c.RequestsPerMonth = -1 },
		func(c *Config) { c.MinExamples = 0 },
		func(c *Config) { c.UsefulExamples = 5 },
		func(c *Config) { c.EvalMargin = 0 },
		func(c *Config) { c.EvalMargin = 0.5 },
		func(c *Config) { c.HorizonMonths = 0 },
		func(c *Config) { c.MaxContextShare = 1.5 },
		func(c *Config) { c.InputTokens = -3 },
	} {
		c := Defaults()
		mut(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if (Config{}).On() || !(Config{RequestsPerMonth: 1}).On() || !(Config{Enabled: true}).On() {
		t.Error("On")
	}
}
