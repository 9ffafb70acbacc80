// Package emit writes the fine-tuning sets: one file per split in each
// configured format (see package formats), or, by default, each example in
// the format that fits its kind. Records are rendered in parallel and
// written in input order, whole records only. Next to every split file a
// <split>.ids.jsonl sidecar names the record behind each line, and
// LLaMA-Factory formats get a dataset_info.json.
package emit

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/formats"
	"github.com/tuneprep/tuneprep/stages/parquetio"
)

// Auto is the format list that writes each example in the format of its
// kind (see KindFormats); an empty list means the same.
const Auto = "auto"

// Config names the output formats.
type Config struct {
	Formats []string `yaml:"formats" doc:"output formats, all, or auto (the default): each example in the format of its kind (chat: openai-chat, completion: openai-completion, text: trl-text); several write finetune/<format>/<split>.<ext>"`
	// Parquet also writes each split of each format as Parquet (zstd), one
	// string column per top-level key.
	Parquet bool `yaml:"parquet" doc:"also write each split of each format as Parquet next to the JSONL (one column per top-level key, zstd)"`
	// Splits are the split names to write, set from the split stage.
	Splits []string `yaml:"-"`
	// Kinds are the example kinds the template rules can produce
	// (schemas.KindChat, KindCompletion, KindText), set from the template
	// stage; empty means all three. With auto formats and one kind, the
	// files are finetune/<split>.<ext> in that kind's format, exactly as if
	// that format were configured; with several, finetune/<format>/<split>.<ext>
	// for the formats records actually arrive in.
	Kinds []string `yaml:"-"`
}

// Defaults returns auto formats.
func Defaults() Config { return Config{} }

// KindFormat pairs an example kind with the format auto writes it in.
type KindFormat struct{ Kind, Format string }

// KindFormats lists the kinds and their auto formats.
var KindFormats = []KindFormat{
	{schemas.KindChat, "openai-chat"},
	{schemas.KindCompletion, "openai-completion"},
	{schemas.KindText, "trl-text"},
}

// FormatNames lists the known format names, sorted.
func FormatNames() []string { return formats.Names() }

// Effective returns the config with its formats as New resolves them, for
// run.json: an empty list becomes [auto], and auto with a single possible
// kind becomes that kind's format (the run is then the same as with that
// format configured). Configured formats, "all" included, are kept as they
// are. It does not validate; New does.
func (c Config) Effective() Config {
	out := c
	out.Formats = slices.Clone(c.Formats)
	if !isAuto(c.Formats) {
		return out
	}
	out.Formats = []string{Auto}
	if names, auto, err := c.resolve(); err == nil && !auto {
		out.Formats = names
	}
	return out
}

func isAuto(names []string) bool { return len(names) == 0 || (len(names) == 1 && names[0] == Auto) }

// resolve returns the names of the formats to write; auto reports that
// each record goes to its kind's format only (several kinds possible).
func (c Config) resolve() (names []string, auto bool, err error) {
	if !isAuto(c.Formats) {
		for _, n := range c.Formats {
			switch n {
			case "all":
				names = append(names, formats.Names()...)
			case Auto:
				return nil, false, fmt.Errorf("formats: auto cannot be combined with other formats")
			default:
				names = append(names, n)
			}
		}
		return names, false, nil
	}
	for _, k := range c.Kinds {
		if !slices.ContainsFunc(KindFormats, func(kf KindFormat) bool { return kf.Kind == k }) {
			return nil, false, fmt.Errorf("emit: unknown example kind %q", k)
		}
	}
	for _, kf := range KindFormats {
		if len(c.Kinds) == 0 || slices.Contains(c.Kinds, kf.Kind) {
			names = append(names, kf.Format)
		}
	}
	if len(names) == 1 {
		return names, false, nil
	}
	// Every kind's format, not only those of Kinds: a record of another
	// kind is still written rather than dropped.
	names = names[:0]
	for _, kf := range KindFormats {
		names = append(names, kf.Format)
	}
	return names, true, nil
}

// Stage is the emit stage.
type Stage struct {
	cfg     Config
	formats []formats.Format
	// byKind, in auto mode, maps an example kind to its index in formats;
	// nil when every record is rendered in every format.
	byKind map[string]int
	nested bool // paths are finetune/<format>/<split>.<ext>
	env    *pipeline.Env
	// files holds, per format, its split files by split name; nil until
	// created (at Open, or in auto mode with the format's first record).
	files   []map[string]*split
	skipped map[string]map[string]int64
}

// split is one output file: a format's records of one split.
type split struct {
	out   *pipeline.OutFile
	w     *formats.Writer
	ids   *pipeline.OutFile          // <split>.ids.jsonl: the record behind each line of out
	idBuf []byte                     // the id line being written
	pq    *parquetio.JSONLinesWriter // the same records as Parquet, when configured
	pqOut *pipeline.OutFile
}

