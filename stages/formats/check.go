package formats

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Problem is one broken rule in a record.
type Problem struct {
	// Code names the rule (one of the Code constants); stable for scripts.
	Code string `json:"code"`
	// Message says where and how, e.g. "messages[2]: weight on a user message".
	Message string `json:"message"`
}

// Problem codes: the rules Check enforces.
const (
	CodeInvalidJSON       = "invalid-json"         // not a JSON object
	CodeBadShape          = "bad-shape"            // fields of the wrong type
	CodeNoAssistant       = "no-assistant"         // no assistant message to train on
	CodeNoUser            = "no-user"              // no user message
	CodeWeightRole        = "weight-not-assistant" // weight on a non-assistant message
	CodeWeightValue       = "weight-not-0-or-1"    // weight other than 0 or 1
	CodeMissingContent    = "missing-content"      // content missing where required
	CodeToolCallsRole     = "tool-calls-not-assistant"
	CodeArguments         = "arguments-not-json"     // tool call arguments are not a string holding JSON
	CodeMissingToolCallID = "missing-tool-call-id"   // tool message without tool_call_id
	CodeUnknownToolCallID = "unknown-tool-call-id"   // tool_call_id of no earlier tool call
	CodeDuplicateCallID   = "duplicate-tool-call-id" // two tool calls with one id
	CodeUnknownRole       = "unknown-role"           // a role the format does not have
	CodeFirstRole         = "first-role"             // the conversation starts with the wrong role
	CodeLastRole          = "last-role"              // the conversation ends with the wrong role
	CodeAlternation       = "not-alternating"        // two turns of one side in a row
	CodeSystemPosition    = "system-not-first"       // a system turn after the first position
	CodePosition          = "wrong-position"         // ShareGPT: a turn at an odd/even position it may not take
)

// rules are the index-free texts of the codes, used in skip reasons so
// that a report counts one reason per rule rather than one per position.
var rules = map[string]string{
	CodeInvalidJSON:       "not a JSON object",
	CodeBadShape:          "fields of the wrong type",
	CodeNoAssistant:       "needs an assistant message",
	CodeNoUser:            "needs a user message",
	CodeWeightRole:        "weight only on assistant messages",
	CodeWeightValue:       "weight must be 0 or 1",
	CodeMissingContent:    "content missing",
	CodeToolCallsRole:     "tool calls only on assistant messages",
	CodeArguments:         "tool call arguments must be a string holding JSON",
	CodeMissingToolCallID: "tool message without tool_call_id",
	CodeUnknownToolCallID: "tool_call_id matches no earlier tool call",
	CodeDuplicateCallID:   "tool call ids must be unique",
	CodeUnknownRole:       "role not in the format",
	CodeFirstRole:         "conversation starts with the wrong role",
	CodeLastRole:          "conversation ends with the wrong role",
	CodeAlternation:       "roles must alternate",
	CodeSystemPosition:    "system message only first",
	CodePosition:          "turn at a position its role may not take",
}

// reasonOf turns the first broken rule into a skip reason.
func reasonOf(name string, ps []Problem) string {
	return name + ": " + ruleText(ps[0].Code)
}

func ruleText(code string) string {
	if t, ok := rules[code]; ok {
		return t
	}
	return code
}

func problemf(code, format string, args ...any) Problem {
	return Problem{Code: code, Message: fmt.Sprintf(format, args...)}
}

// decode unmarshals one record into v. It reports a record that is not a
// JSON object, or has fields of the wrong type, as a single problem: the
// finer checks need the shape, and the schema explains the types.
func decode(record []byte, v any) []Problem {
	rec := bytes.TrimSpace(record)
	if len(rec) == 0 || rec[0] != '{' {
		return []Problem{problemf(CodeInvalidJSON, "record is not a JSON object")}
	}
	if err := json.Unmarshal(rec, v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return []Problem{problemf(CodeInvalidJSON, "record is not valid JSON: %v", err)}
		}
		return []Problem{problemf(CodeBadShape, "%v", err)}
	}
	return nil
}

// checkTurns checks a conversation of two sides that must alternate,
// starting with first and ending with last; field names the list in
// messages ("messages", "contents").
func checkTurns(field string, roles []string, first, last string) []Problem {
	var ps []Problem
	for i, r := range roles {
		switch {
		case r != first && r != last:
			ps = append(ps, problemf(CodeUnknownRole, "%s[%d]: role %q (want %s or %s)", field, i, r, first, last))
		case i > 0 && r == roles[i-1]:
			ps = append(ps, problemf(CodeAlternation, "%s[%d]: %s follows %s", field, i, r, r))
		}
	}
	if len(roles) == 0 {
		return append(ps, problemf(CodeFirstRole, "%s is empty", field))
	}
	if roles[0] != first {
		ps = append(ps, problemf(CodeFirstRole, "%s[0]: first role is %q, want %q", field, roles[0], first))
	}
	if n := len(roles) - 1; roles[n] != last {
		ps = append(ps, problemf(CodeLastRole, "%s[%d]: last role is %q, want %q", field, n, roles[n], last))
	}
	return ps
}

// argumentsJSON reports whether raw is a JSON string whose text is JSON, as
// OpenAI's tool calls carry their arguments.
func argumentsJSON(raw json.RawMessage) bool {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return false
	}
	return json.Valid([]byte(s))
}

// isNull reports whether a field is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}
