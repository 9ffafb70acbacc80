package main

import (
	"encoding/json"
	"os"
	"path/filepath"
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
		good, good, // valid tool-call example style lines keep the count above 10
	}
	// A valid example with tools: the cookbook's checker would reject it.
	lines = append(lines, `{"messages":[{"role":"user","content":"Weather in Paris?"},{"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},{"role":"tool","tool_call_id":"call_1","content":"18C"},{"role":"assistant","content":"18C and sunny.","weight":1}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]}`)
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
	if v.Examples != len(lines) || v.Valid || v.Cost == nil || len(v.Warnings["missing-system"]) == 0 {
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
