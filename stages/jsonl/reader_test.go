package jsonl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// readAll reads in with opt and describes each record as "line:raw" and
// each reject as "line!reason".
func readAll(t testing.TB, in string, opt Options) ([]string, []*Reject) {
	t.Helper()
	rd := NewReader(strings.NewReader(in), opt)
	var got []string
	var rejects []*Reject
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return got, rejects
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Reject != nil {
			got = append(got, fmt.Sprintf("%d!%s", rec.Line, rec.Reject.Reason))
			rejects = append(rejects, rec.Reject)
			continue
		}
		got = append(got, fmt.Sprintf("%d:%s", rec.Line, rec.Raw))
	}
}

func TestReader(t *testing.T) {
	doc := Options{Layout: Document}
	small := Options{MaxRecordBytes: 10}
	cases := []struct {
		name   string
		in     string
		opt    Options
		want   []string
		detail string // in the last reject's detail
	}{
		{"lines", "{\"a\":1}\n[2]\n\"s\"\n", Options{}, []string{`1:{"a":1}`, `2:[2]`, `3:"s"`}, ""},
		{"blank lines keep true numbers", "\n \t\n\r\n{\"a\":1}\n\n{\"b\":2}", Options{}, []string{`4:{"a":1}`, `6:{"b":2}`}, ""},
		{"BOM, CRLF, spaces", "\xEF\xBB\xBF {\"a\":1} \r\n{\"b\":2}\r\n", Options{}, []string{`1:{"a":1}`, `2:{"b":2}`}, ""},
		{"malformed line, reading goes on", "{\"a\":1}\n{\"a\":\n{\"a\":1} {}\n{\"b\":2}\n", Options{}, []string{`1:{"a":1}`, "2!malformed-json", "3!malformed-json", `4:{"b":2}`}, "column 9: invalid character '{' after top-level value"},
		{"too large", "{\"a\":\"12\"}\n{\"a\":\"123\"}\n{}\n", small, []string{`1:{"a":"12"}`, "2!record-too-large", "3:{}"}, "11 bytes, limit 10"},
		{"invalid utf-8 rejected", "{\"a\":\"\xff\"}\n{}\n", Options{}, []string{"1!invalid-utf8", "2:{}"}, "byte 6"},
		{"invalid utf-8 repaired", "{\"a\":\"\xff\"}\n", Options{InvalidUTF8: RepairInvalid}, []string{"1:{\"a\":\"\uFFFD\"}"}, ""},
		{"empty", "", Options{}, nil, ""},

		{"array", "\xEF\xBB\xBF [ {\"q\":\"1\"},\n 5 , \"x]\\\"\" ,{\"a\":[{}, \"}\"]}, null,true ]\n", doc,
			[]string{`1:{"q":"1"}`, `2:5`, `3:"x]\""`, `4:{"a":[{}, "}"]}`, `5:null`, `6:true`}, ""},
		{"empty array", "[ ]", doc, nil, ""},
		{"one value", " {\"q\": \"only\"}\n\n", doc, []string{`0:{"q": "only"}`}, ""},
		{"one number", "42", doc, []string{`0:42`}, ""},
		{"empty document", " \n", doc, nil, ""},
		{"malformed element, reading goes on", "[{\"a\":tru},\n{\"b\":2}]", doc, []string{"1!malformed-json", `2:{"b":2}`}, "line 1, column 10: invalid character '}' in literal true (expecting 'e')"},
		{"element too large, reading goes on", `[{"a":"123456"},{}]`, Options{Layout: Document, MaxRecordBytes: 10}, []string{"1!record-too-large", "2:{}"}, "14 bytes, limit 10 (element 1 at line 1, column 2)"},
		{"element invalid utf-8", "[\"\xff\", 1]", doc, []string{"1!invalid-utf8", "2:1"}, "byte 1"},
		{"second value", `{"a":"1"} {"a":"2"}`, doc, []string{`0:{"a":"1"}`, "0!trailing-data"}, "'{' at line 1, column 11"},
		{"array not closed", "[{\"a\":\"1\"},\n{\"a\":\"2\"}\n", doc, []string{`1:{"a":"1"}`, `2:{"a":"2"}`, "3!truncated-json"}, "line 3, column 1, before the array is closed"},
		{"array not closed after a comma", "[1,", doc, []string{`1:1`, "2!truncated-json"}, "line 1, column 4"},
		{"element cut short", "[{\"a\":\"1\"},\n{\"a\":", doc, []string{`1:{"a":"1"}`, "2!truncated-json"}, "inside element 2, which begins at line 2, column 1"},
		{"string cut short", "\"abc", doc, []string{"0!truncated-json"}, "inside the JSON value"},
		{"data after the array", `[1] [`, doc, []string{`1:1`, "2!trailing-data"}, "'[' at line 1, column 5"},
		{"missing comma", `[{"a":"1"} {"a":"2"}]`, doc, []string{`1:{"a":"1"}`, "2!malformed-json"}, "'{' at line 1, column 12 where , or ] should follow element 1"},
		{"trailing comma", `[1,]`, doc, []string{`1:1`, "2!malformed-json"}, "']' at line 1, column 4 where element 2 should begin"},
		{"mismatched bracket", "[{\"q\":\"1\"}, {\"q\": ]", doc, []string{`1:{"q":"1"}`, "2!malformed-json"}, "']' at line 1, column 19 in element 2"},
		{"too deep", "[" + strings.Repeat("[", maxDepth+1), doc, []string{"1!malformed-json"}, "nested more than 10000 deep"},

		{"auto: array", "\n[1,2]", Options{Layout: Auto}, []string{"1:1", "2:2"}, ""},
		{"auto: lines", "\n\n{\"a\":1}\n{\"b\":2}\n", Options{Layout: Auto}, []string{`3:{"a":1}`, `4:{"b":2}`}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, rejects := readAll(t, c.in, c.opt)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			if c.detail != "" && !strings.Contains(rejects[len(rejects)-1].Detail, c.detail) {
				t.Errorf("detail %q does not contain %q", rejects[len(rejects)-1].Detail, c.detail)
			}
		})
	}
}

