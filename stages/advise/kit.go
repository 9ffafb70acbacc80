package advise

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/jsonl"
	"github.com/tuneprep/tuneprep/stages/pricing"
	"github.com/tuneprep/tuneprep/stages/tokencount"
	"github.com/tuneprep/tuneprep/stages/tokenizer"
)

// The evaluation kit's files.
const (
	KitPrompt    = "prompt.jsonl"    // system prompt + the label's bank + the input, for the base model
	KitFineTuned = "finetuned.jsonl" // system prompt + the input, for the fine-tuned model
	KitExpected  = "expected.jsonl"  // custom_id -> the reference answer
)

// FTPlaceholder is the model of finetuned.jsonl until the fine-tuned
// model's name is given.
const FTPlaceholder = "REPLACE-WITH-FINE-TUNED-MODEL"

// BatchURL is the endpoint every request of the kit is for.
const BatchURL = "/v1/chat/completions"

// KitOptions say which models the kit's requests name.
type KitOptions struct {
	// Model is the base model, prompted with banks.
	Model string
	// FTModel is the fine-tuned model; "" writes FTPlaceholder.
	FTModel string
	// Hint is the format of files directly under finetune/ (see Examples).
	Hint string
}

// Kit describes a written evaluation kit.
type Kit struct {
	Dir       string    `json:"dir"`
	Model     string    `json:"model"`
	FTModel   string    `json:"finetuned_model"`
	Requests  int       `json:"requests"`
	Skipped   int       `json:"skipped_not_requests"`
	WithBanks bool      `json:"with_banks"`
	Files     []KitFile `json:"files"`
}

// KitFile is one file of the kit and what its requests' input is billed
// (the output is billed when answered: its tokens are not known before).
type KitFile struct {
	Path         string   `json:"path"`
	Requests     int      `json:"requests"`
	InputTokens  int64    `json:"input_tokens"`
	InputCostUSD *float64 `json:"input_cost_usd"`
}

// BatchLine is one request in the OpenAI Batch API input format.
type BatchLine struct {
	CustomID string    `json:"custom_id"`
	Method   string    `json:"method"`
	URL      string    `json:"url"`
	Body     BatchBody `json:"body"`
}

// BatchBody is a chat completions request.
type BatchBody struct {
	Model    string          `json:"model"`
	Messages []BatchMessage  `json:"messages"`
	Tools    json.RawMessage `json:"tools,omitempty"`
}

// BatchMessage is a chat message as the API takes it: no training weight;
// content null on an assistant turn that only calls tools.
type BatchMessage struct {
	Role       string          `json:"role"`
	Content    *string         `json:"content"`
	Name       string          `json:"name,omitempty"`
	ToolCalls  json.RawMessage `json:"tool_calls,omitempty"`
	ToolCallID string          `json:"tool_call_id,omitempty"`
}

// Expected is a line of expected.jsonl.
type Expected struct {
	CustomID string `json:"custom_id"`
	Label    string `json:"label"`
	Expected string `json:"expected"`
}

