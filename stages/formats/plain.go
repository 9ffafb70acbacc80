package formats

import (
	"github.com/tuneprep/tuneprep/schemas"
)

// plainChat is a chat example reduced to what most formats carry: an
// optional leading system message and user/assistant turns of plain text.
type plainChat struct {
	system    string
	hasSystem bool
	turns     []schemas.Message
}

// plainOptions says what a format can carry beyond plain turns.
type plainOptions struct {
	weights bool // the caller handles Weight itself
}

// toPlain reduces ex to a plainChat, or says why the format called name
// cannot hold it without changing it.
func toPlain(name string, ex *schemas.Example, opt plainOptions) (plainChat, string) {
	var p plainChat
	if ex.Kind != schemas.KindChat {
		return p, name + ": needs chat messages, not " + kindName(ex.Kind)
	}
	if !isEmptyList(ex.Tools) {
		return p, name + ": cannot express tools"
	}
	for i, m := range ex.Messages {
		switch {
		case !isEmptyList(m.ToolCalls) || m.ToolCallID != "" || m.Role == "tool":
			return p, name + ": cannot express tool calls"
		case m.Name != "":
			return p, name + ": cannot express message names"
		case !opt.weights && m.Weight != nil && *m.Weight != 1:
			// Weight 1 is the default (the turn is trained); anything
			// else would be lost.
			return p, name + ": cannot express message weights other than 1"
		case m.Role == "system" && i > 0:
			return p, name + ": has no place for a system message after the first"
		case m.Role == "system":
			p.system, p.hasSystem = m.Content, true
		case m.Role == "user" || m.Role == "assistant":
			p.turns = append(p.turns, m)
		default:
			return p, name + ": has no role " + m.Role
		}
	}
	return p, ""
}

// alternates reports whether turns go user, assistant, user, ... and end
// with the assistant.
func alternates(turns []schemas.Message) bool {
	if len(turns) == 0 || len(turns)%2 != 0 {
		return false
	}
	for i, m := range turns {
		want := "user"
		if i%2 == 1 {
			want = "assistant"
		}
		if m.Role != want {
			return false
		}
	}
	return true
}

// turnOrder applies the two-sided role order (first user, last assistant,
// alternating) to turns, the assistant called assistant in the format.
func turnOrder(name, field string, turns []schemas.Message, assistant string) string {
	roles := make([]string, len(turns))
	for i, m := range turns {
		roles[i] = m.Role
		if m.Role == "assistant" {
			roles[i] = assistant
		}
	}
	if ps := checkTurns(field, roles, "user", assistant); len(ps) > 0 {
		return reasonOf(name, ps)
	}
	return ""
}

func kindName(k string) string {
	if k == "" {
		return "an empty example"
	}
	return k
}

// textPart is the {"text": ...} part of Bedrock and Gemini contents.
type textPart struct {
	Text string `json:"text"`
}
