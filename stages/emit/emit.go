// Package emit writes the fine-tuning sets: one file per split in each
// configured format (see package formats). Records are rendered in
// parallel and written in input order, whole records only.
package emit

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/formats"
	"github.com/tuneprep/tuneprep/stages/parquetio"
)

// Config names the output formats.
type Config struct {
	Formats []string `yaml:"formats" doc:"output formats (or all); several write finetune/<format>/<split>.<ext>"`
	// Parquet also writes each split of each format as Parquet (zstd), one
	// string column per top-level key.
	Parquet bool `yaml:"parquet" doc:"also write each split of each format as Parquet next to the JSONL (one column per top-level key, zstd)"`
	// Splits are the split names to write, set from the split stage.
	Splits []string `yaml:"-"`
}

// Defaults returns chat JSONL.
func Defaults() Config { return Config{Formats: []string{"openai-chat"}} }

// FormatNames lists the known format names, sorted.
func FormatNames() []string { return formats.Names() }

// Stage is the emit stage.
type Stage struct {
	cfg     Config
	formats []formats.Format
	files   map[string]*split // by format + "/" + split
	skipped map[string]map[string]int64
}

// split is one output file: a format's records of one split.
type split struct {
	pq    *parquetio.JSONLinesWriter // the same records as Parquet, when configured
	pqOut *pipeline.OutFile
	out   *pipeline.OutFile
	w     *formats.Writer
}

// Stats are the emit report's statistics.
type Stats struct {
	Formats []string                    `json:"formats"`
	Written map[string]int64            `json:"written"`                     // by file path
	Skipped map[string]map[string]int64 `json:"skipped_by_format,omitempty"` // format -> reason -> count
}

// New checks the format names; "all" stands for every format.
func New(cfg Config) (*Stage, error) {
	if len(cfg.Formats) == 0 {
		cfg.Formats = Defaults().Formats
	}
	var names []string
	for _, n := range cfg.Formats {
		if n == "all" {
			names = append(names, formats.Names()...)
		} else {
			names = append(names, n)
		}
	}
	s := &Stage{cfg: cfg, files: map[string]*split{}, skipped: map[string]map[string]int64{}}
	seen := map[string]bool{}
	for _, name := range names {
		f, ok := formats.Lookup(name)
		if !ok {
			return nil, fmt.Errorf("formats: unknown format %q (known: %s, or all)", name, strings.Join(FormatNames(), ", "))
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

func (s *Stage) path(f formats.Format, sp string) string {
	if len(s.formats) == 1 {
		return "finetune/" + sp + f.Ext
	}
	return "finetune/" + f.Name + "/" + sp + f.Ext
}

// Open creates every split file of every format, so that an empty split is
// an empty file (or an empty array) rather than a missing one.
func (s *Stage) Open(_ context.Context, env *pipeline.Env) error {
	for _, f := range s.formats {
		for _, sp := range s.cfg.Splits {
			out, err := env.Create(s.path(f, sp))
			if err != nil {
				return fmt.Errorf("emit: %w", err)
			}
			file := &split{out: out, w: formats.NewWriter(out, f)}
			if s.cfg.Parquet {
				path := strings.TrimSuffix(s.path(f, sp), f.Ext) + ".parquet"
				if file.pqOut, err = env.Create(path); err != nil {
					return fmt.Errorf("emit: %w", err)
				}
				if file.pq, err = parquetio.NewJSONLinesWriter(file.pqOut, f.Columns(), parquetio.WriterOptions{}); err != nil {
					return fmt.Errorf("emit %s: %w", path, err)
				}
			}
			s.files[f.Name+"/"+sp] = file
		}
	}
	return nil
}

// rendered holds one record's lines, one per format (nil where the format
// cannot express the example, with the reason).
type rendered struct {
	lines   [][]byte
	reasons []string
}

// Process renders the record in every format. A record no format can hold
// is dropped as not-expressible, with every format's reason.
func (s *Stage) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if d.Example == nil {
		return pipeline.Dropf("no-example", "no template produced an example"), nil
	}
	r := rendered{lines: make([][]byte, len(s.formats)), reasons: make([]string, len(s.formats))}
	ok := false
	for i, f := range s.formats {
		line, reason, err := f.Render(d.Example)
		if err != nil {
			return nil, fmt.Errorf("emit %s: %w", d.ID, err)
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

// Sequence writes the rendered records in input order and counts, per
// format, the records it skipped and why.
func (s *Stage) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	r, ok := d.Stash.(rendered)
	if !ok {
		return nil, fmt.Errorf("emit: record %s was not rendered", d.ID)
	}
	for i, f := range s.formats {
		if r.lines[i] == nil {
			m := s.skipped[f.Name]
			if m == nil {
				m = map[string]int64{}
				s.skipped[f.Name] = m
			}
			m[r.reasons[i]]++
			continue
		}
		sp := s.files[f.Name+"/"+d.Split]
		if sp == nil {
			return nil, fmt.Errorf("record %s has split %q, which has no output", d.ID, d.Split)
		}
		if err := sp.w.Write(r.lines[i]); err != nil {
			return nil, fmt.Errorf("emit %s: %w", sp.out.Path(), err)
		}
		if sp.pq != nil {
			if err := sp.pq.WriteLine(bytes.TrimSuffix(r.lines[i], []byte("\n"))); err != nil {
				return nil, fmt.Errorf("emit %s: %w", sp.pqOut.Path(), err)
			}
		}
	}
	d.Stash = nil
	return nil, nil
}

// Finish ends array files, states their record counts (the manifest would
// otherwise count lines) and closes the files.
func (s *Stage) Finish(context.Context) error {
	for _, f := range s.formats {
		for _, sp := range s.cfg.Splits {
			file := s.files[f.Name+"/"+sp]
			if err := file.w.Close(); err != nil {
				return fmt.Errorf("emit %s: %w", file.out.Path(), err)
			}
			if f.Array() {
				file.out.SetRecords(file.w.Records())
			}
			if err := file.out.Close(); err != nil {
				return fmt.Errorf("emit: %w", err)
			}
			if file.pq != nil {
				if err := file.pq.Close(); err != nil {
					return fmt.Errorf("emit %s: %w", file.pqOut.Path(), err)
				}
				file.pqOut.SetRecords(file.pq.Rows())
				if err := file.pqOut.Close(); err != nil {
					return fmt.Errorf("emit: %w", err)
				}
			}
		}
	}
	return nil
}

// Stats implements pipeline.Reporter.
func (s *Stage) Stats() any {
	st := Stats{Written: map[string]int64{}}
	for _, f := range s.formats {
		st.Formats = append(st.Formats, f.Name)
		for _, sp := range s.cfg.Splits {
			if file := s.files[f.Name+"/"+sp]; file != nil {
				st.Written[s.path(f, sp)] = file.w.Records()
			}
		}
	}
	if len(s.skipped) > 0 {
		st.Skipped = s.skipped
	}
	return st
}
