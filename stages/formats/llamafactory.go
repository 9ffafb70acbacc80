package formats

import (
	"encoding/json"
	"strconv"

	"github.com/tuneprep/tuneprep/schemas"
)

// The Alpaca and ShareGPT shapes as LLaMA-Factory reads them.

var alpaca = Format{
	Name:       "alpaca",
	Doc:        `JSON array of {"instruction","input","output","system","history"} (Alpaca, LLaMA-Factory)`,
	Ext:        ".json",
	SchemaFile: "alpaca.schema.json",
	Schema:     schemaFor("alpaca.schema.json"),
	render:     renderAlpaca,

	llamaFactory: &alpacaDataset,
}

var alpacaJSONL = Format{
	Name:       "alpaca-jsonl",
	Doc:        `the alpaca objects one per line`,
	Ext:        ".jsonl",
	SchemaFile: "alpaca.schema.json",
	Schema:     schemaFor("alpaca.schema.json"),
	render:     func(ex *schemas.Example) (any, string) { return renderAlpacaNamed("alpaca-jsonl", ex) },

	llamaFactory: &alpacaDataset,
}

// LlamaFactoryDataset is one entry of LLaMA-Factory's data/dataset_info.json:
// the file and the names of the columns (and, for sharegpt, of the turn
// keys and roles) it holds. It lists only what the renderers write.
type LlamaFactoryDataset struct {
	FileName   string              `json:"file_name"`
	Formatting string              `json:"formatting"`
	Columns    LlamaFactoryColumns `json:"columns"`
	Tags       *LlamaFactoryTags   `json:"tags,omitempty"`
}

// LlamaFactoryColumns maps LLaMA-Factory's column roles to record keys. The
// field order gives alpaca's prompt, query, response, system, history and
// sharegpt's messages, system, tools.
type LlamaFactoryColumns struct {
	Prompt   string `json:"prompt,omitempty"`
	Query    string `json:"query,omitempty"`
	Response string `json:"response,omitempty"`
	Messages string `json:"messages,omitempty"`
	System   string `json:"system,omitempty"`
	History  string `json:"history,omitempty"`
	Tools    string `json:"tools,omitempty"`
}

// LlamaFactoryTags names the keys and role values of sharegpt turns.
type LlamaFactoryTags struct {
	RoleTag        string `json:"role_tag"`
	ContentTag     string `json:"content_tag"`
	UserTag        string `json:"user_tag"`
	AssistantTag   string `json:"assistant_tag"`
	ObservationTag string `json:"observation_tag"`
	FunctionTag    string `json:"function_tag"`
}

var alpacaDataset = LlamaFactoryDataset{Formatting: "alpaca", Columns: LlamaFactoryColumns{
	Prompt: "instruction", Query: "input", Response: "output", System: "system", History: "history"}}

// shareGPTDataset has no system_tag: renderShareGPT moves a system message
// to the system column and never writes a "system" turn.
var shareGPTDataset = LlamaFactoryDataset{Formatting: "sharegpt",
	Columns: LlamaFactoryColumns{Messages: "conversations", System: "system", Tools: "tools"},
	Tags: &LlamaFactoryTags{RoleTag: "from", ContentTag: "value", UserTag: "human", AssistantTag: "gpt",
		ObservationTag: "observation", FunctionTag: "function_call"}}

// LlamaFactory returns the dataset_info.json entry for a file of this
// format named fileName (relative to the dataset_info.json folder); ok is
// false for formats LLaMA-Factory does not read as they are.
func (f Format) LlamaFactory(fileName string) (d LlamaFactoryDataset, ok bool) {
	if f.llamaFactory == nil {
		return d, false
	}
	d = *f.llamaFactory
	if d.Tags != nil {
		tags := *d.Tags
		d.Tags = &tags
	}
	d.FileName = fileName
	return d, true
}

type alpacaRecord struct {
	Instruction string      `json:"instruction"`
	Input       string      `json:"input"`
	Output      string      `json:"output"`
	System      string      `json:"system,omitempty"`
	History     [][2]string `json:"history,omitempty"`
}

