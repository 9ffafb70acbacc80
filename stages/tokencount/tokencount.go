// Package tokencount counts an example's tokens the way fine-tuning counts
// and bills them (OpenAI's chat formula), and resolves the target a run
// counts for: the tokenizer encoding, the model's training limit and prices.
// The tokens, filter and few-shot stages share it, so that none of them
// imports another.
package tokencount

import (
	"fmt"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/pricing"
	"github.com/tuneprep/tuneprep/stages/tokenizer"
)

// Resolved is a validated token target: the tokenizer, the model and the
// table of limits and prices it was looked up in.
type Resolved struct {
	Tokenizer *tokenizer.Tokenizer
	Model     pricing.Model
	Table     pricing.Table
}

// Resolve validates a target: model names the model (its encoding, training
// limit and prices); encoding overrides the model's encoding and is required
// for a model the table does not know; models override or extend the
// built-in table. Errors name the config key (models[i], model, encoding).
func Resolve(model, encoding string, models []pricing.Model) (*Resolved, error) {
	for i, m := range models {
		if err := m.Check(); err != nil {
			return nil, fmt.Errorf("models[%d]: %w", i, err)
		}
	}
	table := pricing.With(models)
	m, ok := table.Lookup(model)
	if !ok {
		m = pricing.Model{Name: model}
	}
	if encoding == "" {
		var err error
		if encoding, err = tokenizer.EncodingForModel(model); err != nil {
			return nil, fmt.Errorf("model: %w; set tokens.encoding", err)
		}
	}
	tok, err := tokenizer.Load(encoding) // parsed while the run starts
	if err != nil {
		return nil, fmt.Errorf("encoding: %w", err)
	}
	return &Resolved{Tokenizer: tok, Model: m, Table: table}, nil
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
