package formats

import (
	"github.com/tuneprep/tuneprep/schemas"
)

var bedrockClaude = Format{
	Name:       "bedrock-claude",
	Doc:        `{"system","messages":[{"role":"user"|"assistant","content"}...]} (Claude 3 Haiku on Bedrock)`,
	Ext:        ".jsonl",
	SchemaFile: "bedrock-claude.schema.json",
	Schema:     schemaFor("bedrock-claude.schema.json"),
	render:     renderBedrockClaude,
	check:      checkBedrockClaude,
}

type bedrockClaudeRecord struct {
	System   string        `json:"system,omitempty"`
	Messages []roleContent `json:"messages"`
}

// renderBedrockClaude maps turns one to one: first user, last assistant,
// alternating.
func renderBedrockClaude(ex *schemas.Example) (any, string) {
	const name = "bedrock-claude"
	p, reason := toPlain(name, ex, plainOptions{})
	if reason == "" {
		reason = turnOrder(name, "messages", p.turns, "assistant")
	}
	if reason != "" {
		return nil, reason
	}
	rec := bedrockClaudeRecord{System: p.system, Messages: make([]roleContent, len(p.turns))}
	for i, m := range p.turns {
		rec.Messages[i] = roleContent{m.Role, m.Content}
	}
	return rec, ""
}

func checkBedrockClaude(record []byte) []Problem {
	var rec bedrockClaudeRecord
	if ps := decode(record, &rec); ps != nil {
		return ps
	}
	roles := make([]string, len(rec.Messages))
	for i, m := range rec.Messages {
		roles[i] = m.Role
	}
	return checkTurns("messages", roles, "user", "assistant")
}

var bedrockConversation = Format{
	Name:       "bedrock-conversation",
	Doc:        `{"schemaVersion":"bedrock-conversation-2024","system":[{"text"}],"messages":[{"role","content":[{"text"}]}]} (Bedrock Nova, distillation)`,
	Ext:        ".jsonl",
	SchemaFile: "bedrock-conversation.schema.json",
	Schema:     schemaFor("bedrock-conversation.schema.json"),
	render:     renderBedrockConversation,
	check:      checkBedrockConversation,
}

// bedrockSchemaVersion is the value AWS's examples use.
const bedrockSchemaVersion = "bedrock-conversation-2024"

type bedrockMessage struct {
	Role    string     `json:"role"`
	Content []textPart `json:"content"`
}

type bedrockConversationRecord struct {
	SchemaVersion string           `json:"schemaVersion"`
	System        []textPart       `json:"system,omitempty"`
	Messages      []bedrockMessage `json:"messages"`
}

func renderBedrockConversation(ex *schemas.Example) (any, string) {
	const name = "bedrock-conversation"
	p, reason := toPlain(name, ex, plainOptions{})
	if reason == "" {
		reason = turnOrder(name, "messages", p.turns, "assistant")
	}
	if reason != "" {
		return nil, reason
	}
	rec := bedrockConversationRecord{SchemaVersion: bedrockSchemaVersion, Messages: make([]bedrockMessage, len(p.turns))}
	// An empty system prompt is no system block, as in bedrock-claude: a
	// blank one would read back as no system message (see Parse), so the
	// record would not render the same again.
	if p.system != "" {
		rec.System = []textPart{{p.system}}
	}
	for i, m := range p.turns {
		rec.Messages[i] = bedrockMessage{m.Role, []textPart{{m.Content}}}
	}
	return rec, ""
}

// bedrockCheckMessage reads content loosely: Converse content blocks may
// be images, documents or tool uses, which only the schema restricts.
type bedrockCheckMessage struct {
	Role string `json:"role"`
}

func checkBedrockConversation(record []byte) []Problem {
	var rec struct {
		Messages []bedrockCheckMessage `json:"messages"`
	}
	if ps := decode(record, &rec); ps != nil {
		return ps
	}
	roles := make([]string, len(rec.Messages))
	for i, m := range rec.Messages {
		roles[i] = m.Role
	}
	return checkTurns("messages", roles, "user", "assistant")
}