func renderAlpaca(ex *schemas.Example) (any, string) { return renderAlpacaNamed("alpaca", ex) }

// renderAlpacaNamed puts the last user turn in instruction (input stays
// empty: LLaMA-Factory joins instruction and input anyway) and earlier
// [user, assistant] pairs in history. LLaMA-Factory trains on history
// answers too, which matches chat's default weight 1.
func renderAlpacaNamed(name string, ex *schemas.Example) (any, string) {
	if ex.Kind == schemas.KindCompletion {
		return alpacaRecord{Instruction: ex.Prompt, Output: ex.Completion}, ""
	}
	p, reason := toPlain(name, ex, plainOptions{})
	switch {
	case ex.Kind != schemas.KindChat:
		return nil, name + ": needs a chat or prompt/completion example, not " + kindName(ex.Kind)
	case reason != "":
		return nil, reason
	case !alternates(p.turns):
		return nil, name + ": needs alternating user/assistant turns ending with the assistant"
	}
	n := len(p.turns)
	rec := alpacaRecord{Instruction: p.turns[n-2].Content, Output: p.turns[n-1].Content, System: p.system}
	for i := 0; i+2 < n; i += 2 {
		rec.History = append(rec.History, [2]string{p.turns[i].Content, p.turns[i+1].Content})
	}
	return rec, ""
}

var shareGPT = Format{
	Name:       "sharegpt",
	Doc:        `{"conversations":[{"from":"human"|"gpt"|"function_call"|"observation","value"}],"system","tools"} (LLaMA-Factory)`,
	Ext:        ".jsonl",
	SchemaFile: "sharegpt.schema.json",
	Schema:     schemaFor("sharegpt.schema.json"),
	render:     renderShareGPT,
	check:      checkShareGPT,

	llamaFactory: &shareGPTDataset,
}

type shareGPTTurn struct {
	From  string `json:"from"`
	Value string `json:"value"`
}

type shareGPTRecord struct {
	Conversations []shareGPTTurn `json:"conversations"`
	System        string         `json:"system,omitempty"`
	Tools         string         `json:"tools,omitempty"`
}

// shareGPTCall is the function_call value LLaMA-Factory parses: the
// arguments as a JSON object, not OpenAI's string.
type shareGPTCall struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

// renderShareGPT maps user to human, assistant to gpt, an assistant turn
// that only calls one tool to function_call, and the tool's answer to
// observation. Tools travel as a JSON string, as LLaMA-Factory reads them.
func renderShareGPT(ex *schemas.Example) (any, string) {
	const name = "sharegpt"
	if ex.Kind != schemas.KindChat {
		return nil, name + ": needs chat messages, not " + kindName(ex.Kind)
	}
	var rec shareGPTRecord
	if !isEmptyList(ex.Tools) {
		tools, err := compact(ex.Tools)
		if err != nil {
			return nil, name + ": tools are not valid JSON"
		}
		rec.Tools = tools
	}
	lastCall := ""
	for i, m := range ex.Messages {
		turn, callID, reason := shareGPTTurnOf(name, i, m, lastCall)
		switch {
		case reason != "":
			return nil, reason
		case turn.From == "system":
			rec.System = m.Content
			continue
		}
		lastCall = callID
		rec.Conversations = append(rec.Conversations, turn)
	}
	if ps := shareGPTRules(rec.Conversations); len(ps) > 0 {
		return nil, reasonOf(name, ps)
	}
	return rec, ""
}

