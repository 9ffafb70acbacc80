package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/stages/formats"
)

// roundTripConfig keeps every example in train, so that a second run over
// the first run's output sees the same examples in the same order.
const roundTripConfig = "split:\n  train: 1\n  validation: 0\n  test: 0\n"

// Hand-written examples with distinct wording (no near-duplicates) and no
// personal data (nothing to redact).
var roundTripChats = [][]string{
	{"system", "You answer questions about tea.", "user", "How long should green tea steep?", "assistant", "Two to three minutes, in water just below boiling."},
	{"user", "Which planet has the most moons?", "assistant", "Saturn, with well over a hundred confirmed."},
	{"user", "Translate 'good morning' into Spanish.", "assistant", "Buenos días."},
	{"system", "Be brief.", "user", "What does HTTP stand for?", "assistant", "Hypertext Transfer Protocol."},
	{"user", "Name a prime between 20 and 30.", "assistant", "23 (29 works too).", "user", "And one between 40 and 50?", "assistant", "41, 43 or 47."},
	{"user", "Why do leaves change colour in autumn?", "assistant", "Chlorophyll breaks down and reveals yellow and orange pigments."},
	{"user", "Give me a synonym for 'rapid'.", "assistant", "Swift."},
	{"user", "What is the boiling point of water at sea level in Fahrenheit?", "assistant", "212 degrees Fahrenheit."},
	{"system", "You are a cycling coach.", "user", "How often should I rest per week?", "assistant", "Plan at least one full rest day and one easy day."},
	{"user", "Who wrote 'Pride and Prejudice'?", "assistant", "Jane Austen, in 1813."},
	{"user", "Convert 5 kilometres to miles.", "assistant", "About 3.1 miles."},
	{"user", "What colour do you get mixing blue and yellow?", "assistant", "Green."},
}

