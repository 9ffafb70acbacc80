package advise

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/tuneprep/tuneprep/stages/pricing"
)

// Rule names (stable: tools read them).
const (
	ruleMinimum    = "min_train_examples"
	ruleUseful     = "useful_train_examples"
	ruleStart      = "start_train_examples"
	rulePasses     = "example_passes"
	ruleValidation = "validation_interval"
	ruleTest       = "test_interval"
	ruleBreakEven  = "break_even_months"
	ruleContext    = "bank_context_share"
)

// defaultEpochs is the OpenAI cookbook's epoch count before it adjusts
// for the size of the set.
const defaultEpochs = 3

// rules evaluates every rule for one entry, in the order decide reads them.
func (c *calc) rules(t task, e Entry) []Rule {
	n := t.examples.Train
	need := intervalExamples(c.cfg.EvalMargin)
	passes := n * defaultEpochs
	rs := []Rule{
		{Name: ruleMinimum, Value: num(n), Threshold: float64(c.cfg.MinExamples), When: "value < threshold", Effect: CollectMoreData,
			Fired:  n < int64(c.cfg.MinExamples),
			Source: "OpenAI fine-tuning guide: a training file needs at least 10 examples",
			Says:   fmt.Sprintf("%s training examples; fine-tuning needs at least %d", group(n), c.cfg.MinExamples)},
		{Name: ruleUseful, Value: num(n), Threshold: float64(c.cfg.UsefulExamples), When: "value < threshold", Effect: Prompt,
			Fired:  n < int64(c.cfg.UsefulExamples),
			Source: "OpenAI fine-tuning guide: clear improvements usually from 50 to 100 examples",
			Says:   fmt.Sprintf("%s training examples; fine-tuning gains usually show from %d", group(n), c.cfg.UsefulExamples)},
		{Name: ruleStart, Value: num(n), Threshold: float64(c.cfg.StartExamples), When: "value < threshold", Effect: note,
			Fired:  n < int64(c.cfg.StartExamples),
			Source: "Vertex AI supervised tuning: start with 100 examples",
			Says:   fmt.Sprintf("%s training examples; Google suggests starting from %d", group(n), c.cfg.StartExamples)},
		{Name: rulePasses, Value: num(passes), Threshold: float64(c.cfg.TargetPasses), When: "value < threshold", Effect: note,
			Fired:  passes < int64(c.cfg.TargetPasses),
			Source: "OpenAI cookbook (data preparation): 3 epochs, raised toward 100 example passes for small sets (at most 25)",
			Says: fmt.Sprintf("%s examples x %d epochs = %s passes (the cookbook aims for about %d; the training run has %d epochs over %s examples)",
				group(n), defaultEpochs, group(passes), c.cfg.TargetPasses, c.epochs, group(e.FineTune.Examples))},
		c.interval(ruleValidation, "validation", t.examples.Validation, need),
		c.interval(ruleTest, "test", t.examples.Test, need),
		c.breakEvenRule(e),
		c.contextRule(t),
	}
	return rs
}

// interval is the rule on an evaluation split's size: the 95% confidence
// interval on an accuracy near 50% (the widest) has half-width
// 1.96 x sqrt(0.25 / n).
func (c *calc) interval(name, split string, n, need int64) Rule {
	says := fmt.Sprintf("no %s examples: accuracy cannot be measured; ±%s points takes %s", split, points(c.cfg.EvalMargin), group(need))
	if n > 0 {
		says = fmt.Sprintf("%s %s examples measure an accuracy to ±%s points (95%% interval); ±%s points takes %s",
			group(n), split, points(halfWidth(n)), points(c.cfg.EvalMargin), group(need))
	}
	return Rule{Name: name, Value: num(n), Threshold: float64(need), When: "value < threshold", Effect: note, Fired: n < need,
		Source: "normal approximation to the binomial: n = 1.96² x 0.25 / margin² examples for a 95% interval of ±margin", Says: says}
}

