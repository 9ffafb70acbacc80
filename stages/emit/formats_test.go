package emit

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

func chat(msgs ...schemas.Message) *schemas.Example {
	return &schemas.Example{Kind: schemas.KindChat, Messages: msgs}
}

func TestRenderChat(t *testing.T) {
	one := 1
	zero := 0
	tests := []struct {
		name       string
		ex         *schemas.Example
		wantLine   string
		wantReason string
	}{
		{
			name:     "user and assistant",
			ex:       chat(schemas.Message{Role: "user", Content: "Hi"}, schemas.Message{Role: "assistant", Content: "Hello!"}),
			wantLine: `{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}` + "\n",
		},
		{
			name: "system, no HTML escaping, unicode and newlines",
			ex: chat(schemas.Message{Role: "system", Content: "Answer in <b>HTML</b> & be nice"},
				schemas.Message{Role: "user", Content: "Is 1 < 2 && 3 > 2?\n\"quoted\"\ttab"},
				schemas.Message{Role: "assistant", Content: "Ja – natürlich ✓ 👍"}),
			wantLine: `{"messages":[{"role":"system","content":"Answer in <b>HTML</b> & be nice"},` +
				`{"role":"user","content":"Is 1 < 2 && 3 > 2?\n\"quoted\"\ttab"},` +
				`{"role":"assistant","content":"Ja – natürlich ✓ 👍"}]}` + "\n",
		},
		{
			name: "weights, names, tool calls and tools",
			ex: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{
				{Role: "user", Content: "weather?", Name: "ann"},
				{Role: "assistant", Content: "draft", Weight: &zero},
				{Role: "assistant", ToolCalls: json.RawMessage(`[{"id":"c1","type":"function","function":{"name":"w","arguments":"{}"}}]`)},
				{Role: "tool", Content: "sunny", ToolCallID: "c1"},
				{Role: "assistant", Content: "Sunny.", Weight: &one},
			}, Tools: json.RawMessage(`[{"type":"function","function":{"name":"w"}}]`)},
			wantLine: `{"messages":[{"role":"user","content":"weather?","name":"ann"},` +
				`{"role":"assistant","content":"draft","weight":0},` +
				`{"role":"assistant","content":"","tool_calls":[{"id":"c1","type":"function","function":{"name":"w","arguments":"{}"}}]},` +
				`{"role":"tool","content":"sunny","tool_call_id":"c1"},` +
				`{"role":"assistant","content":"Sunny.","weight":1}],` +
				`"tools":[{"type":"function","function":{"name":"w"}}]}` + "\n",
		},
		{
			name:     "tools written compact",
			ex:       &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{{Role: "assistant", Content: "x"}}, Tools: json.RawMessage("[ {\"a\" : 1} ]")},
			wantLine: `{"messages":[{"role":"assistant","content":"x"}],"tools":[{"a":1}]}` + "\n",
		},
		{
			name:       "no assistant message",
			ex:         chat(schemas.Message{Role: "system", Content: "S"}, schemas.Message{Role: "user", Content: "U"}),
			wantReason: "openai-chat needs an assistant message",
		},
		{
			name:       "no messages",
			ex:         chat(),
			wantReason: "openai-chat needs an assistant message",
		},
		{
			name:       "text example",
			ex:         &schemas.Example{Kind: schemas.KindText, Text: "t"},
			wantReason: "openai-chat needs chat messages, not text",
		},
		{
			name:       "completion example",
			ex:         &schemas.Example{Kind: schemas.KindCompletion, Prompt: "p", Completion: "c"},
			wantReason: "openai-chat needs chat messages, not completion",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRender(t, renderChat, tt.ex, tt.wantLine, tt.wantReason)
		})
	}
}

func TestRenderCompletion(t *testing.T) {
	checkRender(t, renderCompletion,
		&schemas.Example{Kind: schemas.KindCompletion, Prompt: "Q: <a href=\"x\">&amp;</a>\n\nA:", Completion: " ok → done"},
		`{"prompt":"Q: <a href=\"x\">&amp;</a>\n\nA:","completion":" ok → done"}`+"\n", "")
	checkRender(t, renderCompletion,
		&schemas.Example{Kind: schemas.KindCompletion},
		`{"prompt":"","completion":""}`+"\n", "")
	checkRender(t, renderCompletion, chat(schemas.Message{Role: "assistant", Content: "a"}), "",
		"openai-completion needs a prompt/completion example, not chat")
	checkRender(t, renderCompletion, &schemas.Example{Kind: schemas.KindText, Text: "t"}, "",
		"openai-completion needs a prompt/completion example, not text")
}

func TestRenderText(t *testing.T) {
	checkRender(t, renderText,
		&schemas.Example{Kind: schemas.KindText, Text: "# Title\n\n<p>a & b</p>\u2028\x01"},
		`{"text":"# Title\n\n<p>a & b</p>\u2028\u0001"}`+"\n", "")
	checkRender(t, renderText, chat(schemas.Message{Role: "assistant", Content: "a"}), "",
		"trl-text needs a text example, not chat")
	checkRender(t, renderText, &schemas.Example{Kind: schemas.KindCompletion}, "",
		"trl-text needs a text example, not completion")
}

func checkRender(t *testing.T, render func(*schemas.Example) ([]byte, string, error), ex *schemas.Example, wantLine, wantReason string) {
	t.Helper()
	line, reason, err := render(ex)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	if reason != wantReason {
		t.Errorf("reason = %q, want %q", reason, wantReason)
	}
	if wantLine == "" {
		if line != nil {
			t.Errorf("line = %q, want none", line)
		}
		return
	}
	if string(line) != wantLine {
		t.Errorf("line =\n%s\nwant\n%s", line, wantLine)
	}
	if strings.Count(string(line), "\n") != 1 || !json.Valid(line) {
		t.Errorf("not one JSON line: %q", line)
	}
}

func TestFormatNames(t *testing.T) {
	got := FormatNames()
	want := []string{"openai-chat", "openai-completion", "trl-text"}
	if !slices.Equal(got, want) {
		t.Errorf("FormatNames() = %v, want %v", got, want)
	}
	for _, n := range got {
		if f, ok := lookup(n); !ok || f.name != n || f.render == nil || f.doc == "" {
			t.Errorf("lookup(%q) = %+v, %v", n, f, ok)
		}
	}
	if _, ok := lookup("jsonl"); ok {
		t.Error("lookup of an unknown name succeeded")
	}
}

func BenchmarkRenderChat(b *testing.B) {
	ex := chat(
		schemas.Message{Role: "system", Content: "You are a careful assistant for tax questions."},
		schemas.Message{Role: "user", Content: "Can I deduct the cost of a home office if I also work at my employer's premises?"},
		schemas.Message{Role: "assistant", Content: strings.Repeat("It depends on how the space is used & on the rules that apply. ", 8)},
	)
	line, _, _ := renderChat(ex)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := renderChat(ex); err != nil {
			b.Fatal(err)
		}
	}
}
