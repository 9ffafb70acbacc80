package formats

import (
	"strconv"

	"github.com/tuneprep/tuneprep/schemas"
)

var trlText = Format{
	Name:       "trl-text",
	Doc:        `{"text"} for continued pre-training (TRL, Together, Axolotl "completion")`,
	Ext:        ".jsonl",
	SchemaFile: "trl-text.schema.json",
	Schema:     schemaFor("trl-text.schema.json"),
	render:     renderText,
}

type textRecord struct {
	Text string `json:"text"`
}

func renderText(ex *schemas.Example) (any, string) {
	if ex.Kind != schemas.KindText {
		return nil, "trl-text: needs a text example, not " + kindName(ex.Kind)
	}
	return textRecord{ex.Text}, ""
}

var trlPromptCompletion = Format{
	Name:       "trl-prompt-completion",
	Doc:        `conversational {"prompt":[messages],"completion":[last assistant message]} (TRL, Together)`,
	Ext:        ".jsonl",
	SchemaFile: "trl-prompt-completion.schema.json",
	Schema:     schemaFor("trl-prompt-completion.schema.json"),
	render:     renderPromptCompletion,
	check:      checkPromptCompletion,
}

type roleContent struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type promptCompletionRecord struct {
	Prompt     []roleContent `json:"prompt"`
	Completion []roleContent `json:"completion"`
}

// renderPromptCompletion puts every message before the last assistant turn
// in the prompt. The trainer learns the completion only, so earlier
// assistant turns are context (as weight 0 would make them): an explicit
// weight 1 on one of them, or weight 0 on the last, cannot be kept.
func renderPromptCompletion(ex *schemas.Example) (any, string) {
	const name = "trl-prompt-completion"
	if _, reason := toPlain(name, ex, plainOptions{weights: true}); reason != "" {
		return nil, reason
	}
	last := len(ex.Messages) - 1
	if last < 0 || ex.Messages[last].Role != "assistant" {
		return nil, name + ": the last message must be the assistant's"
	}
	rec := promptCompletionRecord{Completion: []roleContent{{"assistant", ex.Messages[last].Content}}}
	if w := ex.Messages[last].Weight; w != nil && *w != 1 {
		return nil, name + ": cannot leave the completion untrained (weight 0)"
	}
	for _, m := range ex.Messages[:last] {
		if m.Role == "assistant" && m.Weight != nil && *m.Weight != 0 {
			return nil, name + ": cannot train an assistant turn before the last (weight 1)"
		}
		rec.Prompt = append(rec.Prompt, roleContent{m.Role, m.Content})
	}
	if ps := promptCompletionRules(rec); len(ps) > 0 {
		return nil, reasonOf(name, ps)
	}
	return rec, ""
}

func checkPromptCompletion(record []byte) []Problem {
	var rec promptCompletionRecord
	if ps := decode(record, &rec); ps != nil {
		return ps
	}
	return promptCompletionRules(rec)
}

func promptCompletionRules(rec promptCompletionRecord) []Problem {
	var ps []Problem
	user := false
	for i, m := range rec.Prompt {
		at := "prompt[" + strconv.Itoa(i) + "]"
		switch m.Role {
		case "user":
			user = true
		case "system":
			if i > 0 {
				ps = append(ps, problemf(CodeSystemPosition, "%s: system message after the first", at))
			}
		case "assistant":
		default:
			ps = append(ps, problemf(CodeUnknownRole, "%s: role %q", at, m.Role))
		}
	}
	if !user {
		ps = append(ps, problemf(CodeNoUser, "prompt has no user message"))
	}
	if len(rec.Completion) != 1 || rec.Completion[0].Role != "assistant" {
		ps = append(ps, problemf(CodeNoAssistant, "completion must be exactly one assistant message"))
	}
	return ps
}
