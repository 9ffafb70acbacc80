package tokenizer

import (
	"fmt"
	"strings"
)

// modelEncodings maps exact model names to encodings (after tiktoken's
// model.py, which tiktoken-go's own table lags behind).
var modelEncodings = map[string]string{
	"o1": O200KBase, "o3": O200KBase, "o4-mini": O200KBase,
	"gpt-5": O200KBase, "gpt-4.5": O200KBase, "gpt-4.1": O200KBase, "gpt-4o": O200KBase,
	"gpt-4": CL100KBase, "gpt-3.5-turbo": CL100KBase, "gpt-3.5": CL100KBase, "gpt-35-turbo": CL100KBase,
	"davinci-002": CL100KBase, "babbage-002": CL100KBase,
	"text-embedding-ada-002": CL100KBase, "text-embedding-3-small": CL100KBase, "text-embedding-3-large": CL100KBase,
	// Deprecated models, for completeness.
	"text-davinci-003": P50KBase, "text-davinci-002": P50KBase,
	"code-davinci-002": P50KBase, "code-davinci-001": P50KBase,
	"code-cushman-002": P50KBase, "code-cushman-001": P50KBase,
	"davinci-codex": P50KBase, "cushman-codex": P50KBase,
	"text-davinci-001": R50KBase, "text-curie-001": R50KBase, "text-babbage-001": R50KBase, "text-ada-001": R50KBase,
	"davinci": R50KBase, "curie": R50KBase, "babbage": R50KBase, "ada": R50KBase,
	// tiktoken's "gpt2" encoding has exactly the r50k_base vocabulary and pattern.
	"gpt2": R50KBase, "gpt-2": R50KBase,
}

// modelPrefixes maps name prefixes (dated snapshots, -mini/-nano variants)
// to encodings. Checked in order; no prefix is a prefix of an earlier one
// that maps differently.
var modelPrefixes = []struct{ prefix, encoding string }{
	{"o1-", O200KBase},
	{"o3-", O200KBase},
	{"o4-mini-", O200KBase},
	{"gpt-5-", O200KBase},
	{"gpt-4.5-", O200KBase},
	{"gpt-4.1-", O200KBase},
	{"chatgpt-4o-", O200KBase},
	{"gpt-4o-", O200KBase},
	{"gpt-4-", CL100KBase},
	{"gpt-3.5-turbo-", CL100KBase},
	{"gpt-35-turbo-", CL100KBase},
}

// EncodingForModel returns the encoding name OpenAI uses for model, e.g.
// "o200k_base" for "gpt-4o-mini-2024-07-18". Fine-tuned names
// ("ft:gpt-4.1-mini-2025-04-14:org::id") resolve through their base model.
func EncodingForModel(model string) (string, error) {
	name := model
	if base, ok := strings.CutPrefix(name, "ft:"); ok {
		name, _, _ = strings.Cut(base, ":")
	}
	if enc, ok := modelEncodings[name]; ok {
		return enc, nil
	}
	for _, p := range modelPrefixes {
		if strings.HasPrefix(name, p.prefix) {
			return p.encoding, nil
		}
	}
	return "", fmt.Errorf("tokenizer: no known encoding for model %q", model)
}

// ForModel returns the tokenizer of the encoding OpenAI uses for model.
func ForModel(model string) (*Tokenizer, error) {
	enc, err := EncodingForModel(model)
	if err != nil {
		return nil, err
	}
	return Get(enc)
}