// TestLongLines crosses the 64 KiB buffer: kept up to the limit, read past
// beyond it, the line end split from its \r counted right.
func TestLongLines(t *testing.T) {
	const limit = 100 << 10
	str := func(n int) string { return `"` + strings.Repeat("x", n-2) + `"` }
	in := str(limit) + "\n" + str(limit+1) + "\n" + str(3*limit) + "\r\n" + str(65535) + "\r\n" + "{}"
	rd := NewReader(strings.NewReader(in), Options{MaxRecordBytes: limit})
	var got []string
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Reject != nil {
			got = append(got, fmt.Sprintf("%d!%s %s", rec.Line, rec.Reject.Reason, rec.Reject.Detail))
		} else {
			got = append(got, fmt.Sprintf("%d:%d", rec.Line, len(rec.Raw)))
		}
	}
	want := fmt.Sprintf("1:%d 2!record-too-large %d bytes, limit %d 3!record-too-large %d bytes, limit %d 4:65535 5:2", limit, limit+1, limit, 3*limit, limit)
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
	// A line end whose \r ends one buffer and \n begins the next.
	got, _ = readAll(t, str(65535)+"\r\n", Options{MaxRecordBytes: 65535})
	if len(got) != 1 || strings.Contains(got[0], "!") {
		t.Errorf("got %.40q", got)
	}
	// A large array element is copied out of the buffer.
	got, _ = readAll(t, "["+str(200<<10)+",1]", Options{Layout: Document})
	if len(got) != 2 || len(got[0]) != 2+200<<10 || got[1] != "2:1" {
		t.Errorf("got %d records", len(got))
	}
}

func TestReadError(t *testing.T) {
	for _, layout := range []Layout{Lines, Document} {
		boom := errors.New("boom")
		rd := NewReader(io.MultiReader(strings.NewReader("[{\"a\":1},\n{\"b\""), iotest.ErrReader(boom)), Options{Layout: layout})
		var err error
		for range 5 {
			if _, err = rd.Next(); err != nil {
				break
			}
		}
		if !errors.Is(err, boom) {
			t.Fatalf("layout %d: %v", layout, err)
		}
		if _, err := rd.Next(); !errors.Is(err, boom) {
			t.Errorf("layout %d: the error is not sticky: %v", layout, err)
		}
	}
}

