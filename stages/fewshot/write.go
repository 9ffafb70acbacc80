package fewshot

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/pricing"
)

// Stats is the few-shot report.
type Stats struct {
	Strategy   string      `json:"strategy"`
	K          int         `json:"k"`
	Encoding   string      `json:"encoding"`
	Model      string      `json:"model"`
	PricesAsOf string      `json:"prices_as_of"`
	Unusable   int64       `json:"unusable_train_records"`
	Overlap    Overlap     `json:"overlap_exclusion"`
	Banks      []BankStats `json:"banks"`
}

// Overlap says how candidates overlapping validation or test were found.
type Overlap struct {
	Side      string  `json:"side"`
	N         int     `json:"n"`
	Threshold float64 `json:"threshold"`
	// Shared is true when the split stage's leakage index was used, false
	// when the stage indexed validation and test itself.
	Shared bool `json:"shared_with_split"`
}

// BankStats describes one bank: what it costs on every request.
type BankStats struct {
	Label                string `json:"label"`
	Seen                 int    `json:"train_records"`
	Sampled              int    `json:"sampled"`
	Pool                 int    `json:"eligible_in_pool"`
	OverBudget           int    `json:"over_example_budget"`
	OverlapsEval         int    `json:"overlapping_validation_or_test"`
	SkippedForBankBudget int    `json:"skipped_for_bank_budget"`
	Selected             int    `json:"selected"`
	TokensPerRequest     int    `json:"tokens_per_request"`
	PromptTokens         int    `json:"prompt_preview_tokens"`
	// CostPer1000Requests is the input cost of the bank's tokens on 1,000
	// requests; nil (null) when the model's input price is unknown.
	CostPer1000Requests *float64 `json:"input_cost_per_1000_requests_usd"`
	MinPairwiseDistance float64  `json:"min_pairwise_distance"`
	PromptFile          string   `json:"prompt_file"`
	// Short says why a bank has fewer than k examples: how many candidates
	// each rule removed.
	Short string `json:"short,omitempty"`
}

// bankLine is one line of fewshot/bank.jsonl.
type bankLine struct {
	Label    string            `json:"label"`
	ID       string            `json:"id"`
	Source   string            `json:"source"`
	Messages []schemas.Message `json:"messages"`
	Tokens   int               `json:"tokens"`
}

// write writes bank.jsonl, bank.json and one prompt preview per bank.
func (s *Stage) write() error {
	jl, err := s.env.Create("fewshot/bank.jsonl")
	if err != nil {
		return err
	}
	enc := json.NewEncoder(jl)
	enc.SetEscapeHTML(false)
	for _, b := range s.banks {
		for _, c := range b.examples {
			if err := enc.Encode(bankLine{Label: b.label, ID: c.id, Source: c.source, Messages: c.messages, Tokens: c.tokens}); err != nil {
				return err
			}
		}
	}
	if err := jl.Close(); err != nil {
		return err
	}
	if err := s.writeGrouped(); err != nil {
		return err
	}
	used := map[string]bool{} // lower case: "A" and "a" are one file on macOS and Windows
	for i := range s.banks {
		b := &s.banks[i]
		base := fileName(b.label)
		for k := 2; used[strings.ToLower(base)]; k++ {
			base = fileName(b.label) + "-" + strconv.Itoa(k)
		}
		used[strings.ToLower(base)] = true
		name := "fewshot/prompt-" + base + ".txt"
		prompt := s.prompt(b)
		f, err := s.env.Create(name)
		if err != nil {
			return err
		}
		f.WriteString(prompt)
		f.SetRecords(int64(len(b.examples)))
		if err := f.Close(); err != nil {
			return err
		}
		b.stats.TokensPerRequest = b.tokens
		b.stats.PromptTokens = s.count.Count(prompt)
		if cost, ok := pricing.PerThousandRequests(s.model, b.tokens); ok {
			b.stats.CostPer1000Requests = &cost
		}
		b.stats.PromptFile = name
		s.st.Banks = append(s.st.Banks, b.stats)
	}
	return nil
}

