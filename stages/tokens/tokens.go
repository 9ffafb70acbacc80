// Package tokens counts every example's tokens exactly as the target
// model's tokenizer does (tiktoken encodings, offline), with OpenAI's chat
// formula, and reports the length distribution and the examples over each
// model's training limit.
package tokens

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/pipeline/binenc"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/lengthdist"
	"github.com/tuneprep/tuneprep/stages/pricing"
	"github.com/tuneprep/tuneprep/stages/tokencount"
)

// Config names the target model and the encoding.
type Config struct {
	Model    string `yaml:"model" doc:"target model: picks the encoding, the training limit and the prices"`
	Encoding string `yaml:"encoding" doc:"tokenizer encoding (cl100k_base, o200k_base, ...); default: the model's"`
	// Models override or extend the built-in limits and prices.
	Models []pricing.Model `yaml:"models" doc:"limits and prices that override or extend the built-in table (name, train_limit, context_window, train_price, input_price, output_price, ft_input_price, ft_output_price)"`
}

// Defaults targets gpt-4o-mini (o200k_base).
func Defaults() Config { return Config{Model: "gpt-4o-mini"} }

// Resolved is a validated token configuration: the tokenizer, the model
// and the table, shared with the filter, split and few-shot stages.
type Resolved = tokencount.Resolved

// Resolve validates cfg.
func Resolve(cfg Config) (*Resolved, error) {
	return tokencount.Resolve(cfg.Model, cfg.Encoding, cfg.Models)
}

// Stage is the tokens stage.
type Stage struct {
	r       *Resolved
	lengths lengthdist.Dist // examples' totals: percentiles, histogram, over-limit counts
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
	Percentiles map[string]int   `json:"percentiles"` // min, p50, p90, p95, p99, max, mean
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
	tc := tokencount.Count(s.r.Tokenizer, d.Example)
	d.Tokens = &tc
	d.Stash = tc // the counts as counted here: the filter may truncate d.Tokens before Sequence runs in a sharded run
	return nil, nil
}

// Sequence accumulates the statistics.
func (s *Stage) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	tc, ok := d.Stash.(schemas.TokenCounts)
	if !ok {
		return nil, nil
	}
	t := &tc
	s.st.Examples++
	s.st.Total += int64(t.Total)
	s.st.Trained += int64(t.Trained)
	s.st.ByRole["system"] += int64(t.System)
	s.st.ByRole["user"] += int64(t.User)
	s.st.ByRole["assistant"] += int64(t.Assistant)
	s.lengths.Add(t.Total)
	return nil, nil
}

// Stats implements pipeline.Reporter.
func (s *Stage) Stats() any {
	st := s.st
	st.Percentiles = s.lengths.Summary()
	st.Histogram = histogram(&s.lengths)
	for _, m := range s.r.Table {
		if m.TrainLimit <= 0 {
			continue
		}
		st.OverLimit = append(st.OverLimit, OverLimit{Model: m.Name, Limit: m.TrainLimit, Examples: s.lengths.N() - s.lengths.AtMost(m.TrainLimit)})
	}
	return st
}

// histogram buckets lengths by powers of two from 32 up to the first bucket
// that holds the longest.
func histogram(d *lengthdist.Dist) []Bucket {
	out := []Bucket{}
	var below int64
	for up := 32; below < d.N(); up *= 2 {
		n := d.AtMost(up)
		out = append(out, Bucket{UpTo: up, Examples: n - below})
		below = n
	}
	return out
}

var _ pipeline.StashCodec = (*Stage)(nil)

// AppendStash implements pipeline.StashCodec: the encoding's name (a
// uvarint length and its bytes), then the five counts as varints.
func (s *Stage) AppendStash(dst []byte, stash any) ([]byte, error) {
	t, ok := stash.(schemas.TokenCounts)
	if !ok {
		return dst, fmt.Errorf("tokens: stash %T is not token counts", stash)
	}
	dst = binenc.AppendString(dst, t.Encoding)
	for _, n := range [...]int{t.Total, t.Trained, t.System, t.User, t.Assistant} {
		dst = binary.AppendVarint(dst, int64(n))
	}
	return dst, nil
}

// ReadStash implements pipeline.StashCodec.
func (s *Stage) ReadStash(b []byte) (any, error) {
	r := binenc.NewReader(b, "tokens stash")
	t := schemas.TokenCounts{Encoding: r.String()}
	for _, p := range [...]*int{&t.Total, &t.Trained, &t.System, &t.User, &t.Assistant} {
		n := r.Varint()
		// Counts are never negative, and no example has 2^31 tokens; a
		// corrupt count past 2^62 would make Stats' histogram, which
		// doubles its bound up to the longest example, loop forever.
		if n < 0 || n > math.MaxInt32 {
			return nil, fmt.Errorf("bad tokens stash: count %d out of range", n)
		}
		*p = int(n)
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	return t, nil
}

// StashDrops implements pipeline.StashCodec: counting drops nothing.
func (s *Stage) StashDrops(any) bool { return false }
