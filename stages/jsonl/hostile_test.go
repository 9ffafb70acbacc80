package jsonl

import (
	"strings"
	"testing"
)

// TestHostileLines: a last line without a line end that stops inside its
// value is truncated-json (the file was cut short), while a broken line
// elsewhere, or a complete last line, is what it is; nesting past 10,000
// levels is malformed-json in a line and in a Document, after reading only
// the line or up to the limit.
func TestHostileLines(t *testing.T) {
	deep := strings.Repeat("[", 200000) + strings.Repeat("]", 200000)
	cases := []struct {
		name, in string
		opt      Options
		want     string
	}{
		{"cut inside the last value", "{\"a\":1}\n{\"a\":\"x", Options{}, "1:{\"a\":1} 2!truncated-json"},
		{"cut inside a literal", "{\"a\":1}\n{\"a\":tru", Options{}, "1:{\"a\":1} 2!truncated-json"},
		{"cut after the last value", "{\"a\":1}\n{\"a\":2}", Options{}, "1:{\"a\":1} 2:{\"a\":2}"},
		{"broken last line", "{\"a\":1}\n{\"a\":1,,}", Options{}, "1:{\"a\":1} 2!malformed-json"},
		{"cut line before others", "{\"a\":\n{\"a\":2}\n", Options{}, "1!malformed-json 2:{\"a\":2}"},
		{"deep line", deep + "\n{\"a\":2}\n", Options{}, "1!malformed-json 2:{\"a\":2}"},
		{"deep document", `{"a":` + deep + `}`, Options{Layout: Document}, "0!malformed-json"},
		{"deep array element", "[" + deep + "]", Options{Layout: Document}, "1!malformed-json"},
		{"BOM and mixed line ends", "\xEF\xBB\xBF{\"a\":1}\r\n{\"a\":2}\n\r\n{\"a\":3}\r\n", Options{}, "1:{\"a\":1} 2:{\"a\":2} 4:{\"a\":3}"},
		{"NUL in a string", "{\"a\":\"x\x00y\"}\n", Options{}, "1!malformed-json"},
		{"overlong UTF-8", "{\"a\":\"\xC0\xAF\"}\n", Options{}, "1!invalid-utf8"},
		{"surrogate UTF-8", "{\"a\":\"\xED\xA0\x80\"}\n", Options{}, "1!invalid-utf8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _ := readAll(t, c.in, c.opt)
			if strings.Join(got, " ") != c.want {
				t.Errorf("got %q, want %q", strings.Join(got, " "), c.want)
			}
		})
	}
}
