// Package pricing holds what a model costs and how long one training
// example may be: the defaults of the tokens, filter, validate and few-shot
// reports. Prices change; the table is dated, and every figure can be
// overridden in the config.
package pricing

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
)

// AsOf dates the default table: public price pages and provider docs as seen then.
const AsOf = "2026-11"

// Model is one target model, as the table and the config file give it.
// A figure left out (zero) is unknown, not free: read the figures through
// Limit, Context, TrainPrice, InputPrice, OutputPrice, FineTunedInputPrice
// and FineTunedOutputPrice, which say whether they are known. The fields
// stay plain numbers because they are the config file's keys (its JSON
// Schema is derived from them).
type Model struct {
	Name string `yaml:"name" json:"name" doc:"model name (a prefix matches dated snapshots and ft: names)"`
	// TrainLimit is the maximum tokens of one training example (0: unknown).
	TrainLimit int `yaml:"train_limit" json:"train_limit" doc:"maximum tokens of one training example"`
	// ContextWindow is the tokens of one request, input and output (0: unknown).
	ContextWindow int `yaml:"context_window" json:"context_window" doc:"context window of the base model, in tokens (the share a few-shot bank takes of it)"`
	// Prices in US dollars per 1M tokens (0: unknown).
	Train  float64 `yaml:"train_price" json:"train_price" doc:"fine-tuning price, USD per 1M trained tokens"`
	Input  float64 `yaml:"input_price" json:"input_price" doc:"base model input price, USD per 1M tokens (prompting with few-shot banks)"`
	Output float64 `yaml:"output_price" json:"output_price" doc:"base model output price, USD per 1M tokens"`
	// FTInput and FTOutput price requests to the fine-tuned model, which
	// providers price above its base model.
	FTInput  float64 `yaml:"ft_input_price" json:"ft_input_price" doc:"fine-tuned model input price, USD per 1M tokens"`
	FTOutput float64 `yaml:"ft_output_price" json:"ft_output_price" doc:"fine-tuned model output price, USD per 1M tokens"`
}

// Limit returns the maximum tokens of one training example, and whether it is known.
func (m Model) Limit() (int, bool) { return m.TrainLimit, m.TrainLimit > 0 }

// TrainPrice returns the fine-tuning price (USD per 1M trained tokens), and whether it is known.
func (m Model) TrainPrice() (float64, bool) { return m.Train, m.Train > 0 }

// InputPrice returns the base model's input price (USD per 1M tokens), and whether it is known.
func (m Model) InputPrice() (float64, bool) { return m.Input, m.Input > 0 }

// OutputPrice returns the base model's output price (USD per 1M tokens), and whether it is known.
func (m Model) OutputPrice() (float64, bool) { return m.Output, m.Output > 0 }

// FineTunedInputPrice returns the fine-tuned model's input price (USD per 1M tokens), and whether it is known.
func (m Model) FineTunedInputPrice() (float64, bool) { return m.FTInput, m.FTInput > 0 }

// FineTunedOutputPrice returns the fine-tuned model's output price (USD per 1M tokens), and whether it is known.
func (m Model) FineTunedOutputPrice() (float64, bool) { return m.FTOutput, m.FTOutput > 0 }

// Context returns the base model's context window in tokens, and whether it is known.
func (m Model) Context() (int, bool) { return m.ContextWindow, m.ContextWindow > 0 }

