// Package filter drops examples that a target model cannot train on or
// that carry too little: over the model's per-example token limit or
// under a minimum, with the lengths in the reason. Truncation is an opt-in
// alternative for text and multi-turn chat examples.
package filter

import (
	"context"
	"fmt"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/tokencount"
	"github.com/tuneprep/tuneprep/stages/tokenizer"
)

// Config sets the length bounds.
type Config struct {
	MaxTokens int `yaml:"max_tokens" doc:"longest example kept, in tokens (0: the target model's training limit)"`
	MinTokens int `yaml:"min_tokens" doc:"shortest example kept, in tokens (trained tokens for chat and completion)"`
	// Truncate shortens long examples instead of dropping them: text is cut
	// at a token boundary; chat loses its oldest turns after the system
	// message while a user turn and the final assistant turn remain.
	Truncate bool `yaml:"truncate" doc:"shorten over-long examples instead of dropping them (text: cut at a token boundary; chat: drop the oldest turns)"`
}

// Defaults keeps examples with at least one trained token, up to the model's limit.
func Defaults() Config { return Config{MinTokens: 1} }

// Stage is the filter stage.
type Stage struct {
	cfg   Config
	tok   *tokenizer.Tokenizer
	limit int
	model string
	st    Stats
}

// Stats is the filter report.
type Stats struct {
	MaxTokens int   `json:"max_tokens"`
	MinTokens int   `json:"min_tokens"`
	Truncated int64 `json:"truncated"`
}

// New validates cfg against the resolved token configuration.
func New(cfg Config, r *tokencount.Resolved) (*Stage, error) {
	limit := cfg.MaxTokens
	if limit == 0 {
		limit = r.Model.TrainLimit
	}
	if limit < 0 || cfg.MinTokens < 0 || (limit > 0 && cfg.MinTokens > limit) {
		return nil, fmt.Errorf("need 0 <= min_tokens <= max_tokens (got %d, %d)", cfg.MinTokens, limit)
	}
	return &Stage{cfg: cfg, tok: r.Tokenizer, limit: limit, model: r.Model.Name,
		st: Stats{MaxTokens: limit, MinTokens: cfg.MinTokens}}, nil
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return "filter" }

// Process drops (or truncates) examples outside the bounds.
func (s *Stage) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if d.Tokens == nil {
		return nil, nil
	}
	if d.Tokens.Trained < s.cfg.MinTokens {
		return pipeline.Dropf("too-short", fmt.Sprintf("%d trained tokens, minimum %d", d.Tokens.Trained, s.cfg.MinTokens)), nil
	}
	if s.limit == 0 || d.Tokens.Total <= s.limit {
		return nil, nil
	}
	if s.cfg.Truncate && s.truncate(d) {
		d.Stash = true // counted in Sequence
		return nil, nil
	}
	return pipeline.Dropf("too-long", fmt.Sprintf("%d tokens, limit %d (%s)", d.Tokens.Total, s.limit, s.model)), nil
}

// truncate shortens the example to the limit; false when it cannot.
func (s *Stage) truncate(d *schemas.Document) bool {
	ex := *d.Example
	switch ex.Kind {
	case schemas.KindText:
		ids := s.tok.Encode(ex.Text)
		for n := s.limit; n > 0; n-- { // a cut inside a character cannot decode
			if text, err := s.tok.Decode(ids[:n]); err == nil {
				ex.Text = text
				break
			}
		}
	case schemas.KindChat:
		msgs := ex.Messages
		first := 0
		if len(msgs) > 0 && msgs[0].Role == "system" {
			first = 1
		}
		for {
			ex.Messages = msgs
			if tc := tokencount.Count(s.tok, &ex); tc.Total <= s.limit {
				break
			}
			// Drop the oldest turn pair while a user and an assistant turn remain.
			if len(msgs)-first <= 2 {
				return false
			}
			msgs = append(append([]schemas.Message(nil), msgs[:first]...), msgs[first+2:]...)
		}
	default:
		return false
	}
	tc := tokencount.Count(s.tok, &ex)
	if tc.Total > s.limit || tc.Trained < s.cfg.MinTokens {
		return false
	}
	d.Example, d.Tokens = &ex, &tc
	return true
}

// Sequence counts truncations.
func (s *Stage) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if d.Stash == true {
		s.st.Truncated++
	}
	return nil, nil
}

// Stats implements pipeline.Reporter.
func (s *Stage) Stats() any { return s.st }
