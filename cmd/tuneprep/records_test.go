package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/stages/jsonl"
)

// TestEachLineTrueLineNumbers: records are numbered by their line in the
// file, blank lines (leading ones too) counted.
func TestEachLineTrueLineNumbers(t *testing.T) {
	in := "\n\n\n{\"a\":1}\n\n{\"b\":2}\n"
	var got []string
	err := eachLine(strings.NewReader(in), io.Discard, func(line int, rec []byte) error {
		got = append(got, fmt.Sprintf("%d:%s", line, rec))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := `4:{"a":1},6:{"b":2}`; strings.Join(got, ",") != want {
		t.Errorf("got %v, want %s", got, want)
	}

	// The validate command reports the line of the file.
	path := filepath.Join(t.TempDir(), "blank.jsonl")
	os.WriteFile(path, []byte("\n\n\nnot json\n"), 0o644)
	_, out, _ := cli(t, "validate", path, "--json", "--format", "openai-chat")
	var v validation
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	lines := []int{}
	for _, p := range v.Problems {
		if p.Code == "invalid-json" {
			lines = append(lines, p.Line)
		}
	}
	if fmt.Sprint(lines) != "[4]" {
		t.Errorf("invalid-json reported on lines %v, want [4]: %+v", lines, v.Problems)
	}
}

// TestReadRecordsRejects: readRecords tells records that cannot be read
// apart (rec.Reject) and reads on; eachLine hands malformed JSON on and
// writes any other reject as an error record on its line.
func TestReadRecordsRejects(t *testing.T) {
	in := "{\"a\":1}\nnot json\n{\"a\":\"\xff\"}\n\n{\"b\":2}\n"
	var got []string
	err := readRecords(strings.NewReader(in), func(rec jsonl.Record) error {
		if rec.Reject != nil {
			got = append(got, fmt.Sprintf("%d!%s", rec.Line, rec.Reject.Reason))
		} else {
			got = append(got, fmt.Sprintf("%d:%s", rec.Line, rec.Raw))
		}
		return nil
	})
	if want := `1:{"a":1} 2!malformed-json 3!invalid-utf8 5:{"b":2}`; err != nil || strings.Join(got, " ") != want {
		t.Errorf("got %v, %v; want %s", got, err, want)
	}

	cases := []struct{ in, want, errors string }{
		{"{\"a\":1}\nnot json\n", `1:{"a":1} 2:not json`, ""},
		{"[{\"a\":1},\n{\"b\":2}]", `1:{"a":1} 2:{"b":2}`, ""},
		{"[{\"a\":1},\n{\"b\":", `1:{"a":1}`, `{"line":2,"error":"truncated-json: the file ends at line 2, column 6, inside element 2, which begins at line 2, column 1"}`},
		{"{\"a\":\"\xff\"}\n", "", `{"line":1,"error":"invalid-utf8: byte 6"}`},
	}
	for _, c := range cases {
		var got []string
		var errs strings.Builder
		err := eachLine(strings.NewReader(c.in), &errs, func(line int, rec []byte) error {
			got = append(got, fmt.Sprintf("%d:%s", line, rec))
			return nil
		})
		var lf *linesFailed
		if strings.Join(got, " ") != c.want || strings.TrimSpace(errs.String()) != c.errors || (c.errors != "") != errors.As(err, &lf) {
			t.Errorf("%q: got %v, %s, %v; want %s, %s", c.in, got, errs.String(), err, c.want, c.errors)
		}
	}
}
