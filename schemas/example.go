package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

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

// Content is the example's text for duplicate detection, redaction checks
// and leakage: every message's content, or the prompt and completion, or the
// text, joined with blank lines.
func (e *Example) Content() string {
	switch e.Kind {
	case KindCompletion:
		return joinNonEmpty(e.Prompt, e.Completion)
	case KindText:
		return e.Text
	}
	parts := make([]string, 0, len(e.Messages))
	for _, m := range e.Messages {
		parts = append(parts, m.Content)
	}
	return joinNonEmpty(parts...)
}

func joinNonEmpty(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if strings.TrimSpace(p) == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(p)
	}
	return b.String()
}

// UnmarshalJSON reads a message whose content is a string, null or a list
// of content parts (see ContentText).
func (m *Message) UnmarshalJSON(b []byte) error {
	type plain Message
	var r struct {
		plain
		Content json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return err
	}
	*m = Message(r.plain)
	var err error
	m.Content, err = ContentText(r.Content)
	return err
}

// ContentText reads a message's content as the OpenAI chat format allows
// it: a string, null or absent (an assistant turn that only calls tools),
// or a list of content parts whose text parts are joined. A part of
// another type (an image, audio, a file) cannot be carried as text and is
// an error.
func ContentText(raw json.RawMessage) (string, error) {
	c := bytes.TrimSpace(raw)
	switch {
	case len(c) == 0 || string(c) == "null":
		return "", nil
	case c[0] == '"':
		if len(c) >= 2 && c[len(c)-1] == '"' && bytes.IndexByte(c, '\\') < 0 && utf8.Valid(c) {
			return string(c[1 : len(c)-1]), nil // no escapes: the text as it stands
		}
		var s string
		err := json.Unmarshal(c, &s)
		return s, err
	case c[0] == '[':
		var parts []struct {
			Type string  `json:"type"`
			Text *string `json:"text"`
		}
		if err := json.Unmarshal(c, &parts); err != nil {
			return "", fmt.Errorf("content: %w", err)
		}
		var b strings.Builder
		for i, p := range parts {
			if p.Text == nil || (p.Type != "" && p.Type != "text") {
				return "", fmt.Errorf("content part %d is %q, not text", i, p.Type)
			}
			b.WriteString(*p.Text)
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("content is neither a string nor a list of parts")
}
