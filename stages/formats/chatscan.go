package formats

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/jsonl"
)

// Reading openai-chat records, the format of most files validated and
// counted, by slicing the JSON instead of decoding it with reflection: one
// check of the bytes, then the members are sliced out and only strings are
// decoded. encoding/json stays the specification: wherever it could read a
// record differently from what slicing sees (a key that matches a field
// only ignoring case, a repeated messages key, a value of the wrong type,
// JSON that is not valid), the scan gives up and the encoding/json path
// runs, with its exact errors. Tests hold both paths to the same results.

// chatScan is an openai-chat record as written: each message's members,
// and tools.
type chatScan struct {
	msgs  []scannedTurn
	tools []byte // nil when absent
	// plain says the record surely satisfies the openai-chat schema: only
	// a non-empty messages list of messages with a known role, string (or
	// null) content, a string name and a weight written 0 or 1, and no
	// other members. Anything else is left to the schema validator.
	plain bool
}

// scannedTurn holds the raw JSON of a message's members (nil when absent).
type scannedTurn struct {
	role, content, name, weight, toolCalls, toolCallID, functionCall []byte
	other                                                            bool // members the scan does not read
}

// turnKeys are the message members either decoding path reads.
var turnKeys = []string{"role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call"}

// scanChat slices record; ok is false when the encoding/json path must
// decide.
func scanChat(record []byte) (sc chatScan, ok bool) {
	if !jsonl.Valid(record) {
		return sc, false
	}
	ok, sawMessages, other := true, false, false
	isObject := jsonl.Object(record, func(key, v []byte) bool {
		switch string(key) {
		case "messages":
			if sawMessages { // encoding/json would merge the two arrays
				ok = false
				return false
			}
			sawMessages = true
			sc.msgs, ok = scanTurns(v)
		case "tools":
			if sc.tools != nil {
				ok = false
				return false
			}
			sc.tools = v
		default:
			other = true
			ok = !bytes.EqualFold(key, []byte("messages")) && !bytes.EqualFold(key, []byte("tools"))
		}
		return ok
	})
	if ok = ok && isObject; ok {
		sc.plain = sawMessages && !other && sc.tools == nil && plainTurns(sc.msgs)
	}
	return sc, ok
}

// plainTurns reports whether turns are a non-empty list that the message
// schema surely accepts (see chatScan.plain).
func plainTurns(turns []scannedTurn) bool {
	if len(turns) == 0 {
		return false
	}
	for _, t := range turns {
		switch {
		case t.other || t.toolCalls != nil || t.toolCallID != nil || t.functionCall != nil:
			return false
		case t.role == nil || !knownRole(t.role):
			return false // also a null message (no role)
		case t.content != nil && t.content[0] != '"' && t.content[0] != 'n':
			return false
		case t.name != nil && t.name[0] != '"':
			return false
		case t.weight != nil && string(t.weight) != "0" && string(t.weight) != "1":
			return false
		}
	}
	return true
}

// knownRole reports whether raw is one of the schema's roles, written
// without escapes.
func knownRole(raw []byte) bool {
	switch string(raw) {
	case `"system"`, `"developer"`, `"user"`, `"assistant"`, `"tool"`, `"function"`:
		return true
	}
	return false
}

// scanTurns slices the messages array: null is a message without members,
// as encoding/json decodes it. A member given twice ends the scan: the two
// decoders differ on which one counts (a null does not replace a string).
func scanTurns(v []byte) ([]scannedTurn, bool) {
	if v[0] == 'n' {
		return nil, true
	}
	var turns []scannedTurn
	ok := true
	isArray := jsonl.Array(v, func(el []byte) bool {
		var t scannedTurn
		if el[0] != 'n' {
			ok = jsonl.Object(el, func(key, m []byte) bool {
				ok = t.set(key, m)
				return ok
			}) && ok
		}
		turns = append(turns, t)
		return ok
	})
	return turns, ok && isArray
}

// set records member key; false when encoding/json must decide: the key
// given twice, or matching one the decoders read only ignoring case.
func (t *scannedTurn) set(key, v []byte) bool {
	p := t.member(key)
	if p == nil {
		t.other = true
		for _, k := range turnKeys {
			if bytes.EqualFold(key, []byte(k)) {
				return false
			}
		}
		return true
	}
	if *p != nil {
		return false
	}
	*p = v
	return true
}

// member returns where the member named key goes, or nil.
func (t *scannedTurn) member(key []byte) *[]byte {
	switch string(key) {
	case "role":
		return &t.role
	case "content":
		return &t.content
	case "name":
		return &t.name
	case "weight":
		return &t.weight
	case "tool_calls":
		return &t.toolCalls
	case "tool_call_id":
		return &t.toolCallID
	case "function_call":
		return &t.functionCall
	}
	return nil
}

// stringOf decodes a member that encoding/json decodes into a string: absent
// or null leave it empty; ok is false for any other type. The roles are
// shared strings, not one copy per message.
func stringOf(raw []byte) (string, bool) {
	switch {
	case raw == nil || raw[0] == 'n':
		return "", true
	case raw[0] != '"':
		return "", false
	}
	switch string(raw) {
	case `"user"`:
		return "user", true
	case `"assistant"`:
		return "assistant", true
	case `"system"`:
		return "system", true
	}
	s, err := jsonl.Unquote(raw)
	return s, err == nil
}

// checkTurns returns the turns as checkChat decodes them.
func (sc chatScan) checkTurns() ([]chatTurn, bool) {
	turns := make([]chatTurn, len(sc.msgs))
	for i, m := range sc.msgs {
		role, ok := stringOf(m.role)
		if !ok {
			return nil, false
		}
		turns[i] = chatTurn{Role: role, Content: m.content, Weight: m.weight, ToolCalls: m.toolCalls,
			ToolCallID: m.toolCallID, FunctionCall: m.functionCall}
	}
	return turns, true
}

// example returns the example parseChat decodes.
func (sc chatScan) example() (*schemas.Example, bool) {
	msgs := make([]schemas.Message, len(sc.msgs))
	for i, m := range sc.msgs {
		role, ok1 := stringOf(m.role)
		name, ok2 := stringOf(m.name)
		callID, ok3 := stringOf(m.toolCallID)
		weight, ok4 := weightOf(m.weight)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return nil, false
		}
		var content string
		var err error
		if m.content != nil && m.content[0] == '"' {
			content, err = jsonl.Unquote(m.content)
		} else {
			content, err = schemas.ContentText(m.content)
		}
		if err != nil {
			return nil, false // the encoding/json path words the error
		}
		msgs[i] = schemas.Message{Role: role, Content: content, Name: name, Weight: weight, ToolCalls: clone(m.toolCalls), ToolCallID: callID}
	}
	ex := chatOf(msgs)
	ex.Tools = clone(sc.tools)
	return ex, true
}

// weightOf decodes a member that encoding/json decodes into an *int.
func weightOf(raw []byte) (*int, bool) {
	if raw == nil || raw[0] == 'n' {
		return nil, true
	}
	w, err := strconv.ParseInt(string(raw), 10, strconv.IntSize)
	if err != nil {
		return nil, false
	}
	n := int(w)
	return &n, true
}

// clone copies raw JSON, as decoding into a json.RawMessage does.
func clone(raw []byte) json.RawMessage {
	if raw == nil {
		return nil
	}
	return append(json.RawMessage(nil), raw...)
}