func writeLines(t *testing.T, path string, recs []any) {
	t.Helper()
	var b bytes.Buffer
	for _, r := range recs {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

type rtMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

func chatRecords() []any {
	var out []any
	for _, c := range roundTripChats {
		var msgs []rtMessage
		for i := 0; i+1 < len(c); i += 2 {
			msgs = append(msgs, rtMessage{c[i], c[i+1]})
		}
		out = append(out, struct {
			Messages []rtMessage `json:"messages"`
		}{msgs})
	}
	return out
}

// TestRoundTripEveryFormat: every format's output, read back as input and
// written in the same format, is the same file byte for byte: each record
// was read as the example it holds (system prompt, turns, separators).
func TestRoundTripEveryFormat(t *testing.T) {
	base := t.TempDir()
	cfg := filepath.Join(base, "rt.yaml")
	os.WriteFile(cfg, []byte(roundTripConfig), 0o644)
	again := filepath.Join(base, "again.yaml")
	os.WriteFile(again, []byte(roundTripConfig+"input:\n  include: [\"train.jsonl\", \"train.json\"]\n"), 0o644)

	chat := filepath.Join(base, "chat")
	writeLines(t, filepath.Join(chat, "chat.jsonl"), chatRecords())
	completion := filepath.Join(base, "completion")
	var comps, texts []any
	for _, c := range roundTripChats {
		n := len(c)
		comps = append(comps, map[string]string{"prompt": c[n-3] + "\n\n###\n\n", "completion": " " + c[n-1] + "\n"})
		texts = append(texts, map[string]string{"text": c[n-3] + "\n" + c[n-1]})
	}
	writeLines(t, filepath.Join(completion, "c.jsonl"), comps)
	text := filepath.Join(base, "text")
	writeLines(t, filepath.Join(text, "t.jsonl"), texts)

	for _, name := range formats.Names() {
		t.Run(name, func(t *testing.T) {
			f, _ := formats.Lookup(name)
			in := chat
			switch name {
			case "openai-completion":
				in = completion
			case "trl-text":
				in = text
			}
			out1 := filepath.Join(base, name, "first")
			runOK(t, "--config", cfg, "--in", in, "--out", out1, "--formats", name)
			first, err := os.ReadFile(filepath.Join(out1, "finetune", "train"+f.Ext))
			if err != nil {
				t.Fatal(err)
			}
			if m := readManifest(t, out1); m.Totals.Emitted != int64(len(roundTripChats)) {
				t.Fatalf("first run emitted %d of %d: %+v", m.Totals.Emitted, len(roundTripChats), m.Stages)
			}
			out2 := filepath.Join(base, name, "second")
			runOK(t, "--config", again, "--in", filepath.Join(out1, "finetune"), "--out", out2, "--formats", name)
			second, err := os.ReadFile(filepath.Join(out2, "finetune", "train"+f.Ext))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first, second) {
				t.Errorf("read back and written again, %s changed:\nfirst:  %.600s\nsecond: %.600s", name, first, second)
			}
			if name == "openai-completion" && (!bytes.Contains(first, []byte(`\n\n###\n\n"`)) || !bytes.Contains(first, []byte(`"completion":" `))) {
				t.Errorf("separator or leading space lost: %.300s", first)
			}
			if name == "openai-chat" {
				// The input was written in the canonical shape: the first run
				// must reproduce it exactly.
				src, _ := os.ReadFile(filepath.Join(chat, "chat.jsonl"))
				if !bytes.Equal(src, first) {
					t.Errorf("openai-chat input not reproduced:\nin:  %.400s\nout: %.400s", src, first)
				}
			}
		})
	}
}

// TestChatFileKeepsWeightsAndTools: an OpenAI chat file with tool calls,
// a tool turn, per-message weights and content parts keeps them all.
func TestChatFileKeepsWeightsAndTools(t *testing.T) {
	base := t.TempDir()
	cfg := filepath.Join(base, "rt.yaml")
	os.WriteFile(cfg, []byte(roundTripConfig), 0o644)
	in := filepath.Join(base, "in")
	var lines []string
	for i, c := range roundTripChats {
		q, a := c[len(c)-3], c[len(c)-1]
		qj, _ := json.Marshal(q)
		aj, _ := json.Marshal(a)
		switch i % 3 {
		case 0:
			lines = append(lines, `{"messages":[{"role":"user","content":`+string(qj)+`},{"role":"assistant","content":"Draft.","weight":0},{"role":"user","content":"Again, better."},{"role":"assistant","content":`+string(aj)+`,"weight":1}]}`)
		case 1:
			lines = append(lines, `{"messages":[{"role":"user","content":[{"type":"text","text":`+string(qj)+`}]},{"role":"assistant","content":`+string(aj)+`}]}`)
		default:
			lines = append(lines, `{"messages":[{"role":"user","content":`+string(qj)+`},{"role":"assistant","content":null,"tool_calls":[{"id":"call_`+string(rune('a'+i))+`","type":"function","function":{"name":"lookup","arguments":"{}"}}]},{"role":"tool","tool_call_id":"call_`+string(rune('a'+i))+`","content":"found"},{"role":"assistant","content":`+string(aj)+`}],"tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object","properties":{}}}}]}`)
		}
	}
	os.MkdirAll(in, 0o755)
	os.WriteFile(filepath.Join(in, "chat.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	out := filepath.Join(base, "out")
	runOK(t, "--config", cfg, "--in", in, "--out", out)
	got, err := os.ReadFile(filepath.Join(out, "finetune", "openai-chat", "train.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	gotLines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	if len(gotLines) != len(lines) {
		t.Fatalf("%d examples out, %d in", len(gotLines), len(lines))
	}
	for i, l := range gotLines {
		want := lines[i]
		if i%3 == 1 { // content parts come back as the text they hold
			q, _ := json.Marshal(roundTripChats[i][len(roundTripChats[i])-3])
			want = strings.Replace(want, `[{"type":"text","text":`+string(q)+`}]`, string(q), 1)
		}
		if i%3 == 2 { // a tool-calling turn is written without content
			want = strings.Replace(want, `"content":null,`, ``, 1)
		}
		var g, w any
		json.Unmarshal([]byte(l), &g)
		json.Unmarshal([]byte(want), &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("line %d:\ngot  %s\nwant %s", i+1, l, want)
		}
	}
}
