package redact

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
)

// texts is a source of one record per text, in the field "text".
type texts []string

func (texts) Name() string { return "texts" }

func (r texts) Read(_ context.Context, _ *pipeline.Env, emit func(*schemas.Document) error) error {
	for i, text := range r {
		d := doc(strconv.Itoa(i), "text", text)
		d.Source = schemas.Source{Path: "in.txt", Line: i + 1}
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

// runStage runs the stage over the texts with the engine and returns the
// manifest and the output directory.
func runStage(t *testing.T, s *Stage, src pipeline.Source) (*schemas.RunManifest, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	m, err := pipeline.Run(context.Background(), pipeline.RunOptions{Plan: pipeline.Plan{Source: src, Stages: []pipeline.Stage{s}, Workers: 3, BatchSize: 2}, OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	return m, out
}

func lines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func TestDropModeAccountsForItsDrops(t *testing.T) {
	cfg := Defaults()
	cfg.Mode = "drop"
	s, err := New(cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	m, out := runStage(t, s, texts{
		"Write to ann.lee@example.com today.",
		"Nothing to see here.",
		"Ask bob@example.net, or carol@example.org.",
		"Still nothing.",
	})
	if s.st.RecordsWithPII != 2 || s.st.ByType["EMAIL"] != 3 {
		t.Errorf("stats %+v", s.st)
	}
	spans := lines(t, filepath.Join(out, "redact", "spans.jsonl"))
	if len(spans) != 3 {
		t.Fatalf("spans.jsonl: %q", spans)
	}
	var first AuditSpan
	if err := json.Unmarshal([]byte(spans[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first != (AuditSpan{ID: "0", Field: "text", Start: 9, End: 28, Type: "EMAIL", Detector: first.Detector, Score: first.Score}) || first.Detector == "" {
		t.Errorf("first span %+v", first)
	}
	dropped := lines(t, filepath.Join(out, pipeline.DroppedFile))
	if len(dropped) != 2 {
		t.Fatalf("dropped.jsonl: %q", dropped)
	}
	for i, l := range dropped {
		var r schemas.DroppedRecord
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if r.ID != []string{"0", "2"}[i] || r.Stage != "redact" || r.Reason != "contains-pii" {
			t.Errorf("dropped %+v", r)
		}
	}
	all := strings.Join(append(spans, dropped...), "\n")
	if strings.Contains(all, "example") || strings.Contains(all, "@") {
		t.Errorf("raw values written: %s", all)
	}
	st := m.Stages[1]
	if st.Stage != "redact" || st.In != 4 || st.Out != 2 || st.Dropped["contains-pii"] != 2 || len(st.Dropped) != 1 {
		t.Errorf("redact report %+v", st)
	}
	if tot := m.Totals; tot.Read != 4 || tot.Emitted != 2 || tot.Dropped != 2 {
		t.Errorf("totals %+v", tot)
	}
}

func TestExampleParts(t *testing.T) {
	example := func() *schemas.Document {
		d := doc("e")
		d.Example = &schemas.Example{
			Messages: []schemas.Message{{Role: "user", Content: "I am kim@example.com"}, {Role: "assistant", Content: "Noted, kim@example.com."}},
			Prompt:   "call +1 415 555 0139",
		}
		return d
	}
	cfg := Defaults()
	cfg.Mode = "indexed"
	d := example()
	drop, s := run(t, cfg, d)
	ex := d.Example
	if drop != nil || ex.Messages[0].Content != "I am <EMAIL_1>" || ex.Messages[1].Content != "Noted, <EMAIL_1>." || ex.Prompt != "call <PHONE_1>" {
		t.Fatalf("drop %v, example %+v", drop, ex)
	}
	var parts []string
	for _, sp := range d.Stash.(*found).spans {
		parts = append(parts, sp.Field)
	}
	if strings.Join(parts, " ") != "messages[0].content messages[1].content prompt" {
		t.Errorf("audit parts %v", parts)
	}
	if s.st.RecordsWithPII != 1 || s.st.ByType["EMAIL"] != 2 || s.st.ByType["PHONE"] != 1 || s.st.Residual != 0 {
		t.Errorf("stats %+v", s.st)
	}

	cfg.Mode = "drop"
	d = example()
	drop, s = run(t, cfg, d)
	// Every part is scanned before the record goes: the detail and the audit
	// tell all it held.
	if drop == nil || drop.Reason != "contains-pii" || drop.Detail != "EMAIL 2, PHONE 1" || s.st.ByType["PHONE"] != 1 {
		t.Errorf("drop %+v, stats %+v", drop, s.st)
	}
}

func TestUnsafeJSONIsAudited(t *testing.T) {
	d := doc("a")
	d.Fields = schemas.Fields{{Name: "meta", Value: `{"note": kim@example.com}`, Raw: true}}
	drop, s := run(t, Defaults(), d)
	if drop == nil || drop.Reason != "unsafe-json" || !strings.Contains(drop.Detail, `"meta"`) || strings.Contains(drop.Detail, "kim") {
		t.Fatalf("drop %+v", drop)
	}
	if s.st.RecordsWithPII != 1 || s.st.ByType["EMAIL"] != 1 {
		t.Errorf("stats %+v", s.st)
	}
}

func TestRedactText(t *testing.T) {
	s, err := New(Defaults(), env)
	if err != nil {
		t.Fatal(err)
	}
	res, spans := s.RedactText("mail lee@example.com")
	if res.Text != "mail [EMAIL]" || len(spans) != 1 || spans[0].Start != 5 || spans[0].End != 20 {
		t.Errorf("%+v %+v", res, spans)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cases := []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Mode = "shred" }, "mode"},
		{func(c *Config) { c.Mode = "pseudonym"; c.KeyEnv = "NO_SUCH_KEY" }, "NO_SUCH_KEY"},
		{func(c *Config) { c.Fields = []FieldPolicy{{"[", "drop"}} }, "fields[0].match"},
		{func(c *Config) { c.Fields = []FieldPolicy{{"a", "keep"}, {"b", "encrypt"}} }, "fields[1].policy"},
	}
	for _, c := range cases {
		cfg := Defaults()
		c.edit(&cfg)
		if _, err := New(cfg, env); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v", c.want, err)
		}
	}
}

// Open needs the output directory of a run; outside one it says so.
func TestOpenOutsideARun(t *testing.T) {
	s, err := New(Defaults(), env)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Open(context.Background(), &pipeline.Env{}); err == nil || !strings.Contains(err.Error(), "redact/spans.jsonl") {
		t.Fatalf("err = %v", err)
	}
}
