package formats

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

// The expectations in this file are written by hand from each provider's
// documentation, not produced by Render: they are what makes the golden
// files more than a record of what the renderer once did.

// docCase is one hand-written expectation: the record the format's
// documentation says ex should become, or "" when the format has no way to
// hold ex and Render must give a reason instead.
type docCase struct {
	format, name string
	// ex is the input; nil means the golden example called name, whose
	// golden record is then checked against want too.
	ex   *schemas.Example
	want string
}

// Inputs taken from the providers' own examples.
var (
	// OpenAI fine-tuning guide, "Multi-turn chat examples" (weight).
	marv = chat(msg("system", "Marv is a factual chatbot that is also sarcastic."), msg("user", "What's the capital of France?"),
		schemas.Message{Role: "assistant", Content: "Paris", Weight: intp(0)}, msg("user", "Can you be more sarcastic?"),
		schemas.Message{Role: "assistant", Content: "Paris, as if everyone doesn't know that already.", Weight: intp(1)})
	// Azure OpenAI "Fine-tuning and tool calling": a training example that ends with the call.
	azureToolCall = &schemas.Example{Kind: schemas.KindChat,
		Tools: json.RawMessage(`[{"type":"function","function":{"name":"get_current_weather","description":"Get the current weather","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}}]`),
		Messages: []schemas.Message{msg("user", "What is the weather in San Francisco?"),
			{Role: "assistant", ToolCalls: json.RawMessage(`[{"id":"call_id","type":"function","function":{"name":"get_current_weather","arguments":"{\"location\": \"San Francisco, USA\", \"format\": \"celsius\"}"}}]`)}}}
	// Amazon Bedrock "Prepare data for fine-tuning text-to-text models", non-conversational.
	capital = &schemas.Example{Kind: schemas.KindCompletion, Prompt: "What is the capital of France?", Completion: "The capital of France is Paris."}
	// TRL "Dataset formats and types": language modeling and prompt-completion.
	skyText = &schemas.Example{Kind: schemas.KindText, Text: "The sky is blue."}
	skyChat = chat(msg("user", "What color is the sky?"), msg("assistant", "It is blue."))
	// Anthropic cookbook "Finetuning Claude 3 Haiku on Bedrock", JSON mode.
	jsonMode = chat(msg("system", "Respond with JSON only."), msg("user", "Name a primary colour."), msg("assistant", `{"colour": "red"}`))
	// Amazon Nova 2.0 SFT data prep, text-only example.
	australia = chat(msg("system", "You are a digital assistant with a friendly personality"),
		msg("user", "What country is right next to Australia?"), msg("assistant", "The closest country is New Zealand"))
	// Vertex AI "Text tuning", the pirate dog example.
	pirate = chat(msg("system", "You are a pirate dog named Captain Barktholomew."), msg("user", "Hi"),
		msg("assistant", "Argh! What brings ye to my ship?"), msg("user", "What's your name?"),
		msg("assistant", "I be Captain Barktholomew, the most feared pirate dog of the seven seas."))
	// LLaMA-Factory data/README.md, alpaca with system and history.
	alpacaReadme = chat(msg("system", "system prompt"), msg("user", "human instruction in the first round"),
		msg("assistant", "model response in the first round"), msg("user", "human instruction"), msg("assistant", "model response"))
	// LLaMA-Factory data/glaive_toolcall_en_demo.json, one round of a call.
	glaive = &schemas.Example{Kind: schemas.KindChat,
		Tools: json.RawMessage(`[{"name": "calculate_area", "description": "Calculate the area of a given shape", "parameters": {"type": "object", "properties": {"shape": {"type": "string"}, "dimensions": {"type": "array", "items": {"type": "number"}}}, "required": ["shape", "dimensions"]}}]`),
		Messages: []schemas.Message{msg("user", "I need to calculate the area of a rectangle. The length is 5 units and the breadth is 3 units."),
			{Role: "assistant", ToolCalls: json.RawMessage(`[{"id":"c1","type":"function","function":{"name":"calculate_area","arguments":"{\"shape\": \"rectangle\", \"dimensions\": [5, 3]}"}}]`)},
			{Role: "tool", Content: `{"area": 15}`, ToolCallID: "c1"},
			msg("assistant", "The area of the rectangle with length 5 units and breadth 3 units is 15 square units.")}}
)

