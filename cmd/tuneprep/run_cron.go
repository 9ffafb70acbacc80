package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/gates"
	"github.com/tuneprep/tuneprep/stages/redact"
	"github.com/tuneprep/tuneprep/stages/report"
)

// gateFlags collects the repeatable --gate name=value.
type gateFlags []string

func (g *gateFlags) String() string { return strings.Join(*g, ",") }

func (g *gateFlags) Set(s string) error {
	if !strings.Contains(s, "=") {
		return fmt.Errorf("%q: want name=value, e.g. max_drop_rate=0.2 or min_examples.train=100", s)
	}
	*g = append(*g, s)
	return nil
}

// applyGateFlags sets the --gate flags over the config's gates (flags win),
// then makes split.min_per_split the alias of min_examples it is.
func applyGateFlags(cfg *Config, flags gateFlags) error {
	for _, f := range flags {
		name, value, _ := strings.Cut(f, "=")
		if err := cfg.Gates.Set(strings.TrimSpace(name), value); err != nil {
			return usageError{"--gate " + err.Error()}
		}
	}
	if err := cfg.Gates.Validate(); err != nil {
		return configError{fmt.Errorf("gates.%w", err)}
	}
	if cfg.Split.MinPerSplit > 0 && cfg.Gates.MinExamples == 0 {
		cfg.Gates.MinExamples = int64(cfg.Split.MinPerSplit)
	}
	return nil
}

// checkGates refuses gates the plan cannot feed: a stage that is not in
// it, or a figure whose stage is off.
func checkGates(cfg Config, p pipeline.Plan) error {
	names := []string{p.Source.Name()}
	for _, s := range p.Stages {
		names = append(names, s.Name())
	}
	for _, s := range cfg.Gates.Scoped {
		if s.Gate == "max_drop_rate" && !slices.Contains(names, s.Scope) {
			return configError{fmt.Errorf("gates.%s: this run has no stage %q (stages: %s)", s.Key(), s.Scope, strings.Join(names, ", "))}
		}
	}
	switch {
	case cfg.Gates.On("max_leakage_pairs") && !cfg.Split.Leakage.Enabled:
		return configError{fmt.Errorf("gates.max_leakage_pairs needs split.leakage.enabled")}
	case cfg.Gates.On("min_bank_examples") && !cfg.Fewshot.Enabled:
		return configError{fmt.Errorf("gates.min_bank_examples needs fewshot.enabled")}
	}
	return nil
}

// runHooks are what the CLI adds to a run: its gates, the report.html
// sections and the dataset card, all from the stages' reports.
func runHooks(opts *pipeline.RunOptions, cfg gates.Config) {
	opts.Gates = func(f *pipeline.Facts) []schemas.GateResult {
		r, err := report.FromFacts(f)
		if err != nil { // the reports are the stages' own: a bug, shown as a failed gate
			return []schemas.GateResult{{Gate: "report", Message: err.Error()}}
		}
		return gates.Evaluate(cfg, r, f.Labels)
	}
	opts.BlockOutput = cfg.BlockOutput
	opts.Sections = func(f *pipeline.Facts) []pipeline.Section {
		r, err := report.FromFacts(f)
		if err != nil {
			return []pipeline.Section{{Title: "Report error", Lead: []string{err.Error()}}}
		}
		return report.Sections(r)
	}
	opts.Write = func(env *pipeline.Env, f *pipeline.Facts) error {
		r, err := report.FromFacts(f)
		if err != nil {
			return err
		}
		card, err := report.Card(r)
		if err != nil {
			return fmt.Errorf("%s: %w", report.CardName, err)
		}
		out, err := env.Create(report.CardName)
		if err != nil {
			return err
		}
		out.Write(card)
		out.SetRecords(1)
		return out.Close()
	}
}

