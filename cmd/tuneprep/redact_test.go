package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// planted are raw sensitive values written into an input; none may appear
// in any output file or log line afterwards.
var planted = []string{
	"maria.lopez@example.org",
	"(415) 555-0139",
	"4111 1111 1111 1111",
	"078-05-1121",
	"DE89 3704 0044 0532 0130 00",
	"ghp_x7Kq2MvR9tLp4WzN8cYd3HbF6jGs1QaE5uTo",
	"203.0.113.77",
	"+44 7700 900123",
	"+41 (0)44 668 18 00",
	"030 12345678",
	"3530 1113 3330 0000",
	"2131 0000 0000 001",
	"5018 0000 0009",
	"de89 3704 0044 0532 0130 00",
	"AB 12 34 56 C",
	"742 Evergreen Terrace, Springfield, IL 62704",
}

// plantedAfterLabel are identifiers found only next to their label: the
// input carries "label value", and the value may not appear anywhere.
var plantedAfterLabel = [][2]string{
	{"SWIFT", "DEUTDEFF500"},
	{"passport", "912803456"},
	{"DL#", "D1234567"},
}

func TestNoRawValueAnywhere(t *testing.T) {
	in := t.TempDir()
	var b bytes.Buffer
	b.WriteString("instruction,response,owner_email\n")
	values := slices.Clone(planted)
	for _, lv := range plantedAfterLabel {
		labelled := lv[0] + " " + lv[1]
		values = append(values, lv[1])
		fmt.Fprintf(&b, "\"Ticket %d: my detail is %s, please fix it\",\"We saw %s and fixed it.\",%s\n", len(values), labelled, labelled, planted[0])
	}
	for i, v := range planted {
		fmt.Fprintf(&b, "\"Ticket %d: my detail is %s, please fix it\",\"We saw %s and fixed your account %d.\",%s\n", i, v, v, i, planted[0])
	}
	os.WriteFile(filepath.Join(in, "t.csv"), b.Bytes(), 0o644)
	out := filepath.Join(t.TempDir(), "out")
	var stderr bytes.Buffer
	code := dispatch(context.Background(), []string{"run", "--in", in, "--out", out, "--log-format", "json"}, &bytes.Buffer{}, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	m := checkBalance(t, out)
	if m.Totals.Emitted != int64(len(planted)+len(plantedAfterLabel)) {
		t.Fatalf("totals %+v", m.Totals)
	}
	texts := outputTexts(out, stderr.String())
	for name, text := range texts {
		for _, v := range values {
			if strings.Contains(text, v) {
				t.Errorf("%s contains the raw value %q", name, v)
			}
		}
	}
	rep := reportBytes(t, out, "redact")
	var r struct {
		Stats struct {
			ByType   map[string]int64 `json:"by_type"`
			Residual int64            `json:"residual_findings"`
		}
	}
	json.Unmarshal(rep, &r)
	for _, typ := range []string{"EMAIL", "PHONE", "CREDIT_CARD", "US_SSN", "IBAN", "SECRET", "IP_ADDRESS", "UK_NINO", "SWIFT_BIC", "US_PASSPORT", "US_DRIVER_LICENSE", "STREET_ADDRESS"} {
		if r.Stats.ByType[typ] == 0 {
			t.Errorf("no %s counted: %v", typ, r.Stats.ByType)
		}
	}
	if r.Stats.Residual != 0 {
		t.Errorf("residual findings: %d", r.Stats.Residual)
	}
}

func TestRedactCommand(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	os.WriteFile(in, []byte("Write to Ann.Lee@Example.com today."), 0o644)
	code, out, stderr := cli(t, "redact", in)
	if code != 0 || out != "Write to [EMAIL] today." {
		t.Fatalf("plain: %d %q %s", code, out, stderr)
	}
	code, out, _ = cli(t, "redact", "--json", in)
	var j struct {
		Redacted string
		Spans    []spanOut
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil || code != 0 {
		t.Fatalf("--json: %d %q", code, out)
	}
	if j.Redacted != "Write to [EMAIL] today." || len(j.Spans) != 1 || j.Spans[0].Start != 9 || j.Spans[0].End != 28 || j.Spans[0].Type != "EMAIL" {
		t.Errorf("--json: %+v", j)
	}
	jl := filepath.Join(dir, "in.jsonl")
	os.WriteFile(jl, []byte(`{"id":7,"text":"call 415-555-0139","customer_email":"ann@example.org","n":1.50,"ok":true,"x":null,"messages":[{"role":"user","content":"I am ann@example.org"}]}`+"\n\n"+`{"text":"clean"}`+"\n"), 0o644)
	code, out, _ = cli(t, "redact", "--jsonl", jl)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := `{"id":7,"text":"call [PHONE]","customer_email":"[EMAIL]","n":1.50,"ok":true,"x":null,"messages":[{"role":"user","content":"I am [EMAIL]"}],"spans":[{"field":"text","start":5,"end":17,"type":"PHONE"`
	if code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], want) || lines[1] != `{"text":"clean","spans":[]}` {
		t.Errorf("--jsonl: %d\n%s\nwant a first line starting\n%s", code, out, want)
	}
	for _, raw := range []string{"415-555-0139", "ann@example.org"} {
		if strings.Contains(out, raw) {
			t.Errorf("--jsonl echoes the removed %q: %s", raw, out)
		}
	}
	if !strings.Contains(lines[0], `{"field":"messages[0].content","start":5,"end":20,"type":"EMAIL"`) || !strings.Contains(lines[0], `{"field":"customer_email","start":0,"end":15,"type":"EMAIL"`) {
		t.Errorf("--jsonl spans do not name their fields: %s", lines[0])
	}
	code, out, _ = cli(t, "redact", "--jsonl", "--keep-original", jl)
	if code != 0 || !strings.Contains(out, `"original":{"text":"call 415-555-0139","customer_email":"ann@example.org","messages[0].content":"I am ann@example.org"}`) {
		t.Errorf("--keep-original: %d %s", code, out)
	}
	code, out, _ = cli(t, "redact", "--jsonl", "--mode", "drop", jl)
	if code != 0 || !strings.HasPrefix(out, `{"line":1,"dropped":"contains-pii","types":["EMAIL","PHONE"]}`+"\n") || strings.Contains(out, "ann@") {
		t.Errorf("--jsonl --mode drop: %d %s", code, out)
	}
	os.WriteFile(jl, []byte("[1,2]\n"), 0o644)
	if code, _, stderr := cli(t, "redact", "--jsonl", jl); code != exitFailed || !strings.Contains(stderr, "line 1") {
		t.Errorf("not an object: %d %s", code, stderr)
	}
	if code, _, _ := cli(t, "redact", "--keep-original", in); code != exitUsage {
		t.Errorf("--keep-original without --jsonl: exit %d", code)
	}
	if code, _, _ := cli(t, "redact", "--mode", "shred", in); code != exitUsage {
		t.Errorf("bad mode: exit %d", code)
	}
}

