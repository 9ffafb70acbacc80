package formats

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tuneprep/tuneprep/schemas"
)

// goldenLines returns every record of the golden files: their lines, and
// the elements of the array files.
func goldenLines(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, fm := range All() {
		b, err := os.ReadFile(filepath.Join("testdata", "golden", fm.Name+fm.Ext))
		if err != nil {
			tb.Fatal(err)
		}
		if !fm.Array() {
			out = append(out, bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))...)
			continue
		}
		var elems []json.RawMessage
		if err := json.Unmarshal(b, &elems); err != nil {
			tb.Fatal(err)
		}
		for _, e := range elems {
			out = append(out, e)
		}
	}
	return out
}

// readBack reads back a record Render wrote: no problems, an example.
func readBack(t *testing.T, fm Format, line []byte) *schemas.Example {
	t.Helper()
	record := bytes.TrimSuffix(line, []byte("\n"))
	rd := fm.Read(record)
	if len(rd.Problems) > 0 || rd.Err != nil || rd.Example == nil {
		t.Fatalf("%s: %s reads back with problems %v, error %v", fm.Name, record, rd.Problems, rd.Err)
	}
	return rd.Example
}

// reRender reads back a record Render wrote and renders it again.
func reRender(t *testing.T, fm Format, line []byte) []byte {
	t.Helper()
	ex := readBack(t, fm, line)
	again, reason, err := fm.Render(ex)
	if err != nil || reason != "" {
		t.Fatalf("%s: %s parsed to %+v, which does not render: %q %v", fm.Name, line, ex, reason, err)
	}
	return again
}

// checkReRender: a record Render wrote reads back and renders to the same
// bytes.
func checkReRender(t *testing.T, fm Format, line []byte) {
	t.Helper()
	if again := reRender(t, fm, line); !bytes.Equal(again, line) {
		t.Fatalf("%s: rendered\n%s\nread back and rendered again\n%s", fm.Name, line, again)
	}
}

