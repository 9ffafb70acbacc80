package schemas

import (
	"encoding/json"
	"testing"
)

func TestFieldsJSONKeepsOrderAndRaw(t *testing.T) {
	fs := Fields{{Name: "z", Value: "last <b>"}, {Name: "a", Value: `[1,{"b":2}]`, Raw: true}, {Name: "bad", Value: "{not json", Raw: true}}
	b, err := json.Marshal(fs)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"z":"last \u003cb\u003e","a":[1,{"b":2}],"bad":"{not json"}` {
		t.Errorf("%s", b)
	}
	fs.Set("z", "new")
	fs.Set("n", "added")
	fs.Delete("a")
	if v, _ := fs.Get("z"); v != "new" || len(fs) != 3 || fs[2].Name != "n" {
		t.Errorf("%v", fs)
	}
}

func TestMainText(t *testing.T) {
	fs := Fields{{Name: "q", Value: "Q"}, {Name: "n", Value: "3", Raw: false}, {Name: "m", Value: "[1]", Raw: true}, {Name: "a", Value: "A"}}
	if got := fs.MainText(nil); got != "Q\n\n3\n\nA" {
		t.Errorf("all strings: %q", got)
	}
	if got := fs.MainText([]string{"a", "missing", "q"}); got != "A\n\nQ" {
		t.Errorf("named: %q", got)
	}
	withText := append(fs, Field{Name: "text", Value: "T"})
	if got := withText.MainText(nil); got != "T" {
		t.Errorf("text field: %q", got)
	}
}