// newRunID returns a random run ID, 16 hex digits.
func newRunID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// writeMetricsFile writes the run's metrics atomically (a temporary file in
// the same folder, renamed over the old one, so node_exporter never reads a
// half-written file); m is nil when the run ended without a manifest. The
// last success carries over from the previous file when this run failed.
func writeMetricsFile(path string, m *schemas.RunManifest, o report.Outcome) error {
	if o.ExitCode == exitOK {
		o.LastSuccess = o.Finished
	} else if prev, err := os.ReadFile(path); err == nil {
		o.LastSuccess = report.LastSuccess(prev)
	}
	var r *report.Run
	if m != nil {
		// The committed output has the stage reports, for the drops by
		// reason and PII by type; the manifest alone gives the rest.
		dir := o.Output
		if m.Status == schemas.StatusBlocked {
			dir += pipeline.FailedSuffix
		}
		var err error
		if r, err = report.Load(dir); err != nil {
			if r, err = report.FromFacts(&pipeline.Facts{Manifest: m}); err != nil {
				return err
			}
		}
	}
	var buf bytes.Buffer
	if err := report.Metrics(&buf, r, o); err != nil {
		return err
	}
	return writeFileAtomic(path, buf.Bytes())
}

// writeFileAtomic writes a file through a temporary sibling (whose name
// does not end in .prom), fsync and rename.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// excerptRunes is the length of a dropped record's excerpt.
const excerptRunes = 200

// excerptScan is how much of a record's text is scanned for the excerpt;
// past it, a value cut in two could not be found, but the excerpt never
// reaches that far unless redaction shrank the text to nearly nothing.
const excerptScan = 8 << 10

// newExcerpter returns the Plan.Excerpt of a run: the start of a dropped
// record's text, on one line, with every sensitive value replaced by its
// type. A record dropped before or by the redact stage may still hold its
// values, so it first goes through a redact stage of its own (the run's
// field policies and detectors, in tag mode); then every excerpt is
// scanned once more.
// With redaction off the built-in detectors are used: reports never hold
// raw values.
func newExcerpter(cfg Config, p pipeline.Plan, lookup func(string) (string, bool)) (func(string, *schemas.Document) string, error) {
	rcfg := redact.Defaults()
	if cfg.Redact.Enabled {
		rcfg = cfg.Redact
	}
	rcfg.Enabled, rcfg.Mode, rcfg.TextFields = true, "tag", cfg.Input.TextFields
	st, err := redact.New(rcfg, lookup)
	if err != nil {
		return nil, configError{fmt.Errorf("redact: %w", err)}
	}
	// Records dropped up to and including the redact stage may hold raw
	// values (redact drops in drop mode before it replaces anything).
	before := map[string]bool{p.Source.Name(): true}
	for _, s := range p.Stages {
		before[s.Name()] = true
		if s.Name() == "redact" {
			break
		}
	}
	return func(stage string, d *schemas.Document) string {
		text := d.Text
		if before[stage] {
			doc := *d
			doc.Fields = append(schemas.Fields(nil), d.Fields...)
			if d.Example != nil {
				ex := *d.Example
				ex.Messages = append(ex.Messages[:0:0], d.Example.Messages...)
				doc.Example = &ex
			}
			st.Process(context.Background(), &doc)
			text = doc.Text
		}
		scan := text
		if len(scan) > excerptScan {
			scan = scan[:excerptScan]
		}
		res, _ := st.RedactText(scan)
		if len(scan) < len(text) && len(res.Text) < 8*excerptRunes {
			res, _ = st.RedactText(text) // redaction ate the prefix: scan it all
		}
		return shorten(res.Text, excerptRunes)
	}, nil
}

// shorten puts text on one line and cuts it to about n runes at a space.
func shorten(text string, n int) string {
	var b strings.Builder
	space, runes := false, 0
	for _, r := range text {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			if runes >= n {
				return b.String() + " …"
			}
			b.WriteByte(' ')
			runes++
			space = false
		}
		if runes >= n+20 { // a long word
			return b.String() + "…"
		}
		b.WriteRune(r)
		runes++
	}
	return b.String()
}

// lockMessage adds to a locked output's error what the user can do.
func lockMessage(err error) error {
	return fmt.Errorf("%w; the run exits without touching it (--wait DURATION waits for the other run)", err)
}
