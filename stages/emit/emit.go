// Package emit writes the fine-tuning sets: one JSONL file per split in each
// configured format. Lines are rendered in parallel and written in input
// order, whole lines only.
package emit

import (
	"context"
	"fmt"
	"strings"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
)

// Config names the output formats.
type Config struct {
	Formats []string `yaml:"formats" doc:"output formats; several write finetune/<format>/<split>.jsonl"`
	// Splits are the split names to write, set from the split stage.
	Splits []string `yaml:"-"`
}

// Defaults returns chat JSONL.
func Defaults() Config { return Config{Formats: []string{"openai-chat"}} }

// Stage is the emit stage.
type Stage struct {
	cfg     Config
	formats []format
	files   map[string]*pipeline.OutFile // by format + "/" + split
	written map[string]int64
	skipped map[string]map[string]int64 // format -> reason -> count
}

// Stats are the emit report's statistics.
type Stats struct {
	Formats []string                    `json:"formats"`
	Written map[string]int64            `json:"written"`
	Skipped map[string]map[string]int64 `json:"skipped_by_format,omitempty"`
}

// New checks the format names.
func New(cfg Config) (*Stage, error) {
	if len(cfg.Formats) == 0 {
		cfg.Formats = Defaults().Formats
	}
	s := &Stage{cfg: cfg, files: map[string]*pipeline.OutFile{}, written: map[string]int64{}, skipped: map[string]map[string]int64{}}
	seen := map[string]bool{}
	for _, name := range cfg.Formats {
		f, ok := lookup(name)
		if !ok {
			return nil, fmt.Errorf("formats: unknown format %q (known: %s)", name, strings.Join(FormatNames(), ", "))
		}
		if seen[name] {
			return nil, fmt.Errorf("formats: %q listed twice", name)
		}
		seen[name] = true
		s.formats = append(s.formats, f)
	}
	return s, nil
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return "emit" }

func (s *Stage) path(format, split string) string {
	if len(s.formats) == 1 {
		return "finetune/" + split + ".jsonl"
	}
	return "finetune/" + format + "/" + split + ".jsonl"
}

// Open creates every split file of every format, so that an empty split is
// an empty file rather than a missing one.
func (s *Stage) Open(_ context.Context, env *pipeline.Env) error {
	for _, f := range s.formats {
		for _, sp := range s.cfg.Splits {
			out, err := env.Create(s.path(f.name, sp))
			if err != nil {
				return err
			}
			s.files[f.name+"/"+sp] = out
		}
	}
	return nil
}

// rendered holds one record's lines, one per format (nil where the format
// cannot express the example).
type rendered struct {
	lines   [][]byte
	reasons []string
}

// Process renders the record in every format.
func (s *Stage) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if d.Example == nil {
		return pipeline.Dropf("no-example", "no template produced an example"), nil
	}
	r := rendered{lines: make([][]byte, len(s.formats)), reasons: make([]string, len(s.formats))}
	ok := false
	for i, f := range s.formats {
		line, reason, err := f.render(d.Example)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		r.lines[i], r.reasons[i] = line, reason
		ok = ok || line != nil
	}
	if !ok {
		return pipeline.Dropf("not-expressible", strings.Join(r.reasons, "; ")), nil
	}
	d.Stash = r
	return nil, nil
}

// Sequence writes the rendered lines in input order.
func (s *Stage) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	r := d.Stash.(rendered)
	for i, f := range s.formats {
		if r.lines[i] == nil {
			m := s.skipped[f.name]
			if m == nil {
				m = map[string]int64{}
				s.skipped[f.name] = m
			}
			m[r.reasons[i]]++
			continue
		}
		out := s.files[f.name+"/"+d.Split]
		if out == nil {
			return nil, fmt.Errorf("record %s has split %q, which has no output", d.ID, d.Split)
		}
		if _, err := out.Write(r.lines[i]); err != nil {
			return nil, fmt.Errorf("write %s: %w", out.Path(), err)
		}
		s.written[f.name+"/"+d.Split]++
	}
	return nil, nil
}

// Finish closes the files.
func (s *Stage) Finish(context.Context) error {
	for _, f := range s.formats {
		for _, sp := range s.cfg.Splits {
			if err := s.files[f.name+"/"+sp].Close(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Stats implements pipeline.Reporter.
func (s *Stage) Stats() any {
	st := Stats{Written: map[string]int64{}}
	for _, f := range s.formats {
		st.Formats = append(st.Formats, f.name)
		for _, sp := range s.cfg.Splits {
			st.Written[s.path(f.name, sp)] = s.written[f.name+"/"+sp]
		}
	}
	if len(s.skipped) > 0 {
		st.Skipped = s.skipped
	}
	return st
}
