package formats

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tuneprep/tuneprep/schemas"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

func intp(n int) *int { return &n }

func msg(role, content string) schemas.Message { return schemas.Message{Role: role, Content: content} }

func chat(msgs ...schemas.Message) *schemas.Example {
	return &schemas.Example{Kind: schemas.KindChat, Messages: msgs}
}

// goldenExample is one input of the golden tests.
type goldenExample struct {
	name string
	ex   *schemas.Example
}

// goldenExamples cover every mapping: each format renders some of them and
// gives a reason for the rest.
func goldenExamples() []goldenExample {
	weather := json.RawMessage(`[{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]`)
	call := json.RawMessage(`[ {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Paris\"}"}} ]`)
	return []goldenExample{
		{"chat-system", chat(msg("system", "Answer in <b>HTML</b> & be brief."), msg("user", "Is 1 < 2 && 3 > 2?"), msg("assistant", "Yes: 1 < 2 & 3 > 2."))},
		{"chat-no-system", chat(msg("user", "What is the capital of France?"), msg("assistant", "Paris."))},
		{"multi-turn", chat(msg("system", "You are a tax assistant."), msg("user", "Can I deduct a home office?"),
			msg("assistant", "If you use it only for work."), msg("user", "And a laptop?"), msg("assistant", "Yes, spread over three years."))},
		{"tool-calls", &schemas.Example{Kind: schemas.KindChat, Tools: weather, Messages: []schemas.Message{
			msg("user", "Weather in Paris?"),
			{Role: "assistant", ToolCalls: call},
			{Role: "tool", Content: `{"temp_c": 18}`, ToolCallID: "call_1"},
			msg("assistant", "18 °C in Paris."),
		}}},
		{"weight-0", chat(msg("user", "Draft a reply."), schemas.Message{Role: "assistant", Content: "Draft (bad).", Weight: intp(0)},
			msg("user", "Better, please."), schemas.Message{Role: "assistant", Content: "Final reply.", Weight: intp(1)})},
		{"completion", &schemas.Example{Kind: schemas.KindCompletion, Prompt: "Q: <a href=\"x\">&amp;</a>\n\nA:", Completion: " ok → done"}},
		{"text", &schemas.Example{Kind: schemas.KindText, Text: "# Title\n\n<p>a & b</p>\u2028\x01 end"}},
		{"unicode", chat(msg("user", "Grüße aus Köln – 日本語? \"quoted\"\ttab"), msg("assistant", "Ja – natürlich ✓ 👍"))},
	}
}

// renderAll renders the golden examples in f: the framed file and one
// line per skipped example.
func renderAll(t testing.TB, f Format) (file []byte, lines [][]byte, skips []string) {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, f)
	for _, g := range goldenExamples() {
		line, reason, err := f.Render(g.ex)
		if err != nil {
			t.Fatalf("%s %s: %v", f.Name, g.name, err)
		}
		if reason != "" {
			skips = append(skips, fmt.Sprintf("%s\t%s\t%s", f.Name, g.name, reason))
			continue
		}
		if err := w.Write(line); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), lines, skips
}

func TestGolden(t *testing.T) {
	var allSkips []string
	for _, f := range All() {
		file, _, skips := renderAll(t, f)
		allSkips = append(allSkips, skips...)
		again, _, _ := renderAll(t, f)
		if !bytes.Equal(file, again) {
			t.Errorf("%s: two renderings differ", f.Name)
		}
		compareGolden(t, f.Name+f.Ext, file)
	}
	compareGolden(t, "skipped.tsv", []byte(strings.Join(allSkips, "\n")+"\n"))
}

func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// compileSchema compiles a format's embedded schema.
func compileSchema(t testing.TB, f Format) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(f.Schema))
	if err != nil {
		t.Fatalf("%s: schema: %v", f.Name, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(f.SchemaFile, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(f.SchemaFile)
	if err != nil {
		t.Fatalf("%s: compile schema: %v", f.Name, err)
	}
	return s
}

func validate(s *jsonschema.Schema, record []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(record))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

// TestRenderedRecordsValid: everything Render writes passes the format's
// schema and Check, and the framed file parses.
func TestRenderedRecordsValid(t *testing.T) {
	for _, f := range All() {
		t.Run(f.Name, func(t *testing.T) {
			s := compileSchema(t, f)
			file, lines, _ := renderAll(t, f)
			if len(lines) == 0 {
				t.Fatal("no golden example renders in this format")
			}
			for _, line := range lines {
				if !bytes.HasSuffix(line, []byte("\n")) || bytes.Count(line, []byte("\n")) != 1 {
					t.Errorf("not one line: %q", line)
				}
				if err := validate(s, line); err != nil {
					t.Errorf("schema: %v\n%s", err, line)
				}
				if ps := f.Check(line); len(ps) > 0 {
					t.Errorf("Check: %v\n%s", ps, line)
				}
				if name, ok := Detect(line); !ok || (name != f.Name && !sameShape(name, f.Name)) {
					t.Errorf("Detect = %q, %v", name, ok)
				}
			}
			if f.Array() {
				var elems []json.RawMessage
				if err := json.Unmarshal(file, &elems); err != nil || len(elems) != len(lines) {
					t.Errorf("array file: %d elements, err %v", len(elems), err)
				}
				if name, ok := Detect(file); !ok || name != f.Name {
					t.Errorf("Detect(file) = %q, %v", name, ok)
				}
			}
		})
	}
}

// sameShape: formats whose records can look alike; Detect picks one.
func sameShape(detected, name string) bool {
	return (detected == "alpaca-jsonl" && name == "alpaca") ||
		(detected == "openai-chat" && name == "bedrock-claude") // no system: just {"messages"}
}

func TestTable(t *testing.T) {
	names := Names()
	if !slices.IsSorted(names) || len(names) != 10 {
		t.Errorf("Names() = %v", names)
	}
	for _, n := range names {
		f, ok := Lookup(n)
		if !ok || f.Name != n || f.Doc == "" || f.render == nil || len(f.Schema) == 0 {
			t.Errorf("Lookup(%q) = %+v, %v", n, f, ok)
		}
		if f.Ext != ".jsonl" && f.Ext != ".json" {
			t.Errorf("%s: extension %q", n, f.Ext)
		}
	}
	if _, ok := Lookup("OpenAI-Chat"); ok {
		t.Error("Lookup is case-insensitive")
	}
	a := All()
	a[0].Name = "changed"
	if All()[0].Name == "changed" {
		t.Error("All returns the table itself")
	}
}

func TestWriterEmptyArray(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, alpaca)
	if err := w.Close(); err != nil || buf.String() != "[]\n" || w.Records() != 0 {
		t.Errorf("empty array file = %q, %v", buf.String(), err)
	}
}

func BenchmarkRender(b *testing.B) {
	sys := "You are a careful assistant for tax questions."
	answer := strings.Repeat("It depends on how the space is used & on the rules that apply. ", 8)
	examples := []*schemas.Example{
		chat(msg("system", sys), msg("user", "Can I deduct the cost of a home office?"), msg("assistant", answer)),
		{Kind: schemas.KindCompletion, Prompt: "Can I deduct the cost of a home office?", Completion: answer},
		{Kind: schemas.KindText, Text: sys + "\n\n" + answer},
	}
	for _, f := range All() {
		b.Run(f.Name, func(b *testing.B) {
			for _, ex := range examples {
				line, reason, err := f.Render(ex)
				if err != nil || reason != "" {
					continue
				}
				b.SetBytes(int64(len(line)))
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := f.Render(ex); err != nil {
						b.Fatal(err)
					}
				}
				return
			}
			b.Fatal("no benchmark example renders")
		})
	}
}