// Defaults is the default table: the models that can be fine-tuned on
// OpenAI, Vertex AI and Amazon Bedrock, with figures as seen on public
// pages in late 2026 (verify before relying on them). A figure none of the
// sources gave is left out (unknown), never guessed.
//
// Sources:
//   - OpenAI gpt-4o-mini, gpt-4o: training, fine-tuned and base prices and
//     the 65,536-token example limit as gathered in the project's reference
//     notes (OpenAI pricing and fine-tuning docs); 128,000-token context
//     (OpenAI and Azure OpenAI model tables).
//   - OpenAI gpt-4.1, -mini, -nano: training $25.00 / $5.00 / $1.50,
//     fine-tuned use $3.00/$12.00, $0.80/$3.20, $0.20/$0.80 and base prices
//     from OpenAI's pricing page (fine-tuning section, as copied into public
//     repositories and price tables such as LiteLLM's); 1,047,576-token
//     context (OpenAI model pages); the example limit as for gpt-4o.
//   - Vertex AI gemini-2.5-flash and -flash-lite: 131,072 tokens per
//     training example (Vertex supervised-tuning limits); base prices and
//     the 1,048,576-token context from Google's price and model pages.
//     gemini-2.0-flash: base prices on Vertex AI. The tuning price and the
//     price of a tuned model's requests were not found: unknown.
//   - Bedrock claude-3-haiku, nova-micro, nova-lite, nova-pro: base prices
//     from the Amazon Bedrock pricing page; context windows from the model
//     pages (Claude 3 Haiku 200,000; Nova Micro 128,000; Lite and Pro
//     300,000). Customization (training) prices and example limits were not
//     found: unknown. A customized Claude 3 Haiku is served only with
//     Provisioned Throughput (billed per model-unit hour, not per token) and
//     a customized Nova model on demand at a per-token price not found:
//     fine-tuned prices unknown.
var Defaults = []Model{
	{Name: "gpt-4o-mini", TrainLimit: 65536, ContextWindow: 128000, Train: 3.00, Input: 0.15, Output: 0.60, FTInput: 0.30, FTOutput: 1.20},
	{Name: "gpt-4o", TrainLimit: 65536, ContextWindow: 128000, Train: 25.00, Input: 2.50, Output: 10.00, FTInput: 3.75, FTOutput: 15.00},
	{Name: "gpt-4.1-nano", TrainLimit: 65536, ContextWindow: 1047576, Train: 1.50, Input: 0.10, Output: 0.40, FTInput: 0.20, FTOutput: 0.80},
	{Name: "gpt-4.1-mini", TrainLimit: 65536, ContextWindow: 1047576, Train: 5.00, Input: 0.40, Output: 1.60, FTInput: 0.80, FTOutput: 3.20},
	{Name: "gpt-4.1", TrainLimit: 65536, ContextWindow: 1047576, Train: 25.00, Input: 2.00, Output: 8.00, FTInput: 3.00, FTOutput: 12.00},
	{Name: "gpt-3.5-turbo", TrainLimit: 16385, ContextWindow: 16385},
	{Name: "gemini-2.5-flash", TrainLimit: 131072, ContextWindow: 1048576, Input: 0.30, Output: 2.50},
	{Name: "gemini-2.5-flash-lite", TrainLimit: 131072, ContextWindow: 1048576, Input: 0.10, Output: 0.40},
	{Name: "gemini-2.0-flash", ContextWindow: 1048576, Input: 0.15, Output: 0.60},
	{Name: "claude-3-haiku", ContextWindow: 200000, Input: 0.25, Output: 1.25},
	{Name: "nova-micro", ContextWindow: 128000, Input: 0.035, Output: 0.14},
	{Name: "nova-lite", ContextWindow: 300000, Input: 0.06, Output: 0.24},
	{Name: "nova-pro", ContextWindow: 300000, Input: 0.80, Output: 3.20},
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
	limit, capped := m.Limit()
	var sum int64
	for _, n := range lengths {
		if capped && n > limit {
			n = limit
		}
		sum += int64(n)
	}
	return FineTuneTotals(m, len(lengths), sum)
}

// FineTuneTotals is FineTune from what the estimate depends on: the number
// of examples and the sum of their lengths, each already capped at the
// model's limit. A stage can keep these two counters instead of a length
// per example.
func FineTuneTotals(m Model, n int, cappedSum int64) Estimate {
	e := Estimate{Model: m.Name, Examples: n, Epochs: Epochs(n), PricesAsOf: AsOf}
	if limit, capped := m.Limit(); capped {
		e.TrainLimit = &limit
	}
	e.BilledTokens = cappedSum * int64(e.Epochs)
	if price, ok := m.TrainPrice(); ok {
		cost := Round4(Cost(e.BilledTokens, price))
		e.TrainPrice, e.CostUSD = &price, &cost
	}
	return e
}

// PerThousandRequests is the input cost of sending tokens with each of
// 1,000 requests, and whether the model's input price is known.
func PerThousandRequests(m Model, tokens int) (float64, bool) {
	price, ok := m.InputPrice()
	if !ok {
		return 0, false
	}
	return Round4(Cost(int64(tokens)*1000, price)), true
}

// Price is a price per 1M tokens as an exact fraction: the decimal the
// float64 prints as (0.15 is 15/100, not the binary fraction nearest it),
// so that costs add up exactly.
func Price(perMillion float64) *big.Rat {
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(perMillion, 'f', -1, 64))
	if !ok { // NaN or Inf: Check rejects them before a price is used
		return new(big.Rat)
	}
	return r
}

// Cost is the exact cost in USD of tokens at a price per 1M tokens.
func Cost(tokens int64, perMillion float64) *big.Rat {
	c := new(big.Rat).Mul(new(big.Rat).SetInt64(tokens), Price(perMillion))
	return c.Quo(c, big.NewRat(1_000_000, 1))
}

// Round4 rounds an exact amount to 4 decimal places, halves away from zero.
func Round4(r *big.Rat) float64 { return Round(r, 4) }

// Round rounds an exact amount to places decimal places, halves away from
// zero, and returns the nearest float64 of that decimal.
func Round(r *big.Rat, places int) float64 {
	f, _ := strconv.ParseFloat(r.FloatString(places), 64)
	return f
}

// Check validates a table entry.
func (m Model) Check() error {
	if m.Name == "" {
		return fmt.Errorf("model without a name")
	}
	if m.TrainLimit < 0 || m.ContextWindow < 0 {
		return fmt.Errorf("model %s: negative limit or context window", m.Name)
	}
	for _, p := range []float64{m.Train, m.Input, m.Output, m.FTInput, m.FTOutput} {
		if p < 0 || math.IsNaN(p) || math.IsInf(p, 0) {
			return fmt.Errorf("model %s: a price is negative or not a number", m.Name)
		}
	}
	return nil
}
