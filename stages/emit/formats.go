package emit

import (
	"bytes"
	"encoding/json"
	"sort"

	"github.com/tuneprep/tuneprep/schemas"
)

// format renders an example as one JSONL line, or says why it cannot.
type format struct {
	name   string
	doc    string
	render func(ex *schemas.Example) (line []byte, reason string, err error)
}

// formats is the table of output formats.
var formats = []format{
	{"openai-chat", `{"messages":[{"role","content"}...]} (also Together, TRL conversational, Mistral)`, renderChat},
	{"openai-completion", `{"prompt","completion"} (also Bedrock non-chat models)`, renderCompletion},
	{"trl-text", `{"text"} for continued pre-training`, renderText},
}

func lookup(name string) (format, bool) {
	for _, f := range formats {
		if f.name == name {
			return f, true
		}
	}
	return format{}, false
}

// FormatNames lists the known format names, sorted.
func FormatNames() []string {
	var n []string
	for _, f := range formats {
		n = append(n, f.name)
	}
	sort.Strings(n)
	return n
}

// marshalLine encodes v as one line without HTML escaping.
func marshalLine(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type chatLine struct {
	Messages []schemas.Message `json:"messages"`
	Tools    json.RawMessage   `json:"tools,omitempty"`
}

func renderChat(ex *schemas.Example) ([]byte, string, error) {
	if ex.Kind != schemas.KindChat {
		return nil, "openai-chat needs chat messages, not " + ex.Kind, nil
	}
	hasAssistant := false
	for _, m := range ex.Messages {
		hasAssistant = hasAssistant || m.Role == "assistant"
	}
	if !hasAssistant {
		return nil, "openai-chat needs an assistant message", nil
	}
	b, err := marshalLine(chatLine{Messages: ex.Messages, Tools: ex.Tools})
	return b, "", err
}

type completionLine struct {
	Prompt     string `json:"prompt"`
	Completion string `json:"completion"`
}

func renderCompletion(ex *schemas.Example) ([]byte, string, error) {
	if ex.Kind != schemas.KindCompletion {
		return nil, "openai-completion needs a prompt/completion example, not " + ex.Kind, nil
	}
	b, err := marshalLine(completionLine{ex.Prompt, ex.Completion})
	return b, "", err
}

type textLine struct {
	Text string `json:"text"`
}

func renderText(ex *schemas.Example) ([]byte, string, error) {
	if ex.Kind != schemas.KindText {
		return nil, "trl-text needs a text example, not " + ex.Kind, nil
	}
	b, err := marshalLine(textLine{ex.Text})
	return b, "", err
}
