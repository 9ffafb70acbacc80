// Package pricing holds what a model costs and how long one training
// example may be: the defaults of the tokens, filter, validate and few-shot
// reports. Prices change; the table is dated, and every figure can be
// overridden in the config.
package pricing

import (
	"fmt"
	"sort"
	"strings"
)

// AsOf dates the default table: public price pages and provider docs as seen then.
const AsOf = "2026-11"

// Model is one target model, as the table and the config file give it.
// A figure left out (zero) is unknown, not free: read the figures through
// Limit, TrainPrice, InputPrice and OutputPrice, which say whether they are
// known. The fields stay plain numbers because they are the config file's
// keys (its JSON Schema is derived from them).
type Model struct {
	Name string `yaml:"name" json:"name" doc:"model name (a prefix matches dated snapshots and ft: names)"`
	// TrainLimit is the maximum tokens of one training example (0: unknown).
	TrainLimit int `yaml:"train_limit" json:"train_limit" doc:"maximum tokens of one training example"`
	// Prices in US dollars per 1M tokens (0: unknown).
	Train  float64 `yaml:"train_price" json:"train_price" doc:"fine-tuning price, USD per 1M trained tokens"`
	Input  float64 `yaml:"input_price" json:"input_price" doc:"base model input price, USD per 1M tokens (prompting with few-shot banks)"`
	Output float64 `yaml:"output_price" json:"output_price" doc:"base model output price, USD per 1M tokens"`
}

// Limit returns the maximum tokens of one training example, and whether it is known.
func (m Model) Limit() (int, bool) { return m.TrainLimit, m.TrainLimit > 0 }

// TrainPrice returns the fine-tuning price (USD per 1M trained tokens), and whether it is known.
func (m Model) TrainPrice() (float64, bool) { return m.Train, m.Train > 0 }

// InputPrice returns the base model's input price (USD per 1M tokens), and whether it is known.
func (m Model) InputPrice() (float64, bool) { return m.Input, m.Input > 0 }

// OutputPrice returns the base model's output price (USD per 1M tokens), and whether it is known.
func (m Model) OutputPrice() (float64, bool) { return m.Output, m.Output > 0 }

// Defaults is the default table (OpenAI and Google figures as seen in
// late 2026 on public pages; verify before relying on them).
var Defaults = []Model{
	{Name: "gpt-4o-mini", TrainLimit: 65536, Train: 3.00, Input: 0.15, Output: 0.60},
	{Name: "gpt-4o", TrainLimit: 65536, Train: 25.00, Input: 2.50, Output: 10.00},
	{Name: "gpt-4.1-nano", TrainLimit: 65536, Input: 0.10, Output: 0.40},
	{Name: "gpt-4.1-mini", TrainLimit: 65536, Input: 0.40, Output: 1.60},
	{Name: "gpt-4.1", TrainLimit: 65536, Input: 2.00, Output: 8.00},
	{Name: "gpt-3.5-turbo", TrainLimit: 16385},
	{Name: "gemini-2.5-flash", TrainLimit: 131072},
}

// Table is a set of models, looked up by name.
type Table []Model

// With returns the defaults overridden (by name) and extended by extra.
func With(extra []Model) Table {
	t := append(Table(nil), Defaults...)
	for _, m := range extra {
		replaced := false
		for i := range t {
			if t[i].Name == m.Name {
				t[i], replaced = m, true
			}
		}
		if !replaced {
			t = append(t, m)
		}
	}
	return t
}

// Lookup finds a model by exact name, else by the longest name that
// prefixes it ("gpt-4o-mini-2024-07-18", "ft:gpt-4o-mini-2024-07-18:org::x").
func (t Table) Lookup(name string) (Model, bool) {
	if base, ok := strings.CutPrefix(name, "ft:"); ok {
		name, _, _ = strings.Cut(base, ":")
	}
	best := -1
	for i, m := range t {
		if m.Name == name {
			return m, true
		}
		if strings.HasPrefix(name, m.Name+"-") && (best < 0 || len(m.Name) > len(t[best].Name)) {
			best = i
		}
	}
	if best < 0 {
		return Model{}, false
	}
	return t[best], true
}

// Names lists the models, sorted.
func (t Table) Names() []string {
	var n []string
	for _, m := range t {
		n = append(n, m.Name)
	}
	sort.Strings(n)
	return n
}

// Epochs is the OpenAI cookbook's default epoch count for n examples: 3,
// raised toward 100 example passes for small sets and lowered for sets over
// 25,000, clamped to 1..25.
func Epochs(n int) int {
	const target, minPasses, maxPasses = 3, 100, 25000
	switch {
	case n <= 0:
		return 0
	case n*target < minPasses:
		return min(25, minPasses/n)
	case n*target > maxPasses:
		return max(1, maxPasses/n)
	}
	return target
}

// Estimate is a fine-tuning cost estimate. What the table does not know
// is nil (null in JSON), never zero: with no known limit the billed tokens
// are not capped, with no known price there is no cost.
type Estimate struct {
	Model        string   `json:"model"`
	Examples     int      `json:"examples"`
	Epochs       int      `json:"epochs"`
	TrainLimit   *int     `json:"train_limit"`
	BilledTokens int64    `json:"billed_tokens"`
	TrainPrice   *float64 `json:"train_price_per_1m"`
	CostUSD      *float64 `json:"cost_usd"`
	PricesAsOf   string   `json:"prices_as_of"`
}

// FineTune estimates the training cost of examples with the given token
// lengths: billed tokens = sum of min(limit, length) x epochs.
func FineTune(m Model, lengths []int) Estimate {
	e := Estimate{Model: m.Name, Examples: len(lengths), Epochs: Epochs(len(lengths)), PricesAsOf: AsOf}
	limit, capped := m.Limit()
	if capped {
		e.TrainLimit = &limit
	}
	var sum int64
	for _, n := range lengths {
		if capped && n > limit {
			n = limit
		}
		sum += int64(n)
	}
	e.BilledTokens = sum * int64(e.Epochs)
	if price, ok := m.TrainPrice(); ok {
		cost := round4(float64(e.BilledTokens) / 1e6 * price)
		e.TrainPrice, e.CostUSD = &price, &cost
	}
	return e
}

// PerThousandRequests is the input cost of sending tokens with each of
// 1,000 requests; 0 when the input price is unknown (check InputPrice).
func PerThousandRequests(m Model, tokens int) float64 {
	return round4(float64(tokens) * 1000 / 1e6 * m.Input)
}

func round4(x float64) float64 { return float64(int64(x*1e4+0.5)) / 1e4 }

// Check validates a table entry.
func (m Model) Check() error {
	if m.Name == "" {
		return fmt.Errorf("model without a name")
	}
	if m.TrainLimit < 0 || m.Train < 0 || m.Input < 0 || m.Output < 0 {
		return fmt.Errorf("model %s: negative limit or price", m.Name)
	}
	return nil
}
