package tokencount

import (
	"encoding/json"
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

func TestChatFormula(t *testing.T) {
	tok, _ := tokenizer.Get(tokenizer.O200KBase)
	zero := 0
	ex := &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{
		{Role: "system", Content: "You are helpful."},
		{Role: "user", Content: "Hello", Name: "ann"},
		{Role: "assistant", Content: "Hi there", Weight: &zero},
		{Role: "user", Content: "Thanks"},
		{Role: "assistant", Content: "You are welcome."},
	}}
	got := Count(tok, ex)
	// By hand: 3 per message + role + content, +1 and the name's tokens for
	// a name, +3 to prime the reply.
	want := 3
	for _, m := range ex.Messages {
		want += 3 + tok.Count(m.Role) + tok.Count(m.Content)
		if m.Name != "" {
			want += 1 + tok.Count(m.Name)
		}
	}
	if got.Total != want || got.Trained != tok.Count("You are welcome.") || got.Assistant != tok.Count("Hi there")+tok.Count("You are welcome.") {
		t.Errorf("got %+v, want total %d", got, want)
	}
	// "Hello" and "Hi" are one token each in o200k, as are the role names:
	// (3+1+1) + (3+1+1) + 3 = 13.
	small := Count(tok, &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{{Role: "user", Content: "Hello"}, {Role: "assistant", Content: "Hi"}}})
	if small.Total != 13 || small.Trained != 1 {
		t.Errorf("small: %+v", small)
	}
	comp := Count(tok, &schemas.Example{Kind: schemas.KindCompletion, Prompt: "Hello", Completion: "Hi there"})
	text := Count(tok, &schemas.Example{Kind: schemas.KindText, Text: "Hello there"})
	if comp.Total != 1+tok.Count("Hi there") || comp.Trained != tok.Count("Hi there") || text.Total != text.Trained || text.Total != tok.Count("Hello there") {
		t.Errorf("completion %+v text %+v", comp, text)
	}
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
