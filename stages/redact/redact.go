// Package redact removes sensitive values from records before they reach a
// model's weights: validated PII and secret detectors over every scanned
// field, per-field policies for structured records, several replacement
// modes, a residual scan, and an audit of what was found that never holds a
// value.
package redact

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/glob"
	"github.com/tuneprep/tuneprep/stages/pii"
)

// Config is the redact stage's configuration.
type Config struct {
	Enabled bool `yaml:"enabled" doc:"redact sensitive values (on by default: privacy by default)"`
	// Profile switches on a set of detectors for a regulation: "" (the
	// default detectors) or "hipaa" (HIPAA Safe Harbor: names, addresses,
	// cities, ZIP codes kept to three digits, dates kept to the year, ages
	// over 89, record, plan, account, licence, vehicle and device numbers,
	// URLs). Detectors.Enabled and Disabled still apply on top.
	Profile string `yaml:"profile" doc:"detector profile: empty (default detectors) or hipaa (HIPAA Safe Harbor identifiers; dates keep the year, ZIP codes their first three digits)"`
	// Detectors selects and tunes the detectors.
	Detectors pii.Config `yaml:"detectors" doc:"which detectors run and their options"`
	// Mode is how a found value is replaced.
	Mode     string `yaml:"mode" doc:"tag ([EMAIL]), indexed (<PERSON_1>, consistent within a record), pseudonym (keyed, consistent across the run), mask (keep the last mask_keep characters), or drop (drop records with findings)"`
	MaskKeep int    `yaml:"mask_keep" doc:"characters kept by mask"`
	// KeyEnv names the environment variable holding the HMAC key for
	// pseudonym mode and the hash policy; the key never sits in the config.
	KeyEnv string `yaml:"key_env" doc:"environment variable holding the HMAC key (at least 16 bytes) for pseudonym mode and the hash policy"`
	// Fields are per-field policies, first match wins; unmatched fields are scanned.
	Fields []FieldPolicy `yaml:"fields" doc:"per-field policies, first match wins; other fields are scanned"`
	// TextFields name the fields that form the main text (see ingest).
	TextFields []string `yaml:"-"`
}

// FieldPolicy applies to the fields whose name matches.
type FieldPolicy struct {
	Match  string `yaml:"match" doc:"field name glob, e.g. email or *_id"`
	Policy string `yaml:"policy" doc:"drop (remove the field), mask, hash (keyed HMAC-SHA256), keep, or scan"`
}

// Defaults: every built-in detector except person names, type tags.
func Defaults() Config {
	return Config{Enabled: true, Mode: "tag", MaskKeep: 4, KeyEnv: "TUNEPREP_REDACT_KEY"}
}

// Stage is the redact stage. Detection and replacement run in parallel;
// the audit file is written in input order.
type Stage struct {
	cfg      Config
	scanner  *pii.Scanner
	replacer *pii.Replacer
	key      []byte
	policies []policy
	audit    *pipeline.OutFile
	enc      *json.Encoder
	st       Stats
}

type policy struct {
	match  glob.Pattern
	action string
}

// Stats are the redact report's statistics: counts only, never values.
type Stats struct {
	Mode            string           `json:"mode"`
	RecordsWithPII  int64            `json:"records_with_findings"`
	ByType          map[string]int64 `json:"by_type"`
	ByDetector      map[string]int64 `json:"by_detector"`
	FieldsDropped   int64            `json:"fields_dropped"`
	FieldsMasked    int64            `json:"fields_masked"`
	FieldsHashed    int64            `json:"fields_hashed"`
	Residual        int64            `json:"residual_findings"`
	ResidualByType  map[string]int64 `json:"residual_by_type,omitempty"`
	DetectorsActive []string         `json:"detectors"`
}

