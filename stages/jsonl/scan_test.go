package jsonl

import (
	"bytes"
	"encoding/json"
	"github.com/tuneprep/tuneprep/stages/testcorpora"
	"reflect"
	"strings"
	"testing"
)

var scanCases = []string{
	``, ` `, `0`, `-0`, `01`, `-`, `1.`, `1.5`, `1e`, `1e+`, `1E-7`, `.5`, `+1`, `123abc`, `1 2`,
	`true`, `tru`, `truex`, `false`, `null`, `nul`, `"`, `""`, `"a`, `"\"`, `"\u00e9"`, `"\u00e"`, `"\x"`,
	"\"\x01\"", "\"\t\"", "\"\xff\xfe\"", `"\ud83d\ude00"`, `"\ud83d"`, `"\ud83dx"`, `"\ude00\ud83d"`, `"\ud83d\u0041"`,
	`{}`, `{ }`, `{"a":1}`, `{"a":1,}`, `{"a" 1}`, `{"a":}`, `{1:2}`, `{"a":1 "b":2}`, `{"a":{"b":[1,2,{"c":null}]}}`,
	`[]`, `[ ]`, `[1,]`, `[,1]`, `[1 2]`, `[[[]]]`, `[{]`, `[}`, `{]`, `]`, `}`, `[1]]`, ` {"a":"b"} `, `{"a":"b"} x`,
	`{"a":1,"a":2}`, `{"k\u0041":"v"}`, `[1.5e3,-2,0.0]`, "{\"a\":\"line\\nbreak\\t\\\"q\\\"\"}", `"\/\b\f\n\r\t\\"`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000), strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000),
}

func TestValidMatchesEncodingJSON(t *testing.T) {
	for _, c := range scanCases {
		if got, want := Valid([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("Valid(%.40q) = %v, json.Valid says %v", c, got, want)
		}
	}
}

// checkAgainstEncodingJSON holds Valid, unquote and Value to encoding/json
// on one input.
func checkAgainstEncodingJSON(t *testing.T, b []byte) {
	t.Helper()
	valid := json.Valid(b)
	if got := Valid(b); got != valid {
		t.Fatalf("Valid(%q) = %v, json.Valid says %v", b, got, valid)
	}
	if !valid {
		return
	}
	want, err := referenceValue(b)
	if err != nil {
		t.Fatalf("decoding %q: %v", b, err)
	}
	got, err := Record{Raw: b}.Value()
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Value(%q) = %#v, %v; want %#v", b, got, err, want)
	}
	if tb := bytes.TrimSpace(b); tb[0] == '"' {
		s, err := unquote(tb)
		if err != nil || s != want {
			t.Fatalf("unquote(%q) = %q, %v; want %q", tb, s, err, want)
		}
	}
}

// referenceValue is what JSON Schema validators are given: a json.Decoder
// with UseNumber.
func referenceValue(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}

func TestScanMatchesEncodingJSON(t *testing.T) {
	for _, c := range scanCases {
		checkAgainstEncodingJSON(t, []byte(c))
	}
}

func FuzzScan(f *testing.F) {
	for _, c := range scanCases[:len(scanCases)-3] {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkAgainstEncodingJSON(t, b)
	})
}

// BenchmarkValid checks the chat records of BenchmarkReader's kind: mostly
// string bytes, with escapes.
func BenchmarkValid(b *testing.B) {
	var lines [][]byte
	size := 0
	for i := range 2000 {
		rec := []byte(`{"messages":[{"role":"system","content":"You are a support agent."},{"role":"user","content":"How do I reset my password for account ` +
			strings.Repeat("x", i%50) + `?"},{"role":"assistant","content":"Open Settings,\nchoose \"Security\", then Reset password.\n\n1. Log in\n2. Click the button"}]}`)
		lines = append(lines, rec)
		size += len(rec)
	}
	b.Run("jsonl", func(b *testing.B) {
		b.SetBytes(int64(size))
		for b.Loop() {
			for _, l := range lines {
				if !Valid(l) {
					b.Fatal("invalid")
				}
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(size))
		for b.Loop() {
			for _, l := range lines {
				if !json.Valid(l) {
					b.Fatal("invalid")
				}
			}
		}
	})
}

func TestStringEnd(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
	}{
		{`""`, 2}, {`"a"x`, 3}, {`"\""x`, 4}, {`"\\"x`, 4}, {`"a\"b\"c"x`, 9}, {`"\\\""x`, 6}, {`"abc`, 4}, {`"\`, 2}, {`"a\nb\tc"`, 9},
	} {
		if got := stringEnd([]byte(c.in), 0); got != c.want {
			t.Errorf("stringEnd(%s) = %d, want %d", c.in, got, c.want)
		}
	}
}

// BenchmarkValidCorpus checks support tickets from the Bitext corpus as
// JSON lines: long strings with escaped line ends.
func BenchmarkValidCorpus(b *testing.B) {
	rows := testcorpora.CSV(b, "support/bitext_customer_support.csv")
	var lines [][]byte
	size := 0
	for _, r := range rows[1:] {
		line, _ := json.Marshal(map[string]string{"instruction": r[2], "response": r[10], "intent": r[3]})
		lines = append(lines, line)
		size += len(line)
	}
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, l := range lines {
			if !Valid(l) {
				b.Fatal("invalid")
			}
		}
	}
}