const weatherTools = `[{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]`

func docCases() []docCase {
	return []docCase{
		// OpenAI fine-tuning guide, chat format: {"messages":[{"role","content"}]}.
		{"openai-chat", "chat-system", nil, `{"messages":[{"role":"system","content":"Answer in <b>HTML</b> & be brief."},{"role":"user","content":"Is 1 < 2 && 3 > 2?"},{"role":"assistant","content":"Yes: 1 < 2 & 3 > 2."}]}`},
		// OpenAI fine-tuning guide: the system message is optional.
		{"openai-chat", "chat-no-system", nil, `{"messages":[{"role":"user","content":"What is the capital of France?"},{"role":"assistant","content":"Paris."}]}`},
		// OpenAI fine-tuning guide, multi-turn chat examples.
		{"openai-chat", "multi-turn", nil, `{"messages":[{"role":"system","content":"You are a tax assistant."},{"role":"user","content":"Can I deduct a home office?"},{"role":"assistant","content":"If you use it only for work."},{"role":"user","content":"And a laptop?"},{"role":"assistant","content":"Yes, spread over three years."}]}`},
		// OpenAI fine-tuning guide, tool calling: tool_calls with no content, arguments a JSON string, tool message with tool_call_id, top-level tools.
		{"openai-chat", "tool-calls", nil, `{"messages":[{"role":"user","content":"Weather in Paris?"},{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Paris\"}"}}]},{"role":"tool","content":"{\"temp_c\": 18}","tool_call_id":"call_1"},{"role":"assistant","content":"18 °C in Paris."}],"tools":` + weatherTools + `}`},
		// OpenAI fine-tuning guide: weight 0 or 1 on assistant messages.
		{"openai-chat", "weight-0", nil, `{"messages":[{"role":"user","content":"Draft a reply."},{"role":"assistant","content":"Draft (bad).","weight":0},{"role":"user","content":"Better, please."},{"role":"assistant","content":"Final reply.","weight":1}]}`},
		// OpenAI fine-tuning guide: chat models take messages, not prompt/completion.
		{"openai-chat", "completion", nil, ""},
		// OpenAI fine-tuning guide: no plain-text format for chat models.
		{"openai-chat", "text", nil, ""},
		// OpenAI fine-tuning guide, the Marv example with weights, as printed.
		{"openai-chat", "doc-weights", marv, `{"messages":[{"role":"system","content":"Marv is a factual chatbot that is also sarcastic."},{"role":"user","content":"What's the capital of France?"},{"role":"assistant","content":"Paris","weight":0},{"role":"user","content":"Can you be more sarcastic?"},{"role":"assistant","content":"Paris, as if everyone doesn't know that already.","weight":1}]}`},
		// Azure OpenAI "Fine-tuning and tool calling", as printed.
		{"openai-chat", "doc-tool-call", azureToolCall, `{"messages":[{"role":"user","content":"What is the weather in San Francisco?"},{"role":"assistant","tool_calls":[{"id":"call_id","type":"function","function":{"name":"get_current_weather","arguments":"{\"location\": \"San Francisco, USA\", \"format\": \"celsius\"}"}}]}],"tools":[{"type":"function","function":{"name":"get_current_weather","description":"Get the current weather","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}}]}`},
		// OpenAI API reference, FineTuneChatRequestInput: roles system, user, assistant, tool, function; ShareGPT's "human" is none of them.
		{"openai-chat", "doc-foreign-role", chat(msg("human", "Hi"), msg("assistant", "Hello")), ""},

		// OpenAI legacy fine-tuning, {"prompt","completion"} and nothing else: no system message.
		{"openai-completion", "chat-system", nil, ""},
		// OpenAI legacy fine-tuning: one prompt and its completion.
		{"openai-completion", "chat-no-system", nil, `{"prompt":"What is the capital of France?","completion":"Paris."}`},
		// OpenAI legacy fine-tuning: one prompt, one completion; no turns.
		{"openai-completion", "multi-turn", nil, ""},
		// OpenAI legacy fine-tuning: no tools.
		{"openai-completion", "tool-calls", nil, ""},
		// OpenAI legacy fine-tuning: no weights.
		{"openai-completion", "weight-0", nil, ""},
		// OpenAI legacy fine-tuning: the texts as they are, separators included.
		{"openai-completion", "completion", nil, `{"prompt":"Q: <a href=\"x\">&amp;</a>\n\nA:","completion":" ok → done"}`},
		// OpenAI legacy fine-tuning: a text has no completion.
		{"openai-completion", "text", nil, ""},
		// Amazon Bedrock text-to-text data prep, non-conversational example, as printed.
		{"openai-completion", "doc-bedrock", capital, `{"prompt": "What is the capital of France?", "completion": "The capital of France is Paris."}`},

		// TRL "Dataset formats and types", language modeling (standard): {"text"} only.
		{"trl-text", "chat-system", nil, ""},
		// TRL language modeling: a chat is the conversational {"messages"} type, not {"text"}.
		{"trl-text", "chat-no-system", nil, ""},
		// TRL language modeling: as above.
		{"trl-text", "multi-turn", nil, ""},
		// TRL language modeling: as above.
		{"trl-text", "tool-calls", nil, ""},
		// TRL language modeling: as above.
		{"trl-text", "weight-0", nil, ""},
		// TRL: a prompt and completion is the prompt-completion type.
		{"trl-text", "completion", nil, ""},
		// TRL language modeling: {"text": "..."}, the text as it is.
		{"trl-text", "text", nil, `{"text":"# Title\n\n<p>a & b</p>\u2028\u0001 end"}`},
		// TRL "Dataset formats and types", as printed.
		{"trl-text", "doc", skyText, `{"text": "The sky is blue."}`},

		// TRL conversational prompt-completion: the system message is part of the prompt.
		{"trl-prompt-completion", "chat-system", nil, `{"prompt":[{"role":"system","content":"Answer in <b>HTML</b> & be brief."},{"role":"user","content":"Is 1 < 2 && 3 > 2?"}],"completion":[{"role":"assistant","content":"Yes: 1 < 2 & 3 > 2."}]}`},
		// TRL conversational prompt-completion.
		{"trl-prompt-completion", "chat-no-system", nil, `{"prompt":[{"role":"user","content":"What is the capital of France?"}],"completion":[{"role":"assistant","content":"Paris."}]}`},
		// TRL conversational prompt-completion: earlier turns are prompt; only the completion is learned.
		{"trl-prompt-completion", "multi-turn", nil, `{"prompt":[{"role":"system","content":"You are a tax assistant."},{"role":"user","content":"Can I deduct a home office?"},{"role":"assistant","content":"If you use it only for work."},{"role":"user","content":"And a laptop?"}],"completion":[{"role":"assistant","content":"Yes, spread over three years."}]}`},
		// TRL dataset formats: role/content messages; no tool calls in this shape.
		{"trl-prompt-completion", "tool-calls", nil, ""},
		// TRL prompt-completion trains on the completion only, which is what weight 0 on the earlier answer and 1 on the last ask for.
		{"trl-prompt-completion", "weight-0", nil, `{"prompt":[{"role":"user","content":"Draft a reply."},{"role":"assistant","content":"Draft (bad)."},{"role":"user","content":"Better, please."}],"completion":[{"role":"assistant","content":"Final reply."}]}`},
		// TRL: this format is the conversational one; a plain prompt/completion is the standard type.
		{"trl-prompt-completion", "completion", nil, ""},
		// TRL: a text is language modeling.
		{"trl-prompt-completion", "text", nil, ""},
		// TRL "Dataset formats and types", conversational prompt-completion, as printed.
		{"trl-prompt-completion", "doc", skyChat, `{"prompt": [{"role": "user", "content": "What color is the sky?"}], "completion": [{"role": "assistant", "content": "It is blue."}]}`},

		// Anthropic cookbook (Claude 3 Haiku on Bedrock): optional "system" string beside "messages".
		{"bedrock-claude", "chat-system", nil, `{"system":"Answer in <b>HTML</b> & be brief.","messages":[{"role":"user","content":"Is 1 < 2 && 3 > 2?"},{"role":"assistant","content":"Yes: 1 < 2 & 3 > 2."}]}`},
		// Anthropic cookbook: "system" is optional; no extraneous keys.
		{"bedrock-claude", "chat-no-system", nil, `{"messages":[{"role":"user","content":"What is the capital of France?"},{"role":"assistant","content":"Paris."}]}`},
		// Anthropic cookbook: user and assistant alternate, first user, last assistant.
		{"bedrock-claude", "multi-turn", nil, `{"system":"You are a tax assistant.","messages":[{"role":"user","content":"Can I deduct a home office?"},{"role":"assistant","content":"If you use it only for work."},{"role":"user","content":"And a laptop?"},{"role":"assistant","content":"Yes, spread over three years."}]}`},
		// Anthropic cookbook: role and content only, no tool keys.
		{"bedrock-claude", "tool-calls", nil, ""},
		// Anthropic cookbook: no extraneous keys, so no weight.
		{"bedrock-claude", "weight-0", nil, ""},
		// Anthropic cookbook: messages only.
		{"bedrock-claude", "completion", nil, ""},
		// Anthropic cookbook: messages only.
		{"bedrock-claude", "text", nil, ""},
		// Anthropic cookbook, the record shape as printed.
		{"bedrock-claude", "doc", jsonMode, `{"system": "Respond with JSON only.", "messages": [{"role": "user", "content": "Name a primary colour."}, {"role": "assistant", "content": "{\"colour\": \"red\"}"}]}`},

		// Bedrock Nova SFT / distillation data prep: schemaVersion, system as text blocks, content as text blocks.
		{"bedrock-conversation", "chat-system", nil, `{"schemaVersion":"bedrock-conversation-2024","system":[{"text":"Answer in <b>HTML</b> & be brief."}],"messages":[{"role":"user","content":[{"text":"Is 1 < 2 && 3 > 2?"}]},{"role":"assistant","content":[{"text":"Yes: 1 < 2 & 3 > 2."}]}]}`},
		// Bedrock Nova data prep: system is optional.
		{"bedrock-conversation", "chat-no-system", nil, `{"schemaVersion":"bedrock-conversation-2024","messages":[{"role":"user","content":[{"text":"What is the capital of France?"}]},{"role":"assistant","content":[{"text":"Paris."}]}]}`},
		// Bedrock distillation data prep: Nova models take multi-turn records.
		{"bedrock-conversation", "multi-turn", nil, `{"schemaVersion":"bedrock-conversation-2024","system":[{"text":"You are a tax assistant."}],"messages":[{"role":"user","content":[{"text":"Can I deduct a home office?"}]},{"role":"assistant","content":[{"text":"If you use it only for work."}]},{"role":"user","content":[{"text":"And a laptop?"}]},{"role":"assistant","content":[{"text":"Yes, spread over three years."}]}]}`},
		// Nova 2.0 SFT data prep: tool use "is not currently supported"; this format writes none.
		{"bedrock-conversation", "tool-calls", nil, ""},
		// Bedrock Nova data prep: no weight field.
		{"bedrock-conversation", "weight-0", nil, ""},
		// Bedrock Nova data prep: messages only.
		{"bedrock-conversation", "completion", nil, ""},
		// Bedrock Nova data prep: messages only.
		{"bedrock-conversation", "text", nil, ""},
		// Amazon Nova 2.0 SFT data prep, text-only example, as printed.
		{"bedrock-conversation", "doc", australia, `{"schemaVersion": "bedrock-conversation-2024", "system": [{"text": "You are a digital assistant with a friendly personality"}], "messages": [{"role": "user", "content": [{"text": "What country is right next to Australia?"}]}, {"role": "assistant", "content": [{"text": "The closest country is New Zealand"}]}]}`},

		// Vertex AI Gemini supervised tuning dataset: systemInstruction with parts; contents with roles user and model.
		{"vertex-gemini", "chat-system", nil, `{"systemInstruction":{"role":"system","parts":[{"text":"Answer in <b>HTML</b> & be brief."}]},"contents":[{"role":"user","parts":[{"text":"Is 1 < 2 && 3 > 2?"}]},{"role":"model","parts":[{"text":"Yes: 1 < 2 & 3 > 2."}]}]}`},
		// Vertex AI Gemini dataset: systemInstruction is optional.
		{"vertex-gemini", "chat-no-system", nil, `{"contents":[{"role":"user","parts":[{"text":"What is the capital of France?"}]},{"role":"model","parts":[{"text":"Paris."}]}]}`},
		// Vertex AI Gemini dataset: multi-turn contents alternate user and model.
		{"vertex-gemini", "multi-turn", nil, `{"systemInstruction":{"role":"system","parts":[{"text":"You are a tax assistant."}]},"contents":[{"role":"user","parts":[{"text":"Can I deduct a home office?"}]},{"role":"model","parts":[{"text":"If you use it only for work."}]},{"role":"user","parts":[{"text":"And a laptop?"}]},{"role":"model","parts":[{"text":"Yes, spread over three years."}]}]}`},
		// Vertex AI Gemini dataset: function calls are functionCall parts, which this format does not write.
		{"vertex-gemini", "tool-calls", nil, ""},
		// Vertex AI Gemini dataset: no weight field.
		{"vertex-gemini", "weight-0", nil, ""},
		// Vertex AI Gemini dataset: contents only.
		{"vertex-gemini", "completion", nil, ""},
		// Vertex AI Gemini dataset: contents only.
		{"vertex-gemini", "text", nil, ""},
		// Vertex AI "Text tuning", the pirate dog example, as printed.
		{"vertex-gemini", "doc", pirate, `{"systemInstruction":{"role":"system","parts":[{"text":"You are a pirate dog named Captain Barktholomew."}]},"contents":[{"role":"user","parts":[{"text":"Hi"}]},{"role":"model","parts":[{"text":"Argh! What brings ye to my ship?"}]},{"role":"user","parts":[{"text":"What's your name?"}]},{"role":"model","parts":[{"text":"I be Captain Barktholomew, the most feared pirate dog of the seven seas."}]}]}`},

		// LLaMA-Factory data/README.md, alpaca: instruction, output, optional system ("input" optional: see sameRecord).
		{"alpaca", "chat-system", nil, `{"instruction":"Is 1 < 2 && 3 > 2?","output":"Yes: 1 < 2 & 3 > 2.","system":"Answer in <b>HTML</b> & be brief."}`},
		// LLaMA-Factory alpaca: instruction and output.
		{"alpaca", "chat-no-system", nil, `{"instruction":"What is the capital of France?","output":"Paris."}`},
		// LLaMA-Factory alpaca: earlier rounds go to history as [instruction, response] pairs.
		{"alpaca", "multi-turn", nil, `{"instruction":"And a laptop?","output":"Yes, spread over three years.","system":"You are a tax assistant.","history":[["Can I deduct a home office?","If you use it only for work."]]}`},
		// LLaMA-Factory alpaca: no tool columns (tools are sharegpt's).
		{"alpaca", "tool-calls", nil, ""},
		// LLaMA-Factory alpaca: "the responses in the history will also be learned", so weight 0 cannot be kept.
		{"alpaca", "weight-0", nil, ""},
		// LLaMA-Factory alpaca: the prompt is the instruction, the completion the output.
		{"alpaca", "completion", nil, `{"instruction":"Q: <a href=\"x\">&amp;</a>\n\nA:","output":" ok → done"}`},
		// LLaMA-Factory: pre-training text is {"text"}, not an alpaca SFT record.
		{"alpaca", "text", nil, ""},
		// LLaMA-Factory data/README.md, the alpaca example with system and history.
		{"alpaca", "doc", alpacaReadme, `{"instruction": "human instruction", "output": "model response", "system": "system prompt", "history": [["human instruction in the first round", "model response in the first round"]]}`},

		// LLaMA-Factory alpaca, one object per line: the same records.
		{"alpaca-jsonl", "chat-system", nil, `{"instruction":"Is 1 < 2 && 3 > 2?","output":"Yes: 1 < 2 & 3 > 2.","system":"Answer in <b>HTML</b> & be brief."}`},
		// LLaMA-Factory alpaca.
		{"alpaca-jsonl", "chat-no-system", nil, `{"instruction":"What is the capital of France?","output":"Paris."}`},
		// LLaMA-Factory alpaca: history pairs.
		{"alpaca-jsonl", "multi-turn", nil, `{"instruction":"And a laptop?","output":"Yes, spread over three years.","system":"You are a tax assistant.","history":[["Can I deduct a home office?","If you use it only for work."]]}`},
		// LLaMA-Factory alpaca: no tools.
		{"alpaca-jsonl", "tool-calls", nil, ""},
		// LLaMA-Factory alpaca: history responses are learned.
		{"alpaca-jsonl", "weight-0", nil, ""},
		// LLaMA-Factory alpaca: prompt and completion.
		{"alpaca-jsonl", "completion", nil, `{"instruction":"Q: <a href=\"x\">&amp;</a>\n\nA:","output":" ok → done"}`},
		// LLaMA-Factory: text is pre-training data.
		{"alpaca-jsonl", "text", nil, ""},
		// LLaMA-Factory data/README.md alpaca example.
		{"alpaca-jsonl", "doc", alpacaReadme, `{"instruction": "human instruction", "output": "model response", "system": "system prompt", "history": [["human instruction in the first round", "model response in the first round"]]}`},

		// LLaMA-Factory data/README.md, sharegpt: conversations of from/value, human and gpt; system column.
		{"sharegpt", "chat-system", nil, `{"conversations":[{"from":"human","value":"Is 1 < 2 && 3 > 2?"},{"from":"gpt","value":"Yes: 1 < 2 & 3 > 2."}],"system":"Answer in <b>HTML</b> & be brief."}`},
		// LLaMA-Factory sharegpt: system is optional.
		{"sharegpt", "chat-no-system", nil, `{"conversations":[{"from":"human","value":"What is the capital of France?"},{"from":"gpt","value":"Paris."}]}`},
		// LLaMA-Factory sharegpt: the two-round README example shape.
		{"sharegpt", "multi-turn", nil, `{"conversations":[{"from":"human","value":"Can I deduct a home office?"},{"from":"gpt","value":"If you use it only for work."},{"from":"human","value":"And a laptop?"},{"from":"gpt","value":"Yes, spread over three years."}],"system":"You are a tax assistant."}`},
		// LLaMA-Factory sharegpt with tools: function_call value {"name","arguments":{...}}, observation, tools as a JSON string (glaive_toolcall_en_demo.json).
		{"sharegpt", "tool-calls", nil, `{"conversations":[{"from":"human","value":"Weather in Paris?"},{"from":"function_call","value":"{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}"},{"from":"observation","value":"{\"temp_c\": 18}"},{"from":"gpt","value":"18 °C in Paris."}],"tools":` + mustQuote(weatherTools) + `}`},
		// LLaMA-Factory sharegpt: every gpt turn is learned; no weights.
		{"sharegpt", "weight-0", nil, ""},
		// LLaMA-Factory sharegpt: conversations only.
		{"sharegpt", "completion", nil, ""},
		// LLaMA-Factory: "Pre-training datasets are incompatible with the sharegpt format."
		{"sharegpt", "text", nil, ""},
		// LLaMA-Factory data/glaive_toolcall_en_demo.json, first round, as printed.
		{"sharegpt", "doc", glaive, `{"conversations": [{"from": "human", "value": "I need to calculate the area of a rectangle. The length is 5 units and the breadth is 3 units."}, {"from": "function_call", "value": "{\"name\": \"calculate_area\", \"arguments\": {\"shape\": \"rectangle\", \"dimensions\": [5, 3]}}"}, {"from": "observation", "value": "{\"area\": 15}"}, {"from": "gpt", "value": "The area of the rectangle with length 5 units and breadth 3 units is 15 square units."}], "tools": "[{\"name\": \"calculate_area\", \"description\": \"Calculate the area of a given shape\", \"parameters\": {\"type\": \"object\", \"properties\": {\"shape\": {\"type\": \"string\"}, \"dimensions\": {\"type\": \"array\", \"items\": {\"type\": \"number\"}}}, \"required\": [\"shape\", \"dimensions\"]}}]"}`},
	}
}

func mustQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestRenderMatchesProviderDocs renders each input and compares the record,
// as a JSON value, with the one written from the documentation; a case
// with no record must be refused with a reason.
func TestRenderMatchesProviderDocs(t *testing.T) {
	golden := map[string]*schemas.Example{}
	for _, g := range goldenExamples() {
		golden[g.name] = g.ex
	}
	perFormat := map[string]int{}
	for _, c := range docCases() {
		perFormat[c.format]++
		t.Run(c.format+"/"+c.name, func(t *testing.T) {
			f, ok := Lookup(c.format)
			if !ok {
				t.Fatalf("no format %q", c.format)
			}
			ex := c.ex
			if ex == nil {
				if ex = golden[c.name]; ex == nil {
					t.Fatalf("no golden example %q", c.name)
				}
			}
			line, reason, err := f.Render(ex)
			if err != nil {
				t.Fatal(err)
			}
			if c.want == "" {
				if line != nil || !strings.HasPrefix(reason, c.format+": ") {
					t.Errorf("want a reason, got record %s (reason %q)", line, reason)
				}
				return
			}
			if reason != "" {
				t.Fatalf("refused: %s", reason)
			}
			if d := sameRecord(c.format, line, []byte(c.want)); d != "" {
				t.Errorf("%s\ngot:  %s\nwant: %s", d, line, c.want)
			}
			if err := validate(compileSchema(t, f), line); err != nil {
				t.Errorf("schema: %v", err)
			}
			if ps := f.Check(line); len(ps) > 0 {
				t.Errorf("Check: %v", ps)
			}
		})
	}
	for _, f := range All() {
		if perFormat[f.Name] < 8 {
			t.Errorf("%s: %d hand-written cases, want at least 8", f.Name, perFormat[f.Name])
		}
	}
}

