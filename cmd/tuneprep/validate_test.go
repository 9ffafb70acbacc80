package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/stages/formats"
)

// TestValidateFindsEachProblem: a file with one example of each problem
// reports each with its line number and exits 3.
func TestValidateFindsEachProblem(t *testing.T) {
	good := `{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}`
	lines := []string{
		good, // 1
		`{"messages":[{"role":"user","content":"Hi"}]}`, // 2 no assistant
		`not json`, // 3
		`[1,2]`,    // 4 not an object
		`{"messages":[{"role":"robot","content":"Hi"},{"role":"assistant","content":"x"}]}`,                                                                          // 5 unknown role
		`{"messages":[{"role":"user","content":"Hi","weight":1},{"role":"assistant","content":"x"}]}`,                                                                // 6 weight on user
		`{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"x"}],"extra":1}`,                                                                 // 7 unknown key
		`{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{bad"}}]}]}`, // 8 arguments not JSON
		`{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"x","weight":2}]}`,                                                                // 9 weight not 0/1
		`{"messages":[{"role":"user"},{"role":"assistant","content":"x"}]}`,                                                                                          // 10 missing content
		`{"messages":[{"role":"user","content":"Hi"},{"role":"tool","content":"42"},{"role":"assistant","content":"x"}]}`,                                            // 11 tool without id
		good, good, // 12, 13
	}
	// A valid example with tools: the cookbook's checker would reject it.
	lines = append(lines, `{"messages":[{"role":"user","content":"Weather in Paris?"},{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},{"role":"tool","tool_call_id":"call_1","content":"18C"},{"role":"assistant","content":"18C and sunny.","weight":1}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]}`)
	// Valid lines bring the examples to OpenAI's minimum: only valid lines count.
	for len(lines) < 20 {
		lines = append(lines, good)
	}
	path := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	code, out, stderr := cli(t, "validate", path, "--json", "--format", "openai-chat")
	if code != exitGate {
		t.Fatalf("exit %d, want 3: %s", code, stderr)
	}
	var v validation
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	byLine := map[int][]string{}
	for _, p := range v.Problems {
		byLine[p.Line] = append(byLine[p.Line], p.Code)
	}
	want := map[int]string{2: "no-assistant", 3: "invalid-json", 4: "not-object", 5: "schema", 6: "weight-not-assistant",
		7: "schema", 8: "arguments-not-json", 9: "weight-not-0-or-1", 10: "missing-content", 11: "missing-tool-call-id"}
	for line, code := range want {
		if !strings.Contains(strings.Join(byLine[line], ","), code) {
			t.Errorf("line %d: got %v, want %s", line, byLine[line], code)
		}
	}
	for line := range byLine {
		if _, ok := want[line]; !ok {
			t.Errorf("unexpected problems on line %d: %v", line, byLine[line])
		}
	}
	if v.Examples != 10 || v.Valid || v.Cost == nil || len(v.Warnings["missing-system"]) == 0 {
		t.Errorf("summary: %+v", v)
	}
	// Text output names file and line.
	_, text, _ := cli(t, "validate", path, "--format", "openai-chat")
	if !strings.Contains(text, path+":8: arguments-not-json") {
		t.Errorf("text output:\n%s", text)
	}
	if code, _, _ := cli(t, "validate"); code != exitUsage {
		t.Errorf("no file: exit %d", code)
	}
}

// TestValidateAcceptsOwnOutputs: every file the pipeline writes, in every
// format, validates with no problem.
func TestValidateAcceptsOwnOutputs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	runOK(t, "--out", out, "--formats", "all")
	for _, f := range formats.All() {
		path := filepath.Join(out, "finetune", f.Name, "train"+f.Ext)
		code, stdout, stderr := cli(t, "validate", path, "--json")
		var v validation
		json.Unmarshal([]byte(stdout), &v)
		if v.Examples == 0 {
			continue // the samples have nothing this format can hold
		}
		if code != 0 || !v.Valid {
			t.Errorf("%s: exit %d, problems %v %s", f.Name, code, v.Problems, stderr)
		}
	}
}

