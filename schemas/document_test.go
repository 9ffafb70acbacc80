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
	if got := fs.MainText(nil); got != "Q\n\n3\n\n1\n\nA" {
		t.Errorf("every field: %q", got)
	}
	// Identifiers never make two copies look different.
	ids := Fields{{Name: "ticket_id", Value: "T-00417"}, {Name: "q", Value: "Q"}, {Name: "orderId", Value: "99"}, {Name: "uuid", Value: "1b4e28ba-2fa1-11d2-883f-0016d3cca427"}}
	if got := ids.MainText(nil); got != "Q" {
		t.Errorf("identifiers in the text: %q", got)
	}
	// A field named like an identifier that holds prose is text.
	prose := Fields{{Name: "key", Value: "the key point is this"}}
	if got := prose.MainText(nil); got != "the key point is this" {
		t.Errorf("prose under an id-like name left out: %q", got)
	}
	if got := fs.MainText([]string{"a", "missing", "q"}); got != "A\n\nQ" {
		t.Errorf("named: %q", got)
	}
	withText := append(fs, Field{Name: "text", Value: "T"})
	if got := withText.MainText(nil); got != "T" {
		t.Errorf("text field: %q", got)
	}
}
