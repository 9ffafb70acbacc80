package formats

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/tuneprep/tuneprep/stages/jsonl"
)

// Detect guesses the format of one record from its top-level keys, for
// validating a file whose format is not given. The first record of a file
// is usually enough. Shapes several formats share resolve to the most
// common reader: {"messages"} is openai-chat (also Together, TRL, Mistral),
// {"prompt","completion"} with strings is openai-completion, an alpaca
// object is alpaca-jsonl and a whole JSON array of them is alpaca. ok is
// false for anything else, including input that is not JSON. One record
// cannot always tell: see Alike for formats only a whole file separates,
// and InContainer for the format of records found in a JSON array.
func Detect(record []byte) (name string, ok bool) {
	rec := bytes.TrimSpace(record)
	if len(rec) > 0 && rec[0] == '[' {
		return detectArray(rec)
	}
	if !jsonl.Valid(rec) {
		return "", false
	}
	// The keys with the first byte of their value; the last of a repeated
	// key counts, as it does in a map.
	type member struct {
		key   []byte
		first byte
	}
	var buf [8]member
	members := buf[:0]
	if !jsonl.Object(rec, func(k, v []byte) bool {
		members = append(members, member{k, v[0]})
		return true
	}) {
		return "", false
	}
	last := func(k string) (byte, bool) {
		for i := len(members) - 1; i >= 0; i-- {
			if string(members[i].key) == k {
				return members[i].first, true
			}
		}
		return 0, false
	}
	has := func(k string) bool { _, ok := last(k); return ok }
	return DetectKeys(has, func(k string) bool { c, _ := last(k); return c == '"' })
}

// DetectKeys is Detect for a record already decoded: has reports whether
// the record has a key, isString whether its value is a JSON string.
func DetectKeys(has, isString func(key string) bool) (name string, ok bool) {
	switch {
	case has("schemaVersion"):
		return bedrockConversation.Name, true
	case has("contents"):
		return vertexGemini.Name, true
	case has("conversations"):
		return shareGPT.Name, true
	case has("instruction") && has("output"):
		return alpacaJSONL.Name, true
	case has("messages") && isString("system"):
		return bedrockClaude.Name, true
	case has("messages"):
		return openAIChat.Name, true
	case has("prompt") && has("completion"):
		if isString("prompt") {
			return openAICompletion.Name, true
		}
		return trlPromptCompletion.Name, true
	case has("text"):
		return trlText.Name, true
	}
	return "", false
}

// detectArray recognises an alpaca array file by its first element; an
// empty array is an (empty) alpaca file too.
func detectArray(rec []byte) (string, bool) {
	var elems []json.RawMessage
	if json.Unmarshal(rec, &elems) != nil {
		return "", false
	}
	if len(elems) == 0 {
		return alpaca.Name, true
	}
	if name, ok := Detect(elems[0]); ok && name == alpacaJSONL.Name {
		return alpaca.Name, true
	}
	return "", false
}

// alike groups the formats whose records can be the very same bytes. A
// {"messages"} record whose turns are user/assistant strings alternating
// from user to assistant, with no "system" key, is valid openai-chat and
// valid bedrock-claude: only evidence elsewhere in the file (a top-level
// "system", which openai-chat forbids; a system message, weight, name or
// tool call, which bedrock-claude forbids) tells them apart.
var alike = [][]string{{openAIChat.Name, bedrockClaude.Name}}

// Alike lists the other formats a record detected as name may equally
// belong to, or nil. Detect picks one of them by the record's keys; a
// validator that sees the whole file should check it under each.
func Alike(name string) []string {
	for _, group := range alike {
		if slices.Contains(group, name) {
			return slices.DeleteFunc(slices.Clone(group), func(n string) bool { return n == name })
		}
	}
	return nil
}

// InContainer returns the format that holds records of format name in a
// file that is one JSON array (array true) or one record per line (array
// false): alpaca and alpaca-jsonl hold the same records, so an alpaca-jsonl
// record found in an array is alpaca. ok is false when no format holds such
// records that way (chat records in an array, say).
func InContainer(name string, array bool) (string, bool) {
	f, ok := Lookup(name)
	if !ok {
		return "", false
	}
	if f.Array() == array {
		return name, true
	}
	for _, g := range table {
		if g.SchemaFile == f.SchemaFile && g.Array() == array {
			return g.Name, true
		}
	}
	return "", false
}

func isString(raw json.RawMessage) bool {
	return len(raw) > 0 && raw[0] == '"'
}