// breakEvenRule fires when training pays back within the horizon.
func (c *calc) breakEvenRule(e Entry) Rule {
	r := Rule{Name: ruleBreakEven, Threshold: c.cfg.HorizonMonths, When: "value <= threshold", Effect: FineTune,
		Source: "the retraining horizon: a base-model update means training again (advise.horizon_months)"}
	b := e.BreakEven
	switch {
	case b.Months != nil:
		r.Value = b.Months
		r.Fired = *b.Months <= c.cfg.HorizonMonths
		r.Says = fmt.Sprintf("training pays back after %s requests, %s months at %s requests a month (horizon %s months)",
			group(*b.Requests), trimFloat(*b.Months), amount(*e.RequestsPerMonth), trimFloat(c.cfg.HorizonMonths))
	case b.Requests != nil:
		r.Says = fmt.Sprintf("training pays back after %s requests; with no request volume the months are unknown", group(*b.Requests))
	default:
		r.Says = "break-even " + b.Why
	}
	return r
}

// contextRule fires when the bank takes too much of the context window.
func (c *calc) contextRule(t task) Rule {
	r := Rule{Name: ruleContext, Threshold: c.cfg.MaxContextShare, When: "value > threshold", Effect: FineTune,
		Source: "the model's context window: what a bank takes, every request's input and output cannot use (advise.max_context_share)"}
	w, ok := c.m.Context()
	switch {
	case t.bank == nil:
		r.Says = "the run built no few-shot banks: the share is unknown"
	case !ok:
		r.Says = fmt.Sprintf("the context window of %s is unknown", c.m.Name)
	default:
		r.Value = round(t.ctxShare, 4)
		r.Fired = *r.Value > c.cfg.MaxContextShare
		r.Says = fmt.Sprintf("the bank's %s tokens are %s%% of the %s-token context window",
			amount(*round(t.bank, 1)), trimFloat(*round(mul(t.ctxShare, big.NewRat(100, 1)), 4)), group(int64(w)))
	}
	return r
}

// intervalExamples is the fewest examples whose 95% interval on an
// accuracy near 50% is at most ±margin: ceil(1.96² x 0.25 / margin²),
// computed exactly (0.05 gives 385).
func intervalExamples(margin float64) int64 {
	m := pricing.Price(margin) // the decimal as written
	n := new(big.Rat).Quo(big.NewRat(9604, 10000), new(big.Rat).Mul(m, m))
	return ceil(n).Int64()
}

func halfWidth(n int64) float64 { return 1.96 * math.Sqrt(0.25/float64(n)) }

// points formats a proportion as percentage points, one decimal.
func points(p float64) string { return fmt.Sprintf("%.1f", p*100) }

func num(n int64) *float64 {
	v := float64(n)
	return &v
}

// The arithmetic is exact (big.Rat); nil stands for unknown and makes
// every result that needs it unknown.

func mul(a, b *big.Rat) *big.Rat {
	if a == nil || b == nil {
		return nil
	}
	return new(big.Rat).Mul(a, b)
}

func sum(a, b *big.Rat) *big.Rat {
	if a == nil || b == nil {
		return nil
	}
	return new(big.Rat).Add(a, b)
}

func diff(a, b *big.Rat) *big.Rat {
	if a == nil || b == nil {
		return nil
	}
	return new(big.Rat).Sub(a, b)
}

func thousand(a *big.Rat) *big.Rat { return mul(a, big.NewRat(1000, 1)) }

// ceil is the smallest integer at least r (r >= 0).
func ceil(r *big.Rat) *big.Int {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return q
}

// usd rounds an amount to 4 decimals; nil stays nil.
func usd(r *big.Rat) *float64 { return round(r, 4) }

func round(r *big.Rat, places int) *float64 {
	if r == nil {
		return nil
	}
	v := pricing.Round(r, places)
	return &v
}

// money formats an amount with 4 decimals for sentences.
func money(r *big.Rat) string { return r.FloatString(4) }

// trimFloat formats a figure without trailing zeros.
func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// amount formats a figure without trailing zeros, its whole part grouped
// in thousands.
func amount(f float64) string {
	s := trimFloat(f)
	whole, frac, found := strings.Cut(s, ".")
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return s
	}
	if found {
		return group(n) + "." + frac
	}
	return group(n)
}

// price is a per-token price from a per-1M accessor; nil when unknown.
func price(get func() (float64, bool)) *big.Rat {
	p, ok := get()
	if !ok {
		return nil
	}
	return new(big.Rat).Quo(pricing.Price(p), big.NewRat(1_000_000, 1))
}
