package formats

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tuneprep/tuneprep/schemas"
)

// Parse reads one record of the format back into an Example, the inverse of
// Render, so that any file tuneprep can write can also be counted and
// costed. Run Check first: Parse only decodes, it does not enforce rules.
func (f Format) Parse(record []byte) (*schemas.Example, error) {
	p, ok := parsers[f.Name]
	if !ok {
		return nil, fmt.Errorf("%s: no parser", f.Name)
	}
	ex, err := p(record)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	return ex, nil
}

var parsers = map[string]func([]byte) (*schemas.Example, error){
	"openai-chat":           parseChat,
	"openai-completion":     parseCompletion,
	"trl-text":              parseText,
	"trl-prompt-completion": parsePromptCompletion,
	"bedrock-claude":        parseBedrockClaude,
	"bedrock-conversation":  parseBedrockConversation,
	"vertex-gemini":         parseGemini,
	"alpaca":                parseAlpaca,
	"alpaca-jsonl":          parseAlpaca,
	"sharegpt":              parseShareGPT,
}

func chatOf(msgs []schemas.Message) *schemas.Example {
	return &schemas.Example{Kind: schemas.KindChat, Messages: msgs}
}

// wireMessage is a chat message as it is on the wire: decoding the content
// as raw JSON keeps the whole record to one pass of encoding/json (a
// Message's own UnmarshalJSON would re-validate every message).
type wireMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	Name       string          `json:"name"`
	Weight     *int            `json:"weight"`
	ToolCalls  json.RawMessage `json:"tool_calls"`
	ToolCallID string          `json:"tool_call_id"`
}

func parseChat(b []byte) (*schemas.Example, error) {
	if sc, ok := scanChat(b); ok {
		if ex, ok := sc.example(); ok {
			return ex, nil
		}
	}
	return parseChatJSON(b)
}

// parseChatJSON is parseChat by encoding/json: the specification of the scan.
func parseChatJSON(b []byte) (*schemas.Example, error) {
	var r struct {
		Messages []wireMessage   `json:"messages"`
		Tools    json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	msgs := make([]schemas.Message, len(r.Messages))
	for i, w := range r.Messages {
		content, err := schemas.ContentText(w.Content)
		if err != nil {
			return nil, fmt.Errorf("message %d: %w", i+1, err)
		}
		msgs[i] = schemas.Message{Role: w.Role, Content: content, Name: w.Name, Weight: w.Weight, ToolCalls: w.ToolCalls, ToolCallID: w.ToolCallID}
	}
	ex := chatOf(msgs)
	ex.Tools = r.Tools
	return ex, nil
}

func parseCompletion(b []byte) (*schemas.Example, error) {
	var r struct{ Prompt, Completion string }
	err := json.Unmarshal(b, &r)
	return &schemas.Example{Kind: schemas.KindCompletion, Prompt: r.Prompt, Completion: r.Completion}, err
}

func parseText(b []byte) (*schemas.Example, error) {
	var r struct{ Text string }
	err := json.Unmarshal(b, &r)
	return &schemas.Example{Kind: schemas.KindText, Text: r.Text}, err
}

func parsePromptCompletion(b []byte) (*schemas.Example, error) {
	var r struct{ Prompt, Completion []schemas.Message }
	err := json.Unmarshal(b, &r)
	return chatOf(append(r.Prompt, r.Completion...)), err
}

func parseBedrockClaude(b []byte) (*schemas.Example, error) {
	var r struct {
		System   string
		Messages []schemas.Message
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	return chatOf(withSystem(r.System, r.Messages)), nil
}

func join(parts []textPart) string {
	var s []string
	for _, p := range parts {
		s = append(s, p.Text)
	}
	return strings.Join(s, "")
}

func parseBedrockConversation(b []byte) (*schemas.Example, error) {
	var r struct {
		System   []textPart
		Messages []struct {
			Role    string
			Content []textPart
		}
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	var msgs []schemas.Message
	for _, m := range r.Messages {
		msgs = append(msgs, schemas.Message{Role: m.Role, Content: join(m.Content)})
	}
	return chatOf(withSystem(join(r.System), msgs)), nil
}

func parseGemini(b []byte) (*schemas.Example, error) {
	type content struct {
		Role  string
		Parts []textPart
	}
	var r struct {
		SystemInstruction *content
		Contents          []content
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	var msgs []schemas.Message
	for _, c := range r.Contents {
		role := c.Role
		if role == "model" {
			role = "assistant"
		}
		msgs = append(msgs, schemas.Message{Role: role, Content: join(c.Parts)})
	}
	sys := ""
	if r.SystemInstruction != nil {
		sys = join(r.SystemInstruction.Parts)
	}
	return chatOf(withSystem(sys, msgs)), nil
}

func parseAlpaca(b []byte) (*schemas.Example, error) {
	var r struct {
		Instruction, Input, Output, System string
		History                            [][]string
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	var msgs []schemas.Message
	for _, h := range r.History {
		if len(h) == 2 {
			msgs = append(msgs, schemas.Message{Role: "user", Content: h[0]}, schemas.Message{Role: "assistant", Content: h[1]})
		}
	}
	user := r.Instruction
	if r.Input != "" {
		user += "\n\n" + r.Input
	}
	msgs = append(msgs, schemas.Message{Role: "user", Content: user}, schemas.Message{Role: "assistant", Content: r.Output})
	return chatOf(withSystem(r.System, msgs)), nil
}

func parseShareGPT(b []byte) (*schemas.Example, error) {
	var r struct {
		System        string
		Conversations []struct{ From, Value string }
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	roles := map[string]string{"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "system": "system", "function_call": "assistant", "observation": "tool", "tool": "tool"}
	var msgs []schemas.Message
	for _, c := range r.Conversations {
		msgs = append(msgs, schemas.Message{Role: roles[c.From], Content: c.Value})
	}
	return chatOf(withSystem(r.System, msgs)), nil
}

func withSystem(sys string, msgs []schemas.Message) []schemas.Message {
	if sys == "" {
		return msgs
	}
	return append([]schemas.Message{{Role: "system", Content: sys}}, msgs...)
}
