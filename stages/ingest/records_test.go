package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
)

// readDocs reads fsys with cfg and returns every document, rejects included.
func readDocs(t *testing.T, cfg Config, fsys fstest.MapFS) []*schemas.Document {
	t.Helper()
	g, err := New(cfg, fsys)
	if err != nil {
		t.Fatal(err)
	}
	var out []*schemas.Document
	env := &pipeline.Env{Logger: slog.New(slog.DiscardHandler)}
	if err := g.Read(context.Background(), env, func(d *schemas.Document) error { out = append(out, d); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func describe(d *schemas.Document) string {
	if d.Reject != nil {
		return fmt.Sprintf("%s:%d !%s", d.Source.Path, d.Source.Line, d.Reject.Reason)
	}
	var parts []string
	for _, f := range d.Fields {
		mark := ""
		if f.Inherited {
			mark = "^"
		}
		parts = append(parts, mark+f.Name+"="+f.Value)
	}
	return fmt.Sprintf("%s:%d.%d %s", d.Source.Path, d.Source.Line, d.Source.Item, strings.Join(parts, "|"))
}

func TestExplode(t *testing.T) {
	squad := `{"data":[{"title":"Paris","paragraphs":[{"context":"Paris is in France.","qas":[{"id":"a","question":"Where?","answers":[{"text":"France"}]},{"id":"b","question":"What?","answers":[]}]}]},{"title":"Rome","paragraphs":[{"context":"Rome is in Italy.","qas":[{"id":"c","question":"Where?"}]}]}]}`
	cases := []struct {
		name, path, file, data string
		want                   []string
	}{
		{"one level", "questions", "t.jsonl",
			`{"ctx":"C1","questions":[{"q":"1","a":"x"},{"q":"2"}]}` + "\n" + `{"ctx":"C2","questions":[]}` + "\n" + `{"ctx":"C3","questions":[{"q":"3","ctx":"own"}]}`,
			[]string{"t.jsonl:1.1 ^ctx=C1|q=1|a=x", "t.jsonl:1.2 ^ctx=C1|q=2", "t.jsonl:2 !explode-empty", "t.jsonl:3.1 ctx=own|q=3"}}, // the element's own ctx replaces the inherited one
		{"through arrays and objects", "data.paragraphs.qas", "squad.json", squad,
			[]string{
				"squad.json:0.1 ^title=Paris|^context=Paris is in France.|id=a|question=Where?|answers=[{\"text\":\"France\"}]",
				"squad.json:0.2 ^title=Paris|^context=Paris is in France.|id=b|question=What?|answers=[]",
				"squad.json:0.3 ^title=Rome|^context=Rome is in Italy.|id=c|question=Where?",
			}},
		{"scalar elements", "tags", "s.jsonl", `{"doc":"D","tags":["a","b"]}`,
			[]string{"s.jsonl:1.1 ^doc=D|tags=a", "s.jsonl:1.2 ^doc=D|tags=b"}},
		{"missing and not an array", "items", "m.jsonl", `{"x":"1"}` + "\n" + `{"items":"flat"}`,
			[]string{"m.jsonl:1 !explode-empty", "m.jsonl:2 !explode-failed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Defaults()
			cfg.Explode = tc.path
			docs := readDocs(t, cfg, fstest.MapFS{tc.file: {Data: []byte(tc.data)}})
			var got []string
			ids := map[string]bool{}
			for _, d := range docs {
				got = append(got, describe(d))
				if d.Reject == nil {
					if ids[d.ID] {
						t.Errorf("ID %s given twice", d.ID)
					}
					ids[d.ID] = true
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
	if _, err := New(Config{Explode: "a..b", MaxFileBytes: 1, MaxRecordBytes: 1}, fstest.MapFS{}); err == nil {
		t.Error("an empty path segment is accepted")
	}
}

// Records in the output formats are read as the examples they hold; the
// JSON fields the example carries leave the fields, the rest stay.
func TestTrainingRecords(t *testing.T) {
	msg := func(role, content string) schemas.Message { return schemas.Message{Role: role, Content: content} }
	cases := []struct {
		name, line string
		want       *schemas.Example
		fields     string // field names left, comma-separated
		reject     string
	}{
		{"openai chat with a label", `{"messages":[{"role":"system","content":"S"},{"role":"user","content":"U"},{"role":"assistant","content":"A","weight":0}],"intent":"refund"}`,
			&schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{msg("system", "S"), msg("user", "U"), {Role: "assistant", Content: "A", Weight: new(0)}}}, "intent", ""},
		{"content parts", `{"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},{"role":"assistant","content":"c"}]}`,
			&schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{msg("user", "ab"), msg("assistant", "c")}}, "", ""},
		{"sharegpt", `{"conversations":[{"from":"human","value":"hi"},{"from":"gpt","value":"yo"}],"system":"S","id":"x1"}`,
			&schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{msg("system", "S"), msg("user", "hi"), msg("assistant", "yo")}}, "system,id", ""},
		{"gemini", `{"systemInstruction":{"role":"system","parts":[{"text":"S"}]},"contents":[{"role":"user","parts":[{"text":"U"}]},{"role":"model","parts":[{"text":"M"}]}]}`,
			&schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{msg("system", "S"), msg("user", "U"), msg("assistant", "M")}}, "", ""},
		{"completion keeps its spaces", `{"prompt":"Q?\n\n###\n\n","completion":" A\n"}`,
			&schemas.Example{Kind: schemas.KindCompletion, Prompt: "Q?\n\n###\n\n", Completion: " A\n"}, "prompt,completion", ""},
		{"plain text stays a record", `{"text":"just text"}`, nil, "text", ""},
		{"image content is rejected", `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}`, nil, "", "invalid-example"},
		{"unknown sharegpt role is rejected", `{"conversations":[{"from":"narrator","value":"x"}]}`, nil, "", "invalid-example"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			docs := readDocs(t, Defaults(), fstest.MapFS{"a.jsonl": {Data: []byte(tc.line + "\n")}})
			if len(docs) != 1 {
				t.Fatalf("%d documents", len(docs))
			}
			d := docs[0]
			if tc.reject != "" {
				if d.Reject == nil || d.Reject.Reason != tc.reject {
					t.Fatalf("want reject %s, got %s", tc.reject, describe(d))
				}
				return
			}
			if d.Reject != nil {
				t.Fatalf("rejected: %+v", d.Reject)
			}
			if !reflect.DeepEqual(d.Example, tc.want) {
				g, _ := json.Marshal(d.Example)
				w, _ := json.Marshal(tc.want)
				t.Errorf("example\n%s\nwant\n%s", g, w)
			}
			var names []string
			for _, f := range d.Fields {
				names = append(names, f.Name)
			}
			if strings.Join(names, ",") != tc.fields {
				t.Errorf("fields %v, want %s", names, tc.fields)
			}
		})
	}
}
