package tokens

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/tokenizer"
)

func resolve(t *testing.T, model string) *Resolved {
	t.Helper()
	r, err := Resolve(Config{Model: model})
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

func TestResolve(t *testing.T) {
	r := resolve(t, "gpt-4o-mini-2024-07-18")
	if r.Tokenizer.Name() != "o200k_base" || r.Model.Name != "gpt-4o-mini" || r.Model.TrainLimit != 65536 {
		t.Errorf("%s %+v", r.Tokenizer.Name(), r.Model)
	}
	if r := resolve(t, "gpt-3.5-turbo"); r.Tokenizer.Name() != "cl100k_base" || r.Model.TrainLimit != 16385 {
		t.Errorf("%s %+v", r.Tokenizer.Name(), r.Model)
	}
	if _, err := Resolve(Config{Model: "llama-3"}); err == nil {
		t.Error("unknown model without an encoding accepted")
	}
	if r, err := Resolve(Config{Model: "llama-3", Encoding: "cl100k_base"}); err != nil || r.Model.Name != "llama-3" {
		t.Errorf("explicit encoding: %v", err)
	}
}

func TestStats(t *testing.T) {
	s := New(resolve(t, "gpt-4o-mini"))
	for i := 1; i <= 100; i++ {
		d := &schemas.Document{Example: &schemas.Example{Kind: schemas.KindText, Text: string(make([]byte, 0)) + repeat("word ", i)}}
		s.Process(context.Background(), d)
		s.Sequence(context.Background(), d)
	}
	st := s.Stats().(Stats)
	b, _ := json.Marshal(st)
	if st.Examples != 100 || st.Percentiles["max"] != 100 || st.Percentiles["p50"] != 50 || len(st.Histogram) != 3 {
		t.Errorf("%s", b)
	}
}

func repeat(s string, n int) string {
	out := ""
	for i := 0; i < n; i++ {
		out += s
	}
	return out[:len(out)-1]
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
