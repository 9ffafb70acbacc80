package schemas

import "encoding/json"

// Example kinds: what a template made of a record.
const (
	KindChat       = "chat"       // Messages
	KindCompletion = "completion" // Prompt and Completion
	KindText       = "text"       // Text, for continued pre-training
)

// Message is one chat turn. Weight (0 or 1) is only meaningful on assistant
// turns; ToolCalls and ToolCallID pass tool use through unchanged.
type Message struct {
	Role       string          `json:"role"`
	Content    string          `json:"content"`
	Name       string          `json:"name,omitempty"`
	Weight     *int            `json:"weight,omitempty"`
	ToolCalls  json.RawMessage `json:"tool_calls,omitempty"`
	ToolCallID string          `json:"tool_call_id,omitempty"`
}

// Example is a training example made from one record.
type Example struct {
	Kind       string
	Messages   []Message
	Tools      json.RawMessage
	Prompt     string
	Completion string
	Text       string
}

// System returns the content of the leading system message, if any.
func (e *Example) System() string {
	if len(e.Messages) > 0 && e.Messages[0].Role == "system" {
		return e.Messages[0].Content
	}
	return ""
}