// appendIDLine appends the idLine of d, at line of its split file, as
// encoding/json would write it (HTML escaping off), and a newline: by hand,
// because reflection made this a tenth of the emit stage's time.
func appendIDLine(dst []byte, line int64, d *schemas.Document) []byte {
	dst = append(dst, `{"line":`...)
	dst = strconv.AppendInt(dst, line, 10)
	dst = append(dst, `,"id":`...)
	dst = formats.AppendJSONString(dst, d.ID)
	dst = append(dst, `,"source":{"path":`...)
	dst = formats.AppendJSONString(dst, d.Source.Path)
	dst = append(dst, `,"line":`...)
	dst = strconv.AppendInt(dst, int64(d.Source.Line), 10)
	if d.Source.Item != 0 {
		dst = append(dst, `,"item":`...)
		dst = strconv.AppendInt(dst, int64(d.Source.Item), 10)
	}
	dst = append(dst, '}')
	if d.Label != "" {
		dst = append(dst, `,"label":`...)
		dst = formats.AppendJSONString(dst, d.Label)
	}
	return append(dst, "}\n"...)
}

// idLine is one line of a <split>.ids.jsonl sidecar.
type idLine struct {
	Line   int64          `json:"line"` // 1-based record number in the split file (array element for .json)
	ID     string         `json:"id"`
	Source schemas.Source `json:"source"`
	// Label is the record's label, so that a line's label is known
	// without the corpus (tuneprep advise reads it).
	Label string `json:"label,omitempty"`
}

// Stats are the emit report's statistics.
type Stats struct {
	Formats []string                    `json:"formats"`                     // the formats written
	Auto    bool                        `json:"auto,omitempty"`              // each record in its kind's format
	Written map[string]int64            `json:"written"`                     // by file path
	Skipped map[string]map[string]int64 `json:"skipped_by_format,omitempty"` // format -> reason -> count
}

// New checks the format names and kinds; "all" stands for every format,
// an empty list or "auto" for the format of each example's kind.
func New(cfg Config) (*Stage, error) {
	names, auto, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	s := &Stage{cfg: cfg, skipped: map[string]map[string]int64{}}
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
	if auto {
		s.byKind = map[string]int{}
		for i, kf := range KindFormats {
			s.byKind[kf.Kind] = i
		}
	}
	s.nested = auto || len(s.formats) > 1
	s.files = make([]map[string]*split, len(s.formats))
	return s, nil
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return "emit" }

func (s *Stage) path(f formats.Format, sp string) string {
	if !s.nested {
		return "finetune/" + sp + f.Ext
	}
	return "finetune/" + f.Name + "/" + sp + f.Ext
}

// Open creates every split file of every format, so that an empty split is
// an empty file (or an empty array) rather than a missing one. In auto mode
// a format's files are created with its first record instead.
func (s *Stage) Open(_ context.Context, env *pipeline.Env) error {
	s.env = env
	if s.byKind != nil {
		return nil
	}
	for i := range s.formats {
		if _, err := s.create(i); err != nil {
			return err
		}
	}
	return nil
}

// create creates the files of format i, all splits at once.
func (s *Stage) create(i int) (map[string]*split, error) {
	f := s.formats[i]
	files := make(map[string]*split, len(s.cfg.Splits))
	for _, sp := range s.cfg.Splits {
		path := s.path(f, sp)
		base := strings.TrimSuffix(path, f.Ext)
		out, err := s.env.Create(path)
		if err != nil {
			return nil, fmt.Errorf("emit: %w", err)
		}
		file := &split{out: out, w: formats.NewWriter(out, f)}
		if file.ids, err = s.env.Create(base + ".ids.jsonl"); err != nil {
			return nil, fmt.Errorf("emit: %w", err)
		}
		if s.cfg.Parquet {
			if file.pqOut, err = s.env.Create(base + ".parquet"); err != nil {
				return nil, fmt.Errorf("emit: %w", err)
			}
			if file.pq, err = parquetio.NewJSONLinesWriter(file.pqOut, f.Columns(), parquetio.WriterOptions{}); err != nil {
				return nil, fmt.Errorf("emit %s: %w", file.pqOut.Path(), err)
			}
		}
		files[sp] = file
	}
	s.files[i] = files
	return files, nil
}

// rendered holds one record's lines, one per format (nil where the format
// cannot express the example, with the reason, or in auto mode where the
// format is not the example's).
type rendered struct {
	lines   [][]byte
	reasons []string
}

