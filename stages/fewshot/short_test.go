package fewshot

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

// TestShortBankSaysWhy: a bank with fewer than k examples says, in the
// report and in run.json's warnings, how many candidates there were and
// what each rule removed; a full bank says nothing.
func TestShortBankSaysWhy(t *testing.T) {
	cfg := Defaults()
	cfg.MaxExampleTokens = 60
	leaked := words(1, 12)
	in := docs{
		qa("a1", "train", "a", words(0, 12), "short answer"),
		qa("a2", "train", "a", leaked, "another answer"),
		qa("a3", "train", "a", words(2, 80), "too long for the example budget"),
		qa("t1", "test", "a", leaked, "the test answer"),
	}
	for i := range 10 {
		in = append(in, qa("b"+string(rune('0'+i)), "train", "b", words(100+i, 10), "fine"))
	}
	st, _, out := runBanks(t, cfg, in)
	byLabel := map[string]BankStats{}
	for _, b := range st.Banks {
		byLabel[b.Label] = b
	}
	a := byLabel["a"]
	if a.Selected != 1 {
		t.Fatalf("bank a selected %d, want 1", a.Selected)
	}
	for _, want := range []string{`3 usable train records labelled "a"`, "1 over max_example_tokens 60", "1 overlapping validation or test"} {
		if !strings.Contains(a.Short, want) {
			t.Errorf("bank a short %q lacks %q", a.Short, want)
		}
	}
	if b := byLabel["b"]; b.Selected != 5 || b.Short != "" {
		t.Errorf("bank b: %d selected, short %q", b.Selected, b.Short)
	}
	raw, err := os.ReadFile(filepath.Join(out, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m schemas.RunManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range m.Warnings {
		if w.Stage == "fewshot" && strings.HasPrefix(w.Message, `bank "a" has 1 of 5 examples: 3 usable`) {
			found = true
		}
		if strings.Contains(w.Message, `bank "b"`) {
			t.Errorf("full bank warned: %s", w)
		}
	}
	if !found {
		t.Errorf("run.json warnings %q lack bank a's", m.Warnings)
	}
}
