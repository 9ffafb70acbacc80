package formats

import (
	"slices"
	"strings"
	"testing"
)

// checkCase is a record written by hand from a provider's documentation
// and what validation must say of it. `tuneprep validate` applies the
// format's JSON Schema and then Check, and Check leaves to the schema what
// the schema can say (key sets, types, role enums), so each case names both
// verdicts: Check's problem codes (nil: Check accepts) and whether the
// schema rejects the record.
type checkCase struct {
	format, name, record string
	codes                []string // any order; nil = Check accepts
	schemaRejects        bool
	msg                  string // a substring of one problem's message, where the position matters
}

func handwrittenCheckCases() []checkCase {
	const (
		// OpenAI fine-tuning guide, chat format.
		ua    = `{"role":"user","content":"u"},{"role":"assistant","content":"a"}`
		call1 = `{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}`
		// Bedrock Nova data prep: text content blocks.
		bu = `{"role":"user","content":[{"text":"u"}]}`
		ba = `{"role":"assistant","content":[{"text":"a"}]}`
		// Vertex AI Gemini dataset: parts.
		gu = `{"role":"user","parts":[{"text":"u"}]}`
		gm = `{"role":"model","parts":[{"text":"m"}]}`
	)
	return []checkCase{
		// --- openai-chat ---
		// OpenAI fine-tuning guide, the Marv example with weight 0 and 1, as printed.
		{"openai-chat", "valid: doc weights", `{"messages": [{"role": "system", "content": "Marv is a factual chatbot that is also sarcastic."}, {"role": "user", "content": "What's the capital of France?"}, {"role": "assistant", "content": "Paris", "weight": 0}, {"role": "user", "content": "Can you be more sarcastic?"}, {"role": "assistant", "content": "Paris, as if everyone doesn't know that already.", "weight": 1}]}`, nil, false, ""},
		// Azure OpenAI "Fine-tuning and tool calling", as printed: the example ends with the call.
		{"openai-chat", "valid: doc tool call", `{"messages":[{"role":"user","content":"What is the weather in San Francisco?"},{"role":"assistant","tool_calls":[{"id":"call_id","type":"function","function":{"name":"get_current_weather","arguments":"{\"location\": \"San Francisco, USA\", \"format\": \"celsius\"}"}}]}],"tools":[{"type":"function","function":{"name":"get_current_weather","description":"Get the current weather","parameters":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}}]}`, nil, false, ""},
		// OpenAI API reference, FineTuneChatRequestInput: tool message answering a call; parallel_tool_calls boolean.
		{"openai-chat", "valid: tool round", `{"messages":[{"role":"user","content":"Weather?"},` + call1 + `,{"role":"tool","tool_call_id":"call_1","content":"18C"},{"role":"assistant","content":"18C."}],"parallel_tool_calls":false}`, nil, false, ""},
		// OpenAI API reference: content may be an array of text parts.
		{"openai-chat", "valid: content parts", `{"messages":[{"role":"user","content":[{"type":"text","text":"u"}]},{"role":"assistant","content":"a"}]}`, nil, false, ""},
		// OpenAI fine-tuning guide: no alternation rule; two user messages in a row are allowed.
		{"openai-chat", "valid: two users in a row", `{"messages":[{"role":"user","content":"u"},{"role":"user","content":"more"},{"role":"assistant","content":"a"}]}`, nil, false, ""},
		// OpenAI fine-tuning guide: a conversation may end with a user turn; every assistant message is trained.
		{"openai-chat", "valid: ends with user", `{"messages":[` + ua + `,{"role":"user","content":"thanks"}]}`, nil, false, ""},
		// OpenAI API reference: messages has at least one item; the cookbook's check wants an assistant message.
		{"openai-chat", "empty messages", `{"messages":[]}`, []string{CodeNoAssistant}, true, ""},
		// OpenAI cookbook data checks: an example without an assistant message.
		{"openai-chat", "no assistant", `{"messages":[{"role":"system","content":"s"},{"role":"user","content":"u"}]}`, []string{CodeNoAssistant}, false, ""},
		// OpenAI API reference: roles system, user, assistant, tool, function; ShareGPT's "human" is not one.
		{"openai-chat", "role human", `{"messages":[{"role":"human","content":"u"},{"role":"assistant","content":"a"}]}`, []string{CodeUnknownRole}, true, "messages[0]"},
		// OpenAI API reference: Gemini's "model" is not an OpenAI role either.
		{"openai-chat", "role model", `{"messages":[{"role":"user","content":"u"},{"role":"model","content":"a"}]}`, []string{CodeUnknownRole, CodeNoAssistant}, true, "messages[1]"},
		// OpenAI fine-tuning guide: "The allowed values for weight are currently 0 or 1."
		{"openai-chat", "weight 2", `{"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a","weight":2}]}`, []string{CodeWeightValue}, true, "messages[1]"},
		// OpenAI fine-tuning guide: weight 0 or 1, not a fraction.
		{"openai-chat", "weight 0.5", `{"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a","weight":0.5}]}`, []string{CodeWeightValue}, true, ""},
		// OpenAI API reference: weight is an integer, not a string.
		{"openai-chat", "weight string", `{"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a","weight":"1"}]}`, []string{CodeWeightValue}, true, ""},
		// OpenAI fine-tuning guide: weight controls whether an assistant message is trained; on a user message it means nothing.
		{"openai-chat", "weight on user", `{"messages":[{"role":"user","content":"u","weight":0},{"role":"assistant","content":"a"}]}`, []string{CodeWeightRole}, false, "messages[0]"},
		// OpenAI API reference: tool_calls belong to assistant messages.
		{"openai-chat", "tool_calls on user", `{"messages":[{"role":"user","content":"u","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"assistant","content":"a"}]}`, []string{CodeToolCallsRole}, false, ""},
		// OpenAI fine-tuning guide, tool calling: arguments are a string holding JSON, not an object.
		{"openai-chat", "arguments object", `{"messages":[{"role":"user","content":"u"},{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":{"x":1}}}]}]}`, []string{CodeArguments}, true, ""},
		// OpenAI API reference: a tool message carries the tool_call_id it answers.
		{"openai-chat", "tool without id", `{"messages":[{"role":"user","content":"u"},` + call1 + `,{"role":"tool","content":"18C"},{"role":"assistant","content":"a"}]}`, []string{CodeMissingToolCallID}, false, "messages[2]"},
		// OpenAI API reference: tool_call_id names an earlier call.
		{"openai-chat", "tool answers no call", `{"messages":[{"role":"user","content":"u"},` + call1 + `,{"role":"tool","tool_call_id":"call_9","content":"18C"},{"role":"assistant","content":"a"}]}`, []string{CodeUnknownToolCallID}, false, ""},
		// OpenAI API reference: an assistant message has content or tool calls; an empty list is no call.
		{"openai-chat", "empty tool_calls, no content", `{"messages":[{"role":"user","content":"u"},{"role":"assistant","tool_calls":[]}]}`, []string{CodeMissingContent}, true, "messages[1]"},
		// OpenAI API reference, FineTuneChatRequestInput: messages, tools, parallel_tool_calls, functions; nothing else.
		{"openai-chat", "extra top-level key", `{"messages":[` + ua + `],"id":7}`, nil, true, ""},
		// OpenAI API reference: a message has role, content, name, weight, tool_calls, tool_call_id, function_call, refusal.
		{"openai-chat", "extra message key", `{"messages":[{"role":"user","content":"u","timestamp":1},{"role":"assistant","content":"a"}]}`, nil, true, ""},
		// JSON Lines: each line is one JSON object.
		{"openai-chat", "array line", `[` + ua + `]`, []string{CodeInvalidJSON}, true, ""},

		// --- openai-completion ---
		// Amazon Bedrock text-to-text data prep, non-conversational example, as printed.
		{"openai-completion", "valid: doc", `{"prompt": "What is the capital of France?", "completion": "The capital of France is Paris."}`, nil, false, ""},
		// OpenAI legacy format: exactly prompt and completion.
		{"openai-completion", "extra key", `{"prompt":"p","completion":"c","weight":1}`, nil, true, ""},
		// OpenAI legacy format: completion is required.
		{"openai-completion", "no completion", `{"prompt":"p"}`, nil, true, ""},
		// OpenAI legacy format: both are strings.
		{"openai-completion", "completion not a string", `{"prompt":"p","completion":["c"]}`, nil, true, ""},
		// OpenAI legacy format: a chat record is not a completion record.
		{"openai-completion", "messages record", `{"messages":[` + ua + `]}`, nil, true, ""},
		// JSON Lines: one object per line.
		{"openai-completion", "not an object", `"p"`, []string{CodeInvalidJSON}, true, ""},

		// --- trl-text ---
		// TRL dataset formats, language modeling, as printed.
		{"trl-text", "valid: doc", `{"text": "The sky is blue."}`, nil, false, ""},
		// TRL language modeling: "text" is a string.
		{"trl-text", "text not a string", `{"text":["The sky"]}`, nil, true, ""},
		// TRL: a file mixing text with another type's columns is a different type (Together rejects such files).
		{"trl-text", "text and messages", `{"text":"t","messages":[` + ua + `]}`, nil, true, ""},
		// TRL language modeling: the text column is required.
		{"trl-text", "no text", `{}`, nil, true, ""},

		// --- trl-prompt-completion ---
		// TRL dataset formats, conversational prompt-completion, as printed.
		{"trl-prompt-completion", "valid: doc", `{"prompt": [{"role": "user", "content": "What color is the sky?"}], "completion": [{"role": "assistant", "content": "It is blue."}]}`, nil, false, ""},
		// TRL conversational: a system message first, earlier assistant turns as context.
		{"trl-prompt-completion", "valid: system and history", `{"prompt":[{"role":"system","content":"s"},` + ua + `,{"role":"user","content":"u2"}],"completion":[{"role":"assistant","content":"a2"}]}`, nil, false, ""},
		// TRL conversational: the completion is the assistant's.
		{"trl-prompt-completion", "completion from user", `{"prompt":[{"role":"user","content":"u"}],"completion":[{"role":"user","content":"a"}]}`, []string{CodeNoAssistant}, true, ""},
		// TRL prompt-completion as this format writes it: one assistant message to learn.
		{"trl-prompt-completion", "two completions", `{"prompt":[{"role":"user","content":"u"}],"completion":[{"role":"assistant","content":"a"},{"role":"assistant","content":"b"}]}`, []string{CodeNoAssistant}, true, ""},
		// Chat templates (and Together's rule): a system message only first.
		{"trl-prompt-completion", "system second", `{"prompt":[{"role":"user","content":"u"},{"role":"system","content":"s"}],"completion":[{"role":"assistant","content":"a"}]}`, []string{CodeSystemPosition}, false, "prompt[1]"},
		// TRL conversational prompt: the user asks something.
		{"trl-prompt-completion", "no user", `{"prompt":[{"role":"system","content":"s"}],"completion":[{"role":"assistant","content":"a"}]}`, []string{CodeNoUser}, false, ""},
		// TRL conversational prompt: not empty.
		{"trl-prompt-completion", "empty prompt", `{"prompt":[],"completion":[{"role":"assistant","content":"a"}]}`, []string{CodeNoUser}, true, ""},
		// TRL dataset formats: roles user, assistant, system; no tool messages in this shape.
		{"trl-prompt-completion", "tool role", `{"prompt":[{"role":"user","content":"u"},{"role":"tool","content":"1"}],"completion":[{"role":"assistant","content":"a"}]}`, []string{CodeUnknownRole}, true, "prompt[1]"},
		// TRL dataset formats: role and content only; no tool_calls key.
		{"trl-prompt-completion", "tool_calls key", `{"prompt":[{"role":"user","content":"u"}],"completion":[{"role":"assistant","content":"","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}]}`, nil, true, ""},
		// TRL dataset formats: the standard (string) prompt-completion is another type.
		{"trl-prompt-completion", "standard strings", `{"prompt":"The sky is","completion":" blue."}`, []string{CodeBadShape}, true, ""},

		// --- bedrock-claude ---
		// Anthropic cookbook (Claude 3 Haiku on Bedrock): optional system, user first, assistant last.
		{"bedrock-claude", "valid: doc", `{"system": "<optional_system_message>", "messages": [{"role": "user", "content": "user message"}, {"role": "assistant", "content": "assistant response"}]}`, nil, false, ""},
		// Anthropic cookbook: "The system field is optional."
		{"bedrock-claude", "valid: no system", `{"messages":[` + ua + `]}`, nil, false, ""},
		// Anthropic cookbook: user and assistant alternate over several turns.
		{"bedrock-claude", "valid: multi-turn", `{"messages":[` + ua + `,` + ua + `]}`, nil, false, ""},
		// Anthropic cookbook: "There must be at least two messages."
		{"bedrock-claude", "one message", `{"messages":[{"role":"user","content":"u"}]}`, []string{CodeLastRole}, true, ""},
		// Anthropic cookbook: at least two messages.
		{"bedrock-claude", "empty messages", `{"messages":[]}`, []string{CodeFirstRole}, true, ""},
		// Anthropic cookbook: "The first message must be from the user."
		{"bedrock-claude", "assistant first", `{"messages":[{"role":"assistant","content":"a"},` + ua + `]}`, []string{CodeFirstRole}, false, "messages[0]"},
		// Anthropic cookbook: "The last message must be from the assistant."
		{"bedrock-claude", "user last", `{"messages":[` + ua + `,{"role":"user","content":"u"}]}`, []string{CodeLastRole}, false, "messages[2]"},
		// Anthropic cookbook: "User and assistant messages must alternate."
		{"bedrock-claude", "two users", `{"messages":[{"role":"user","content":"u"},` + ua + `]}`, []string{CodeAlternation}, false, "messages[1]"},
		// Anthropic cookbook: the system prompt is the "system" field, not a message.
		{"bedrock-claude", "system message", `{"messages":[{"role":"system","content":"s"},` + ua + `]}`, []string{CodeUnknownRole, CodeFirstRole}, true, ""},
		// Anthropic cookbook: "No extraneous keys are allowed."
		{"bedrock-claude", "extra key", `{"system":"s","messages":[` + ua + `],"id":"x"}`, nil, true, ""},
		// Anthropic cookbook: no extraneous keys, so no weight on a message.
		{"bedrock-claude", "weight", `{"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a","weight":0}]}`, nil, true, ""},
		// Anthropic cookbook: no extraneous keys, so no tool_calls.
		{"bedrock-claude", "tool_calls", `{"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a","tool_calls":[]}]}`, nil, true, ""},
		// Anthropic cookbook: system is a string (the list form is the Converse schema's).
		{"bedrock-claude", "system list", `{"system":[{"text":"s"}],"messages":[` + ua + `]}`, []string{CodeBadShape}, true, ""},

		// --- bedrock-conversation ---
		// Amazon Nova 2.0 SFT data prep, text-only example, as printed.
		{"bedrock-conversation", "valid: doc", `{"schemaVersion": "bedrock-conversation-2024", "system": [{"text": "You are a digital assistant with a friendly personality"}], "messages": [{"role": "user", "content": [{"text": "What country is right next to Australia?"}]}, {"role": "assistant", "content": [{"text": "The closest country is New Zealand"}]}]}`, nil, false, ""},
		// Nova data prep: "schemaVersion can be any string value"; multi-turn for Nova.
		{"bedrock-conversation", "valid: multi-turn", `{"schemaVersion":"anything","messages":[` + bu + `,` + ba + `,` + bu + `,` + ba + `]}`, nil, false, ""},
		// Nova data prep: schemaVersion is part of every record.
		{"bedrock-conversation", "no schemaVersion", `{"messages":[` + bu + `,` + ba + `]}`, nil, true, ""},
		// Nova data prep: "The first turn in messages should always start with role user."
		{"bedrock-conversation", "assistant first", `{"schemaVersion":"v","messages":[` + ba + `,` + bu + `,` + ba + `]}`, []string{CodeFirstRole}, false, ""},
		// Nova data prep: "The last turn is the bot's response", role assistant.
		{"bedrock-conversation", "user last", `{"schemaVersion":"v","messages":[` + bu + `,` + ba + `,` + bu + `]}`, []string{CodeLastRole}, false, ""},
		// Nova (Converse API): user and assistant turns alternate.
		{"bedrock-conversation", "two assistants", `{"schemaVersion":"v","messages":[` + bu + `,` + ba + `,` + ba + `]}`, []string{CodeAlternation}, false, "messages[2]"},
		// Nova data prep: "Supported roles are user and assistant"; system is its own field.
		{"bedrock-conversation", "system role", `{"schemaVersion":"v","messages":[{"role":"system","content":[{"text":"s"}]},` + bu + `,` + ba + `]}`, []string{CodeUnknownRole, CodeFirstRole}, true, ""},
		// Nova data prep: content is a list of content blocks, not a string.
		{"bedrock-conversation", "content string", `{"schemaVersion":"v","messages":[{"role":"user","content":"u"},` + ba + `]}`, nil, true, ""},
		// Nova data prep: a user turn and the assistant's answer at least.
		{"bedrock-conversation", "empty messages", `{"schemaVersion":"v","messages":[]}`, []string{CodeFirstRole}, true, ""},

		// --- vertex-gemini ---
		// Vertex AI "Text tuning", the pirate dog example, as printed.
		{"vertex-gemini", "valid: doc", `{"systemInstruction":{"role":"system","parts":[{"text":"You are a pirate dog named Captain Barktholomew."}]},"contents":[{"role":"user","parts":[{"text":"Hi"}]},{"role":"model","parts":[{"text":"Argh! What brings ye to my ship?"}]},{"role":"user","parts":[{"text":"What's your name?"}]},{"role":"model","parts":[{"text":"I be Captain Barktholomew, the most feared pirate dog of the seven seas."}]}]}`, nil, false, ""},
		// Vertex AI Gemini dataset: systemInstruction is optional.
		{"vertex-gemini", "valid: no system", `{"contents":[` + gu + `,` + gm + `]}`, nil, false, ""},
		// Vertex AI Gemini dataset: roles are user and model, not assistant.
		{"vertex-gemini", "role assistant", `{"contents":[` + gu + `,{"role":"assistant","parts":[{"text":"a"}]}]}`, []string{CodeUnknownRole, CodeLastRole}, true, "contents[1]"},
		// Vertex AI Gemini dataset: the conversation starts with the user.
		{"vertex-gemini", "model first", `{"contents":[` + gm + `,` + gu + `,` + gm + `]}`, []string{CodeFirstRole}, false, ""},
		// Vertex AI Gemini dataset: the example ends with the model's answer.
		{"vertex-gemini", "user last", `{"contents":[` + gu + `,` + gm + `,` + gu + `]}`, []string{CodeLastRole}, false, ""},
		// Gemini multi-turn contents alternate user and model.
		{"vertex-gemini", "two users", `{"contents":[` + gu + `,` + gu + `,` + gm + `]}`, []string{CodeAlternation}, false, "contents[1]"},
		// Vertex AI Gemini dataset: instructions go in systemInstruction, not in contents.
		{"vertex-gemini", "system in contents", `{"contents":[{"role":"system","parts":[{"text":"s"}]},` + gu + `,` + gm + `]}`, []string{CodeUnknownRole, CodeFirstRole}, true, ""},
		// Vertex AI Gemini dataset: contents of parts, not OpenAI messages.
		{"vertex-gemini", "openai shape", `{"messages":[` + ua + `]}`, []string{CodeFirstRole}, true, ""},
		// Vertex AI Gemini dataset: each content has parts.
		{"vertex-gemini", "no parts", `{"contents":[{"role":"user","text":"u"},` + gm + `]}`, nil, true, ""},

		// --- alpaca (one element of the array) ---
		// LLaMA-Factory data/README.md, the alpaca example, as printed.
		{"alpaca", "valid: doc", `{"instruction": "human instruction (required)", "input": "human input (optional)", "output": "model response (required)", "system": "system prompt (optional)", "history": [["human instruction in the first round (optional)", "model response in the first round (optional)"], ["human instruction in the second round (optional)", "model response in the second round (optional)"]]}`, nil, false, ""},
		// LLaMA-Factory alpaca: input, system and history are optional.
		{"alpaca", "valid: minimal", `{"instruction":"i","output":"o"}`, nil, false, ""},
		// LLaMA-Factory alpaca: output is required.
		{"alpaca", "no output", `{"instruction":"i","input":""}`, nil, true, ""},
		// LLaMA-Factory alpaca: history holds [instruction, response] pairs.
		{"alpaca", "history single", `{"instruction":"i","output":"o","history":[["u"]]}`, nil, true, ""},
		// LLaMA-Factory alpaca: pairs, not triples.
		{"alpaca", "history triple", `{"instruction":"i","output":"o","history":[["u","a","x"]]}`, nil, true, ""},
		// LLaMA-Factory alpaca: the dataset_info columns; an OpenAI "messages" key is not one.
		{"alpaca", "extra key", `{"instruction":"i","output":"o","messages":[]}`, nil, true, ""},
		// LLaMA-Factory alpaca: a file is an array of objects; Check takes one element, so the whole array is not a record.
		{"alpaca", "array as record", `[{"instruction":"i","output":"o"}]`, []string{CodeInvalidJSON}, true, ""},

		// --- alpaca-jsonl (the same objects, one per line) ---
		// LLaMA-Factory data/README.md alpaca object.
		{"alpaca-jsonl", "valid: doc", `{"instruction": "human instruction", "input": "human input", "output": "model response"}`, nil, false, ""},
		// JSON Lines: a line holds one object, not the array of an alpaca .json file.
		{"alpaca-jsonl", "array line", `[{"instruction":"i","output":"o"},{"instruction":"j","output":"p"}]`, []string{CodeInvalidJSON}, true, ""},
		// LLaMA-Factory alpaca: instruction is required.
		{"alpaca-jsonl", "no instruction", `{"input":"x","output":"o"}`, nil, true, ""},

		// --- sharegpt ---
		// LLaMA-Factory data/README.md, the sharegpt example, as printed (system and tools columns are strings).
		{"sharegpt", "valid: doc", `{"conversations": [{"from": "human", "value": "human instruction"}, {"from": "gpt", "value": "model response"}, {"from": "human", "value": "human instruction"}, {"from": "gpt", "value": "model response"}], "system": "system prompt (optional)", "tools": "tool description (optional)"}`, nil, false, ""},
		// LLaMA-Factory data/glaive_toolcall_en_demo.json: function_call and observation.
		{"sharegpt", "valid: glaive call", `{"conversations":[{"from":"human","value":"Area of a 5x3 rectangle?"},{"from":"function_call","value":"{\"name\": \"calculate_area\", \"arguments\": {\"shape\": \"rectangle\", \"dimensions\": [5, 3]}}"},{"from":"observation","value":"{\"area\": 15}"},{"from":"gpt","value":"15."}],"tools":"[{\"name\": \"calculate_area\"}]"}`, nil, false, ""},
		// LLaMA-Factory dataset_info tags: system_tag may open the conversation.
		{"sharegpt", "valid: system turn first", `{"conversations":[{"from":"system","value":"s"},{"from":"human","value":"u"},{"from":"gpt","value":"a"}]}`, nil, false, ""},
		// LLaMA-Factory: "human and observation should appear in odd positions, gpt and function in even".
		{"sharegpt", "two humans", `{"conversations":[{"from":"human","value":"u"},{"from":"human","value":"u"},{"from":"gpt","value":"a"}]}`, []string{CodePosition, CodePosition}, false, "conversations[1]"},
		// LLaMA-Factory: observation at an odd position only.
		{"sharegpt", "observation even", `{"conversations":[{"from":"human","value":"u"},{"from":"observation","value":"1"},{"from":"human","value":"u"},{"from":"gpt","value":"a"}]}`, []string{CodePosition}, false, "conversations[1]"},
		// LLaMA-Factory: the turns pair up, so the conversation ends with gpt (or a function call).
		{"sharegpt", "human last", `{"conversations":[{"from":"human","value":"u"},{"from":"gpt","value":"a"},{"from":"human","value":"u"}]}`, []string{CodeLastRole}, false, ""},
		// LLaMA-Factory tags: from is human, gpt, observation, function_call (or system); OpenAI's "user" needs other tags.
		{"sharegpt", "from user", `{"conversations":[{"from":"user","value":"u"},{"from":"gpt","value":"a"}]}`, []string{CodeUnknownRole}, true, "conversations[0]"},
		// LLaMA-Factory: a system turn only opens the conversation.
		{"sharegpt", "system later", `{"conversations":[{"from":"human","value":"u"},{"from":"gpt","value":"a"},{"from":"system","value":"s"},{"from":"gpt","value":"b"}]}`, []string{CodeSystemPosition}, false, "conversations[2]"},
		// glaive_toolcall_en_demo.json: a function_call value is JSON {"name","arguments"}.
		{"sharegpt", "function_call not JSON", `{"conversations":[{"from":"human","value":"u"},{"from":"function_call","value":"calculate_area(5, 3)"}]}`, []string{CodeArguments}, false, "conversations[1]"},
		// LLaMA-Factory data/README.md: tools is a string (JSON text), not a list.
		{"sharegpt", "tools list", `{"conversations":[{"from":"human","value":"u"},{"from":"gpt","value":"a"}],"tools":[{"name":"f"}]}`, nil, true, ""},
		// LLaMA-Factory: an empty conversation has nothing to learn.
		{"sharegpt", "empty", `{"conversations":[]}`, []string{CodeLastRole}, true, ""},
		// LLaMA-Factory dataset_info columns: conversations, system, tools; OpenAI weights are not a column.
		{"sharegpt", "weight key", `{"conversations":[{"from":"human","value":"u"},{"from":"gpt","value":"a","weight":0}]}`, nil, true, ""},
	}
}

