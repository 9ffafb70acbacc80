package advise

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/tuneprep/tuneprep/stages/pricing"
)

// The recommendations.
const (
	FineTune        = "fine-tune"
	Prompt          = "prompt"
	Hybrid          = "hybrid"
	CollectMoreData = "collect-more-data"
	note            = "note" // the effect of a rule that informs and decides nothing
)

// Advice is the answer with its working: the figures per label and
// overall, and every rule evaluated. Fields that depend on a price, a
// volume or a bank the inputs do not have are null, never zero.
type Advice struct {
	Model      string `json:"model"`
	PricesAsOf string `json:"prices_as_of"`
	Encoding   string `json:"encoding"`
	// RequestsPerMonth is the volume the monthly figures assume; null when
	// none was given.
	RequestsPerMonth *int64 `json:"requests_per_month"`
	Prices           Prices `json:"prices"`
	Recommendation   string `json:"recommendation"`
	Reason           string `json:"reason"`
	// Labels has one entry per label, or one for the whole task when the
	// run has no labels (label "").
	Labels  []Entry `json:"labels"`
	Overall Entry   `json:"overall"`
	// Rules decided Recommendation: the task's own rules when there are no
	// labels, else how the labels' recommendations combine.
	Rules []Rule   `json:"rules"`
	Plan  Plan     `json:"plan"`
	Notes []string `json:"notes"`
}

// Prices are the model's figures the advice used (USD per 1M tokens).
type Prices struct {
	TrainLimit    *int     `json:"train_limit"`
	ContextWindow *int     `json:"context_window"`
	Train         *float64 `json:"train_per_1m"`
	Input         *float64 `json:"input_per_1m"`
	Output        *float64 `json:"output_per_1m"`
	FTInput       *float64 `json:"ft_input_per_1m"`
	FTOutput      *float64 `json:"ft_output_per_1m"`
}

// Entry is the advice for one label, or for every example (Overall).
type Entry struct {
	Label    string `json:"label"`
	Examples Counts `json:"examples"`
	// Share is the label's share of the requests: its share of the
	// examples. RequestsPerMonth is that share of the volume.
	Share            float64       `json:"share_of_requests"`
	RequestsPerMonth *float64      `json:"requests_per_month"`
	Request          RequestTokens `json:"request"`
	FineTune         FineTuneCost  `json:"finetune"`
	Prompt           PromptCost    `json:"prompt"`
	// The fine-tuned model's cost of a request without a bank.
	FineTunedPer1k    *float64  `json:"finetuned_cost_per_1k_requests_usd"`
	FineTunedPerMonth *float64  `json:"finetuned_cost_per_month_usd"`
	SavingPer1k       *float64  `json:"saving_per_1k_requests_usd"`
	BreakEven         BreakEven `json:"break_even"`
	Recommendation    string    `json:"recommendation"`
	Rules             []Rule    `json:"rules"`
}

// RequestTokens are a request's own tokens: the mean over the examples, or
// the configured figures (From says which).
type RequestTokens struct {
	Input  *float64 `json:"input_tokens"`
	Output *float64 `json:"output_tokens"`
	From   string   `json:"from"`
}

// FineTuneCost is the one-time training cost.
type FineTuneCost struct {
	Examples     int64    `json:"examples"`
	BilledTokens int64    `json:"billed_tokens"`
	Epochs       int      `json:"epochs"`
	CostUSD      *float64 `json:"cost_usd"`
}

// PromptCost is the recurring cost of prompting with the bank.
type PromptCost struct {
	BankTokensPerRequest *float64 `json:"bank_tokens_per_request"`
	CostPer1kRequestsUSD *float64 `json:"cost_per_1k_requests_usd"`
	CostPerMonthUSD      *float64 `json:"cost_per_month_usd"`
	ContextShare         *float64 `json:"context_share"`
	// RequestPer1kUSD is a whole prompted request: bank, input and output.
	RequestPer1kUSD *float64 `json:"request_cost_per_1k_requests_usd"`
}

// BreakEven is when fine-tuning has paid for its training: Requests is the
// fewest requests after which it is cheaper, null when it never is (Never)
// or cannot be known (Why says which).
type BreakEven struct {
	Requests *int64   `json:"requests"`
	Months   *float64 `json:"months"`
	Never    bool     `json:"never"`
	Why      string   `json:"why"`
}