// writeGrouped writes bank.json: {label: [{input_key: ..., output_key: ...}]}
// with labels sorted, the shape prompt libraries load as example lists.
func (s *Stage) writeGrouped() error {
	f, err := s.env.Create("fewshot/bank.json")
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("{")
	n := 0
	for i, bk := range s.banks {
		if i > 0 {
			b.WriteString(",")
		}
		k, _ := json.Marshal(bk.label)
		b.WriteString("\n  " + string(k) + ": [")
		for j, c := range bk.examples {
			if j > 0 {
				b.WriteString(",")
			}
			obj, err := marshalPair(s.cfg.InputKey, c.input, s.cfg.OutputKey, c.output)
			if err != nil {
				return err
			}
			b.WriteString("\n    " + obj)
			n++
		}
		b.WriteString("\n  ]")
	}
	b.WriteString("\n}\n")
	f.WriteString(b.String())
	f.SetRecords(int64(n))
	return f.Close()
}

func marshalPair(k1, v1, k2, v2 string) (string, error) {
	parts := make([]string, 4)
	for i, s := range []string{k1, v1, k2, v2} {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			return "", err
		}
		parts[i] = strings.TrimSuffix(b.String(), "\n")
	}
	return fmt.Sprintf("{%s: %s, %s: %s}", parts[0], parts[1], parts[2], parts[3]), nil
}

// prompt renders a bank as a few-shot prompt: the system prompt of its
// first example, the examples in <example> tags, and a slot for the input.
func (s *Stage) prompt(b *bank) string {
	var p strings.Builder
	if len(b.examples) > 0 && b.examples[0].system != "" {
		p.WriteString(b.examples[0].system + "\n\n")
	}
	p.WriteString("Here are examples of inputs and the expected outputs:\n\n")
	for _, c := range b.examples {
		p.WriteString(rendered(c))
	}
	p.WriteString("\nNow answer this input in the same way:\n<input>\n{" + s.cfg.InputKey + "}\n</input>\n")
	return p.String()
}

// maxFileName bounds the names fileName returns, well under the 255 bytes
// file systems allow, with room for "prompt-", a counter and ".txt".
const maxFileName = 80

// fileName makes a label a file name safe on every file system: ASCII
// letters, digits, '-', '_' and '.', no leading or trailing dot, not a
// Windows device name, at most maxFileName bytes. A label that had to be
// changed gets the first 8 hex digits of its SHA-256, so distinct labels
// get distinct names ("a/b" and "a:b" are a_b-<hash1> and a_b-<hash2>).
func fileName(label string) string {
	if label == "" {
		return "all"
	}
	var b strings.Builder
	for _, r := range label {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := b.String()
	if name[0] == '.' {
		name = "_" + name[1:]
	}
	if name[len(name)-1] == '.' { // Windows drops trailing dots
		name = name[:len(name)-1] + "_"
	}
	if windowsDevice(name) {
		name = "_" + name
	}
	if name == label && len(name) <= maxFileName {
		return name
	}
	sum := sha256.Sum256([]byte(label))
	suffix := "-" + hex.EncodeToString(sum[:4])
	if len(name) > maxFileName-len(suffix) {
		name = name[:maxFileName-len(suffix)]
	}
	return name + suffix
}

// windowsDevice reports whether Windows reserves the name: a device name
// (CON, PRN, AUX, NUL, COM0-9, LPT0-9) in any case, alone or before a dot.
func windowsDevice(name string) bool {
	stem, _, _ := strings.Cut(strings.ToUpper(name), ".")
	switch stem {
	case "CON", "PRN", "AUX", "NUL":
		return true
	}
	return len(stem) == 4 && (strings.HasPrefix(stem, "COM") || strings.HasPrefix(stem, "LPT")) && stem[3] >= '0' && stem[3] <= '9'
}

// Stats implements pipeline.Reporter.
func (s *Stage) Stats() any {
	st := s.st
	if st.Banks == nil {
		st.Banks = []BankStats{}
	}
	return st
}
