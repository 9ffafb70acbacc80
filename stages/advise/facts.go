package advise

import (
	"sort"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/tokencount"
	"github.com/tuneprep/tuneprep/stages/tokenizer"
)

// Split names, as the split stage and the output files use them.
const (
	train      = "train"
	validation = "validation"
	test       = "test"
	bankSplit  = "bank"
)

// Facts are what the advice is computed from: per label, the examples of
// each split, the lengths of the training examples and the tokens of the
// requests the examples stand for; and the tokens each few-shot bank adds
// to every request. A run with no labels has one task, label "".
type Facts struct {
	// Encoding is the tokenizer encoding every count is in.
	Encoding string
	labels   map[string]*labelFacts
	// banks maps a bank's label to the tokens it adds to every request;
	// nil when the run built no banks (unknown, not zero).
	banks map[string]int
}

// labelFacts are one label's facts. Memory is one entry per distinct
// training length, not per example.
type labelFacts struct {
	examples Counts
	lengths  map[int]int64 // tokens of a training example -> examples
	requests int64         // chat and completion examples, every split
	in, out  int64         // their request input and output tokens
}

// Counts are examples per split.
type Counts struct {
	Train      int64 `json:"train"`
	Validation int64 `json:"validation"`
	Test       int64 `json:"test"`
	Bank       int64 `json:"bank,omitempty"`
}

func (c Counts) total() int64 { return c.Train + c.Validation + c.Test + c.Bank }

func (c *Counts) add(o Counts) {
	c.Train += o.Train
	c.Validation += o.Validation
	c.Test += o.Test
	c.Bank += o.Bank
}

// NewFacts returns empty facts counted in encoding.
func NewFacts(encoding string) *Facts {
	return &Facts{Encoding: encoding, labels: map[string]*labelFacts{}}
}

// Add counts one emitted example of a split. total is its tokens by the
// fine-tuning formula (schemas.TokenCounts.Total, what training bills);
// in, out and isRequest are Request's.
func (f *Facts) Add(label, split string, total, in, out int, isRequest bool) {
	lf := f.labels[label]
	if lf == nil {
		lf = &labelFacts{lengths: map[int]int64{}}
		f.labels[label] = lf
	}
	switch split {
	case train:
		lf.examples.Train++
		lf.lengths[total]++
	case validation:
		lf.examples.Validation++
	case test:
		lf.examples.Test++
	case bankSplit:
		lf.examples.Bank++
	}
	if isRequest {
		lf.requests++
		lf.in += int64(in)
		lf.out += int64(out)
	}
}

// SetBank records the tokens a label's bank adds to every request (label
// "" for a bank shared by every label). Facts without a bank set have no
// banks: their cost is unknown.
func (f *Facts) SetBank(label string, tokens int) {
	if f.banks == nil {
		f.banks = map[string]int{}
	}
	f.banks[label] = tokens
}

// NoBanks records that the run built banks and none had examples, which
// is known to cost nothing (unlike a run that built none).
func (f *Facts) NoBanks() {
	if f.banks == nil {
		f.banks = map[string]int{}
	}
}

// bank returns the tokens of the bank a label's requests would carry: its
// own, else the shared one; known is false when the run built no banks.
func (f *Facts) bank(label string) (tokens int, known bool) {
	if f.banks == nil {
		return 0, false
	}
	if n, ok := f.banks[label]; ok {
		return n, true
	}
	return f.banks[""], true
}

// Labels returns the labels, sorted.
func (f *Facts) Labels() []string {
	out := make([]string, 0, len(f.labels))
	for l := range f.labels {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// Examples returns a label's examples per split.
func (f *Facts) Examples(label string) Counts {
	if lf := f.labels[label]; lf != nil {
		return lf.examples
	}
	return Counts{}
}

// Request splits an example into what a request to a deployed model sends
// and what comes back: the conversation up to its last assistant turn
// (system prompt, tools and the 3 tokens that prime the reply included)
// and that turn's content; for a completion example, its prompt and its
// completion. total is the example's tokens by the fine-tuning formula, so
// in = total - the last turn's tokens. A text example, or a chat that does
// not end with an assistant turn, is no request (ok false).
func Request(tok *tokenizer.Tokenizer, ex *schemas.Example, total int) (in, out int, ok bool) {
	if ex == nil {
		return 0, 0, false
	}
	switch ex.Kind {
	case schemas.KindCompletion:
		out = tok.Count(ex.Completion)
		return total - out, out, true
	case schemas.KindChat:
		n := len(ex.Messages)
		if n < 2 || ex.Messages[n-1].Role != "assistant" {
			return 0, 0, false
		}
		last := ex.Messages[n-1]
		// The formula's tokens of the turn alone: its Total less the 3 that
		// prime a reply, which the request keeps.
		turn := tokencount.Count(tok, &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{last}}).Total - 3
		return total - turn, tok.Count(last.Content), true
	}
	return 0, 0, false
}