// TestParseInvertsRender: every golden example that a format renders parses
// back to the same conversation (for formats that keep it whole).
func TestParseInvertsRender(t *testing.T) {
	for _, f := range All() {
		for _, g := range goldenExamples() {
			ex := g.ex
			line, reason, err := f.Render(ex)
			if err != nil || reason != "" {
				continue
			}
			got, err := f.Parse(line)
			if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
			if ex.Kind == schemas.KindChat && len(ex.Tools) == 0 && !hasToolCalls(ex) && got.Kind == schemas.KindChat {
				if len(got.Messages) != len(ex.Messages) {
					t.Errorf("%s: %d messages back, %d rendered", f.Name, len(got.Messages), len(ex.Messages))
					continue
				}
				for i := range ex.Messages {
					if got.Messages[i].Content != ex.Messages[i].Content || got.Messages[i].Role != ex.Messages[i].Role {
						t.Errorf("%s: message %d: %+v, want %+v", f.Name, i, got.Messages[i], ex.Messages[i])
					}
				}
			}
		}
	}
}

func hasToolCalls(ex *schemas.Example) bool {
	for _, m := range ex.Messages {
		if len(m.ToolCalls) > 0 || m.Role == "tool" {
			return true
		}
	}
	return false
}

// TestLlamaFactory checks the dataset_info.json entries against what the
// renderers write: every key of every golden record is a named column (and
// every column a key the schema allows), every sharegpt turn uses the
// named keys and roles.
func TestLlamaFactory(t *testing.T) {
	for _, f := range All() {
		d, ok := f.LlamaFactory("train" + f.Ext)
		if want := slices.Contains([]string{"alpaca", "alpaca-jsonl", "sharegpt"}, f.Name); ok != want {
			t.Errorf("%s: LlamaFactory ok = %v, want %v", f.Name, ok, want)
		}
		if !ok {
			continue
		}
		if d.FileName != "train"+f.Ext || d.Formatting != strings.TrimSuffix(f.Name, "-jsonl") {
			t.Errorf("%s: entry %+v", f.Name, d)
		}
		c := d.Columns
		columns := map[string]bool{}
		for _, v := range []string{c.Prompt, c.Query, c.Response, c.Messages, c.System, c.History, c.Tools} {
			if v == "" {
				continue
			}
			columns[v] = true
			if !slices.Contains(f.Columns(), v) {
				t.Errorf("%s: column %q is not in the schema", f.Name, v)
			}
		}
		roles := map[string]bool{}
		if d.Tags != nil {
			roles = map[string]bool{d.Tags.UserTag: true, d.Tags.AssistantTag: true, d.Tags.ObservationTag: true, d.Tags.FunctionTag: true}
		}
		rendered := 0
		for _, g := range goldenExamples() {
			line, reason, err := f.Render(g.ex)
			if err != nil || reason != "" {
				continue
			}
			rendered++
			var rec map[string]json.RawMessage
			if err := json.Unmarshal(line, &rec); err != nil {
				t.Fatal(err)
			}
			for k := range rec {
				if !columns[k] {
					t.Errorf("%s %s: key %q is not a dataset_info column", f.Name, g.name, k)
				}
			}
			if d.Tags == nil {
				continue
			}
			var turns []map[string]string
			if err := json.Unmarshal(rec[c.Messages], &turns); err != nil {
				t.Fatal(err)
			}
			for _, turn := range turns {
				if _, ok := turn[d.Tags.ContentTag]; !ok || len(turn) != 2 || !roles[turn[d.Tags.RoleTag]] {
					t.Errorf("%s %s: turn %v does not match tags %+v", f.Name, g.name, turn, d.Tags)
				}
			}
		}
		if rendered < 4 {
			t.Errorf("%s rendered %d golden examples", f.Name, rendered)
		}
	}
}