// Rule is one rule evaluated: it fired when When holds of Value and
// Threshold, and Effect is what firing means.
type Rule struct {
	Name      string   `json:"name"`
	Fired     bool     `json:"fired"`
	Value     *float64 `json:"value"`
	Threshold float64  `json:"threshold"`
	When      string   `json:"when"`
	Effect    string   `json:"effect"`
	Source    string   `json:"source"`
	Says      string   `json:"says"`
}

// Plan splits the labels by recommendation; Job is the training run over
// the labels to fine-tune (null when there are none).
type Plan struct {
	FineTune        []string      `json:"fine_tune"`
	Prompt          []string      `json:"prompt"`
	CollectMoreData []string      `json:"collect_more_data"`
	Job             *FineTuneCost `json:"finetune_job"`
}

// calc holds what every entry's arithmetic shares.
type calc struct {
	cfg    Config
	m      pricing.Model
	volume *big.Rat // requests per month; nil: unknown
	epochs int      // of the job over every training example
}

// task is the input of one entry.
type task struct {
	label    string
	examples Counts
	billed   int64    // training tokens per epoch, capped at the limit
	requests int64    // examples that are requests
	in, out  int64    // their tokens
	bank     *big.Rat // tokens per request; nil: unknown
	share    *big.Rat // of the requests
	ctxShare *big.Rat // the bank's share of the context window; nil: unknown
}

// Compute gives the advice on facts for model m.
func Compute(f *Facts, m pricing.Model, cfg Config) Advice {
	a := Advice{Model: m.Name, PricesAsOf: pricing.AsOf, Encoding: f.Encoding, Prices: pricesOf(m), Notes: []string{}}
	c := &calc{cfg: cfg, m: m}
	if cfg.RequestsPerMonth > 0 {
		v := cfg.RequestsPerMonth
		a.RequestsPerMonth = &v
		c.volume = new(big.Rat).SetInt64(v)
	}
	labels := f.Labels()
	tasks := make([]task, len(labels))
	all := task{bank: new(big.Rat), share: big.NewRat(1, 1)}
	var examples int64
	for _, l := range labels {
		examples += f.labels[l].examples.total()
	}
	for i, l := range labels {
		lf := f.labels[l]
		t := task{label: l, examples: lf.examples, billed: c.billed(lf.lengths), requests: lf.requests, in: lf.in, out: lf.out,
			share: big.NewRat(lf.examples.total(), max(examples, 1))}
		if n, ok := f.bank(l); ok {
			t.bank = new(big.Rat).SetInt64(int64(n))
			if w, ok := m.Context(); ok {
				t.ctxShare = big.NewRat(int64(n), int64(w))
			}
		}
		tasks[i] = t
		all.examples.add(t.examples)
		all.billed += t.billed
		all.requests += t.requests
		all.in += t.in
		all.out += t.out
		switch {
		case t.bank == nil || all.bank == nil:
			all.bank = nil
		default: // the banks weighted by the requests that carry them
			all.bank.Add(all.bank, new(big.Rat).Mul(t.bank, t.share))
		}
		if t.ctxShare != nil && (all.ctxShare == nil || t.ctxShare.Cmp(all.ctxShare) > 0) {
			all.ctxShare = t.ctxShare // the largest bank is the one that must fit
		}
	}
	if len(labels) == 0 {
		all.bank = nil
	}
	c.epochs = pricing.Epochs(int(all.examples.Train))
	a.Overall = c.entry(all)
	single := len(labels) == 0 || len(labels) == 1 && labels[0] == ""
	if single {
		tasks = []task{all}
		a.Labels = []Entry{a.Overall}
		a.Rules = a.Overall.Rules
		a.Recommendation = a.Overall.Recommendation
		a.Reason = reasonOf(a.Overall)
	} else {
		for _, t := range tasks {
			a.Labels = append(a.Labels, c.entry(t))
		}
		a.Rules, a.Recommendation, a.Reason = c.combine(a.Labels)
	}
	a.Plan = c.plan(a.Labels, tasks)
	a.Notes = c.notes(f, a)
	return a
}