// FuzzReader: never a panic; every line of JSON Lines ends as one record
// or reject, in line order; a Document agrees with encoding/json.
func FuzzReader(f *testing.F) {
	for _, s := range []string{"{\"a\":1}\n\n{\"b\"", "[1, {\"a\":[2]}, \"]\"]", "{\"a\":1} x", "\xEF\xBB\xBF[", "[[[]]", "\"\\\"\n", "[1 2]", "\r\n\xff\n{}"} {
		f.Add([]byte(s), byte(0))
		f.Add([]byte(s), byte(1))
		f.Add([]byte(s), byte(2))
	}
	f.Fuzz(func(t *testing.T, in []byte, mode byte) {
		opt := Options{Layout: Layout(mode % 3), InvalidUTF8: UTF8Policy(mode / 3 % 2)}
		if mode&8 != 0 {
			opt.MaxRecordBytes = 8
		}
		rd := NewReader(bytes.NewReader(in), opt)
		var recs []Record
		for i := 0; ; i++ {
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if i > len(in)+1 {
				t.Fatal("more records than bytes")
			}
			if rec.Reject != nil && rec.Reject.Reason == "" {
				t.Fatal("a reject without a reason")
			}
			if rec.Reject == nil && (!json.Valid(rec.Raw) || (!utf8.Valid(rec.Raw))) {
				t.Fatalf("record %q is not valid JSON in UTF-8", rec.Raw)
			}
			if n := len(recs); n > 0 && rec.Line < recs[n-1].Line {
				t.Fatalf("line %d after line %d", rec.Line, recs[n-1].Line)
			}
			rec.Raw = bytes.Clone(rec.Raw)
			recs = append(recs, rec)
		}
		body := bytes.TrimPrefix(in, bom)
		isArray := len(trimSpace(body)) > 0 && trimSpace(body)[0] == '['
		if opt.Layout == Lines || (opt.Layout == Auto && !isArray) {
			var want []int
			for i, l := range bytes.Split(body, nl) {
				if len(trimSpace(l)) > 0 {
					want = append(want, i+1)
				}
			}
			var lines []int
			for _, r := range recs {
				lines = append(lines, r.Line)
			}
			if fmt.Sprint(lines) != fmt.Sprint(want) {
				t.Fatalf("lines %v, want %v", lines, want)
			}
			return
		}
		if len(trimSpace(body)) == 0 {
			if len(recs) > 0 {
				t.Fatalf("%d records from white space", len(recs))
			}
			return
		}
		rejected := false
		for _, r := range recs {
			rejected = rejected || r.Reject != nil
		}
		if !json.Valid(body) {
			if !rejected {
				t.Fatalf("invalid JSON read without a reject: %d records", len(recs))
			}
			return
		}
		var elems []json.RawMessage
		if !isArray {
			elems = []json.RawMessage{trimSpace(body)}
		} else if err := json.Unmarshal(body, &elems); err != nil {
			t.Fatal(err)
		}
		if len(recs) != len(elems) {
			t.Fatalf("%d records, encoding/json finds %d", len(recs), len(elems))
		}
		for i, r := range recs {
			if r.Reject != nil {
				if r.Reject.Reason != TooLarge && r.Reject.Reason != InvalidUTF8 {
					t.Fatalf("valid JSON rejected: %+v", r.Reject)
				}
				continue
			}
			if !r.Repaired && !bytes.Equal(r.Raw, elems[i]) {
				t.Fatalf("record %d is %q, encoding/json reads %q", i+1, r.Raw, elems[i])
			}
		}
	})
}

func BenchmarkReader(b *testing.B) {
	var lines, array bytes.Buffer
	array.WriteByte('[')
	for i := range 20000 {
		rec := fmt.Sprintf(`{"instruction":"How do I reset my password for account %d?","response":"Open Settings, choose Security, then Reset password.","intent":"account"}`, i)
		lines.WriteString(rec + "\n")
		if i > 0 {
			array.WriteString(",\n")
		}
		array.WriteString(rec)
	}
	array.WriteByte(']')
	for _, c := range []struct {
		name   string
		data   []byte
		layout Layout
	}{{"lines", lines.Bytes(), Lines}, {"array", array.Bytes(), Document}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			for b.Loop() {
				rd := NewReader(bytes.NewReader(c.data), Options{Layout: c.layout})
				for {
					rec, err := rd.Next()
					if err == io.EOF {
						break
					}
					if err != nil || rec.Reject != nil {
						b.Fatal(err, rec.Reject)
					}
				}
			}
		})
	}
}
