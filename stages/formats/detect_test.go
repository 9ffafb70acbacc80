package formats

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tuneprep/tuneprep/schemas"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		record, want string
	}{
		{`{"messages":[{"role":"user","content":"u"}]}`, "openai-chat"},
		{` {"messages":[],"tools":[]}`, "openai-chat"},
		{`{"system":"s","messages":[]}`, "bedrock-claude"},
		{`{"schemaVersion":"bedrock-conversation-2024","messages":[]}`, "bedrock-conversation"},
		{`{"contents":[]}`, "vertex-gemini"},
		{`{"conversations":[]}`, "sharegpt"},
		{`{"instruction":"i","input":"","output":"o"}`, "alpaca-jsonl"},
		{`[{"instruction":"i","output":"o"}]`, "alpaca"},
		{`[]`, "alpaca"},
		{`{"prompt":"p","completion":"c"}`, "openai-completion"},
		{`{"prompt":[],"completion":[]}`, "trl-prompt-completion"},
		{`{"text":"t"}`, "trl-text"},
		{`{"input":"x"}`, ""},
		{`[1]`, ""},
		{`null`, ""},
		{`{"messages":`, ""},
		{``, ""},
	}
	for _, tt := range tests {
		got, ok := Detect([]byte(tt.record))
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Detect(%s) = %q, %v; want %q", tt.record, got, ok, tt.want)
		}
	}
}

// seeds are the golden files' records plus a few broken ones.
func seeds(f *testing.F) {
	for _, fm := range All() {
		b, err := os.ReadFile(filepath.Join("testdata", "golden", fm.Name+fm.Ext))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{``, `{`, `[`, `null`, `{"messages":[{"role":"tool","tool_call_id":7}]}`,
		`{"messages":[{"role":"assistant","tool_calls":[{"function":{"arguments":null}}]}]}`,
		`{"conversations":[{"from":"system"}]}`, `{"contents":[{}]}`, `{"prompt":[{}],"completion":[]}`} {
		f.Add([]byte(s))
	}
}

func FuzzCheck(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fm := range All() {
			for _, p := range fm.Check(b) {
				if p.Code == "" || p.Message == "" {
					t.Fatalf("%s: empty problem %+v", fm.Name, p)
				}
			}
		}
	})
}

func FuzzDetect(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if name, ok := Detect(b); ok {
			if _, known := Lookup(name); !known {
				t.Fatalf("Detect gave unknown format %q", name)
			}
		}
	})
}

// exampleFrom builds a chat example from fuzz bytes: each byte picks a
// role, a weight, and whether the message calls a tool or answers one.
func exampleFrom(b []byte) *schemas.Example {
	roles := []string{"user", "assistant", "system", "tool", "developer", "user", "assistant", "assistant"}
	ex := &schemas.Example{Kind: schemas.KindChat}
	for i, c := range b {
		m := schemas.Message{Role: roles[c&7], Content: string(rune('a' + i%26))}
		switch (c >> 3) & 3 {
		case 1:
			m.Weight = intp(0)
		case 2:
			m.Weight = intp(1)
		case 3:
			m.Weight = intp(int(c >> 5))
		}
		id := "call_" + string(rune('a'+(c>>5)))
		if c&0x20 != 0 && m.Role == "assistant" {
			m.Content = ""
			m.ToolCalls = json.RawMessage(`[{"id":"` + id + `","type":"function","function":{"name":"f","arguments":"{}"}}]`)
		}
		if m.Role == "tool" {
			m.ToolCallID = id
		}
		if c&0x80 != 0 && c&0x40 != 0 {
			m.Name = "n"
		}
		ex.Messages = append(ex.Messages, m)
	}
	return ex
}

// FuzzRenderValid: whatever the example, a record Render returns passes
// the format's schema and Check.
func FuzzRenderValid(f *testing.F) {
	for _, s := range []string{"\x00\x01", "\x02\x00\x01\x00\x01", "\x00\x21\x03\x01", "\x00\x09\x00\x11"} {
		f.Add([]byte(s))
	}
	compiled := map[string]*jsonschema.Schema{}
	for _, fm := range All() {
		compiled[fm.Name] = compileSchema(f, fm)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ex := exampleFrom(b)
		for _, fm := range All() {
			line, reason, err := fm.Render(ex)
			if err != nil || (line == nil) == (reason == "") {
				t.Fatalf("%s: line %q, reason %q, err %v", fm.Name, line, reason, err)
			}
			if line == nil {
				continue
			}
			if ps := fm.Check(line); len(ps) > 0 {
				t.Fatalf("%s: Check %v on %s", fm.Name, ps, line)
			}
			if err := validate(compiled[fm.Name], line); err != nil {
				t.Fatalf("%s: schema: %v on %s", fm.Name, err, line)
			}
		}
	})
}

func TestAlike(t *testing.T) {
	for name, want := range map[string][]string{
		"openai-chat":    {"bedrock-claude"},
		"bedrock-claude": {"openai-chat"},
		"trl-text":       nil,
		"alpaca-jsonl":   nil,
		"nope":           nil,
	} {
		if got := Alike(name); !slices.Equal(got, want) {
			t.Errorf("Alike(%s) = %v, want %v", name, got, want)
		}
	}
}

func TestInContainer(t *testing.T) {
	tests := []struct {
		name  string
		array bool
		want  string
	}{
		{"alpaca-jsonl", true, "alpaca"},
		{"alpaca", true, "alpaca"},
		{"alpaca", false, "alpaca-jsonl"},
		{"alpaca-jsonl", false, "alpaca-jsonl"},
		{"openai-chat", false, "openai-chat"},
		{"openai-chat", true, ""},
		{"nope", false, ""},
	}
	for _, tt := range tests {
		got, ok := InContainer(tt.name, tt.array)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("InContainer(%s, %v) = %q, %v; want %q", tt.name, tt.array, got, ok, tt.want)
		}
	}
}