// TestGoldenMatchesProviderDocs reads the golden files (without rendering)
// and compares the record of every golden example with the hand-written
// one, and the examples skipped.tsv lists with the cases that have none.
func TestGoldenMatchesProviderDocs(t *testing.T) {
	skipped := goldenSkips(t)
	for _, f := range All() {
		records := goldenRecords(t, f, skipped)
		for _, c := range docCases() {
			if c.format != f.Name || c.ex != nil {
				continue
			}
			got, ok := records[c.name]
			switch {
			case c.want == "" && ok:
				t.Errorf("%s %s: golden file has %s, want the example skipped", f.Name, c.name, got)
			case c.want == "":
			case !ok:
				t.Errorf("%s %s: skipped in skipped.tsv, want %s", f.Name, c.name, c.want)
			default:
				if d := sameRecord(f.Name, got, []byte(c.want)); d != "" {
					t.Errorf("%s %s: golden record %s\ngot:  %s\nwant: %s", f.Name, c.name, d, got, c.want)
				}
			}
		}
	}
}

// goldenSkips reads skipped.tsv: format -> example name -> skipped.
func goldenSkips(t *testing.T) map[string]map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden", "skipped.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	skips := map[string]map[string]bool{}
	for line := range strings.Lines(string(b)) {
		cols := strings.SplitN(strings.TrimSuffix(line, "\n"), "\t", 3)
		if len(cols) < 2 {
			continue
		}
		if skips[cols[0]] == nil {
			skips[cols[0]] = map[string]bool{}
		}
		skips[cols[0]][cols[1]] = true
	}
	return skips
}

