package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLineCommandsKeepGoing: redact --jsonl, tokens --jsonl and tokens
// --dataset write an error record on each bad line, with its number and
// reason, go on to the end, and exit 1 saying how many lines failed.
func TestLineCommandsKeepGoing(t *testing.T) {
	chat := `{"messages":[{"role":"user","content":"Hi, I am at jane@example.com"},{"role":"assistant","content":"Hello."}]}`
	lines := []string{
		`{"text":"Mail jane@example.com","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}`,
		`this is not json`,
		`["an array"]`,
		chat,
		`{"broken": `,
		`{"text":"the last line"}`,
	}
	in := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		bad  []int // 1-based lines that fail
	}{
		{[]string{"redact", "--jsonl"}, []int{2, 3, 5}},
		{[]string{"tokens", "--jsonl"}, []int{2, 3, 4, 5}},
		{[]string{"tokens", "--dataset"}, []int{2, 3, 5}},
	} {
		code, stdout, stderr := cli(t, append(tc.args, in)...)
		name := strings.Join(tc.args, " ")
		if code != 1 {
			t.Errorf("%s: exit %d, want 1\n%s", name, code, stderr)
		}
		if !strings.Contains(stderr, "lines failed") {
			t.Errorf("%s: stderr does not say lines failed:\n%s", name, stderr)
		}
		out := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
		if len(out) != len(lines) {
			t.Fatalf("%s: %d output lines for %d input lines:\n%s", name, len(out), len(lines), stdout)
		}
		bad := map[int]bool{}
		for _, n := range tc.bad {
			bad[n] = true
		}
		for i, o := range out {
			var rec struct {
				Line  int    `json:"line"`
				Error string `json:"error"`
			}
			if err := json.Unmarshal([]byte(o), &rec); err != nil {
				t.Fatalf("%s: output line %d is not JSON: %s", name, i+1, o)
			}
			if got := rec.Error != ""; got != bad[i+1] || got && rec.Line != i+1 {
				t.Errorf("%s: output line %d: %s (bad: %v)", name, i+1, o, bad[i+1])
			}
		}
		if strings.Contains(stdout, "jane@example.com") && tc.args[0] == "redact" {
			t.Errorf("%s: a raw e-mail address in the output", name)
		}
	}
}
