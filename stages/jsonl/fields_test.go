package jsonl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

func TestParseObject(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"b":"x","a":1,"c":[1, 2],"d":null,"e":true,"f":{"g" : "h"}}`, `[{b x false false} {a 1 false false} {c [1,2] true false} {e true false false} {f {"g":"h"} true false}]`},
		{` { "k\"ey" : "\u00e9\n" } `, `[{k"ey é` + "\n" + ` false false}]`},
		{`{}`, `[]`},
		{`[1]`, "error: not a JSON object"},
		{`{"a":1} x`, "error: invalid character 'x' after top-level value"},
		{`{`, "error: unexpected end of JSON input"},
	}
	for _, c := range cases {
		got, err := ParseObject([]byte(c.in))
		s := fmt.Sprint(got)
		if err != nil {
			s = "error: " + err.Error()
		}
		if s != c.want {
			t.Errorf("%s: got %s, want %s", c.in, s, c.want)
		}
	}
	// A reject has no fields.
	if _, err := (Record{Reject: &Reject{Malformed, "x"}}).Fields(); err == nil {
		t.Error("fields of a reject")
	}
}

func TestMembersFieldElements(t *testing.T) {
	rd := NewReader(strings.NewReader(`{"q":"a","n":2,"l":[1,null,"x"],"z":null}`), Options{})
	rec, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = rec.Members(func(k string, v []byte) error {
		f, err := Field(k, v)
		got = append(got, fmt.Sprintf("%s=%s(%v)", f.Name, f.Value, f.Raw))
		return err
	})
	if err != nil || strings.Join(got, " ") != `q=a(false) n=2(false) l=[1,null,"x"](true) z=null(false)` {
		t.Errorf("members %v, %v", got, err)
	}
	stop := fmt.Errorf("stop")
	if err := rec.Members(func(string, []byte) error { return stop }); err != stop {
		t.Errorf("error from fn: %v", err)
	}
	if el := Elements([]byte(` [ 1 , null, {"a":[2]} ,"s"]`)); fmt.Sprintf("%s", el) != `[1 {"a":[2]} "s"]` {
		t.Errorf("elements %s", el)
	}
}

// referenceParse is ParseObject written the slow, obvious way with
// encoding/json's token stream: the fuzz target checks the fast scanner
// against it.
func referenceParse(b []byte) (schemas.Fields, bool) {
	var probe map[string]json.RawMessage
	if json.Unmarshal(b, &probe) != nil || probe == nil { // null is no object
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.Token()
	var fields schemas.Fields
	for dec.More() {
		tok, _ := dec.Token()
		var raw json.RawMessage
		dec.Decode(&raw)
		switch raw[0] {
		case 'n':
		case '"':
			var s string
			json.Unmarshal(raw, &s)
			fields = append(fields, schemas.Field{Name: tok.(string), Value: s})
		case '{', '[':
			var c bytes.Buffer
			json.Compact(&c, raw)
			fields = append(fields, schemas.Field{Name: tok.(string), Value: c.String(), Raw: true})
		default:
			fields = append(fields, schemas.Field{Name: tok.(string), Value: string(raw)})
		}
	}
	return fields, true
}

// FuzzParseObject: the fast scanner agrees with encoding/json on every input.
func FuzzParseObject(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":{"b":[1,"]}"]},"c":null}`, `[1]`, `{"a":1} x`, `{`, `{"a\"b":"\u00e9\n"}`, ` { "x" : -1.5e3 , "y":true } `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseObject(b)
		want, ok := referenceParse(b)
		if ok != (err == nil) {
			t.Fatalf("ParseObject error %v, reference ok %v", err, ok)
		}
		if ok && fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
}
