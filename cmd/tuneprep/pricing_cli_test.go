package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestCLIRunUnknownPriceIsNull: a run for a model without a known training
// price reports its fine-tuning cost as null, not $0.
func TestCLIRunUnknownPriceIsNull(t *testing.T) {
	t.Setenv("TUNEPREP_TOKENS_MODEL", "gpt-3.5-turbo")
	out := filepath.Join(t.TempDir(), "out")
	runOK(t, "--out", out) // the embedded samples
	reports, _ := filepath.Glob(filepath.Join(out, "reports", "*-split.json"))
	if len(reports) != 1 {
		t.Fatalf("split reports: %v", reports)
	}
	b, _ := os.ReadFile(reports[0])
	var r struct {
		Stats struct {
			Cost map[string]any `json:"fine_tune_cost"`
		} `json:"stats"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	c := r.Stats.Cost
	if c == nil || c["cost_usd"] != nil || c["train_price_per_1m"] != nil || c["billed_tokens"] == nil {
		t.Errorf("fine_tune_cost: %v\n%s", c, b)
	}
}
