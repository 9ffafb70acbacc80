package pricing

import "testing"

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
	if e.Epochs != 25 || e.BilledTokens != 250*25 || e.CostUSD != 0.0125 {
		t.Errorf("%+v", e)
	}
	if got := PerThousandRequests(Model{Input: 0.15}, 2000); got != 0.3 {
		t.Errorf("per 1000 requests: %v", got)
	}
}