// New validates cfg; lookupEnv reads the key variable (os.LookupEnv in the CLI).
func New(cfg Config, lookupEnv func(string) (string, bool)) (*Stage, error) {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	s := &Stage{cfg: cfg, st: Stats{Mode: cfg.Mode, ByType: map[string]int64{}, ByDetector: map[string]int64{}, ResidualByType: map[string]int64{}}}
	if !pii.ValidProfile(cfg.Profile) {
		return nil, fmt.Errorf("profile: %q is not empty or %q", cfg.Profile, pii.ProfileHIPAA)
	}
	dc := cfg.Detectors
	dc.Profile = cfg.Profile
	var err error
	if s.scanner, err = pii.New(dc); err != nil {
		return nil, fmt.Errorf("detectors: %w", err)
	}
	if !envName(cfg.KeyEnv) {
		// Not echoed: a key pasted here by mistake would reach the log.
		return nil, fmt.Errorf("key_env must name an environment variable (letters, digits and _, not starting with a digit); the key itself goes in that variable, never in the config")
	}
	needKey := cfg.Mode == "pseudonym"
	for i, f := range cfg.Fields {
		g, err := glob.Compile(f.Match)
		if err != nil {
			return nil, fmt.Errorf("fields[%d].match: %w", i, err)
		}
		switch f.Policy {
		case "drop", "mask", "keep", "scan":
		case "hash":
			needKey = true
		default:
			return nil, fmt.Errorf("fields[%d].policy: %q is not drop, mask, hash, keep or scan", i, f.Policy)
		}
		s.policies = append(s.policies, policy{g, f.Policy})
	}
	if needKey {
		k, _ := lookupEnv(cfg.KeyEnv)
		if len(k) < 16 {
			return nil, fmt.Errorf("key_env: %s must hold a key of at least 16 bytes for pseudonym mode or the hash policy", cfg.KeyEnv)
		}
		s.key = []byte(k)
	}
	if s.replacer, err = pii.NewReplacer(pii.ReplacerConfig{Mode: pii.Mode(cfg.Mode), MaskKeep: cfg.MaskKeep, Key: s.key}); err != nil {
		return nil, fmt.Errorf("mode: %w", err)
	}
	for _, d := range pii.Detectors {
		if s.scanner.Enabled(d.Name) {
			s.st.DetectorsActive = append(s.st.DetectorsActive, d.Name)
		}
	}
	for _, c := range cfg.Detectors.Custom {
		s.st.DetectorsActive = append(s.st.DetectorsActive, c.Name)
	}
	return s, nil
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return "redact" }

// Open creates the audit file redact/spans.jsonl.
func (s *Stage) Open(_ context.Context, env *pipeline.Env) error {
	f, err := env.Create("redact/spans.jsonl")
	if err != nil {
		return err
	}
	s.audit, s.enc = f, json.NewEncoder(f)
	return nil
}

// AuditSpan is one line of redact/spans.jsonl: where a value was found, in
// byte offsets of the field as it was before redaction, and what it was; never the value.
type AuditSpan struct {
	ID       string  `json:"id"`
	Field    string  `json:"field"`
	Start    int     `json:"start"`
	End      int     `json:"end"`
	Type     string  `json:"type"`
	Detector string  `json:"detector"`
	Score    float64 `json:"score"`
}

// found is what Process hands to Sequence.
type found struct {
	spans    []AuditSpan
	residual []pii.Span
	masked   int
	hashed   int
	dropped  int
	// drop is Process's decision to drop the record. Sequence returns it
	// after auditing and counting the findings: a record dropped by Process
	// itself would skip Sequence, and its findings would go unaccounted.
	drop *schemas.Drop
}

// Process applies the field policies and redacts the scanned fields and the
// text of a training example read from the input (audit spans name the part,
// e.g. messages[2].content). It never drops a record itself: it notes the
// drop in the record's stash for Sequence.
func (s *Stage) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	f := &found{}
	d.Stash = f
	var ix pii.Indexes
	counts := map[string]int{}
	kept := d.Fields[:0]
	for _, fl := range d.Fields {
		switch s.policyFor(fl.Name) {
		case "drop":
			f.dropped++
			continue
		case "keep":
		case "mask":
			fl.Value, fl.Raw = pii.Mask(fl.Value, s.cfg.MaskKeep), false
			f.masked++
		case "hash":
			fl.Value, fl.Raw = pii.HashValue(s.key, fl.Value), false
			f.hashed++
		default:
			if !s.redactPart(d.ID, fl.Name, &fl.Value, fl.Raw, f, counts, &ix) {
				f.drop = pipeline.Dropf("unsafe-json", fmt.Sprintf("field %q is not valid JSON after redaction", fl.Name))
				return nil, nil
			}
		}
		kept = append(kept, fl)
	}
	d.Fields = kept
	if ex := d.Example; ex != nil {
		for i := range ex.Messages {
			s.redactPart(d.ID, fmt.Sprintf("messages[%d].content", i), &ex.Messages[i].Content, false, f, counts, &ix)
		}
		s.redactPart(d.ID, "prompt", &ex.Prompt, false, f, counts, &ix)
		s.redactPart(d.ID, "completion", &ex.Completion, false, f, counts, &ix)
		s.redactPart(d.ID, "text", &ex.Text, false, f, counts, &ix)
	}
	if s.replacer.Mode() == pii.ModeDrop && len(f.spans) > 0 {
		// Every part was scanned, so that the audit and the detail list all
		// the record held.
		f.drop = pipeline.Dropf("contains-pii", typeList(counts))
		return nil, nil
	}
	d.Text = d.MainText(s.cfg.TextFields)
	d.Redactions = typeCounts(counts)
	return nil, nil
}

