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
	var err error
	if s.scanner, err = pii.New(cfg.Detectors); err != nil {
		return nil, fmt.Errorf("detectors: %w", err)
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
}

// Process applies the field policies and redacts the scanned fields.
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
			res, spans := pii.RedactDoc(s.scanner, s.replacer, &ix, fl.Value)
			for _, sp := range spans {
				f.spans = append(f.spans, AuditSpan{ID: d.ID, Field: fl.Name, Start: sp.Start, End: sp.End, Type: sp.Type, Detector: sp.Detector, Score: sp.Score})
				counts[sp.Type]++
			}
			if res.Drop {
				return pipeline.Dropf("contains-pii", typeList(counts)), nil
			}
			if fl.Raw && !json.Valid([]byte(res.Text)) {
				return pipeline.Dropf("unsafe-json", fmt.Sprintf("field %q is not valid JSON after redaction", fl.Name)), nil
			}
			fl.Value = res.Text
			if len(spans) > 0 && s.replacer.Mode() != pii.ModeMask {
				f.residual = append(f.residual, pii.Residual(s.scanner, fl.Value)...)
			}
		}
		kept = append(kept, fl)
	}
	d.Fields = kept
	if d.Example != nil {
		if drop := s.redactExample(d, f, counts, &ix); drop != nil {
			return drop, nil
		}
	}
	d.Text = d.MainText(s.cfg.TextFields)
	d.Redactions = typeCounts(counts)
	return nil, nil
}

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

// Sequence writes the audit lines and counts, in input order.
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
	return nil, nil
}

// Finish closes the audit file.
func (s *Stage) Finish(context.Context) error { return s.audit.Close() }

// Stats implements pipeline.Reporter.
func (s *Stage) Stats() any { return s.st }

// redactExample redacts the text of a training example read from the input:
// every message's content, or the prompt and completion, or the text. Audit
// spans name the part, e.g. messages[2].content.
func (s *Stage) redactExample(d *schemas.Document, f *found, counts map[string]int, ix *pii.Indexes) *schemas.Drop {
	ex := d.Example
	type part struct {
		name string
		text *string
	}
	parts := make([]part, 0, len(ex.Messages)+3)
	for i := range ex.Messages {
		parts = append(parts, part{fmt.Sprintf("messages[%d].content", i), &ex.Messages[i].Content})
	}
	parts = append(parts, part{"prompt", &ex.Prompt}, part{"completion", &ex.Completion}, part{"text", &ex.Text})
	for _, p := range parts {
		if *p.text == "" {
			continue
		}
		res, spans := pii.RedactDoc(s.scanner, s.replacer, ix, *p.text)
		for _, sp := range spans {
			f.spans = append(f.spans, AuditSpan{ID: d.ID, Field: p.name, Start: sp.Start, End: sp.End, Type: sp.Type, Detector: sp.Detector, Score: sp.Score})
			counts[sp.Type]++
		}
		if res.Drop {
			return pipeline.Dropf("contains-pii", typeList(counts))
		}
		*p.text = res.Text
		if len(spans) > 0 && s.replacer.Mode() != pii.ModeMask {
			f.residual = append(f.residual, pii.Residual(s.scanner, *p.text)...)
		}
	}
	return nil
}
