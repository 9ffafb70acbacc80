// Package tokens counts every example's tokens exactly as the target
// model's tokenizer does (tiktoken encodings, offline), with OpenAI's chat
// formula, and reports the length distribution and the examples over each
// model's training limit.
package tokens

import (
	"context"
	"fmt"
	"sort"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/pricing"
	"github.com/tuneprep/tuneprep/stages/tokenizer"
)

// Config names the target model and the encoding.
type Config struct {
	Model    string `yaml:"model" doc:"target model: picks the encoding, the training limit and the prices"`
	Encoding string `yaml:"encoding" doc:"tokenizer encoding (cl100k_base, o200k_base, ...); default: the model's"`
	// Models override or extend the built-in limits and prices.
	Models []pricing.Model `yaml:"models" doc:"limits and prices that override or extend the built-in table (name, train_limit, train_price, input_price, output_price)"`
}

// Defaults targets gpt-4o-mini (o200k_base).
func Defaults() Config { return Config{Model: "gpt-4o-mini"} }

// Resolved is a validated token configuration: the tokenizer, the model
// and the table, shared with the filter, split and few-shot stages.
type Resolved struct {
	Tokenizer *tokenizer.Tokenizer
	Model     pricing.Model
	Table     pricing.Table
}

// Resolve validates cfg.
func Resolve(cfg Config) (*Resolved, error) {
	for i, m := range cfg.Models {
		if err := m.Check(); err != nil {
			return nil, fmt.Errorf("models[%d]: %w", i, err)
		}
	}
	table := pricing.With(cfg.Models)
	model, ok := table.Lookup(cfg.Model)
	if !ok {
		model = pricing.Model{Name: cfg.Model}
	}
	enc := cfg.Encoding
	if enc == "" {
		var err error
		if enc, err = tokenizer.EncodingForModel(cfg.Model); err != nil {
			return nil, fmt.Errorf("model: %w; set tokens.encoding", err)
		}
	}
	tok, err := tokenizer.Get(enc)
	if err != nil {
		return nil, fmt.Errorf("encoding: %w", err)
	}
	return &Resolved{Tokenizer: tok, Model: model, Table: table}, nil
}

// Count returns an example's token counts by the way it is trained:
// chat by OpenAI's formula (3 per message, the role and content, 1 more
// per name, 3 to prime the reply; tools and tool calls as their JSON text),
// trained tokens from assistant messages whose weight is not 0;
// prompt/completion and text as their text, trained on the completion or
// the whole text.
func Count(tok *tokenizer.Tokenizer, ex *schemas.Example) schemas.TokenCounts {
	tc := schemas.TokenCounts{Encoding: tok.Name()}
	switch ex.Kind {
	case schemas.KindChat:
		for _, m := range ex.Messages {
			content := tok.Count(m.Content)
			n := 3 + tok.Count(m.Role) + content
			if m.Name != "" {
				n += tok.Count(m.Name) + 1
			}
			if len(m.ToolCalls) > 0 {
				n += tok.Count(string(m.ToolCalls))
			}
			tc.Total += n
			switch m.Role {
			case "system":
				tc.System += content
			case "user":
				tc.User += content
			case "assistant":
				tc.Assistant += content
				if m.Weight == nil || *m.Weight != 0 {
					tc.Trained += content
				}
			}
		}
		tc.Total += 3
		if len(ex.Tools) > 0 {
			tc.Total += tok.Count(string(ex.Tools))
		}
	case schemas.KindCompletion:
		p, c := tok.Count(ex.Prompt), tok.Count(ex.Completion)
		tc.Total, tc.Trained, tc.User, tc.Assistant = p+c, c, p, c
	default:
		tc.Total = tok.Count(ex.Text)
		tc.Trained = tc.Total
	}
	return tc
}

// Stage is the tokens stage.
type Stage struct {
	r       *Resolved
	lengths []int32 // every example's total, for percentiles
	st      Stats
}

// Stats is the tokens report.
type Stats struct {
	Encoding    string           `json:"encoding"`
	Model       string           `json:"model"`
	Examples    int64            `json:"examples"`
	Total       int64            `json:"total_tokens"`
	Trained     int64            `json:"trained_tokens"`
	ByRole      map[string]int64 `json:"by_role"`
	Percentiles map[string]int   `json:"percentiles"`
	Histogram   []Bucket         `json:"histogram"`
	OverLimit   []OverLimit      `json:"over_limit"`
}

// Bucket counts examples of at most UpTo tokens (and more than the previous bucket's).
type Bucket struct {
	UpTo     int   `json:"up_to"`
	Examples int64 `json:"examples"`
}

// OverLimit counts examples longer than a model's training limit.
type OverLimit struct {
	Model    string `json:"model"`
	Limit    int    `json:"limit"`
	Examples int64  `json:"examples"`
}

// New returns the stage for a resolved configuration.
func New(r *Resolved) *Stage {
	return &Stage{r: r, st: Stats{Encoding: r.Tokenizer.Name(), Model: r.Model.Name, ByRole: map[string]int64{}}}
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return "tokens" }

// Process counts the example's tokens.
func (s *Stage) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if d.Example == nil {
		return nil, nil
	}
	tc := Count(s.r.Tokenizer, d.Example)
	d.Tokens = &tc
	return nil, nil
}

// Sequence accumulates the statistics.
func (s *Stage) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if d.Tokens == nil {
		return nil, nil
	}
	t := d.Tokens
	s.st.Examples++
	s.st.Total += int64(t.Total)
	s.st.Trained += int64(t.Trained)
	s.st.ByRole["system"] += int64(t.System)
	s.st.ByRole["user"] += int64(t.User)
	s.st.ByRole["assistant"] += int64(t.Assistant)
	s.lengths = append(s.lengths, int32(t.Total))
	return nil, nil
}

// Stats implements pipeline.Reporter.
func (s *Stage) Stats() any {
	st := s.st
	sorted := append([]int32(nil), s.lengths...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	st.Percentiles = map[string]int{}
	if n := len(sorted); n > 0 {
		for _, p := range []int{50, 90, 95, 99} {
			st.Percentiles[fmt.Sprintf("p%d", p)] = int(sorted[(n-1)*p/100])
		}
		st.Percentiles["max"] = int(sorted[n-1])
	}
	st.Histogram = histogram(sorted)
	for _, m := range s.r.Table {
		if m.TrainLimit <= 0 {
			continue
		}
		i := sort.Search(len(sorted), func(i int) bool { return int(sorted[i]) > m.TrainLimit })
		st.OverLimit = append(st.OverLimit, OverLimit{Model: m.Name, Limit: m.TrainLimit, Examples: int64(len(sorted) - i)})
	}
	return st
}

// histogram buckets lengths by powers of two.
func histogram(sorted []int32) []Bucket {
	out := []Bucket{}
	up := 32
	i := 0
	for i < len(sorted) {
		var n int64
		for i < len(sorted) && int(sorted[i]) <= up {
			n++
			i++
		}
		out = append(out, Bucket{UpTo: up, Examples: n})
		up *= 2
	}
	return out
}