// redactPart redacts one text of the record in place (in drop mode it stays
// as it is) and adds its findings, named part, to f and counts. It reports
// false, leaving the text as it is, when raw JSON would not parse after
// redaction.
func (s *Stage) redactPart(id, part string, text *string, raw bool, f *found, counts map[string]int, ix *pii.Indexes) bool {
	if *text == "" {
		return true
	}
	res, spans := pii.RedactDoc(s.scanner, s.replacer, ix, *text)
	for _, sp := range spans {
		f.spans = append(f.spans, AuditSpan{ID: id, Field: part, Start: sp.Start, End: sp.End, Type: sp.Type, Detector: sp.Detector, Score: sp.Score})
		counts[sp.Type]++
	}
	if res.Drop {
		return true
	}
	if raw && !json.Valid([]byte(res.Text)) {
		return false
	}
	*text = res.Text
	if len(spans) > 0 && s.replacer.Mode() != pii.ModeMask && !res.Clean {
		f.residual = append(f.residual, pii.Residual(s.scanner, *text)...)
	}
	return true
}

// Value redacts one value outside the pipeline (tuneprep redact --jsonl)
// as Process would in a field named field: by the field's policy, else by
// scanning it (a field whose policy drops it is the caller's to leave out:
// see DropsField). ix carries indexed-mode numbering across one record's
// values. In drop mode a value with findings comes back as it was, with its
// spans.
func (s *Stage) Value(ix *pii.Indexes, field, value string) (string, []pii.Span) {
	switch s.policyFor(field) {
	case "drop":
		return "", nil
	case "keep":
		return value, nil
	case "mask":
		return pii.Mask(value, s.cfg.MaskKeep), nil
	case "hash":
		return pii.HashValue(s.key, value), nil
	}
	res, spans := pii.RedactDoc(s.scanner, s.replacer, ix, value)
	if res.Drop {
		return value, spans
	}
	return res.Text, spans
}

// Drops reports whether the mode drops records with findings.
func (s *Stage) Drops() bool { return s.replacer.Mode() == pii.ModeDrop }

// DropsField reports whether field's policy drops it.
func (s *Stage) DropsField(field string) bool { return s.policyFor(field) == "drop" }

func (s *Stage) policyFor(field string) string {
	for _, p := range s.policies {
		if p.match.Match(field) {
			return p.action
		}
	}
	return "scan"
}

func typeCounts(m map[string]int) []schemas.TypeCount {
	if len(m) == 0 {
		return nil
	}
	out := make([]schemas.TypeCount, 0, len(m))
	for t, n := range m {
		out = append(out, schemas.TypeCount{Type: t, Count: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}

func typeList(m map[string]int) string {
	var parts []string
	for _, tc := range typeCounts(m) {
		parts = append(parts, fmt.Sprintf("%s %d", tc.Type, tc.Count))
	}
	return strings.Join(parts, ", ")
}

// RedactText redacts one free text with the stage's detectors and mode:
// the result and the findings of the first pass (byte offsets into text).
func (s *Stage) RedactText(text string) (pii.Result, []pii.Span) {
	return pii.Redact(s.scanner, s.replacer, text)
}

// Sequence writes the audit lines and counts, in input order, then returns
// the drop Process decided on, if any.
func (s *Stage) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	f := d.Stash.(*found)
	if len(f.spans) > 0 {
		s.st.RecordsWithPII++
	}
	for _, sp := range f.spans {
		s.st.ByType[sp.Type]++
		s.st.ByDetector[sp.Detector]++
		if err := s.enc.Encode(sp); err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
	}
	for _, r := range f.residual {
		s.st.Residual++
		s.st.ResidualByType[r.Type]++
	}
	s.st.FieldsDropped += int64(f.dropped)
	s.st.FieldsMasked += int64(f.masked)
	s.st.FieldsHashed += int64(f.hashed)
	return f.drop, nil
}

// Finish closes the audit file.
func (s *Stage) Finish(context.Context) error { return s.audit.Close() }

// Stats implements pipeline.Reporter.
func (s *Stage) Stats() any { return s.st }

// envName says whether s can name an environment variable: a key pasted
// into key_env by mistake mostly cannot.
func envName(s string) bool {
	for i, c := range []byte(s) {
		if !(c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}