// goldenRecords pairs the records of f's golden file with the golden
// examples, in order, leaving out those skipped.tsv lists for f.
func goldenRecords(t *testing.T, f Format, skipped map[string]map[string]bool) map[string][]byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden", f.Name+f.Ext))
	if err != nil {
		t.Fatal(err)
	}
	var recs [][]byte
	if f.Array() {
		var elems []json.RawMessage
		if err := json.Unmarshal(b, &elems); err != nil {
			t.Fatalf("%s: golden array: %v", f.Name, err)
		}
		for _, e := range elems {
			recs = append(recs, e)
		}
	} else {
		for line := range bytes.Lines(b) {
			recs = append(recs, bytes.TrimSuffix(line, []byte("\n")))
		}
	}
	byName := map[string][]byte{}
	for _, g := range goldenExamples() {
		if skipped[f.Name][g.name] {
			continue
		}
		if len(recs) == 0 {
			t.Fatalf("%s: golden file has fewer records than unskipped examples", f.Name)
		}
		byName[g.name], recs = recs[0], recs[1:]
	}
	if len(recs) != 0 {
		t.Fatalf("%s: golden file has %d records more than unskipped examples", f.Name, len(recs))
	}
	return byName
}

// sameRecord compares two records as JSON values (key order is free). Two
// readings the documentation allows are made equal first: alpaca's
// optional "input" may be absent or empty (LLaMA-Factory joins it only when
// non-empty), and sharegpt's function_call values and tools column are JSON
// held in strings, which LLaMA-Factory parses, so their spacing is free.
// It returns "" when they match, else what differs.
func sameRecord(format string, got, want []byte) string {
	g, err := decodeRecord(format, got)
	if err != nil {
		return "got is not JSON: " + err.Error()
	}
	w, err := decodeRecord(format, want)
	if err != nil {
		return "want is not JSON (a bad test case): " + err.Error()
	}
	if !reflect.DeepEqual(g, w) {
		return "records differ"
	}
	return ""
}

