package schemas

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestContentText(t *testing.T) {
	cases := []struct {
		raw, want, err string
	}{
		{``, "", ""},
		{`null`, "", ""},
		{`"plain"`, "plain", ""},
		{`"esc\"aped\n"`, "esc\"aped\n", ""},
		{`[{"type":"text","text":"a"},{"type":"text","text":"b"}]`, "ab", ""},
		{`[{"text":"untyped"}]`, "untyped", ""},
		{`[{"type":"image_url","image_url":{"url":"x"}}]`, "", `"image_url", not text`},
		{`[1]`, "", "content:"},
		{`42`, "", "neither a string nor a list"},
	}
	for _, c := range cases {
		got, err := ContentText(json.RawMessage(c.raw))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err %v, want %q", c.raw, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %q, %v; want %q", c.raw, got, err, c.want)
		}
	}
}

func TestMessageUnmarshal(t *testing.T) {
	var msgs []Message
	in := `[{"role":"user","content":[{"type":"text","text":"hi"}],"name":"ann"},{"role":"assistant","content":null,"tool_calls":[{"id":"c"}]},{"role":"tool","content":"ok","tool_call_id":"c"},{"role":"assistant","content":"done","weight":0}]`
	if err := json.Unmarshal([]byte(in), &msgs); err != nil {
		t.Fatal(err)
	}
	if msgs[0].Content != "hi" || msgs[0].Name != "ann" || string(msgs[1].ToolCalls) != `[{"id":"c"}]` || msgs[1].Content != "" ||
		msgs[2].ToolCallID != "c" || msgs[3].Weight == nil || *msgs[3].Weight != 0 {
		t.Errorf("%+v", msgs)
	}
	if err := json.Unmarshal([]byte(`[{"role":"user","content":[{"type":"audio"}]}]`), &msgs); err == nil {
		t.Error("an audio part was read as text")
	}
	if err := json.Unmarshal([]byte(`[{"role":1}]`), &msgs); err == nil {
		t.Error("a numeric role was accepted")
	}
}

func TestExampleContentAndSystem(t *testing.T) {
	chat := &Example{Kind: KindChat, Messages: []Message{{Role: "system", Content: "S"}, {Role: "user", Content: "U"}, {Role: "assistant", Content: " "}, {Role: "assistant", Content: "A"}}}
	if got := chat.Content(); got != "S\n\nU\n\nA" {
		t.Errorf("chat content %q", got)
	}
	if chat.System() != "S" || (&Example{Kind: KindChat, Messages: []Message{{Role: "user", Content: "U"}}}).System() != "" {
		t.Error("System")
	}
	comp := &Example{Kind: KindCompletion, Prompt: "P\n\n###\n\n", Completion: " C"}
	if got := comp.Content(); got != "P\n\n###\n\n\n\n C" {
		t.Errorf("completion content %q", got)
	}
	if got := (&Example{Kind: KindText, Text: "T"}).Content(); got != "T" {
		t.Errorf("text content %q", got)
	}
	d := &Document{Fields: Fields{{Name: "text", Value: "field text"}}}
	if d.MainText(nil) != "field text" || !d.Alive() {
		t.Error("document without example")
	}
	d.Example = comp
	d.Drop = &Drop{Reason: "x"}
	if d.MainText([]string{"text"}) != comp.Content() || d.Alive() {
		t.Error("an example read from the input is the main text")
	}
}

func TestValueText(t *testing.T) {
	cases := []struct{ raw, want string }{
		{`"s"`, "s"},
		{`12.50`, "12.50"},
		{`true`, "true"},
		{`false`, "false"},
		{`null`, ""},
		{`[["", "2019"], ["Revenue", 12.5]]`, "| 2019\nRevenue | 12.5"},
		{`[{"uid":"p1","text":"One."},{"uid":"p2","text":"Two."}]`, "One.\n\nTwo."},
		{`["a", 1, null, "b"]`, "a, 1, b"},
		{`[]`, ""},
		{`{"b":"2","a":"1","id":"x9"}`, "a: 1\nb: 2"},
		{`{"table":{"rows":[["x","y"]]}}`, "x | y"},
		{`not json`, "not json"},
	}
	for _, c := range cases {
		if got := JSONText(c.raw); got != c.want {
			t.Errorf("JSONText(%s) = %q, want %q", c.raw, got, c.want)
		}
	}
	if ValueText(struct{}{}) != "" {
		t.Error("an unknown type renders text")
	}
}

func TestCorpusArrowSchema(t *testing.T) {
	s := CorpusArrowSchema()
	for _, name := range []string{"id", "source_path", "source_line", "split", "label", "text", "fields", "cluster", "redactions"} {
		if idx := s.FieldIndices(name); len(idx) != 1 {
			t.Errorf("column %s: %v", name, idx)
		}
	}
}