// TestCheckHandwritten runs the schema and Check on records written by hand
// (not rendered), so that a rule Render and Check share cannot pass
// unexamined.
func TestCheckHandwritten(t *testing.T) {
	perFormat := map[string]int{}
	for _, c := range handwrittenCheckCases() {
		perFormat[c.format]++
		t.Run(c.format+"/"+c.name, func(t *testing.T) {
			f, ok := Lookup(c.format)
			if !ok {
				t.Fatalf("no format %q", c.format)
			}
			ps := f.Check([]byte(c.record))
			var got, msgs []string
			for _, p := range ps {
				got = append(got, p.Code)
				msgs = append(msgs, p.Message)
				if p.Message == "" {
					t.Errorf("problem %s without a message", p.Code)
				}
			}
			slices.Sort(got)
			want := slices.Clone(c.codes)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("Check codes = %v, want %v (%v)", got, want, ps)
			}
			if c.msg != "" && !strings.Contains(strings.Join(msgs, "\n"), c.msg) {
				t.Errorf("no message names %q: %v", c.msg, msgs)
			}
			err := validate(compileSchema(t, f), []byte(c.record))
			if rejected := err != nil; rejected != c.schemaRejects {
				t.Errorf("schema rejects = %v, want %v (%v)", rejected, c.schemaRejects, err)
			}
		})
	}
	for _, f := range All() {
		if perFormat[f.Name] < 3 {
			t.Errorf("%s: %d hand-written Check cases", f.Name, perFormat[f.Name])
		}
	}
}
