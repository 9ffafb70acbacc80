// Package advise answers the question teams bring to a data set: fine-tune
// the model, prompt it with few-shot examples, or both. It weighs what a
// run measured (clean examples per label and split, their tokens, the
// training cost, the tokens a few-shot bank adds to every request) against
// documented thresholds and the model's prices, and states every rule it
// evaluated with its value and threshold. It also writes an evaluation kit:
// the test split as Batch API requests for both ways, so that they can be
// compared on the same examples.
//
// The advice is computed from Facts, which a finished run's output gives
// (Load) or the pipeline stage collects while the run goes (Stage).
package advise

import "fmt"

// Config is the advise section: the request volume and the thresholds of
// the rules. Each threshold's doc says where it comes from.
type Config struct {
	Enabled          bool    `yaml:"enabled" doc:"add the advice to the run: reports/NN-advise.json, a section of report.html and of the summary (also on when requests_per_month is set)"`
	RequestsPerMonth int64   `yaml:"requests_per_month" doc:"expected requests per month: the recurring costs per month and the break-even in months (0: unknown)"`
	InputTokens      int     `yaml:"input_tokens" doc:"a request's own input tokens, without a bank (0: the mean over the examples)"`
	OutputTokens     int     `yaml:"output_tokens" doc:"a request's output tokens (0: the mean of the examples' answers)"`
	MinExamples      int     `yaml:"min_examples" doc:"fewer training examples than this: nothing to fine-tune, collect more data (OpenAI accepts no fewer than 10)"`
	UsefulExamples   int     `yaml:"useful_examples" doc:"fewer training examples than this: prompt, fine-tuning gains do not show yet (OpenAI: usually from 50 to 100)"`
	StartExamples    int     `yaml:"start_examples" doc:"training examples Google suggests starting from (Vertex AI: 100); fewer is a note"`
	TargetPasses     int     `yaml:"target_passes" doc:"example passes (examples x epochs) the OpenAI cookbook aims for; fewer at its default 3 epochs marks a small set (a note)"`
	EvalMargin       float64 `yaml:"eval_margin" doc:"half-width of the 95% confidence interval on an accuracy that validation and test should resolve (0.05: 5 points, which takes 385 examples)"`
	HorizonMonths    float64 `yaml:"horizon_months" doc:"fine-tune when training pays for itself within this many months, before a base-model update means training again"`
	MaxContextShare  float64 `yaml:"max_context_share" doc:"fine-tune when a bank takes more than this share of the model's context window"`
}

// Defaults are the documented thresholds; the advice is off.
func Defaults() Config {
	return Config{MinExamples: 10, UsefulExamples: 50, StartExamples: 100, TargetPasses: 100,
		EvalMargin: 0.05, HorizonMonths: 12, MaxContextShare: 0.25}
}

// On reports whether a run adds the advice: when enabled, or when a
// request volume is configured.
func (c Config) On() bool { return c.Enabled || c.RequestsPerMonth > 0 }

// Validate checks the settings; errors name the key.
func (c Config) Validate() error {
	switch {
	case c.RequestsPerMonth < 0:
		return fmt.Errorf("requests_per_month: %d is negative", c.RequestsPerMonth)
	case c.InputTokens < 0 || c.OutputTokens < 0:
		return fmt.Errorf("input_tokens and output_tokens must not be negative")
	case c.MinExamples < 1:
		return fmt.Errorf("min_examples: %d must be at least 1", c.MinExamples)
	case c.UsefulExamples < c.MinExamples:
		return fmt.Errorf("useful_examples: %d is below min_examples (%d)", c.UsefulExamples, c.MinExamples)
	case c.StartExamples < 1:
		return fmt.Errorf("start_examples: %d must be at least 1", c.StartExamples)
	case c.TargetPasses < 1:
		return fmt.Errorf("target_passes: %d must be at least 1", c.TargetPasses)
	case !(c.EvalMargin > 0 && c.EvalMargin < 0.5):
		return fmt.Errorf("eval_margin: %v is not between 0 and 0.5", c.EvalMargin)
	case !(c.HorizonMonths > 0 && c.HorizonMonths < 1e6):
		return fmt.Errorf("horizon_months: %v must be positive", c.HorizonMonths)
	case !(c.MaxContextShare > 0 && c.MaxContextShare <= 1):
		return fmt.Errorf("max_context_share: %v is not in (0, 1]", c.MaxContextShare)
	}
	return nil
}
