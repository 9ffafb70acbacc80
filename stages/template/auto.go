package template

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
)

// The field names the auto kind knows, in order of preference. A record
// with one of each of autoUser and autoAssistant becomes a chat example;
// prompt + completion a completion example.
var (
	autoUser = []string{"instruction", "prompt", "question", "query", "input", "human", "user",
		"customer", "dialogue", "dialog", "conversation", "text", "document", "article", "source"}
	autoAssistant = []string{"response", "completion", "answer", "output", "assistant", "gpt",
		"agent", "summary", "section_text", "note", "target", "reply"}
	// autoContext fields go into the user message before the question.
	autoContext = []string{"context", "passage", "paragraphs", "paragraph", "table", "background", "knowledge", "evidence"}
	autoSystem  = []string{"system", "system_prompt"}
	// autoText fields make a text example when there is no pair.
	autoText = []string{"text", "content", "body", "document", "article", "markdown"}
)

// auto picks, in order: the example the record was read as (a record in one
// of the output formats); chat messages in the messages field; a known
// prompt/response pair (Alpaca's instruction + input joined, context fields
// before the question, prompt + completion kept as a completion); a text
// example when the record has a text field; else the record is dropped with
// the fields it has.
func (c *compiled) auto(d *schemas.Document) (*schemas.Example, *schemas.Drop) {
	if d.Example != nil {
		return d.Example, nil
	}
	if _, ok := d.Fields.Get(c.rule.MessagesField); ok {
		return passThrough(d, c.rule.MessagesField)
	}
	user, ufield := first(d.Fields, autoUser)
	asst, afield := first(d.Fields, autoAssistant)
	if user != "" && asst != "" && ufield != afield {
		if ufield == "prompt" && afield == "completion" {
			return &schemas.Example{Kind: schemas.KindCompletion, Prompt: user, Completion: asst}, nil
		}
		return c.autoChat(d, ufield, user, asst), nil
	}
	if c.hasText(d.Fields) && strings.TrimSpace(d.Text) != "" {
		return &schemas.Example{Kind: schemas.KindText, Text: d.Text}, nil
	}
	if f := nestedPairs(d.Fields); f != "" {
		return nil, pipeline.Dropf("no-pair", fmt.Sprintf("field %q holds prompt/response items: set input.explode: %s", f, f))
	}
	return nil, pipeline.Dropf("no-pair", fmt.Sprintf("auto found no prompt/response pair or text field among: %s; set template.rules (tuneprep init --in writes them) or input.text_fields", fieldNames(d.Fields)))
}

// nestedPairs returns the name of a JSON field holding a list of objects
// with a prompt/response pair (SQuAD's qas, TAT-QA's questions), which
// input.explode would make records of.
func nestedPairs(fs schemas.Fields) string {
	for _, f := range fs {
		if !f.Raw || !strings.HasPrefix(f.Value, "[{") {
			continue
		}
		var items []map[string]json.RawMessage
		if json.Unmarshal([]byte(f.Value), &items) != nil || len(items) == 0 {
			continue
		}
		hasAny := func(names []string) bool {
			for _, n := range names {
				if _, ok := items[0][n]; ok {
					return true
				}
			}
			return false
		}
		if hasAny(autoUser) && hasAny(autoAssistant) {
			return f.Name
		}
	}
	return ""
}

func (c *compiled) autoChat(d *schemas.Document, ufield, user, asst string) *schemas.Example {
	if ufield == "instruction" {
		if in, _ := d.Fields.Get("input"); strings.TrimSpace(in) != "" {
			user += "\n\n" + strings.TrimSpace(in)
		}
	}
	var ctx []string
	for _, n := range autoContext {
		if n == ufield {
			continue
		}
		if f, ok := field(d.Fields, n); ok {
			if t := strings.TrimSpace(fieldText(f)); t != "" {
				ctx = append(ctx, t)
			}
		}
	}
	if len(ctx) > 0 {
		user = strings.Join(ctx, "\n\n") + "\n\n" + user
	}
	ex := &schemas.Example{Kind: schemas.KindChat}
	if sys, _ := first(d.Fields, autoSystem); sys != "" {
		ex.Messages = append(ex.Messages, schemas.Message{Role: "system", Content: sys})
	}
	ex.Messages = append(ex.Messages, schemas.Message{Role: "user", Content: user}, schemas.Message{Role: "assistant", Content: asst})
	return ex
}

func (c *compiled) hasText(fs schemas.Fields) bool {
	for _, names := range [][]string{c.textFields, autoText} {
		for _, n := range names {
			if v, ok := fs.Get(n); ok && strings.TrimSpace(v) != "" {
				return true
			}
		}
	}
	return false
}

// first returns the first named field with text, as text (a JSON value
// rendered readably: an answer list joined, a table as rows).
func first(fs schemas.Fields, names []string) (value, name string) {
	for _, n := range names {
		if f, ok := field(fs, n); ok {
			if v := strings.TrimSpace(fieldText(f)); v != "" {
				return v, n
			}
		}
	}
	return "", ""
}

func field(fs schemas.Fields, name string) (schemas.Field, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f, true
		}
	}
	return schemas.Field{}, false
}

// fieldNames lists a record's field names for drop details (names only:
// values may be sensitive), the first maxNamesListed of them: a CSV file
// may have a hundred thousand columns.
func fieldNames(fs schemas.Fields) string {
	if len(fs) == 0 {
		return "no fields"
	}
	names := make([]string, 0, min(len(fs), maxNamesListed+1))
	for _, f := range fs[:min(len(fs), maxNamesListed)] {
		names = append(names, f.Name)
	}
	if len(fs) > maxNamesListed {
		names = append(names, fmt.Sprintf("and %d more", len(fs)-maxNamesListed))
	}
	return strings.Join(names, ", ")
}

const maxNamesListed = 50

// passThrough takes chat messages (and tools) from a JSON field unchanged;
// a record read as a chat example has them already.
func passThrough(d *schemas.Document, field string) (*schemas.Example, *schemas.Drop) {
	raw, ok := d.Fields.Get(field)
	if !ok {
		if d.Example != nil && d.Example.Kind == schemas.KindChat {
			return d.Example, nil
		}
		return nil, pipeline.Dropf("missing-field", fmt.Sprintf("no %q field with chat messages (the record has %s)", field, fieldNames(d.Fields)))
	}
	var msgs []schemas.Message
	if err := json.Unmarshal([]byte(raw), &msgs); err != nil {
		return nil, pipeline.Dropf("bad-messages", fmt.Sprintf("field %q: %v", field, err))
	}
	if len(msgs) == 0 {
		return nil, pipeline.Dropf("bad-messages", fmt.Sprintf("field %q has no messages", field))
	}
	ex := &schemas.Example{Kind: schemas.KindChat, Messages: msgs}
	if tools, ok := d.Fields.Get("tools"); ok {
		if !json.Valid([]byte(tools)) {
			return nil, pipeline.Dropf("bad-messages", `field "tools" is not JSON`)
		}
		ex.Tools = json.RawMessage(tools)
	}
	return ex, nil
}
