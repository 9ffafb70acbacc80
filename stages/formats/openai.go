package formats

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/tuneprep/tuneprep/schemas"
)

var openAIChat = Format{
	Name:       "openai-chat",
	Doc:        `{"messages":[{"role","content"}...]} with weights, names and tool calls (also Together, TRL conversational, Mistral)`,
	Ext:        ".jsonl",
	SchemaFile: "openai-chat.schema.json",
	Schema:     schemaFor("openai-chat.schema.json"),
	render:     renderChat,
	check:      checkChat,
	read:       readChat,
}

// chatMessage is one message of openai-chat. Content is a pointer so that
// an assistant message that only calls tools has no content key, as in
// OpenAI's tool-calling training examples.
type chatMessage struct {
	Role       string          `json:"role"`
	Content    *string         `json:"content,omitempty"`
	Name       string          `json:"name,omitempty"`
	Weight     *int            `json:"weight,omitempty"`
	ToolCalls  json.RawMessage `json:"tool_calls,omitempty"`
	ToolCallID string          `json:"tool_call_id,omitempty"`
}

// chatRecord is one line of openai-chat. parallel_tool_calls is accepted
// by Check but never written: Example does not carry it, and OpenAI's
// default (true) applies.
type chatRecord struct {
	Messages []chatMessage   `json:"messages"`
	Tools    json.RawMessage `json:"tools,omitempty"`
}

func renderChat(ex *schemas.Example) (any, string) {
	const name = "openai-chat"
	if ex.Kind != schemas.KindChat {
		return nil, name + ": needs chat messages, not " + kindName(ex.Kind)
	}
	tools := ex.Tools
	if isEmptyList(tools) {
		tools = nil
	}
	if len(tools) > 0 && !json.Valid(tools) {
		return nil, name + ": tools are not valid JSON"
	}
	rec := chatRecord{Messages: make([]chatMessage, len(ex.Messages)), Tools: tools}
	turns := make([]chatTurn, len(ex.Messages))
	for i := range ex.Messages {
		m := &ex.Messages[i]
		calls := m.ToolCalls
		if isEmptyList(calls) {
			calls = nil
		}
		if len(calls) > 0 && !json.Valid(calls) {
			return nil, name + ": tool calls are not valid JSON"
		}
		cm := chatMessage{Role: m.Role, Name: m.Name, Weight: m.Weight, ToolCalls: calls, ToolCallID: m.ToolCallID}
		t := chatTurn{Role: m.Role, ToolCalls: calls}
		if m.Content != "" || len(calls) == 0 {
			cm.Content, t.Content = &m.Content, present
		}
		if m.Weight != nil {
			t.Weight = json.RawMessage(strconv.Itoa(*m.Weight))
		}
		if m.ToolCallID != "" {
			t.ToolCallID, _ = json.Marshal(m.ToolCallID) // a string always encodes
		}
		rec.Messages[i], turns[i] = cm, t
	}
	if ps := chatRules(turns); len(ps) > 0 {
		return nil, reasonOf(name, ps)
	}
	return rec, ""
}

// present stands for a field whose value the rules do not look at.
var present = json.RawMessage("true")

// isEmptyList reports whether raw lists nothing: absent, null or [].
// Exported chat logs write "tool_calls": null or [] on a plain answer, and
// "tools": [] when none were offered; both mean no tool use.
func isEmptyList(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || string(t) == "null" {
		return true
	}
	return len(t) >= 2 && t[0] == '[' && t[len(t)-1] == ']' && len(bytes.TrimSpace(t[1:len(t)-1])) == 0
}

// chatTurn is one openai-chat message as the rules see it: loose types
// where OpenAI accepts several (content may be a list of parts). Check
// decodes records into it; Render builds it from the example, so both
// apply the same rules and Render parses no JSON but the tool calls.
type chatTurn struct {
	Role         string          `json:"role"`
	Content      json.RawMessage `json:"content"`
	Weight       json.RawMessage `json:"weight"`
	ToolCalls    json.RawMessage `json:"tool_calls"`
	ToolCallID   json.RawMessage `json:"tool_call_id"`
	FunctionCall json.RawMessage `json:"function_call"`
}

type toolCall struct {
	ID       string `json:"id"`
	Function struct {
		Arguments json.RawMessage `json:"arguments"`
	} `json:"function"`
}

func checkChat(record []byte) []Problem {
	if sc, ok := scanChat(record); ok {
		if turns, ok := sc.checkTurns(); ok {
			return chatRules(turns)
		}
	}
	return checkChatJSON(record)
}

// readChat is Read from one scan of the record.
func readChat(record []byte) (Reading, bool) {
	sc, ok := scanChat(record)
	if !ok {
		return Reading{}, false
	}
	turns, ok := sc.checkTurns()
	if !ok {
		return Reading{}, false
	}
	if ps := chatRules(turns); len(ps) > 0 {
		return Reading{Problems: ps, SchemaValid: sc.plain}, true
	}
	ex, ok := sc.example()
	return Reading{Example: ex, SchemaValid: sc.plain}, ok
}