// WriteKit writes the test split of the run in outDir as an evaluation kit
// in kitDir: the same requests with the label's few-shot bank for the base
// model and without it for the fine-tuned model, and the reference answers,
// all keyed by the record's ID. Each file appears whole (written beside
// and renamed). tok counts the input tokens each file is billed; m prices
// them (base input price for prompt.jsonl, fine-tuned for finetuned.jsonl).
func WriteKit(ctx context.Context, outDir, kitDir string, tok *tokenizer.Tokenizer, m pricing.Model, opt KitOptions) (Kit, error) {
	k := Kit{Dir: kitDir, Model: opt.Model, FTModel: opt.FTModel}
	if k.FTModel == "" {
		k.FTModel = FTPlaceholder
	}
	if err := CheckOutput(outDir); err != nil {
		return k, err
	}
	banks, err := readBanks(outDir)
	if err != nil {
		return k, err
	}
	k.WithBanks = banks != nil
	if err := os.MkdirAll(kitDir, 0o755); err != nil {
		return k, err
	}
	files := []*kitWriter{{path: KitPrompt, price: price(m.InputPrice)}, {path: KitFineTuned, price: price(m.FineTunedInputPrice)}, {path: KitExpected}}
	for _, f := range files {
		if err := f.open(kitDir); err != nil {
			abortAll(files)
			return k, err
		}
	}
	prompt, tuned, expected := files[0], files[1], files[2]
	err = Examples(ctx, outDir, opt.Hint, []string{test}, func(r Record) error {
		conv, answer, ok := requestOf(r.Example)
		if !ok {
			k.Skipped++
			return nil
		}
		system, rest := leadingSystem(conv)
		bank := banks.of(r.Label)
		for _, id := range bank.ids {
			if id == r.ID {
				return fmt.Errorf("bank example %s is a test example: the kit would grade the prompt on an example it shows", id)
			}
		}
		withBank := append(append(append([]schemas.Message(nil), system...), bank.messages...), rest...)
		k.Requests++
		if err := prompt.request(tok, r.ID, opt.Model, withBank, r.Example.Tools); err != nil {
			return err
		}
		if err := tuned.request(tok, r.ID, k.FTModel, conv, r.Example.Tools); err != nil {
			return err
		}
		return expected.encode(Expected{CustomID: r.ID, Label: r.Label, Expected: answer})
	})
	if err == nil {
		for _, f := range files {
			if err = f.commit(); err != nil {
				break
			}
		}
	}
	if err != nil {
		abortAll(files)
		return k, err
	}
	for _, f := range files {
		kf := KitFile{Path: f.path, Requests: f.n}
		if f != expected {
			kf.InputTokens = f.tokens
			kf.InputCostUSD = usd(mul(new(big.Rat).SetInt64(f.tokens), f.price))
		}
		k.Files = append(k.Files, kf)
	}
	return k, nil
}

// requestOf splits an example into the conversation a request sends and
// the reference answer: for a chat, the turns before its last assistant
// turn and that turn's content; for a completion, its prompt as a user
// turn and its completion. Text examples are no requests.
func requestOf(ex *schemas.Example) (conv []schemas.Message, answer string, ok bool) {
	switch ex.Kind {
	case schemas.KindChat:
		n := len(ex.Messages)
		if n < 2 || ex.Messages[n-1].Role != "assistant" {
			return nil, "", false
		}
		return ex.Messages[:n-1], ex.Messages[n-1].Content, true
	case schemas.KindCompletion:
		return []schemas.Message{{Role: "user", Content: ex.Prompt}}, ex.Completion, true
	}
	return nil, "", false
}

// leadingSystem splits off the system messages a conversation starts with.
func leadingSystem(msgs []schemas.Message) (system, rest []schemas.Message) {
	i := 0
	for i < len(msgs) && msgs[i].Role == "system" {
		i++
	}
	return msgs[:i], msgs[i:]
}

// kitBank is one bank as turns to insert after the system prompt.
type kitBank struct {
	ids      []string
	messages []schemas.Message
}

// kitBanks are the banks by label; nil when the run built none.
type kitBanks map[string]*kitBank

func (b kitBanks) of(label string) *kitBank {
	if k, ok := b[label]; ok {
		return k
	}
	if k, ok := b[""]; ok {
		return k
	}
	return &kitBank{}
}

// readBanks reads fewshot/bank.jsonl: each line is one example of a bank
// (label, id, its user and assistant turns), in the bank's order.
func readBanks(outDir string) (kitBanks, error) {
	f, err := os.Open(filepath.Join(outDir, "fewshot", "bank.jsonl"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	banks := kitBanks{}
	r := jsonl.NewReader(f, jsonl.Options{})
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return banks, nil
		}
		if err != nil {
			return nil, err
		}
		var line struct {
			Label    string            `json:"label"`
			ID       string            `json:"id"`
			Messages []schemas.Message `json:"messages"`
		}
		if rec.Reject != nil || json.Unmarshal(rec.Raw, &line) != nil {
			return nil, fmt.Errorf("fewshot/bank.jsonl:%d: not a bank example", rec.Line)
		}
		b := banks[line.Label]
		if b == nil {
			b = &kitBank{}
			banks[line.Label] = b
		}
		b.ids = append(b.ids, line.ID)
		b.messages = append(b.messages, line.Messages...)
	}
}

// kitWriter writes one file of the kit beside its final name and renames
// it into place at commit.
type kitWriter struct {
	path      string
	price     *big.Rat // per input token; nil: unknown
	dir       string
	f         *os.File
	w         *bufio.Writer
	enc       *json.Encoder
	n         int
	tokens    int64
	committed bool
}

func (k *kitWriter) open(dir string) error {
	f, err := os.CreateTemp(dir, "."+k.path+".tmp-*")
	if err != nil {
		return err
	}
	k.dir, k.f, k.w = dir, f, bufio.NewWriterSize(f, 256<<10)
	k.enc = json.NewEncoder(k.w)
	k.enc.SetEscapeHTML(false)
	return nil
}

func (k *kitWriter) encode(v any) error {
	k.n++
	return k.enc.Encode(v)
}

// request writes a request and counts the input tokens it is billed: the
// chat formula over its messages and tools, with the 3 that prime a reply.
func (k *kitWriter) request(tok *tokenizer.Tokenizer, id, model string, msgs []schemas.Message, tools json.RawMessage) error {
	k.tokens += int64(tokencount.Count(tok, &schemas.Example{Kind: schemas.KindChat, Messages: msgs, Tools: tools}).Total)
	body := BatchBody{Model: model, Messages: make([]BatchMessage, len(msgs)), Tools: tools}
	for i, m := range msgs {
		bm := BatchMessage{Role: m.Role, Name: m.Name, ToolCalls: m.ToolCalls, ToolCallID: m.ToolCallID}
		if m.Content != "" || len(m.ToolCalls) == 0 {
			c := m.Content
			bm.Content = &c
		}
		body.Messages[i] = bm
	}
	return k.encode(BatchLine{CustomID: id, Method: "POST", URL: BatchURL, Body: body})
}

// commit flushes, syncs and renames the file into place.
func (k *kitWriter) commit() error {
	if err := k.w.Flush(); err != nil {
		return err
	}
	if err := k.f.Chmod(0o644); err != nil { // CreateTemp makes it 0600
		return err
	}
	if err := k.f.Sync(); err != nil {
		return err
	}
	if err := k.f.Close(); err != nil {
		return err
	}
	if err := os.Rename(k.f.Name(), filepath.Join(k.dir, k.path)); err != nil {
		return err
	}
	k.committed = true
	return nil
}

// abortAll removes the files not yet renamed into place.
func abortAll(files []*kitWriter) {
	for _, k := range files {
		if k.f != nil && !k.committed {
			k.f.Close()
			os.Remove(k.f.Name())
		}
	}
}

// WriteText says what the kit holds and what its requests' input costs.
func (k Kit) WriteText(w io.Writer) error {
	var b strings.Builder
	banks := "with the label's few-shot bank"
	if !k.WithBanks {
		banks = "without examples: the run built no few-shot banks"
	}
	fmt.Fprintf(&b, "evaluation kit in %s: %s test requests", k.Dir, group(int64(k.Requests)))
	if k.Skipped > 0 {
		fmt.Fprintf(&b, " (%s test examples skipped: text, not chat or completion)", group(int64(k.Skipped)))
	}
	b.WriteString("\n")
	for _, f := range k.Files {
		if f.Path == KitExpected {
			fmt.Fprintf(&b, "  %-16s %s reference answers, by custom_id\n", f.Path, group(int64(f.Requests)))
			continue
		}
		what := k.Model + ", " + banks
		if f.Path == KitFineTuned {
			what = k.FTModel + ", no examples"
		}
		fmt.Fprintf(&b, "  %-16s %s requests for %s: %s input tokens, input cost %s\n",
			f.Path, group(int64(f.Requests)), what, group(f.InputTokens), dollars(f.InputCostUSD))
	}
	if k.FTModel == FTPlaceholder {
		fmt.Fprintf(&b, "  %s names %s: replace it with the fine-tuned model's name (or pass --ft-model)\n", KitFineTuned, FTPlaceholder)
	}
	b.WriteString("  each file is an OpenAI Batch API input file; the same custom_id in every file pairs the answers up\n")
	_, err := io.WriteString(w, b.String())
	return err
}
