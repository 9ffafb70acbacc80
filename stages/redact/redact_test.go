package redact

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

const key = "0123456789abcdef-test-key"

func env(name string) (string, bool) {
	if name == "TUNEPREP_REDACT_KEY" {
		return key, true
	}
	return "", false
}

func doc(id string, kv ...string) *schemas.Document {
	d := &schemas.Document{ID: id}
	for i := 0; i+1 < len(kv); i += 2 {
		d.Fields = append(d.Fields, schemas.Field{Name: kv[i], Value: kv[i+1]})
	}
	return d
}

func run(t *testing.T, cfg Config, d *schemas.Document) (*schemas.Drop, *Stage) {
	t.Helper()
	s, err := New(cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	s.enc = json.NewEncoder(io.Discard) // the audit, which Open creates in a run
	return step(t, s, d), s
}

// step passes a record through Process and Sequence, as the engine does.
func step(t *testing.T, s *Stage, d *schemas.Document) *schemas.Drop {
	t.Helper()
	drop, err := s.Process(context.Background(), d)
	if err != nil || drop != nil {
		t.Fatalf("Process = %v, %v; a drop waits for Sequence", drop, err)
	}
	if drop, err = s.Sequence(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	return drop
}

func field(d *schemas.Document, name string) string {
	v, _ := d.Fields.Get(name)
	return v
}

func TestModes(t *testing.T) {
	text := "Mail ann.lee@example.com, then ann.lee@example.com again; bob@example.net too."
	cases := []struct {
		mode, want string
	}{
		{"tag", "Mail [EMAIL], then [EMAIL] again; [EMAIL] too."},
		{"indexed", "Mail <EMAIL_1>, then <EMAIL_1> again; <EMAIL_2> too."},
		{"mask", "Mail ***.***@******e.com, then ***.***@******e.com again; ***@******e.net too."},
	}
	for _, c := range cases {
		cfg := Defaults()
		cfg.Mode = c.mode
		d := doc("a", "text", text)
		if drop, _ := run(t, cfg, d); drop != nil || field(d, "text") != c.want {
			t.Errorf("%s: %q (drop %v)", c.mode, field(d, "text"), drop)
		}
	}
	cfg := Defaults()
	cfg.Mode = "pseudonym"
	a, b := doc("a", "text", text), doc("b", "x", "write to bob@example.net")
	run(t, cfg, a)
	run(t, cfg, b)
	pa, pb := field(a, "text"), field(b, "x")
	sur := pb[strings.Index(pb, "<EMAIL_"):]
	if !strings.Contains(pa, sur) || strings.Contains(pa+pb, "example") {
		t.Errorf("pseudonyms not consistent across records: %q / %q", pa, pb)
	}
	cfg.Mode = "drop"
	if drop, _ := run(t, cfg, doc("a", "text", text)); drop == nil || drop.Reason != "contains-pii" || strings.Contains(drop.Detail, "example") {
		t.Errorf("drop mode: %+v", drop)
	}
}

func TestIndexedConsistentAcrossFields(t *testing.T) {
	cfg := Defaults()
	cfg.Mode = "indexed"
	d := doc("a", "q", "I am reachable at +1 415 555 0139.", "a", "We will call +1 415 555 0139 or +44 20 7946 0958.")
	run(t, cfg, d)
	if field(d, "q") != "I am reachable at <PHONE_1>." || field(d, "a") != "We will call <PHONE_1> or <PHONE_2>." {
		t.Errorf("q %q, a %q", field(d, "q"), field(d, "a"))
	}
}

func TestFieldPolicies(t *testing.T) {
	cfg := Defaults()
	cfg.Fields = []FieldPolicy{{"notes", "drop"}, {"*_id", "hash"}, {"phone", "mask"}, {"public", "keep"}}
	d := doc("a", "customer_id", "C-1234", "phone", "415-555-0139", "notes", "secret stuff", "public", "ops@example.com", "text", "Reach me at ops@example.com")
	run(t, cfg, d)
	if _, ok := d.Fields.Get("notes"); ok {
		t.Error("notes not dropped")
	}
	if h := field(d, "customer_id"); len(h) != 64 || h == "C-1234" {
		t.Errorf("customer_id %q", h)
	}
	if field(d, "phone") != "***-***-0139" || field(d, "public") != "ops@example.com" || field(d, "text") != "Reach me at [EMAIL]" {
		t.Errorf("fields %v", d.Fields)
	}
	if d.Text != "Reach me at [EMAIL]" || len(d.Redactions) != 1 || d.Redactions[0] != (schemas.TypeCount{Type: "EMAIL", Count: 1}) {
		t.Errorf("text %q redactions %v", d.Text, d.Redactions)
	}
	if _, err := New(cfg, func(string) (string, bool) { return "", false }); err == nil || !strings.Contains(err.Error(), "TUNEPREP_REDACT_KEY") {
		t.Errorf("hash without a key: %v", err)
	}
	cfg.Fields = []FieldPolicy{{"x", "encrypt"}}
	if _, err := New(cfg, env); err == nil {
		t.Error("unknown policy accepted")
	}
}

func TestRawJSONFieldStaysValid(t *testing.T) {
	d := doc("a")
	d.Fields = schemas.Fields{{Name: "messages", Value: `[{"role":"user","content":"my email is kim@example.com"},{"role":"assistant","content":"noted"}]`, Raw: true}}
	run(t, Defaults(), d)
	v := field(d, "messages")
	if !json.Valid([]byte(v)) || strings.Contains(v, "kim@") || !strings.Contains(v, "[EMAIL]") {
		t.Errorf("messages %s", v)
	}
}

func TestAuditHasNoValues(t *testing.T) {
	token := "ghp_" + "x7Kq2MvR9tLp4WzN8cYd3HbF6jGs1QaE5uTo" // made up, the shape of a GitHub token
	d := doc("a", "text", "SSN 078-05-1121, card 4111-1111-1111-1111, key "+token)
	_, s := run(t, Defaults(), d)
	f := d.Stash.(*found)
	if len(f.spans) != 3 {
		t.Fatalf("spans %+v", f.spans)
	}
	b, _ := json.Marshal(f.spans)
	for _, v := range []string{"078-05", "4111", "ghp_"} {
		if strings.Contains(string(b), v) {
			t.Errorf("audit holds %q: %s", v, b)
		}
	}
	if len(f.residual) != 0 {
		t.Errorf("residual %v", f.residual)
	}
	_ = s
}

func BenchmarkProcess(b *testing.B) {
	s, _ := New(Defaults(), env)
	text := strings.Repeat("The customer wrote on March 3 about order 88412 and asked us to call back at the usual number. ", 20) +
		"Contact: lee@example.com, +1 415 555 0139."
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		d := doc("a", "text", text)
		s.Process(context.Background(), d)
	}
}

// TestProfileHIPAA: redact.profile hipaa turns the Safe Harbor detectors on
// (names, places, dates kept to the year, ZIP codes to three digits, ages
// over 89, record numbers); the default profile leaves that text alone
// except for the street address, which is on by default.
func TestProfileHIPAA(t *testing.T) {
	note := "Pt Harold Jenkins, a 92-year-old man, MRN 00482913, seen 03/14/2019 in Boston, MA 02139; lives at 12 Elm St."
	cases := []struct {
		profile, want string
	}{
		{"hipaa", "Pt [PERSON], a [AGE_OVER_89]-year-old man, MRN [MEDICAL_RECORD_NUMBER], seen [DATE] 2019 in [CITY], MA [US_ZIP] 021; lives at [STREET_ADDRESS]."},
		{"", "Pt Harold Jenkins, a 92-year-old man, MRN 00482913, seen 03/14/2019 in Boston, MA 02139; lives at [STREET_ADDRESS]."},
	}
	for _, c := range cases {
		cfg := Defaults()
		cfg.Profile = c.profile
		d := doc("a", "text", note)
		run(t, cfg, d)
		if got := field(d, "text"); got != c.want {
			t.Errorf("profile %q:\n got %q\nwant %q", c.profile, got, c.want)
		}
	}
	cfg := Defaults()
	cfg.Profile = "HIPAA!"
	if _, err := New(cfg, env); err == nil || !strings.Contains(err.Error(), "profile") {
		t.Errorf("unknown profile: err %v, want one naming profile", err)
	}
}

// TestKeyEnvNotAKey: a key pasted into key_env is refused without being
// echoed.
func TestKeyEnvNotAKey(t *testing.T) {
	cfg := Defaults()
	cfg.KeyEnv = "pT9+x/4kQ2-zV7wLm0=="
	_, err := New(cfg, func(string) (string, bool) { return "", false })
	if err == nil || strings.Contains(err.Error(), cfg.KeyEnv) {
		t.Fatalf("got %v", err)
	}
	for _, name := range []string{"TUNEPREP_REDACT_KEY", "_k", "key2"} {
		if !envName(name) {
			t.Errorf("%s refused", name)
		}
	}
	for _, name := range []string{"", "2KEY", "A-B", "A B"} {
		if envName(name) {
			t.Errorf("%q accepted", name)
		}
	}
}