// billed is the training tokens of one epoch: each example's length,
// capped at the model's limit when it is known.
func (c *calc) billed(lengths map[int]int64) int64 {
	limit, capped := c.m.Limit()
	var sum int64
	for n, k := range lengths {
		if capped && n > limit {
			n = limit
		}
		sum += int64(n) * k
	}
	return sum
}

// entry computes one label's (or the overall) figures, rules and
// recommendation.
func (c *calc) entry(t task) Entry {
	e := Entry{Label: t.label, Examples: t.examples, Share: pricing.Round4(t.share)}
	var vol *big.Rat
	if c.volume != nil {
		vol = new(big.Rat).Mul(c.volume, t.share)
		e.RequestsPerMonth = round(vol, 1)
	}
	e.FineTune = FineTuneCost{Examples: t.examples.Train, BilledTokens: t.billed * int64(c.epochs), Epochs: c.epochs}
	var trainCost *big.Rat
	if price, ok := c.m.TrainPrice(); ok {
		trainCost = pricing.Cost(e.FineTune.BilledTokens, price)
		e.FineTune.CostUSD = usd(trainCost)
	}
	in, out := c.request(t, &e.Request)
	pIn, pOut := price(c.m.InputPrice), price(c.m.OutputPrice)
	fIn, fOut := price(c.m.FineTunedInputPrice), price(c.m.FineTunedOutputPrice)
	bankCost := mul(t.bank, pIn)
	prompted := sum(mul(sum(t.bank, in), pIn), mul(out, pOut))
	tuned := sum(mul(in, fIn), mul(out, fOut))
	saving := diff(prompted, tuned)
	e.Prompt = PromptCost{BankTokensPerRequest: round(t.bank, 1), CostPer1kRequestsUSD: usd(thousand(bankCost)),
		CostPerMonthUSD: usd(mul(bankCost, vol)), ContextShare: round(t.ctxShare, 4), RequestPer1kUSD: usd(thousand(prompted))}
	e.FineTunedPer1k, e.FineTunedPerMonth = usd(thousand(tuned)), usd(mul(tuned, vol))
	e.SavingPer1k = usd(thousand(saving))
	e.BreakEven = c.breakEven(t, trainCost, prompted, tuned, saving, vol)
	e.Rules = c.rules(t, e)
	e.Recommendation = decide(e.Rules)
	return e
}

// request sets the request's own tokens: configured, else the mean over
// the examples that are requests; nil when neither is known.
func (c *calc) request(t task, r *RequestTokens) (in, out *big.Rat) {
	pick := func(given int, sum int64) (*big.Rat, bool) {
		switch {
		case given > 0:
			return new(big.Rat).SetInt64(int64(given)), true
		case t.requests > 0:
			return big.NewRat(sum, t.requests), false
		}
		return nil, false
	}
	in, gin := pick(c.cfg.InputTokens, t.in)
	out, gout := pick(c.cfg.OutputTokens, t.out)
	r.Input, r.Output = round(in, 1), round(out, 1)
	switch {
	case gin && gout:
		r.From = "config"
	case gin || gout:
		r.From = "examples and config"
	case t.requests > 0:
		r.From = fmt.Sprintf("mean of %s examples", group(t.requests))
	default:
		r.From = "unknown: no chat or completion examples"
	}
	return in, out
}

// breakEven is the training cost over the saving per request, rounded up
// to a whole request; the months are those requests over the volume.
func (c *calc) breakEven(t task, trainCost, prompted, tuned, saving, vol *big.Rat) BreakEven {
	var b BreakEven
	switch {
	case t.examples.Train == 0:
		b.Why = "no training examples"
	case trainCost == nil:
		b.Why = fmt.Sprintf("unknown: no training price for %s", c.m.Name)
	case saving == nil:
		b.Why = "unknown: " + c.missing(t)
	case saving.Sign() <= 0:
		b.Never = true
		b.Why = fmt.Sprintf("never: a fine-tuned request costs $%s per 1,000, a prompted one $%s", money(thousand(tuned)), money(thousand(prompted)))
	default:
		q := new(big.Rat).Quo(trainCost, saving)
		n := ceil(q)
		if !n.IsInt64() {
			b.Why = "more requests than can be counted: the saving per request is too small"
			return b
		}
		req := n.Int64()
		b.Requests = &req
		b.Why = fmt.Sprintf("training ($%s) over the saving per request ($%s per 1,000)", money(trainCost), money(thousand(saving)))
		if vol != nil && vol.Sign() > 0 {
			b.Months = round(new(big.Rat).Quo(new(big.Rat).SetInt64(req), vol), 2)
		}
	}
	return b
}

