package formats

import (
	"bytes"
	"encoding/json"
	"testing"
)

var encodeStrings = []string{
	"", "plain", "q\"uote\\back/slash", "\b\f\n\r\t\x00\x01\x1f\x7f", "<b>&amp;</b>", "caf\u00e9 \u4e2d \U0001F600",
	"line\u2028sep\u2029para", "bad \xff\xfe utf8 \xe2\x82", "\u0085\ufeff", "tab\tend\n",
}

// checkEncode holds appendLine to encoding/json on one record.
func checkEncode(t *testing.T, v any) {
	t.Helper()
	want, err := marshalLineJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := appendLine(nil, v)
	if !ok {
		return
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%+v:\n got %s\nwant %s", v, got, want)
	}
}

func chatRecordOf(content, name, callID string, weight *int, nilContent bool) chatRecord {
	m := chatMessage{Role: "user", Name: name, Weight: weight, ToolCallID: callID}
	if !nilContent {
		m.Content = &content
	}
	return chatRecord{Messages: []chatMessage{m, {Role: "assistant", Content: &content}}}
}

func TestAppendLineMatchesEncodingJSON(t *testing.T) {
	zero, one := 0, 1
	for _, s := range encodeStrings {
		checkEncode(t, textRecord{s})
		checkEncode(t, chatRecordOf(s, "", "", nil, false))
		checkEncode(t, chatRecordOf(s, s, s, &one, false))
		checkEncode(t, chatRecordOf(s, "n", "", &zero, true))
	}
	checkEncode(t, chatRecord{})
	checkEncode(t, chatRecord{Messages: []chatMessage{}})
	if _, ok := appendLine(nil, chatRecord{Tools: json.RawMessage(`[]`)}); ok {
		t.Error("tools taken by the fast path")
	}
	if _, ok := appendLine(nil, chatRecord{Messages: []chatMessage{{Role: "assistant", ToolCalls: json.RawMessage(`[1]`)}}}); ok {
		t.Error("tool calls taken by the fast path")
	}
}

func FuzzAppendLine(f *testing.F) {
	for _, s := range encodeStrings {
		f.Add(s, s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, content, name string, w uint8) {
		weight := int(w) - 128
		checkEncode(t, textRecord{content})
		checkEncode(t, chatRecordOf(content, name, name, &weight, w%2 == 0))
	})
}