// With redact.profile: hipaa, the Safe Harbor identifiers planted in a
// clinical note appear in no output file and no log line.
func TestNoRawValueHIPAA(t *testing.T) {
	in := t.TempDir()
	hidden := []string{"Harold Jenkins", "00482913", "03/14", "1HGCM82633A004352", "portal.example-clinic.org", "12 Elm St", "02139"}
	note := "Pt Harold Jenkins, a 92-year-old man, MRN 00482913, seen 03/14/2019 in Boston, MA 02139; lives at 12 Elm St. " +
		"Drives VIN 1HGCM82633A004352. Records at https://portal.example-clinic.org/p/88."
	os.WriteFile(filepath.Join(in, "notes.jsonl"), []byte(`{"instruction":"Summarise the note.","response":`+jsonString(note)+`}`+"\n"), 0o644)
	os.WriteFile(filepath.Join(in, "c.yaml"), []byte("redact:\n  profile: hipaa\n"), 0o644)
	out := filepath.Join(t.TempDir(), "out")
	var stderr bytes.Buffer
	if code := dispatch(context.Background(), []string{"run", "--config", filepath.Join(in, "c.yaml"), "--in", in, "--out", out, "--log-format", "json"}, &bytes.Buffer{}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	texts := outputTexts(out, stderr.String())
	found := false
	for name, text := range texts {
		found = found || strings.Contains(text, "[MEDICAL_RECORD_NUMBER]")
		for _, v := range hidden {
			if strings.Contains(text, v) {
				t.Errorf("%s contains the raw value %q", name, v)
			}
		}
	}
	if !found {
		t.Error("no output holds the redacted note")
	}
}

// outputTexts returns every file below out by path, and the log as "stderr".
func outputTexts(out, stderr string) map[string]string {
	texts := map[string]string{"stderr": stderr}
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			texts[p] = string(b)
		}
		return err
	})
	return texts
}

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }
