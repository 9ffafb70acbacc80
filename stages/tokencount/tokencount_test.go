package tokencount

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/pricing"
	"github.com/tuneprep/tuneprep/stages/tokenizer"
)

func resolve(t *testing.T, model string) *Resolved {
	t.Helper()
	r, err := Resolve(model, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// chatCounts is ../tokenizer/testdata/chat_counts.json, written by
// ../tokenizer/testdata/gen/chat.js: chat, completion and text examples and
// npm tiktoken's token count of every string in them, per encoding.
type chatCounts struct {
	Chats []struct {
		Name     string            `json:"name"`
		Messages []schemas.Message `json:"messages"`
	} `json:"chats"`
	Completions []struct {
		Prompt     string `json:"prompt"`
		Completion string `json:"completion"`
	} `json:"completions"`
	Texts  []string                  `json:"texts"`
	Counts map[string]map[string]int `json:"counts"`
}

func loadChatCounts(t *testing.T) *chatCounts {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "tokenizer", "testdata", "chat_counts.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref chatCounts
	if err := json.Unmarshal(data, &ref); err != nil {
		t.Fatalf("chat_counts.json: %v", err)
	}
	if len(ref.Chats) == 0 || len(ref.Counts) == 0 {
		t.Fatal("chat_counts.json holds no chats or no counts")
	}
	return &ref
}

// TestChatFormula checks Count against OpenAI's chat formula as the cookbook
// documents it ("How to count tokens with tiktoken"; REFERENCE.md): 3 tokens
// per message plus its role and content, 1 more per name plus the name, 3
// to prime the reply. Every string's count comes from npm tiktoken (the
// reference data), never from our tokenizer, so the expectation shares
// nothing with Count but the constants below.
func TestChatFormula(t *testing.T) {
	const perMessage, perName, replyPriming = 3, 1, 3
	ref := loadChatCounts(t)
	for _, enc := range []string{tokenizer.CL100KBase, tokenizer.O200KBase} {
		tok, err := tokenizer.Get(enc)
		if err != nil {
			t.Fatal(err)
		}
		n := func(s string) int {
			c, ok := ref.Counts[enc][s]
			if !ok {
				t.Fatalf("%s: no reference count for %q: rerun testdata/gen/chat.js", enc, s)
			}
			return c
		}
		for _, c := range ref.Chats {
			want := schemas.TokenCounts{Encoding: enc, Total: replyPriming}
			for _, m := range c.Messages {
				want.Total += perMessage + n(m.Role) + n(m.Content)
				if m.Name != "" {
					want.Total += perName + n(m.Name)
				}
				switch m.Role {
				case "system":
					want.System += n(m.Content)
				case "user":
					want.User += n(m.Content)
				case "assistant":
					want.Assistant += n(m.Content)
					if m.Weight == nil || *m.Weight != 0 {
						want.Trained += n(m.Content)
					}
				}
			}
			got := Count(tok, &schemas.Example{Kind: schemas.KindChat, Messages: c.Messages})
			if got != want {
				t.Errorf("%s %s: got %+v, want %+v", enc, c.Name, got, want)
			}
		}
		for _, c := range ref.Completions {
			p, k := n(c.Prompt), n(c.Completion)
			want := schemas.TokenCounts{Encoding: enc, Total: p + k, Trained: k, User: p, Assistant: k}
			if got := Count(tok, &schemas.Example{Kind: schemas.KindCompletion, Prompt: c.Prompt, Completion: c.Completion}); got != want {
				t.Errorf("%s completion %q: got %+v, want %+v", enc, c.Prompt, got, want)
			}
		}
		for _, text := range ref.Texts {
			want := schemas.TokenCounts{Encoding: enc, Total: n(text), Trained: n(text)}
			if got := Count(tok, &schemas.Example{Kind: schemas.KindText, Text: text}); got != want {
				t.Errorf("%s text %q: got %+v, want %+v", enc, text, got, want)
			}
		}
	}
}

// TestChatFormulaAPI pins the one figure measured by the OpenAI API itself:
// the cookbook's example conversation (6 messages, 4 names) is 129 prompt
// tokens on gpt-4-0613 (cl100k_base).
func TestChatFormulaAPI(t *testing.T) {
	ref := loadChatCounts(t)
	tok, err := tokenizer.Get(tokenizer.CL100KBase)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ref.Chats {
		if c.Name != "cookbook" {
			continue
		}
		if got := Count(tok, &schemas.Example{Kind: schemas.KindChat, Messages: c.Messages}).Total; got != 129 {
			t.Errorf("cookbook example: %d tokens, the OpenAI API counted 129", got)
		}
		return
	}
	t.Fatal("chat_counts.json has no \"cookbook\" chat")
}

// TestTools: tool calls and tool definitions count as their JSON text.
func TestTools(t *testing.T) {
	tok, _ := tokenizer.Get(tokenizer.O200KBase)
	calls := json.RawMessage(`[{"id":"c1","type":"function","function":{"name":"lookup","arguments":"{\"order\":42}"}}]`)
	tools := json.RawMessage(`[{"type":"function","function":{"name":"lookup"}}]`)
	plain := &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{{Role: "user", Content: "Where is order 42?"}, {Role: "assistant", ToolCalls: calls}}}
	base := Count(tok, plain).Total
	withTools := *plain
	withTools.Tools = tools
	if got, want := Count(tok, &withTools).Total, base+tok.Count(string(tools)); got != want {
		t.Errorf("tools: total %d, want %d", got, want)
	}
	plain.Messages[1].ToolCalls = nil
	if got, want := Count(tok, plain).Total, base-tok.Count(string(calls)); got != want {
		t.Errorf("tool calls: total without them %d, want %d", got, want)
	}
}

func TestResolve(t *testing.T) {
	r := resolve(t, "gpt-4o-mini-2024-07-18")
	if r.Tokenizer.Name() != "o200k_base" || r.Model.Name != "gpt-4o-mini" || r.Model.TrainLimit != 65536 {
		t.Errorf("%s %+v", r.Tokenizer.Name(), r.Model)
	}
	if r := resolve(t, "gpt-3.5-turbo"); r.Tokenizer.Name() != "cl100k_base" || r.Model.TrainLimit != 16385 {
		t.Errorf("%s %+v", r.Tokenizer.Name(), r.Model)
	}
	if _, err := Resolve("llama-3", "", nil); err == nil {
		t.Error("unknown model without an encoding accepted")
	}
	if r, err := Resolve("llama-3", "cl100k_base", nil); err != nil || r.Model.Name != "llama-3" {
		t.Errorf("explicit encoding: %v", err)
	}
}

func TestResolveErrors(t *testing.T) {
	if _, err := Resolve("gpt-4o-mini", "no_such_encoding", nil); err == nil {
		t.Error("unknown encoding accepted")
	}
	if _, err := Resolve("gpt-4o-mini", "", []pricing.Model{{}}); err == nil {
		t.Error("a model without a name accepted")
	}
	r, err := Resolve("my-model", "cl100k_base", []pricing.Model{{Name: "my-model", TrainLimit: 1000}})
	if err != nil || r.Model.TrainLimit != 1000 {
		t.Errorf("extra model: %+v, %v", r, err)
	}
}

func BenchmarkCountChat(b *testing.B) {
	tok, _ := tokenizer.Get(tokenizer.O200KBase)
	ex := &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{
		{Role: "system", Content: "You are a friendly, precise support agent for an outdoor-gear shop."},
		{Role: "user", Content: "My tent pole snapped on the first trip, can I get a replacement?"},
		{Role: "assistant", Content: "I'm sorry your first trip went that way. Tent poles are covered by our warranty against defects. I've shipped a replacement pole section free of charge."},
	}}
	n := 0
	for _, m := range ex.Messages {
		n += len(m.Content)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		Count(tok, ex)
	}
}