// Process renders the record in every format, or in auto mode in its
// kind's format. A record no format can hold is dropped as
// not-expressible, with every format's reason.
func (s *Stage) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if d.Example == nil {
		return pipeline.Dropf("no-example", "no template produced an example"), nil
	}
	r := rendered{lines: make([][]byte, len(s.formats)), reasons: make([]string, len(s.formats))}
	ok := false
	for i, f := range s.formats {
		if s.byKind != nil {
			if k, found := s.byKind[d.Example.Kind]; !found || k != i {
				continue
			}
		}
		line, reason, err := f.Render(d.Example)
		if err != nil {
			return nil, fmt.Errorf("emit %s: %w", d.ID, err)
		}
		r.lines[i], r.reasons[i] = line, reason
		ok = ok || line != nil
	}
	if !ok {
		detail := strings.Join(slices.DeleteFunc(r.reasons, func(s string) bool { return s == "" }), "; ")
		if detail == "" {
			detail = "auto: no format for " + kindName(d.Example.Kind)
		}
		return pipeline.Dropf("not-expressible", detail), nil
	}
	d.Stash = r
	return nil, nil
}

func kindName(k string) string {
	if k == "" {
		return "an empty example"
	}
	return "example kind " + k
}

// Sequence writes the rendered records in input order, with their ids,
// and counts, per format, the records it skipped and why.
func (s *Stage) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	r, ok := d.Stash.(rendered)
	if !ok {
		return nil, fmt.Errorf("emit: record %s was not rendered", d.ID)
	}
	if !slices.Contains(s.cfg.Splits, d.Split) {
		return nil, fmt.Errorf("record %s has split %q, which has no output", d.ID, d.Split)
	}
	for i, f := range s.formats {
		if r.lines[i] == nil {
			if r.reasons[i] != "" {
				m := s.skipped[f.Name]
				if m == nil {
					m = map[string]int64{}
					s.skipped[f.Name] = m
				}
				m[r.reasons[i]]++
			}
			continue
		}
		files := s.files[i]
		if files == nil {
			var err error
			if files, err = s.create(i); err != nil {
				return nil, err
			}
		}
		if err := files[d.Split].write(r.lines[i], d); err != nil {
			return nil, err
		}
	}
	d.Stash = nil
	return nil, nil
}

// write writes one record, its id line and its Parquet row.
func (sp *split) write(line []byte, d *schemas.Document) error {
	if err := sp.w.Write(line); err != nil {
		return fmt.Errorf("emit %s: %w", sp.out.Path(), err)
	}
	sp.idBuf = appendIDLine(sp.idBuf[:0], sp.w.Records(), d)
	if _, err := sp.ids.Write(sp.idBuf); err != nil {
		return fmt.Errorf("emit %s: %w", sp.ids.Path(), err)
	}
	if sp.pq != nil {
		if err := sp.pq.WriteLine(bytes.TrimSuffix(line, []byte("\n"))); err != nil {
			return fmt.Errorf("emit %s: %w", sp.pqOut.Path(), err)
		}
	}
	return nil
}

// Finish ends array files, states their record counts (the manifest would
// otherwise count lines), closes the files and writes dataset_info.json
// for LLaMA-Factory formats.
func (s *Stage) Finish(context.Context) error {
	for i, f := range s.formats {
		if s.files[i] == nil {
			continue
		}
		for _, sp := range s.cfg.Splits {
			if err := s.files[i][sp].close(f); err != nil {
				return err
			}
		}
	}
	return s.writeDatasetInfo()
}

func (sp *split) close(f formats.Format) error {
	if err := sp.w.Close(); err != nil {
		return fmt.Errorf("emit %s: %w", sp.out.Path(), err)
	}
	if f.Array() {
		sp.out.SetRecords(sp.w.Records())
	}
	if err := sp.out.Close(); err != nil {
		return fmt.Errorf("emit: %w", err)
	}
	if err := sp.ids.Close(); err != nil {
		return fmt.Errorf("emit: %w", err)
	}
	if sp.pq != nil {
		if err := sp.pq.Close(); err != nil {
			return fmt.Errorf("emit %s: %w", sp.pqOut.Path(), err)
		}
		sp.pqOut.SetRecords(sp.pq.Rows())
		if err := sp.pqOut.Close(); err != nil {
			return fmt.Errorf("emit: %w", err)
		}
	}
	return nil
}

// Stats implements pipeline.Reporter.
func (s *Stage) Stats() any {
	st := Stats{Formats: []string{}, Auto: s.byKind != nil, Written: map[string]int64{}}
	for i, f := range s.formats {
		if s.files[i] == nil {
			continue
		}
		st.Formats = append(st.Formats, f.Name)
		for _, sp := range s.cfg.Splits {
			st.Written[s.path(f, sp)] = s.files[i][sp].w.Records()
		}
	}
	if len(s.skipped) > 0 {
		st.Skipped = s.skipped
	}
	return st
}