// missing names what a per-request cost lacks.
func (c *calc) missing(t task) string {
	var parts []string
	if _, ok := c.m.InputPrice(); !ok {
		parts = append(parts, "no input price")
	}
	if _, ok := c.m.OutputPrice(); !ok {
		parts = append(parts, "no output price")
	}
	if _, ok := c.m.FineTunedInputPrice(); !ok {
		parts = append(parts, "no fine-tuned input price")
	}
	if _, ok := c.m.FineTunedOutputPrice(); !ok {
		parts = append(parts, "no fine-tuned output price")
	}
	if len(parts) > 0 {
		return strings.Join(parts, ", ") + " for " + c.m.Name
	}
	if t.bank == nil {
		return "the run built no few-shot banks"
	}
	return "no request tokens (no chat or completion examples; set input_tokens and output_tokens)"
}

// decide applies the rules in order: too little data to train, too little
// for gains, then cost and context; prompting is the default.
func decide(rules []Rule) string {
	fired := map[string]bool{}
	for _, r := range rules {
		fired[r.Name] = r.Fired
	}
	switch {
	case fired[ruleMinimum]:
		return CollectMoreData
	case fired[ruleUseful]:
		return Prompt
	case fired[ruleBreakEven], fired[ruleContext]:
		return FineTune
	}
	return Prompt
}

// combine decides for a set of labels from their recommendations.
func (c *calc) combine(labels []Entry) ([]Rule, string, string) {
	var ft, collect int
	for _, e := range labels {
		switch e.Recommendation {
		case FineTune:
			ft++
		case CollectMoreData:
			collect++
		}
	}
	n := len(labels)
	rules := []Rule{
		countRule("labels_fine_tune", ft, 1, FineTune, "whose own rules say fine-tune"),
		countRule("labels_prompt", n-ft, 1, Prompt, "not fine-tuned: prompted with their banks (those with too few examples until more are collected)"),
		countRule("labels_collect_more_data", collect, n, CollectMoreData, fmt.Sprintf("of %d with too few training examples to fine-tune", n)),
	}
	switch {
	case rules[2].Fired:
		return rules, CollectMoreData, fmt.Sprintf("every one of the %d labels has fewer than %d training examples", n, c.cfg.MinExamples)
	case rules[0].Fired && rules[1].Fired:
		return rules, Hybrid, fmt.Sprintf("fine-tune %s with enough data whose training pays back; prompt %s", plural(ft, "label"),
			plural(n-ft, "label with its bank", "labels with their banks"))
	case rules[0].Fired:
		return rules, FineTune, fmt.Sprintf("every one of the %d labels has enough data and its training pays back", n)
	}
	why := "no label's training pays back within the horizon"
	if c.volume == nil {
		why = "no request volume was given, so no training can be shown to pay back"
	}
	if collect > 0 {
		why += fmt.Sprintf("; %s more examples", plural(collect, "label needs", "labels need"))
	}
	return rules, Prompt, fmt.Sprintf("prompt with banks for all %d labels: %s", n, why)
}

func countRule(name string, value, threshold int, effect, says string) Rule {
	v := float64(value)
	return Rule{Name: name, Fired: value >= threshold, Value: &v, Threshold: float64(threshold), When: "value >= threshold",
		Effect: effect, Source: "the labels' recommendations", Says: plural(value, "label", "labels") + " " + says}
}

// plural says "1 label" or "2 labels"; the plural form is the singular
// with an s unless given.
func plural(n int, one string, many ...string) string {
	if n == 1 {
		return "1 " + one
	}
	if len(many) > 0 {
		return fmt.Sprintf("%d %s", n, many[0])
	}
	return fmt.Sprintf("%d %ss", n, one)
}

