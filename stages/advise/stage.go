package advise

import (
	"context"
	"fmt"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/pricing"
	"github.com/tuneprep/tuneprep/stages/tokencount"
	"github.com/tuneprep/tuneprep/stages/tokenizer"
)

// StageConfig is what the stage needs from the run besides the advise
// section: the tokenizer the run counts with, the target model, and the
// banks the few-shot stage built.
type StageConfig struct {
	Config
	Tokenizer *tokenizer.Tokenizer
	Model     pricing.Model
	// Banks returns each bank's label and tokens per request; it is called
	// at Finish, after the few-shot stage (earlier in the plan) finished.
	// Nil when the run builds no banks.
	Banks func() []BankStat
}

// Stage collects the facts from the records that leave the last stage
// (the emitted examples) and gives the advice as its report's statistics,
// the same advice `tuneprep advise` gives on the finished output. It keeps
// counts per label and distinct training length, nothing per record.
type Stage struct {
	cfg    StageConfig
	facts  *Facts
	advice Advice
}

// NewStage validates cfg.
func NewStage(cfg StageConfig) (*Stage, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Tokenizer == nil {
		return nil, fmt.Errorf("no tokenizer")
	}
	return &Stage{cfg: cfg, facts: NewFacts(cfg.Tokenizer.Name())}, nil
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return "advise" }

// Sequence counts an emitted example.
func (s *Stage) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if d.Example == nil || d.Split == "" {
		return nil, nil
	}
	var total int
	if d.Tokens != nil {
		total = d.Tokens.Total
	} else {
		total = tokencount.Count(s.cfg.Tokenizer, d.Example).Total
	}
	in, out, ok := Request(s.cfg.Tokenizer, d.Example, total)
	s.facts.Add(d.Label, d.Split, total, in, out, ok)
	return nil, nil
}

// Finish reads the banks and computes the advice.
func (s *Stage) Finish(context.Context) error {
	if s.cfg.Banks != nil {
		s.facts.NoBanks()
		for _, b := range s.cfg.Banks() {
			s.facts.SetBank(b.Label, b.Tokens)
		}
	}
	s.advice = Compute(s.facts, s.cfg.Model, s.cfg.Config)
	return nil
}

// Stats implements pipeline.Reporter: the advice. As a pipeline.Sectioner
// it is also a section of report.html.
func (s *Stage) Stats() any { return s.advice }

// Advice returns the advice computed at Finish.
func (s *Stage) Advice() Advice { return s.advice }