// checkChatJSON is checkChat by encoding/json: the specification of the scan.
func checkChatJSON(record []byte) []Problem {
	var rec struct {
		Messages []chatTurn `json:"messages"`
	}
	if ps := decode(record, &rec); ps != nil {
		return ps
	}
	return chatRules(rec.Messages)
}

func chatRules(turns []chatTurn) []Problem {
	var ps []Problem
	callIDs := map[string]bool{}
	assistant := false
	for i, m := range turns {
		at := "messages[" + strconv.Itoa(i) + "]"
		assistant = assistant || m.Role == "assistant"
		switch m.Role {
		case "system", "developer", "user", "assistant", "tool", "function": // the schema's roles
		default:
			ps = append(ps, problemf(CodeUnknownRole, "%s: role %q", at, m.Role))
		}
		ps = append(ps, checkWeight(at, m.Role, m.Weight)...)
		hasCalls := !isEmptyList(m.ToolCalls) || !isNull(m.FunctionCall)
		if isNull(m.Content) && !(m.Role == "assistant" && hasCalls) {
			ps = append(ps, problemf(CodeMissingContent, "%s: %s message without content", at, m.Role))
		}
		if !isNull(m.ToolCalls) {
			if m.Role != "assistant" {
				ps = append(ps, problemf(CodeToolCallsRole, "%s: tool_calls on a %s message", at, m.Role))
			}
			ps = append(ps, checkToolCalls(at, m.ToolCalls, callIDs)...)
		}
		if m.Role == "tool" {
			ps = append(ps, checkToolCallID(at, m.ToolCallID, callIDs)...)
		}
	}
	if !assistant {
		ps = append(ps, problemf(CodeNoAssistant, "no assistant message"))
	}
	return ps
}

// checkWeight: OpenAI and Mistral read weight (0 = do not train on this
// turn) on assistant messages only.
func checkWeight(at, role string, raw json.RawMessage) []Problem {
	if isNull(raw) {
		return nil
	}
	var ps []Problem
	if role != "assistant" {
		ps = append(ps, problemf(CodeWeightRole, "%s: weight on a %s message", at, role))
	}
	var w float64
	if err := json.Unmarshal(raw, &w); err != nil || (w != 0 && w != 1) {
		ps = append(ps, problemf(CodeWeightValue, "%s: weight %s, want 0 or 1", at, raw))
	}
	return ps
}

// checkToolCalls checks ids (unique, remembered for later tool messages)
// and that arguments are a string holding JSON, not a JSON object.
func checkToolCalls(at string, raw json.RawMessage, ids map[string]bool) []Problem {
	var calls []toolCall
	if err := json.Unmarshal(raw, &calls); err != nil {
		return []Problem{problemf(CodeBadShape, "%s: tool_calls: %v", at, err)}
	}
	var ps []Problem
	for j, c := range calls {
		if c.ID != "" && ids[c.ID] {
			ps = append(ps, problemf(CodeDuplicateCallID, "%s.tool_calls[%d]: id %q used twice", at, j, c.ID))
		}
		ids[c.ID] = true
		if !argumentsJSON(c.Function.Arguments) {
			ps = append(ps, problemf(CodeArguments, "%s.tool_calls[%d]: arguments are not a string holding JSON", at, j))
		}
	}
	return ps
}

func checkToolCallID(at string, raw json.RawMessage, ids map[string]bool) []Problem {
	var id string
	if isNull(raw) || json.Unmarshal(raw, &id) != nil || id == "" {
		return []Problem{problemf(CodeMissingToolCallID, "%s: tool message without tool_call_id", at)}
	}
	if !ids[id] {
		return []Problem{problemf(CodeUnknownToolCallID, "%s: tool_call_id %q matches no earlier tool call", at, id)}
	}
	return nil
}

var openAICompletion = Format{
	Name:       "openai-completion",
	Doc:        `{"prompt","completion"} (legacy OpenAI; also Bedrock non-chat models); single-turn chats too`,
	Ext:        ".jsonl",
	SchemaFile: "openai-completion.schema.json",
	Schema:     schemaFor("openai-completion.schema.json"),
	render:     renderCompletion,
}

type completionRecord struct {
	Prompt     string `json:"prompt"`
	Completion string `json:"completion"`
}

// renderCompletion also takes a chat of exactly one user turn and one
// assistant answer: that is a prompt and its completion, nothing lost.
func renderCompletion(ex *schemas.Example) (any, string) {
	const name = "openai-completion"
	switch ex.Kind {
	case schemas.KindCompletion:
		return completionRecord{ex.Prompt, ex.Completion}, ""
	case schemas.KindChat:
		p, reason := toPlain(name, ex, plainOptions{})
		switch {
		case reason != "":
			return nil, reason
		case p.hasSystem:
			return nil, name + ": has no system message"
		case len(p.turns) != 2 || !alternates(p.turns):
			return nil, name + ": takes only one user turn and one assistant answer"
		}
		return completionRecord{p.turns[0].Content, p.turns[1].Content}, ""
	}
	return nil, name + ": needs a prompt/completion example or a single-turn chat, not " + kindName(ex.Kind)
}
