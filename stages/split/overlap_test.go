package split

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadEvalItems: a JSON item's text is its string fields in input order
// (or the named ones, in the order named), lines keep their numbers, and a
// line that cannot be read is an error naming it.
func TestReadEvalItems(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	read := func(path string, fields []string) (string, error) {
		var got []string
		err := readEvalItems(path, fields, func(line int, text string) error {
			got = append(got, fmt.Sprintf("%d:%s", line, strings.ReplaceAll(text, "\n\n", "|")))
			return nil
		})
		return strings.Join(got, " "), err
	}
	items := write("eval.jsonl", "\xEF\xBB\xBF\n\n{\"z\":\"zebra first\",\"a\":\"apple second\",\"n\":5,\"o\":{\"s\":\"x\"},\"e\":\"\"}\n{\"q\":\"b\xffd\"}\n")
	cases := []struct {
		path   string
		fields []string
		want   string
	}{
		{items, nil, "3:zebra first|apple second 4:b\uFFFDd"},
		{items, []string{"a", "z", "missing"}, "3:apple second|zebra first 4:"},
		{write("eval.csv", "z,a\nzebra,apple\n"), nil, "1:zebra|apple"}, // CSV in header order, like JSON in key order
	}
	for _, c := range cases {
		got, err := read(c.path, c.fields)
		if err != nil || got != c.want {
			t.Errorf("%s %v: got %q, %v; want %q", filepath.Base(c.path), c.fields, got, err, c.want)
		}
	}
	for name, data := range map[string]string{
		"bad.jsonl":    "{\"a\":\"x\"}\n\n{\"a\":\n",
		"array.jsonl":  "{\"a\":\"x\"}\n\n[\"not an object\"]\n",
		"binary.jsonl": "{\"a\":\"x\"}\n\n\x00\n",
	} {
		if _, err := read(write(name, data), nil); err == nil || !strings.HasPrefix(err.Error(), "line 3: ") {
			t.Errorf("%s: error %v, want one naming line 3", name, err)
		}
	}
}
