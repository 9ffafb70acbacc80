package formats

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

// TestCheckRules: a hand-written bad record for each rule gives that
// rule's code, and the good records around them give none.
func TestCheckRules(t *testing.T) {
	const (
		ua   = `[{"role":"user","content":"u"},{"role":"assistant","content":"a"}]`
		call = `{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}}]}`
	)
	tests := []struct {
		format, name, record string
		want                 []string // codes, in any order; nil = valid
	}{
		{"openai-chat", "valid", `{"messages":` + ua + `}`, nil},
		{"openai-chat", "valid tool round", `{"messages":[{"role":"user","content":"u"},` + call + `,{"role":"tool","content":"1","tool_call_id":"c1"},{"role":"assistant","content":"a"}],"parallel_tool_calls":false}`, nil},
		{"openai-chat", "content null with tool calls", `{"messages":[{"role":"user","content":"u"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}]}`, nil},
		{"openai-chat", "not JSON", `{"messages":[`, []string{CodeInvalidJSON}},
		{"openai-chat", "array", `[1,2]`, []string{CodeInvalidJSON}},
		{"openai-chat", "messages not a list", `{"messages":"hi"}`, []string{CodeBadShape}},
		{"openai-chat", "no assistant", `{"messages":[{"role":"system","content":"s"},{"role":"user","content":"u"}]}`, []string{CodeNoAssistant}},
		{"openai-chat", "weight on user", `{"messages":[{"role":"user","content":"u","weight":1},{"role":"assistant","content":"a"}]}`, []string{CodeWeightRole}},
		{"openai-chat", "weight 2", `{"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a","weight":2}]}`, []string{CodeWeightValue}},
		{"openai-chat", "user without content", `{"messages":[{"role":"user"},{"role":"assistant","content":"a"}]}`, []string{CodeMissingContent}},
		{"openai-chat", "assistant without content or calls", `{"messages":[{"role":"user","content":"u"},{"role":"assistant","content":null}]}`, []string{CodeMissingContent}},
		{"openai-chat", "tool calls on user", `{"messages":[{"role":"user","content":"u","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"assistant","content":"a"}]}`, []string{CodeToolCallsRole}},
		{"openai-chat", "arguments object", `{"messages":[{"role":"user","content":"u"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":{"x":1}}}]}]}`, []string{CodeArguments}},
		{"openai-chat", "arguments not JSON", `{"messages":[{"role":"user","content":"u"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"x=1"}}]}]}`, []string{CodeArguments}},
		{"openai-chat", "tool without id", `{"messages":[{"role":"user","content":"u"},` + call + `,{"role":"tool","content":"1"},{"role":"assistant","content":"a"}]}`, []string{CodeMissingToolCallID}},
		{"openai-chat", "tool answers unknown call", `{"messages":[{"role":"user","content":"u"},` + call + `,{"role":"tool","content":"1","tool_call_id":"c9"},{"role":"assistant","content":"a"}]}`, []string{CodeUnknownToolCallID}},
		{"openai-chat", "tool before the call", `{"messages":[{"role":"user","content":"u"},{"role":"tool","content":"1","tool_call_id":"c1"},` + call + `]}`, []string{CodeUnknownToolCallID}},
		{"openai-chat", "duplicate call id", `{"messages":[{"role":"user","content":"u"},` + call + `,` + call + `]}`, []string{CodeDuplicateCallID}},

		{"trl-prompt-completion", "valid", `{"prompt":[{"role":"system","content":"s"},{"role":"user","content":"u"}],"completion":[{"role":"assistant","content":"a"}]}`, nil},
		{"trl-prompt-completion", "system later", `{"prompt":[{"role":"user","content":"u"},{"role":"system","content":"s"}],"completion":[{"role":"assistant","content":"a"}]}`, []string{CodeSystemPosition}},
		{"trl-prompt-completion", "no user", `{"prompt":[{"role":"system","content":"s"}],"completion":[{"role":"assistant","content":"a"}]}`, []string{CodeNoUser}},
		{"trl-prompt-completion", "completion from user", `{"prompt":[{"role":"user","content":"u"}],"completion":[{"role":"user","content":"a"}]}`, []string{CodeNoAssistant}},

		{"bedrock-claude", "valid", `{"system":"s","messages":` + ua + `}`, nil},
		{"bedrock-claude", "first assistant", `{"messages":[{"role":"assistant","content":"a"},{"role":"user","content":"u"},{"role":"assistant","content":"a"}]}`, []string{CodeFirstRole}},
		{"bedrock-claude", "last user", `{"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a"},{"role":"user","content":"u"}]}`, []string{CodeLastRole}},
		{"bedrock-claude", "two users", `{"messages":[{"role":"user","content":"u"},{"role":"user","content":"u"},{"role":"assistant","content":"a"}]}`, []string{CodeAlternation}},
		{"bedrock-claude", "system role", `{"messages":[{"role":"system","content":"s"},{"role":"user","content":"u"},{"role":"assistant","content":"a"}]}`, []string{CodeUnknownRole, CodeFirstRole}},
		{"bedrock-claude", "content parts", `{"messages":[{"role":"user","content":[{"text":"u"}]},{"role":"assistant","content":"a"}]}`, []string{CodeBadShape}},

		{"bedrock-conversation", "valid", `{"schemaVersion":"bedrock-conversation-2024","messages":[{"role":"user","content":[{"text":"u"}]},{"role":"assistant","content":[{"text":"a"}]}]}`, nil},
		{"bedrock-conversation", "ends with user", `{"schemaVersion":"bedrock-conversation-2024","messages":[{"role":"user","content":[{"text":"u"}]},{"role":"assistant","content":[{"text":"a"}]},{"role":"user","content":[{"text":"u"}]}]}`, []string{CodeLastRole}},
		{"bedrock-conversation", "two assistants", `{"schemaVersion":"x","messages":[{"role":"user","content":[{"text":"u"}]},{"role":"assistant","content":[{"text":"a"}]},{"role":"assistant","content":[{"text":"a"}]}]}`, []string{CodeAlternation}},
		{"bedrock-conversation", "no messages", `{"schemaVersion":"x","messages":[]}`, []string{CodeFirstRole}},

		{"vertex-gemini", "valid", `{"contents":[{"role":"user","parts":[{"text":"u"}]},{"role":"model","parts":[{"text":"a"}]}]}`, nil},
		{"vertex-gemini", "assistant role", `{"contents":[{"role":"user","parts":[{"text":"u"}]},{"role":"assistant","parts":[{"text":"a"}]}]}`, []string{CodeUnknownRole, CodeLastRole}},
		{"vertex-gemini", "starts with model", `{"contents":[{"role":"model","parts":[{"text":"a"}]},{"role":"user","parts":[{"text":"u"}]},{"role":"model","parts":[{"text":"a"}]}]}`, []string{CodeFirstRole}},
		{"vertex-gemini", "two users", `{"contents":[{"role":"user","parts":[{"text":"u"}]},{"role":"user","parts":[{"text":"u"}]},{"role":"model","parts":[{"text":"a"}]}]}`, []string{CodeAlternation}},

		{"sharegpt", "valid", `{"conversations":[{"from":"system","value":"s"},{"from":"human","value":"u"},{"from":"function_call","value":"{\"name\":\"f\",\"arguments\":{}}"},{"from":"observation","value":"1"},{"from":"gpt","value":"a"}]}`, nil},
		{"sharegpt", "gpt first", `{"conversations":[{"from":"gpt","value":"a"},{"from":"human","value":"u"}]}`, []string{CodePosition, CodePosition, CodeLastRole}},
		{"sharegpt", "observation at even", `{"conversations":[{"from":"human","value":"u"},{"from":"observation","value":"1"}]}`, []string{CodePosition, CodeLastRole}},
		{"sharegpt", "system later", `{"conversations":[{"from":"human","value":"u"},{"from":"system","value":"s"},{"from":"gpt","value":"a"}]}`, []string{CodeSystemPosition, CodePosition}},
		{"sharegpt", "function_call not JSON", `{"conversations":[{"from":"human","value":"u"},{"from":"function_call","value":"f(x)"}]}`, []string{CodeArguments}},
		{"sharegpt", "unknown from", `{"conversations":[{"from":"user","value":"u"},{"from":"gpt","value":"a"}]}`, []string{CodeUnknownRole}},

		{"openai-completion", "not an object", `"prompt"`, []string{CodeInvalidJSON}},
		{"alpaca", "valid", `{"instruction":"i","input":"","output":"o","history":[["u","a"]]}`, nil},
		{"trl-text", "valid", `{"text":"t"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.format+"/"+tt.name, func(t *testing.T) {
			f, ok := Lookup(tt.format)
			if !ok {
				t.Fatalf("no format %q", tt.format)
			}
			ps := f.Check([]byte(tt.record))
			var got []string
			for _, p := range ps {
				got = append(got, p.Code)
				if p.Message == "" {
					t.Errorf("problem %s without a message", p.Code)
				}
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("codes = %v, want %v (%v)", got, want, ps)
			}
		})
	}
}

// TestSchemaRejects: the rules left to the schemas bite too.
func TestSchemaRejects(t *testing.T) {
	tests := []struct{ format, record string }{
		{"openai-completion", `{"prompt":"p","completion":"c","extra":1}`},
		{"openai-chat", `{"messages":[{"role":"robot","content":"x"}]}`},
		{"openai-chat", `{"messages":[{"role":"assistant","content":"a","weight":0.5}]}`},
		{"bedrock-claude", `{"messages":[{"role":"user","content":"u"}]}`},
		{"bedrock-claude", `{"system":"s","messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a"}],"id":1}`},
		{"bedrock-conversation", `{"messages":[{"role":"user","content":[{"text":"u"}]},{"role":"assistant","content":[{"text":"a"}]}]}`},
		{"vertex-gemini", `{"contents":[{"role":"user","parts":[]},{"role":"model","parts":[{"text":"a"}]}]}`},
		{"alpaca", `{"instruction":"i","output":"o","history":[["u"]]}`},
		{"sharegpt", `{"conversations":[{"from":"human","value":"u"},{"from":"gpt","value":1}]}`},
		{"trl-prompt-completion", `{"prompt":[{"role":"user","content":"u"}],"completion":[{"role":"assistant","content":"a"},{"role":"assistant","content":"b"}]}`},
		{"trl-text", `{"text":3}`},
	}
	for _, tt := range tests {
		f, _ := Lookup(tt.format)
		if err := validate(compileSchema(t, f), []byte(tt.record)); err == nil {
			t.Errorf("%s: schema accepted %s", tt.format, tt.record)
		}
	}
}

// TestRenderReasons: what a format cannot hold gives a reason, never a
// silently changed record.
func TestRenderReasons(t *testing.T) {
	calls := json.RawMessage(`[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}},{"id":"b","type":"function","function":{"name":"g","arguments":"{}"}}]`)
	tests := []struct {
		format string
		ex     *schemas.Example
		want   string // substring of the reason
	}{
		{"openai-chat", chat(msg("user", "u")), "needs an assistant message"},
		{"openai-chat", chat(msg("user", "u"), schemas.Message{Role: "assistant", Content: "a", Weight: intp(3)}), "weight must be 0 or 1"},
		{"openai-chat", chat(msg("user", "u"), schemas.Message{Role: "tool", Content: "1", ToolCallID: "x"}, msg("assistant", "a")), "matches no earlier tool call"},
		{"openai-chat", chat(msg("user", "u"), schemas.Message{Role: "assistant", ToolCalls: json.RawMessage(`[{`)}), "not valid JSON"},
		{"openai-completion", chat(msg("user", "u"), msg("assistant", "a"), msg("user", "u"), msg("assistant", "a")), "one user turn"},
		{"trl-prompt-completion", chat(msg("user", "u"), msg("assistant", "a"), msg("user", "u")), "last message must be the assistant's"},
		{"trl-prompt-completion", chat(msg("user", "u"), schemas.Message{Role: "assistant", Content: "a", Weight: intp(0)}), "weight 0"},
		{"trl-prompt-completion", chat(msg("user", "u"), schemas.Message{Role: "assistant", Content: "a", Weight: intp(1)}, msg("user", "u"), msg("assistant", "a")), "before the last"},
		{"bedrock-claude", chat(msg("user", "u"), msg("user", "u"), msg("assistant", "a")), "roles must alternate"},
		{"bedrock-claude", chat(msg("user", "u"), msg("system", "s"), msg("assistant", "a")), "system message after the first"},
		{"bedrock-conversation", chat(msg("assistant", "a")), "starts with the wrong role"},
		{"vertex-gemini", chat(msg("user", "u"), schemas.Message{Role: "assistant", Content: "a", Name: "bot"}), "message names"},
		{"vertex-gemini", chat(msg("user", "u"), msg("assistant", "a"), msg("user", "u")), "ends with the wrong role"},
		{"alpaca", chat(msg("user", "u"), msg("user", "u"), msg("assistant", "a")), "alternating"},
		{"sharegpt", chat(msg("user", "u"), schemas.Message{Role: "assistant", ToolCalls: calls}), "parallel tool calls"},
		{"sharegpt", chat(msg("user", "u"), msg("assistant", "a"), msg("assistant", "b")), "position"},
		{"sharegpt", chat(msg("user", "u"), schemas.Message{Role: "assistant", Content: "let me see", ToolCalls: json.RawMessage(`[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}}]`)}), "text and a tool call"},
		{"sharegpt", chat(msg("user", "u"), schemas.Message{Role: "tool", Content: "1", ToolCallID: "a"}, msg("assistant", "a")), "answer the call"},
		{"sharegpt", chat(msg("user", "u"), msg("developer", "d"), msg("assistant", "a")), "has no role developer"},
	}
	for _, tt := range tests {
		f, _ := Lookup(tt.format)
		line, reason, err := f.Render(tt.ex)
		if err != nil || line != nil || !strings.Contains(reason, tt.want) || !strings.HasPrefix(reason, tt.format+": ") {
			t.Errorf("%s %+v: line %q, reason %q, err %v; want a reason with %q", tt.format, tt.ex.Messages, line, reason, err, tt.want)
		}
	}
}