func TestTokensCommand(t *testing.T) {
	dir := t.TempDir()
	txt := filepath.Join(dir, "a.txt")
	os.WriteFile(txt, []byte("hello world"), 0o644)
	if code, out, _ := cli(t, "tokens", "--encoding", "cl100k_base", txt); code != 0 || out != "2\n" {
		t.Errorf("plain: %d %q", code, out)
	}
	if _, out, _ := cli(t, "tokens", "--json", "--model", "gpt-4o", txt); out != `{"tokens":2,"bytes":11,"encoding":"o200k_base"}`+"\n" {
		t.Errorf("--json: %q", out)
	}
	jl := filepath.Join(dir, "a.jsonl")
	os.WriteFile(jl, []byte("{\"text\":\"hello world\"}\n{\"text\":\"<|endoftext|>\"}\n"), 0o644)
	if _, out, _ := cli(t, "tokens", "--jsonl", "--encoding", "cl100k_base", jl); out != "{\"tokens\":2}\n{\"tokens\":7}\n" {
		t.Errorf("--jsonl: %q", out)
	}
	ds := filepath.Join(dir, "d.jsonl")
	os.WriteFile(ds, []byte(`{"messages":[{"role":"user","content":"Hello"},{"role":"assistant","content":"Hi"}]}`+"\n"), 0o644)
	if _, out, _ := cli(t, "tokens", "--dataset", ds); !strings.HasPrefix(out, `{"line":1,"format":"openai-chat","tokens":13,"trained":1`) {
		t.Errorf("--dataset: %q", out)
	}
	if code, _, _ := cli(t, "tokens", "--encoding", "nope", txt); code != exitUsage {
		t.Errorf("bad encoding: exit %d", code)
	}
}

const goodChat = `{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}`

// validateJSON writes content to a file, validates it with --json and args,
// and returns the exit code and the output decoded generically, so that a
// null stays distinguishable from a zero.
func validateJSON(t *testing.T, content string, args ...string) (int, map[string]any) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.jsonl")
	os.WriteFile(path, []byte(content), 0o644)
	code, out, stderr := cli(t, append([]string{"validate", path, "--json"}, args...)...)
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("validate %v: exit %d, output %q, stderr %s", args, code, out, stderr)
	}
	return code, v
}

// problemCodes lists a result's problems as "line:code".
func problemCodes(v map[string]any) []string {
	var codes []string
	ps, _ := v["problems"].([]any)
	for _, p := range ps {
		p := p.(map[string]any)
		codes = append(codes, fmt.Sprintf("%v:%v", p["line"], p["code"]))
	}
	return codes
}

// noticeCodes lists a result's file-level notices.
func noticeCodes(v map[string]any) []string {
	var codes []string
	ns, _ := v["notices"].([]any)
	for _, n := range ns {
		codes = append(codes, fmt.Sprint(n.(map[string]any)["code"]))
	}
	return codes
}

