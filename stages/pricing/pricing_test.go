package pricing

import (
	"encoding/json"
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
	if got := PerThousandRequests(Model{Input: 0.15}, 2000); got != 0.3 {
		t.Errorf("per 1000 requests: %v", got)
	}
}

// TestUnknownIsNotZero: a limit or price the table does not have is
// unknown (ok false, null in JSON), never a zero that reads as a fact.
func TestUnknownIsNotZero(t *testing.T) {
	tab := With(nil)
	for _, name := range []string{"gpt-3.5-turbo", "gpt-4.1", "gemini-2.5-flash"} {
		m, _ := tab.Lookup(name)
		if _, ok := m.TrainPrice(); ok {
			t.Errorf("%s: a training price is known", name)
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