// FuzzParse: whatever the bytes, no format's Read, Check or Parse panics;
// Read is Check, then Parse when Check finds no problems; and a record
// that parses renders to a record that reads back and renders the same.
func FuzzParse(f *testing.F) {
	for _, r := range goldenLines(f) {
		f.Add(r)
	}
	for _, s := range []string{``, `{}`, `[]`, `null`, `{"instruction":"i","input":"x","output":"o","history":[["q","a"],["q"]]}`,
		`{"conversations":[{"from":"human","value":"q"},{"from":"gpt","value":"a"}],"system":"s"}`,
		`{"contents":[{"role":"user","parts":[{"text":"a"},{"text":"b"}]},{"role":"model","parts":[]}],"systemInstruction":{"parts":[{"text":"s"}]}}`,
		`{"schemaVersion":"bedrock-conversation-2024","system":[{"text":"s"}],"messages":[{"role":"user","content":[{"text":"q"}]}]}`,
		`{"prompt":[{"role":"user","content":"q"}],"completion":[{"role":"assistant","content":"a"}]}`,
		`{"system":"s","messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fm := range All() {
			ps := fm.Check(b)
			rd := fm.Read(b)
			if !reflect.DeepEqual(rd.Problems, ps) {
				t.Fatalf("%s: Read problems %v, Check %v", fm.Name, rd.Problems, ps)
			}
			if len(ps) > 0 {
				continue
			}
			ex, err := fm.Parse(b)
			if fmt.Sprint(rd.Err) != fmt.Sprint(err) || (err == nil && !reflect.DeepEqual(rd.Example, ex)) {
				t.Fatalf("%s: Read = %+v, %v; Parse %+v, %v", fm.Name, rd.Example, rd.Err, ex, err)
			}
			if err != nil {
				continue
			}
			line, reason, err := fm.Render(ex)
			if err != nil {
				t.Fatalf("%s: render %+v: %v", fm.Name, ex, err)
			}
			if reason == "" {
				checkReRender(t, fm, line)
			}
		}
	})
}

// fuzzExample builds an example of any kind from fuzz input: kind picks
// chat (roles, weights and tool calls from shape, see exampleFrom; with
// tools when kind is 3), completion or text; the strings come from text,
// cut at \x1e.
func fuzzExample(kind byte, shape []byte, text string) *schemas.Example {
	parts := strings.Split(text, "\x1e")
	part := func(i int) string { return parts[i%len(parts)] }
	switch kind % 4 {
	case 1:
		return &schemas.Example{Kind: schemas.KindCompletion, Prompt: part(0), Completion: part(1)}
	case 2:
		return &schemas.Example{Kind: schemas.KindText, Text: text}
	}
	ex := exampleFrom(shape)
	for i := range ex.Messages {
		if m := &ex.Messages[i]; m.ToolCalls == nil {
			m.Content = part(i)
		}
	}
	if kind%4 == 3 {
		ex.Tools = json.RawMessage(`[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]`)
	}
	return ex
}

// FuzzRoundTrip: an example of any kind and content, rendered in every
// format and framed by the format's Writer (twice, so that arrays have a
// separator), makes a file whose records read back and render to the same
// bytes (after one more trip for invalid UTF-8).
func FuzzRoundTrip(f *testing.F) {
	f.Add(byte(0), []byte("\x00\x01"), "How do I reset my password?\x1eOpen Settings, then Security.")
	f.Add(byte(0), []byte("\x02\x00\x01\x00\x01"), "Be brief.\x1eq1\x1ea1\x1eq2\x1ea2")
	f.Add(byte(3), []byte("\x00\x21\x03\x01"), "call a tool\x1e\x1e42\x1edone")
	f.Add(byte(0), []byte("\x00\x09\x00\x11"), "weighted\x1eturns")
	f.Add(byte(1), []byte{}, "Summarize: <b>a & b</b>\x1e a and b")
	f.Add(byte(2), []byte{}, "plain text \u2028 with \"quotes\", \\ and \xff bad UTF-8")
	f.Add(byte(1), []byte{}, "")
	f.Fuzz(func(t *testing.T, kind byte, shape []byte, text string) {
		ex := fuzzExample(kind, shape, text)
		valid := utf8.ValidString(text)
		for _, fm := range All() {
			line, reason, err := fm.Render(ex)
			if err != nil {
				t.Fatalf("%s: %v", fm.Name, err)
			}
			if reason != "" {
				continue
			}
			var file bytes.Buffer
			w := NewWriter(&file, fm)
			for range 2 {
				if err := w.Write(line); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			records := readFramed(t, fm, file.Bytes())
			if len(records) != 2 {
				t.Fatalf("%s: %d records in\n%s", fm.Name, len(records), file.Bytes())
			}
			for _, r := range records {
				if !bytes.Equal(append(r, '\n'), line) {
					t.Fatalf("%s: framed record\n%s\nis not the rendered\n%s", fm.Name, r, line)
				}
			}
			if fm.Name == "sharegpt" && usesTools(ex) {
				// ShareGPT links a call and its observation by position,
				// and Parse does not make up the ids and tool calls back:
				// the record only has to read back.
				readBack(t, fm, line)
				continue
			}
			if !valid {
				// Invalid UTF-8 is written as \ufffd and reads back as
				// U+FFFD, which is then written as it is: the second
				// trip is the same.
				line = reRender(t, fm, line)
			}
			checkReRender(t, fm, line)
		}
	})
}

// usesTools reports whether ex declares tools or calls one.
func usesTools(ex *schemas.Example) bool {
	if !isEmptyList(ex.Tools) {
		return true
	}
	for _, m := range ex.Messages {
		if !isEmptyList(m.ToolCalls) || m.Role == "tool" {
			return true
		}
	}
	return false
}

// readFramed splits a format's file into its records: lines, or the
// elements of a JSON array.
func readFramed(t *testing.T, fm Format, file []byte) [][]byte {
	t.Helper()
	if !fm.Array() {
		return bytes.Split(bytes.TrimSuffix(file, []byte("\n")), []byte("\n"))
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(file, &elems); err != nil {
		t.Fatalf("%s: the array file does not parse: %v\n%s", fm.Name, err, file)
	}
	out := make([][]byte, len(elems))
	for i, e := range elems {
		out[i] = e
	}
	return out
}
