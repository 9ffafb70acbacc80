package pricing

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"
)

func TestEpochs(t *testing.T) {
	// The cookbook's rule: 3 epochs; n*3 < 100 -> min(25, 100/n); n*3 > 25000 -> max(1, 25000/n).
	for _, c := range []struct{ n, want int }{{1, 25}, {3, 25}, {10, 10}, {33, 3}, {34, 3}, {20, 5}, {1000, 3}, {8333, 3}, {8334, 2}, {12500, 2}, {30000, 1}, {0, 0}} {
		if got := Epochs(c.n); got != c.want {
			t.Errorf("Epochs(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}

func TestLookupAndEstimate(t *testing.T) {
	tab := With([]Model{{Name: "gpt-4o-mini", TrainLimit: 100, Train: 2}})
	for name, want := range map[string]string{"gpt-4o-mini-2024-07-18": "gpt-4o-mini", "ft:gpt-4o-2024-08-06:acme::x1": "gpt-4o", "gpt-4.1-mini": "gpt-4.1-mini", "gpt-4.1-2025-04-14": "gpt-4.1"} {
		if m, ok := tab.Lookup(name); !ok || m.Name != want {
			t.Errorf("Lookup(%s) = %v", name, m.Name)
		}
	}
	if _, ok := tab.Lookup("llama-3"); ok {
		t.Error("unknown model found")
	}
	m, _ := tab.Lookup("gpt-4o-mini")
	e := FineTune(m, []int{50, 150, 100}) // 3 examples: 25 epochs; 50+100+100 billed per epoch
	if e.Epochs != 25 || e.BilledTokens != 250*25 || e.CostUSD == nil || *e.CostUSD != 0.0125 || *e.TrainPrice != 2 || *e.TrainLimit != 100 {
		t.Errorf("%+v", e)
	}
	if got, ok := PerThousandRequests(Model{Input: 0.15}, 2000); !ok || got != 0.3 {
		t.Errorf("per 1000 requests: %v, %v", got, ok)
	}
	if got, ok := PerThousandRequests(Model{Name: "unpriced"}, 2000); ok {
		t.Errorf("per 1000 requests without an input price: %v, known", got)
	}
}

// TestExactCosts: prices are the decimals they are written as, so costs
// add up exactly where float64 arithmetic would not (0.1 + 0.2).
func TestExactCosts(t *testing.T) {
	sum := new(big.Rat).Add(Cost(1_000_000, 0.1), Cost(1_000_000, 0.2))
	if sum.Cmp(big.NewRat(3, 10)) != 0 {
		t.Errorf("0.1 + 0.2 = %s", sum.RatString())
	}
	for _, c := range []struct {
		tokens int64
		price  float64
		want   float64
	}{
		{1000, 0.15, 0.0002},         // 0.00015 rounds half away from zero
		{3, 0.5, 0},                  // 0.0000015
		{1_000_000, 1.23455, 1.2346}, // a half at the 5th decimal
		{250 * 25, 2, 0.0125},
	} {
		if got := Round4(Cost(c.tokens, c.price)); got != c.want {
			t.Errorf("Round4(Cost(%d, %v)) = %v, want %v", c.tokens, c.price, got, c.want)
		}
	}
}

// TestTable: every fine-tunable model the table prices has its fine-tuned
// prices above its base prices (providers charge more for a fine-tuned
// model), figures are non-negative, and names are unique.
func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range Defaults {
		if err := m.Check(); err != nil {
			t.Error(err)
		}
		if seen[m.Name] {
			t.Errorf("%s twice", m.Name)
		}
		seen[m.Name] = true
		if in, ok := m.FineTunedInputPrice(); ok && in <= m.Input {
			t.Errorf("%s: fine-tuned input %v not above base %v", m.Name, in, m.Input)
		}
		if out, ok := m.FineTunedOutputPrice(); ok && out <= m.Output {
			t.Errorf("%s: fine-tuned output %v not above base %v", m.Name, out, m.Output)
		}
	}
	for _, name := range []string{"gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "gemini-2.5-flash", "claude-3-haiku", "nova-micro", "nova-lite", "nova-pro"} {
		if !seen[name] {
			t.Errorf("%s missing from the table", name)
		}
	}
	if err := (Model{Name: "x", FTOutput: -1}).Check(); err == nil {
		t.Error("negative fine-tuned price accepted")
	}
}

// TestUnknownIsNotZero: a limit or price the table does not have is
// unknown (ok false, null in JSON), never a zero that reads as a fact.
func TestUnknownIsNotZero(t *testing.T) {
	tab := With(nil)
	for _, name := range []string{"gpt-3.5-turbo", "gemini-2.5-flash", "claude-3-haiku", "nova-pro"} {
		m, _ := tab.Lookup(name)
		if _, ok := m.TrainPrice(); ok {
			t.Errorf("%s: a training price is known", name)
		}
		if _, ok := m.FineTunedInputPrice(); ok {
			t.Errorf("%s: a fine-tuned input price is known", name)
		}
	}
	m, _ := tab.Lookup("gpt-4o")
	if l, ok := m.Limit(); !ok || l != 65536 {
		t.Errorf("gpt-4o limit %d, %v", l, ok)
	}
	if p, ok := m.TrainPrice(); !ok || p != 25 {
		t.Errorf("gpt-4o price %v, %v", p, ok)
	}
	if p, ok := m.InputPrice(); !ok || p != 2.5 {
		t.Errorf("gpt-4o input price %v, %v", p, ok)
	}
	unknown := Model{Name: "gpt-5"}
	if _, ok := unknown.Limit(); ok {
		t.Error("gpt-5: a limit is known")
	}
	e := FineTune(unknown, []int{100, 70000})
	if e.CostUSD != nil || e.TrainPrice != nil || e.TrainLimit != nil || e.BilledTokens != 70100*25 {
		t.Errorf("unknown model: %+v", e)
	}
	b, _ := json.Marshal(e)
	for _, want := range []string{`"train_limit":null`, `"train_price_per_1m":null`, `"cost_usd":null`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON %s lacks %s", b, want)
		}
	}
}