func decodeRecord(format string, b []byte) (any, error) {
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	switch format {
	case "alpaca", "alpaca-jsonl":
		if v["input"] == "" {
			delete(v, "input")
		}
	case "sharegpt":
		if err := parseJSONString(v, "tools"); err != nil {
			return nil, err
		}
		turns, _ := v["conversations"].([]any)
		for _, t := range turns {
			if m, ok := t.(map[string]any); ok && m["from"] == "function_call" {
				if err := parseJSONString(m, "value"); err != nil {
					return nil, err
				}
			}
		}
	}
	return v, nil
}

// parseJSONString replaces m[key], a string holding JSON, by its value.
func parseJSONString(m map[string]any, key string) error {
	s, ok := m[key].(string)
	if !ok {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return err
	}
	m[key] = v
	return nil
}

// TestAlpacaFraming: LLaMA-Factory's alpaca file is one JSON array of
// objects (data/README.md); alpaca-jsonl holds the same objects one per
// line. The frames are checked against hand-written files.
func TestAlpacaFraming(t *testing.T) {
	exs := []*schemas.Example{chat(msg("user", "u1"), msg("assistant", "a1")), capital}
	// LLaMA-Factory data/README.md: a JSON array of alpaca objects.
	wantArray := `[{"instruction":"u1","output":"a1"},{"instruction":"What is the capital of France?","output":"The capital of France is Paris."}]`
	for _, f := range []Format{alpaca, alpacaJSONL} {
		var buf bytes.Buffer
		w := NewWriter(&buf, f)
		for _, ex := range exs {
			line, reason, err := f.Render(ex)
			if err != nil || reason != "" {
				t.Fatalf("%s: %q %v", f.Name, reason, err)
			}
			if err := w.Write(line); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		var want []json.RawMessage
		if err := json.Unmarshal([]byte(wantArray), &want); err != nil {
			t.Fatal(err)
		}
		var got [][]byte
		if f.Array() {
			var elems []json.RawMessage
			if err := json.Unmarshal(buf.Bytes(), &elems); err != nil {
				t.Fatalf("alpaca file is not one JSON array: %v\n%s", err, buf.Bytes())
			}
			for _, e := range elems {
				got = append(got, e)
			}
		} else {
			if bytes.HasPrefix(bytes.TrimSpace(buf.Bytes()), []byte("[")) {
				t.Fatalf("alpaca-jsonl file is an array:\n%s", buf.Bytes())
			}
			for line := range bytes.Lines(buf.Bytes()) {
				got = append(got, bytes.TrimSuffix(line, []byte("\n")))
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d records, want %d:\n%s", f.Name, len(got), len(want), buf.Bytes())
		}
		for i := range want {
			if d := sameRecord(f.Name, got[i], want[i]); d != "" {
				t.Errorf("%s record %d: %s\ngot:  %s\nwant: %s", f.Name, i, d, got[i], want[i])
			}
		}
	}
}

// TestRenderEmptyToolCalls: exported chat logs often carry "tool_calls":
// null or [] on a plain answer (and "tools": [] when none were offered). In
// OpenAI's chat format that is no tool call, so every format must render the
// example as if the keys were absent, and openai-chat must not copy the
// empty value (its schema wants a non-empty array).
func TestRenderEmptyToolCalls(t *testing.T) {
	plain := chat(msg("user", "Hi"), msg("assistant", "Hello"))
	for _, empty := range []string{`null`, `[]`, ` [ ] `} {
		var msgs []schemas.Message
		if err := json.Unmarshal([]byte(`[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello","tool_calls":`+empty+`}]`), &msgs); err != nil {
			t.Fatal(err)
		}
		withEmpty := []*schemas.Example{
			{Kind: schemas.KindChat, Messages: msgs},
			{Kind: schemas.KindChat, Messages: plain.Messages, Tools: json.RawMessage(empty)},
		}
		for _, f := range All() {
			want, wantReason, _ := f.Render(plain)
			for _, ex := range withEmpty {
				got, reason, err := f.Render(ex)
				if err != nil || reason != wantReason || !bytes.Equal(got, want) {
					t.Errorf("%s, tool_calls %s / tools %s: got %s %q %v, want %s %q", f.Name, empty, ex.Tools, got, reason, err, want, wantReason)
				}
			}
		}
	}
}
