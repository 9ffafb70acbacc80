package formats

import (
	"github.com/tuneprep/tuneprep/schemas"
)

var vertexGemini = Format{
	Name:       "vertex-gemini",
	Doc:        `{"systemInstruction":{"parts"},"contents":[{"role":"user"|"model","parts":[{"text"}]}]} (Vertex AI Gemini tuning)`,
	Ext:        ".jsonl",
	SchemaFile: "vertex-gemini.schema.json",
	Schema:     schemaFor("vertex-gemini.schema.json"),
	render:     renderGemini,
	check:      checkGemini,
}

type geminiContent struct {
	Role  string     `json:"role"`
	Parts []textPart `json:"parts"`
}

type geminiRecord struct {
	SystemInstruction *geminiContent  `json:"systemInstruction,omitempty"`
	Contents          []geminiContent `json:"contents"`
}

// renderGemini renames assistant to model; Vertex ignores the role of
// systemInstruction, and "system" says what it is.
func renderGemini(ex *schemas.Example) (any, string) {
	const name = "vertex-gemini"
	p, reason := toPlain(name, ex, plainOptions{})
	if reason == "" {
		reason = turnOrder(name, "contents", p.turns, "model")
	}
	if reason != "" {
		return nil, reason
	}
	var rec geminiRecord
	// An empty system prompt is no systemInstruction: an empty one would
	// read back as no system message (see Parse), so the record would not
	// render the same again.
	if p.system != "" {
		rec.SystemInstruction = &geminiContent{"system", []textPart{{p.system}}}
	}
	rec.Contents = make([]geminiContent, len(p.turns))
	for i, m := range p.turns {
		role := m.Role
		if role == "assistant" {
			role = "model"
		}
		rec.Contents[i] = geminiContent{role, []textPart{{m.Content}}}
	}
	return rec, ""
}

// checkGemini: multi-turn Gemini history alternates user and model turns;
// a tuning example starts with the user and ends with the model's answer.
func checkGemini(record []byte) []Problem {
	var rec struct {
		Contents []struct {
			Role string `json:"role"`
		} `json:"contents"`
	}
	if ps := decode(record, &rec); ps != nil {
		return ps
	}
	roles := make([]string, len(rec.Contents))
	for i, c := range rec.Contents {
		roles[i] = c.Role
	}
	return checkTurns("contents", roles, "user", "model")
}