// shareGPTTurnOf maps one message; lastCall is the id of the call the
// previous turn made, which a tool message must answer (ShareGPT links
// call and observation by position only).
func shareGPTTurnOf(name string, i int, m schemas.Message, lastCall string) (t shareGPTTurn, callID, reason string) {
	switch {
	case m.Name != "":
		return t, "", name + ": cannot express message names"
	case m.Weight != nil && *m.Weight != 1:
		return t, "", name + ": cannot express message weights other than 1"
	}
	switch m.Role {
	case "system":
		if i > 0 {
			return t, "", name + ": has no place for a system message after the first"
		}
		return shareGPTTurn{"system", m.Content}, "", ""
	case "user":
		return shareGPTTurn{"human", m.Content}, "", ""
	case "assistant":
		if isEmptyList(m.ToolCalls) {
			return shareGPTTurn{"gpt", m.Content}, "", ""
		}
		return shareGPTFunctionCall(name, m)
	case "tool":
		if lastCall == "" || m.ToolCallID != lastCall {
			return t, "", name + ": a tool message must answer the call just before it"
		}
		return shareGPTTurn{"observation", m.Content}, "", ""
	}
	return t, "", name + ": has no role " + m.Role
}

func shareGPTFunctionCall(name string, m schemas.Message) (shareGPTTurn, string, string) {
	var calls []struct {
		ID       string `json:"id"`
		Function struct {
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
		} `json:"function"`
	}
	if err := json.Unmarshal(m.ToolCalls, &calls); err != nil {
		return shareGPTTurn{}, "", name + ": tool calls are not valid"
	}
	switch {
	case m.Content != "":
		return shareGPTTurn{}, "", name + ": cannot express text and a tool call in one turn"
	case len(calls) != 1:
		return shareGPTTurn{}, "", name + ": cannot express parallel tool calls"
	case !argumentsJSON(calls[0].Function.Arguments):
		return shareGPTTurn{}, "", name + ": " + ruleText(CodeArguments)
	}
	var args string
	_ = json.Unmarshal(calls[0].Function.Arguments, &args) // checked by argumentsJSON
	value, err := marshalLine(shareGPTCall{calls[0].Function.Name, json.RawMessage(args)})
	if err != nil {
		return shareGPTTurn{}, "", name + ": tool call arguments are not valid JSON"
	}
	return shareGPTTurn{"function_call", string(value[:len(value)-1])}, calls[0].ID, ""
}

// compact returns raw as compact JSON text without HTML escaping.
func compact(raw json.RawMessage) (string, error) {
	b, err := marshalLine(raw)
	if err != nil {
		return "", err
	}
	return string(b[:len(b)-1]), nil
}

// checkShareGPT applies LLaMA-Factory's positions: human and observation
// at odd positions (1-based), gpt and function_call at even ones, after an
// optional leading system turn; so the conversation ends with gpt or
// function_call.
func checkShareGPT(record []byte) []Problem {
	var rec struct {
		Conversations []shareGPTTurn `json:"conversations"`
	}
	if ps := decode(record, &rec); ps != nil {
		return ps
	}
	return shareGPTRules(rec.Conversations)
}

func shareGPTRules(conversations []shareGPTTurn) []Problem {
	var ps []Problem
	turns := conversations
	if len(turns) > 0 && turns[0].From == "system" {
		turns = turns[1:]
	}
	offset := len(conversations) - len(turns)
	for i, t := range turns {
		at := "conversations[" + strconv.Itoa(i+offset) + "]"
		odd := i%2 == 0 // 1-based position among the non-system turns
		switch t.From {
		case "human", "observation":
			if !odd {
				ps = append(ps, problemf(CodePosition, "%s: %s at an even position", at, t.From))
			}
		case "gpt", "function_call":
			if odd {
				ps = append(ps, problemf(CodePosition, "%s: %s at an odd position", at, t.From))
			}
			if t.From == "function_call" && !json.Valid([]byte(t.Value)) {
				ps = append(ps, problemf(CodeArguments, "%s: function_call value is not JSON", at))
			}
		case "system":
			ps = append(ps, problemf(CodeSystemPosition, "%s: system turn after the first", at))
		default:
			ps = append(ps, problemf(CodeUnknownRole, "%s: from %q", at, t.From))
		}
	}
	if n := len(turns); n == 0 || (turns[n-1].From != "gpt" && turns[n-1].From != "function_call") {
		ps = append(ps, problemf(CodeLastRole, "conversations must end with gpt or function_call"))
	}
	return ps
}