// anys is xs as JSON decodes it into an any: nil stays nil.
func anys(xs []string) any {
	if xs == nil {
		return nil
	}
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func repeatLines(line string, n int) string { return strings.Repeat(line+"\n", n) }

// TestValidateContentParts: content given as a list of parts is counted
// like a string; a part that cannot be read as text is a problem on its
// line, not a silently skipped record.
func TestValidateContentParts(t *testing.T) {
	parts := `{"messages":[{"role":"user","content":[{"type":"text","text":"Hi "},{"type":"text","text":"there"}]},{"role":"assistant","content":"Hello!"}]}`
	image := `{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]},{"role":"assistant","content":"A cat."}]}`
	code, v := validateJSON(t, repeatLines(parts, 10)+image+"\n", "--format", "openai-chat")
	if code != exitGate || !slices.Contains(problemCodes(v), "11:unreadable") {
		t.Errorf("exit %d, problems %v; want 11:unreadable", code, problemCodes(v))
	}
	tok := v["tokens"].(map[string]any)
	if v["examples"] != 10.0 || tok["total"] == nil || tok["total"].(float64) < 10*13 || v["cost"] == nil {
		t.Errorf("content parts not counted: examples %v, tokens %v, cost %v", v["examples"], tok, v["cost"])
	}
}

// TestValidateCountsOnlyValidExamples: an invalid line is a problem, not an example.
func TestValidateCountsOnlyValidExamples(t *testing.T) {
	code, v := validateJSON(t, repeatLines(goodChat, 10)+"not json\n"+`{"messages":[{"role":"user","content":"Hi"}]}`+"\n")
	if code != exitGate || v["examples"] != 10.0 || len(problemCodes(v)) != 2 {
		t.Errorf("exit %d, examples %v, problems %v; want 10 examples, 2 problems", code, v["examples"], problemCodes(v))
	}
	if c := v["cost"].(map[string]any); c["examples"] != 10.0 {
		t.Errorf("cost estimated on %v examples", c["examples"])
	}
}

// TestValidateFileFormat: the format is told from the whole file and its
// container; what cannot be told apart is said, not guessed.
func TestValidateFileFormat(t *testing.T) {
	bedrock := `{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}`
	bedrockSys := `{"system":"Be brief.","messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}`
	weighted := `{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!","weight":1}]}`
	alpaca := `{"instruction":"Say hi","input":"","output":"Hi"}`
	tests := []struct {
		name, content string
		args          []string
		code          int
		format        string
		problems      []string
		notices       []string
		alsoValidAs   []string
	}{
		{name: "bedrock, system on a later record", content: repeatLines(bedrock, 3) + bedrockSys + "\n",
			format: "bedrock-claude"},
		{name: "bedrock or openai, nothing tells", content: repeatLines(bedrock, 3),
			format: "openai-chat", notices: []string{"ambiguous-format", "too-few-examples"}, alsoValidAs: []string{"bedrock-claude"}},
		{name: "openai by its weights", content: repeatLines(bedrock, 2) + weighted + "\n",
			code: exitGate, format: "openai-chat", problems: []string{"0:too-few-examples"}},
		{name: "mixed: the first telling record decides", content: repeatLines(bedrock, 2) + repeatLines(bedrockSys, 2) + weighted + "\n",
			code: exitGate, format: "bedrock-claude", problems: []string{"5:schema"}, notices: []string{"format-evidence"}},
		{name: "broken alike", content: repeatLines(`{"messages":[{"role":"user","content":"Hi"}]}`, 2),
			code: exitGate, format: "openai-chat", problems: []string{"0:no-examples", "1:no-assistant", "2:no-assistant"},
			notices: []string{"ambiguous-format"}},
		{name: "alpaca array", content: "[" + alpaca + ",\n" + alpaca + "]\n", format: "alpaca"},
		{name: "alpaca array, empty", content: "[]\n", code: exitGate, format: "alpaca", problems: []string{"0:no-examples"}},
		{name: "--format alpaca on JSONL", content: repeatLines(alpaca, 2), args: []string{"--format", "alpaca"},
			code: exitGate, format: "alpaca", problems: []string{"0:wrong-container"}},
		{name: "--format alpaca-jsonl on an array", content: "[" + alpaca + "]", args: []string{"--format", "alpaca-jsonl"},
			code: exitGate, format: "alpaca-jsonl", problems: []string{"0:wrong-container"}},
		{name: "chat records in an array", content: "[" + strings.Repeat(goodChat+",", 9) + goodChat + "]",
			code: exitGate, format: "openai-chat", problems: []string{"0:wrong-container"}},
		{name: "empty file", content: "", code: exitGate, format: "unknown", problems: []string{"0:no-examples"}},
		{name: "empty file, --format alpaca", content: "", args: []string{"--format", "alpaca"}, code: exitGate, format: "alpaca", problems: []string{"0:no-examples"}},
		{name: "blank lines only", content: "\n \n", code: exitGate, format: "unknown", problems: []string{"0:no-examples"}},
		{name: "byte-order mark", content: "\uFEFF" + repeatLines(goodChat, 10), format: "openai-chat"},
		{name: "byte-order mark, array", content: "\uFEFF[" + alpaca + "]", format: "alpaca"},
	}
	for _, tt := range tests {
		code, v := validateJSON(t, tt.content, tt.args...)
		if code != tt.code || v["format"] != tt.format || !slices.Equal(problemCodes(v), tt.problems) ||
			!slices.Equal(noticeCodes(v), tt.notices) || fmt.Sprint(v["also_valid_as"]) != fmt.Sprint(anys(tt.alsoValidAs)) {
			t.Errorf("%s: exit %d, format %v, problems %v, notices %v, also valid as %v; want %d, %s, %v, %v, %v",
				tt.name, code, v["format"], problemCodes(v), noticeCodes(v), v["also_valid_as"], tt.code, tt.format, tt.problems, tt.notices, tt.alsoValidAs)
		}
	}
}

// TestValidateUnknownFacts: a limit, price or encoding the tables do not
// know is null with a notice, never a zero; --encoding counts for a model
// whose encoding is unknown.
func TestValidateUnknownFacts(t *testing.T) {
	file := repeatLines(goodChat, 10)
	tests := []struct {
		args             []string
		limit, cost, tot bool // known?
		notices          []string
	}{
		{[]string{"--model", "gpt-4o-mini"}, true, true, true, nil},
		{[]string{"--model", "gpt-5"}, false, false, true, []string{"unknown-limit", "unknown-price"}},
		{[]string{"--model", "o4-mini"}, false, false, true, []string{"unknown-limit", "unknown-price"}},
		{[]string{"--model", "gpt-3.5-turbo"}, true, false, true, []string{"unknown-price"}},
		{[]string{"--model", "gemini-2.5-flash"}, true, false, false, []string{"unknown-encoding", "unknown-price"}},
		{[]string{"--model", "gemini-2.5-flash", "--encoding", "o200k_base"}, true, false, true, []string{"approximate-tokens", "unknown-price"}},
	}
	for _, tt := range tests {
		code, v := validateJSON(t, file, tt.args...)
		tok := v["tokens"].(map[string]any)
		known := func(x any) bool { return x != nil }
		var cost any
		if c, ok := v["cost"].(map[string]any); ok {
			cost = c["cost_usd"]
		}
		if code != 0 || known(tok["limit"]) != tt.limit || known(tok["over_limit"]) != (tt.limit && tt.tot) ||
			known(cost) != tt.cost || known(tok["total"]) != tt.tot || known(tok["encoding"]) != tt.tot ||
			!slices.Equal(noticeCodes(v), tt.notices) || tok["model"] != tt.args[1] {
			t.Errorf("%v: exit %d, tokens %v, cost %v, notices %v", tt.args, code, tok, v["cost"], noticeCodes(v))
		}
		for _, x := range []any{tok["limit"], cost, tok["total"]} {
			if x == 0.0 {
				t.Errorf("%v: a zero stands for an unknown: %v %v", tt.args, tok, v["cost"])
			}
		}
	}
	// Text output says "unknown", never $0.
	path := filepath.Join(t.TempDir(), "f.jsonl")
	os.WriteFile(path, []byte(file), 0o644)
	_, text, _ := cli(t, "validate", path, "--model", "gpt-5")
	if strings.Contains(text, "$0.0000") || !strings.Contains(text, "cost unknown") || !strings.Contains(text, "limit of gpt-5: unknown") {
		t.Errorf("text output:\n%s", text)
	}
	if code, _, _ := cli(t, "validate", path, "--encoding", "nope"); code != exitUsage {
		t.Errorf("bad --encoding: exit %d", code)
	}
}

// TestValidateSchemaMessageStable: a record that breaks the schema in
// several places gets the same message every time (the validator's causes
// come in no fixed order): the one at the first location.
func TestValidateSchemaMessageStable(t *testing.T) {
	good := `{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}`
	lines := []string{`{"messages":[{"role":"robot","content":"Hi"},{"role":"assistant","content":"x","zz":1}],"extra":1,"more":2}`}
	for len(lines) < 12 {
		lines = append(lines, good)
	}
	path := filepath.Join(t.TempDir(), "multi.jsonl")
	os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	seen := map[string]bool{}
	for range 25 {
		_, out, _ := cli(t, "validate", path, "--json", "--format", "openai-chat")
		var v validation
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatal(err)
		}
		for _, p := range v.Problems {
			if p.Code == "schema" {
				seen[p.Message] = true
			}
		}
	}
	if len(seen) != 1 {
		t.Errorf("schema messages vary between runs: %v", seen)
	}
}
