package filter

import (
	"context"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/tokencount"
)

func stage(t *testing.T, cfg Config) *Stage {
	t.Helper()
	r, err := tokencount.Resolve("gpt-4o-mini", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, r)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func doc(s *Stage, ex *schemas.Example) *schemas.Document {
	tc := tokencount.Count(s.tok, ex)
	return &schemas.Document{Example: ex, Tokens: &tc}
}

func chat(turns ...string) *schemas.Example {
	ex := &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{{Role: "system", Content: "Be brief."}}}
	for i, c := range turns {
		role := "user"
		if i%2 == 1 {
			role = "assistant"
		}
		ex.Messages = append(ex.Messages, schemas.Message{Role: role, Content: c})
	}
	return ex
}

func TestBounds(t *testing.T) {
	s := stage(t, Config{MaxTokens: 50, MinTokens: 2})
	long := chat("question", strings.Repeat("answer ", 60))
	if drop, _ := s.Process(context.Background(), doc(s, long)); drop == nil || drop.Reason != "too-long" || !strings.Contains(drop.Detail, "limit 50") {
		t.Errorf("long: %+v", drop)
	}
	short := chat("question", "ok")
	if drop, _ := s.Process(context.Background(), doc(s, short)); drop == nil || drop.Reason != "too-short" {
		t.Errorf("short: %+v", drop)
	}
	if drop, _ := s.Process(context.Background(), doc(s, chat("question", "a fine answer"))); drop != nil {
		t.Errorf("fine: %+v", drop)
	}
	if st := stage(t, Config{}); st.limit != 65536 {
		t.Errorf("default limit %d", st.limit)
	}
	r, _ := tokencount.Resolve("gpt-4o-mini", "", nil)
	if _, err := New(Config{MaxTokens: 5, MinTokens: 10}, r); err == nil {
		t.Error("min > max accepted")
	}
}

func TestTruncate(t *testing.T) {
	s := stage(t, Config{MaxTokens: 40, MinTokens: 1, Truncate: true})
	text := doc(s, &schemas.Example{Kind: schemas.KindText, Text: strings.Repeat("héllo wörld ", 40)})
	if drop, _ := s.Process(context.Background(), text); drop != nil || text.Tokens.Total > 40 || !strings.HasPrefix(strings.Repeat("héllo wörld ", 40), text.Example.Text) {
		t.Errorf("text: %+v %+v %q", drop, text.Tokens, text.Example.Text)
	}
	multi := doc(s, chat(strings.Repeat("old question ", 10), strings.Repeat("old answer ", 10), "new question", "new answer"))
	if drop, _ := s.Process(context.Background(), multi); drop != nil || len(multi.Example.Messages) != 3 || multi.Example.Messages[1].Content != "new question" {
		t.Errorf("chat: %+v %+v", drop, multi.Example.Messages)
	}
	single := doc(s, chat("q", strings.Repeat("long answer ", 40)))
	if drop, _ := s.Process(context.Background(), single); drop == nil || drop.Reason != "too-long" {
		t.Errorf("single turn cannot be truncated: %+v", drop)
	}
	s.Sequence(context.Background(), text)
	s.Sequence(context.Background(), multi)
	if s.st.Truncated != 2 {
		t.Errorf("truncated %d", s.st.Truncated)
	}
}