// reasonOf says why a single task got its recommendation: the rule that
// decided it, or why training does not pay back.
func reasonOf(e Entry) string {
	for _, name := range []string{ruleMinimum, ruleUseful, ruleBreakEven, ruleContext} {
		for _, r := range e.Rules {
			if r.Name == name && r.Fired {
				return r.Says
			}
		}
	}
	b := e.BreakEven
	switch {
	case b.Months != nil:
		return fmt.Sprintf("training pays back only after %s requests, %s months at %s requests a month, beyond the %s-month horizon",
			group(*b.Requests), trimFloat(*b.Months), amount(*e.RequestsPerMonth), trimFloat(rule(e.Rules, ruleBreakEven).Threshold))
	case b.Requests != nil:
		return fmt.Sprintf("training pays back after %s requests, but with no request volume given it cannot be shown to within the horizon", group(*b.Requests))
	}
	return "fine-tuning's break-even is " + b.Why
}

func rule(rules []Rule, name string) Rule {
	for _, r := range rules {
		if r.Name == name {
			return r
		}
	}
	return Rule{}
}

// plan lists the labels by recommendation and prices the training run
// over those to fine-tune; tasks are the labels' inputs, in their order.
func (c *calc) plan(labels []Entry, tasks []task) Plan {
	p := Plan{FineTune: []string{}, Prompt: []string{}, CollectMoreData: []string{}}
	var job FineTuneCost
	var billed int64
	for i, e := range labels {
		switch e.Recommendation {
		case FineTune:
			p.FineTune = append(p.FineTune, e.Label)
			job.Examples += e.Examples.Train
			billed += tasks[i].billed
		case CollectMoreData:
			p.CollectMoreData = append(p.CollectMoreData, e.Label)
		default:
			p.Prompt = append(p.Prompt, e.Label)
		}
	}
	if len(p.FineTune) == 0 {
		return p
	}
	job.Epochs = pricing.Epochs(int(job.Examples))
	job.BilledTokens = billed * int64(job.Epochs)
	if price, ok := c.m.TrainPrice(); ok {
		job.CostUSD = usd(pricing.Cost(job.BilledTokens, price))
	}
	p.Job = &job
	return p
}

// notes say what the advice could not know, and what it assumed.
func (c *calc) notes(f *Facts, a Advice) []string {
	var n []string
	if c.volume == nil {
		n = append(n, "no request volume (--requests-per-month or advise.requests_per_month): the monthly costs and the break-even in months are unknown, and fine-tuning is not recommended on cost")
	}
	for _, p := range []struct {
		v    *float64
		what string
	}{{a.Prices.Train, "training"}, {a.Prices.Input, "input"}, {a.Prices.Output, "output"}, {a.Prices.FTInput, "fine-tuned input"}, {a.Prices.FTOutput, "fine-tuned output"}} {
		if p.v == nil {
			n = append(n, fmt.Sprintf("the price table has no %s price for %s: the costs that need it are unknown (set tokens.models)", p.what, c.m.Name))
		}
	}
	if f.banks == nil {
		n = append(n, "the run built no few-shot banks (fewshot.enabled): the cost of prompting with examples is unknown")
	}
	if len(f.labels) > 1 {
		n = append(n, "requests are assumed to split between labels as the examples do")
	}
	n = append(n, fmt.Sprintf("tokens are counted in %s; the fine-tuning epochs are the OpenAI cookbook's for %s training examples", f.Encoding, group(a.Overall.Examples.Train)))
	return n
}

func pricesOf(m pricing.Model) Prices {
	var p Prices
	if v, ok := m.Limit(); ok {
		p.TrainLimit = &v
	}
	if v, ok := m.Context(); ok {
		p.ContextWindow = &v
	}
	set := func(dst **float64, get func() (float64, bool)) {
		if v, ok := get(); ok {
			*dst = &v
		}
	}
	set(&p.Train, m.TrainPrice)
	set(&p.Input, m.InputPrice)
	set(&p.Output, m.OutputPrice)
	set(&p.FTInput, m.FineTunedInputPrice)
	set(&p.FTOutput, m.FineTunedOutputPrice)
	return p
}
