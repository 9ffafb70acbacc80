// Package ingest reads a directory of documents into records: a sorted walk
// with include/exclude globs, one reader per format, transparent .gz, and a
// reject (file:line and reason) for every record that cannot be read.
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/glob"
)

// Config selects and bounds the input.
type Config struct {
	// Include lists globs (relative to the input root; "**" spans folders) of files to read.
	Include []string `yaml:"include" doc:"globs of files to read, relative to the input root (** spans folders)"`
	// Exclude lists globs of files to skip; it wins over Include.
	Exclude []string `yaml:"exclude" doc:"globs of files to skip; wins over include"`
	// TextFields name the fields that form a record's main text.
	TextFields []string `yaml:"text_fields" doc:"fields that form a record's main text (default: the text field, else every string field)"`
	// LabelFields name the fields that give a record its label; the first
	// one present wins, so sources with different columns can share a run.
	LabelFields []string `yaml:"label_fields" doc:"fields that give a record its label (first present wins), for stratified splits and per-label few-shot banks"`
	// MaxFileBytes rejects larger files.
	MaxFileBytes int64 `yaml:"max_file_bytes" doc:"files larger than this are rejected"`
	// MaxRecordBytes rejects larger records (lines, rows, documents).
	MaxRecordBytes int `yaml:"max_record_bytes" doc:"records (lines, rows, whole documents) larger than this are rejected"`
	// MaxFields rejects records with more fields: each field costs memory
	// beyond its bytes (a CSV row of 200,000 one-letter cells takes 11 MB).
	MaxFields int `yaml:"max_fields" doc:"records with more fields (CSV columns, JSON keys) than this are rejected as too-many-fields; a CSV file whose header has more columns is rejected whole (0: 10000)"`
	// MaxCompressionRatio rejects a compressed file (.gz, .zst, the parts
	// of a .docx) that inflates to more than this many times its size.
	MaxCompressionRatio int64 `yaml:"max_compression_ratio" doc:"a compressed file (.gz, .zst, a .docx part) that inflates to more than this many times its size is rejected as decompressed-too-large (checked past 4 MiB inflated, 1 MiB for a .docx part; 0: 200); inflated bytes also count against max_file_bytes"`
	// EmailStripQuoted drops quoted replies from e-mail bodies.
	EmailStripQuoted bool `yaml:"email_strip_quoted" doc:"drop quoted replies (> lines and their 'On ... wrote:' line) from e-mail bodies"`
	// InvalidUTF8 is "reject" (the record becomes a reject) or "repair"
	// (each invalid sequence becomes U+FFFD, counted in the report).
	InvalidUTF8 string `yaml:"invalid_utf8" doc:"reject | repair: what to do with a record that is not valid UTF-8"`
	// Explode names an array field (a dotted path through objects and
	// arrays) of JSON records whose elements become records of their own.
	Explode string `yaml:"explode" doc:"dotted path of an array in JSON records (e.g. questions, data.paragraphs.qas): each element becomes a record with its ancestors' fields"`
	// SkipDirs are folders (slash paths relative to the root) never read:
	// the run's own output, work and state directories when they lie
	// inside the input. Set by the caller, not by the config file.
	SkipDirs []string `yaml:"-"`
}

// Defaults returns the default input configuration.
func Defaults() Config {
	return Config{
		Include:             []string{"**"},
		MaxFileBytes:        4 << 30,
		MaxRecordBytes:      16 << 20,
		MaxFields:           10000,
		MaxCompressionRatio: 200,
		InvalidUTF8:         "reject",
	}
}

// Ingest is the pipeline's source.
type Ingest struct {
	cfg     Config
	fsys    fs.FS
	include glob.Set
	exclude glob.Set
	explode []string
	stats   Stats
}

// Stats are the ingest report's statistics.
type Stats struct {
	Files        int64            `json:"files"`
	FilesByType  map[string]int64 `json:"files_by_format"`
	Skipped      map[string]int64 `json:"skipped_files"`
	Repaired     int64            `json:"repaired_invalid_utf8"`
	Attachments  int64            `json:"email_attachments_skipped"`
	InputBytes   int64            `json:"input_bytes"`
	RecordsByFmt map[string]int64 `json:"records_by_format"`
}

// New validates cfg and returns a source over fsys. Use OpenDir for a
// directory on disk: it confines symlinks to the root.
func New(cfg Config, fsys fs.FS) (*Ingest, error) {
	if len(cfg.Include) == 0 {
		cfg.Include = []string{"**"}
	}
	inc, err := glob.CompileAll(cfg.Include)
	if err != nil {
		return nil, fmt.Errorf("include: %w", err)
	}
	exc, err := glob.CompileAll(cfg.Exclude)
	if err != nil {
		return nil, fmt.Errorf("exclude: %w", err)
	}
	switch cfg.InvalidUTF8 {
	case "":
		cfg.InvalidUTF8 = "reject"
	case "reject", "repair":
	default:
		return nil, fmt.Errorf("invalid_utf8: %q is not reject or repair", cfg.InvalidUTF8)
	}
	if cfg.MaxFileBytes <= 0 || cfg.MaxRecordBytes <= 0 {
		return nil, fmt.Errorf("max_file_bytes and max_record_bytes must be positive")
	}
	if cfg.MaxCompressionRatio == 0 {
		cfg.MaxCompressionRatio = Defaults().MaxCompressionRatio
	}
	if cfg.MaxFields == 0 {
		cfg.MaxFields = Defaults().MaxFields
	}
	if cfg.MaxCompressionRatio < 1 || cfg.MaxFields < 1 {
		return nil, fmt.Errorf("max_compression_ratio and max_fields must be positive")
	}
	explode, err := explodePath(cfg.Explode)
	if err != nil {
		return nil, err
	}
	return &Ingest{cfg: cfg, fsys: fsys, include: inc, exclude: exc, explode: explode, stats: newStats()}, nil
}

// OpenDir returns the file system of a directory on disk. Symlinks that lead
// outside it cannot be followed.
func OpenDir(dir string) (fs.FS, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("input %s: %w", dir, err)
	}
	st, err := root.Stat(".")
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("input %s: %w", dir, err)
	}
	return &dirFS{FS: root.FS(), root: root, rootInfo: st}, nil
}

// Name implements pipeline.Stage.
func (g *Ingest) Name() string { return "ingest" }

// Stats implements pipeline.Reporter.
func (g *Ingest) Stats() any { return g.stats }

// Read walks the input in sorted order and emits every record and reject.
func (g *Ingest) Read(ctx context.Context, env *pipeline.Env, emit func(*schemas.Document) error) error {
	return g.walk(ctx, env, true, func(p string) error { return g.readFile(ctx, env, p, emit) })
}

// ReadShard implements pipeline.Sharder: it reads the i-th of n contiguous
// ranges of the files Read would read, as many files in each as can be
// (a first walk counts them). Task 0 counts the entries Read skips.
func (g *Ingest) ReadShard(ctx context.Context, env *pipeline.Env, i, n int, emit func(*schemas.Document) error) error {
	total := 0
	if err := g.walk(ctx, env, false, func(string) error { total++; return nil }); err != nil {
		return err
	}
	lo, hi := total*i/n, total*(i+1)/n
	k := 0
	return g.walk(ctx, env, i == 0, func(p string) error {
		k++
		if k <= lo || k > hi {
			return nil
		}
		return g.readFile(ctx, env, p, emit)
	})
}

// ShardStats implements pipeline.Sharder.
func (g *Ingest) ShardStats() (json.RawMessage, error) { return json.Marshal(g.stats) }

// MergeStats implements pipeline.Sharder.
func (g *Ingest) MergeStats(parts []json.RawMessage) error {
	sum := newStats()
	for _, b := range parts {
		var st Stats
		if err := json.Unmarshal(b, &st); err != nil {
			return fmt.Errorf("ingest statistics of a shard task: %w", err)
		}
		sum.Files += st.Files
		sum.Repaired += st.Repaired
		sum.Attachments += st.Attachments
		sum.InputBytes += st.InputBytes
		for _, m := range [...]struct{ to, from map[string]int64 }{{sum.FilesByType, st.FilesByType}, {sum.Skipped, st.Skipped}, {sum.RecordsByFmt, st.RecordsByFmt}} {
			for k, v := range m.from {
				m.to[k] += v
			}
		}
	}
	g.stats = sum
	return nil
}

// Files implements pipeline.FileSource.
func (g *Ingest) Files(ctx context.Context, env *pipeline.Env) ([]pipeline.FileStat, json.RawMessage, error) {
	var files []pipeline.FileStat
	stats, err := g.statsOf(func() error {
		return g.walk(ctx, env, true, func(p string) error {
			if testHookBeforeOpen != nil {
				testHookBeforeOpen(p)
			}
			st, err := fs.Stat(g.fsys, p)
			switch {
			case err == nil:
				files = append(files, pipeline.FileStat{Path: p, Size: st.Size(), ModTime: st.ModTime().UnixNano()})
			case errors.Is(err, fs.ErrNotExist):
				if gone := g.rootGone(); gone != nil {
					return gone
				}
				// Gone since the walk listed it: ReadFile makes it the
				// reject Read would make, and no saved state matches size -1.
				files = append(files, pipeline.FileStat{Path: p, Size: -1})
			default:
				return fmt.Errorf("input %q: %w", p, err)
			}
			return nil
		})
	})
	return files, stats, err
}

// ReadFile implements pipeline.FileSource.
func (g *Ingest) ReadFile(ctx context.Context, env *pipeline.Env, p string, emit func(*schemas.Document) error) (json.RawMessage, error) {
	return g.statsOf(func() error { return g.readFile(ctx, env, p, emit) })
}

// statsOf runs fn on fresh statistics and returns them, leaving the
// source's own as they were.
func (g *Ingest) statsOf(fn func() error) (json.RawMessage, error) {
	saved := g.stats
	defer func() { g.stats = saved }()
	g.stats = newStats()
	if err := fn(); err != nil {
		return nil, err
	}
	return json.Marshal(g.stats)
}

func newStats() Stats {
	return Stats{FilesByType: map[string]int64{}, Skipped: map[string]int64{}, RecordsByFmt: map[string]int64{}}
}

// walk calls visit with every file Read reads, in sorted order; count says
// whether to count (and log) the entries it skips.
func (g *Ingest) walk(ctx context.Context, env *pipeline.Env, count bool, visit func(p string) error) error {
	if d, ok := g.fsys.(*dirFS); ok {
		defer d.closeFolder()
	}
	skip := func(why string) {
		if count {
			g.stats.Skipped[why]++
		}
	}
	return fs.WalkDir(g.fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "." {
				return fmt.Errorf("input: %w", err)
			}
			if gone := g.rootGone(); gone != nil {
				return gone
			}
			if count {
				env.Logger.Warn("unreadable entry skipped", "path", p, "err", err)
			}
			skip("unreadable")
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if p == "." {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			skip("hidden")
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if slices.Contains(g.cfg.SkipDirs, p) {
				skip("tuneprep-output")
				return fs.SkipDir
			}
			return nil
		}
		if !g.include.Match(p) || g.exclude.Match(p) {
			skip("excluded")
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			st, err := fs.Stat(g.fsys, p)
			if err != nil {
				why := symlinkSkip(err)
				skip(why)
				if count {
					env.Logger.Warn("symlink skipped: it leaves the input root, is broken or loops", "path", p, "reason", why)
				}
				return nil
			}
			if !st.Mode().IsRegular() {
				skip("symlink-not-file")
				return nil
			}
		} else if !d.Type().IsRegular() {
			skip("not-regular-file")
			return nil
		}
		return visit(p)
	})
}

// emitter turns what a reader finds into documents.
type emitter struct {
	g       *Ingest
	path    string
	format  string
	emit    func(*schemas.Document) error
	env     *pipeline.Env
	src     *source
	last    int // last line or row handed out, for file-level rejects
	records int64
	parsed  bool // a reader ran over the file

	// held is the last record made, sent on with the next document or at
	// the end of the file (see flush); sent counts the records sent before.
	held *schemas.Document
	sent int
}

// emitError marks an error from downstream (cancellation), as opposed to an
// error reading the file.
type emitError struct{ err error }

func (e emitError) Error() string { return e.err.Error() }
func (e emitError) Unwrap() error { return e.err }

// record validates and emits one record. size is its size as read.
func (e *emitter) record(line int, fields schemas.Fields, size int) error {
	return e.emitDoc(line, 0, fields, nil, size, false)
}

// emitDoc emits one record: item is its element number when input.explode
// made several of one input record, ex the training example it was read as
// (or nil), and validUTF8 says that its bytes were checked already.
func (e *emitter) emitDoc(line, item int, fields schemas.Fields, ex *schemas.Example, size int, validUTF8 bool) error {
	e.last = line
	if size > e.g.cfg.MaxRecordBytes {
		return e.reject(line, "record-too-large", fmt.Sprintf("%d bytes, limit %d", size, e.g.cfg.MaxRecordBytes))
	}
	if len(fields) > e.g.cfg.MaxFields {
		return e.reject(line, "too-many-fields", fmt.Sprintf("%d fields, limit %d (max_fields)", len(fields), e.g.cfg.MaxFields))
	}
	if !validUTF8 {
		if rejected, err := e.fixUTF8(line, fields); rejected || err != nil {
			return err
		}
	}
	d := &schemas.Document{ID: ItemID(e.path, line, item), Source: schemas.Source{Path: e.path, Line: line, Item: item},
		Fields: fields, Example: ex, Bytes: size}
	for _, name := range e.g.cfg.LabelFields {
		if l, ok := fields.Get(name); ok {
			d.Label = strings.TrimSpace(l)
			break
		}
	}
	e.records++
	return e.send(d)
}

func (e *emitter) reject(line int, reason, detail string) error {
	e.last = line
	return e.send(&schemas.Document{Source: schemas.Source{Path: e.path, Line: line}, Reject: &schemas.Reject{Reason: reason, Detail: detail}})
}

// send sends on the record held back, then d: a reject at once, a record
// held back in turn.
func (e *emitter) send(d *schemas.Document) error {
	if prev := e.held; prev != nil {
		e.held = nil
		e.sent++
		if err := e.emit(prev); err != nil {
			return emitError{err}
		}
	}
	if d.Reject == nil {
		e.held = d
		return nil
	}
	if err := e.emit(d); err != nil {
		return emitError{err}
	}
	return nil
}

// flush sends the held record, when the file's last document is one. When
// the file changed while it was read (changed says how), it becomes a
// reject: a writer may have cut it short. A file read at random (docx,
// parquet) whose earlier records are already sent cannot be taken back that
// way: that stops the run.
func (e *emitter) flush(changed string) error {
	d := e.held
	if d == nil {
		return nil
	}
	e.held = nil
	if changed != "" {
		if e.src != nil && e.src.randomRead && e.sent > 0 {
			return fmt.Errorf("input %q changed while it was read (%s): it is read at random, so its records and its sha256 in run.json may be of different versions; run again once it is complete", e.path, changed)
		}
		e.records--
		d = &schemas.Document{Source: schemas.Source{Path: d.Source.Path, Line: d.Source.Line},
			Reject: &schemas.Reject{Reason: "changed-while-read", Detail: "the file was written while it was read (" + changed + "): its last record may be cut short"}}
	}
	if err := e.emit(d); err != nil {
		return emitError{err}
	}
	return nil
}

// fixUTF8 applies the invalid-UTF-8 policy to decoded fields; rejected
// reports that the record became a reject.
func (e *emitter) fixUTF8(line int, fields schemas.Fields) (rejected bool, err error) {
	for i := range fields {
		v := fields[i].Value
		if utf8.ValidString(v) {
			continue
		}
		if e.g.cfg.InvalidUTF8 == "reject" {
			return true, e.reject(line, "invalid-utf8", fmt.Sprintf("field %q, byte %d", fields[i].Name, invalidAt(v)))
		}
		fields[i].Value = strings.ToValidUTF8(v, "\uFFFD")
		e.g.stats.Repaired++
	}
	return false, nil
}

func invalidAt(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return i
			}
		}
	}
	return -1
}

// RecordID derives a record's ID from its source: stable across runs and
// worker counts, independent of what else is in the input.
func RecordID(relPath string, line int) string {
	h := sha256.Sum256([]byte(relPath + "\x00" + strconv.Itoa(line)))
	return hex.EncodeToString(h[:8])
}

// ItemID is the ID of element item (1-based) of the record at line, for
// records that input.explode made; item 0 is the record itself (RecordID).
func ItemID(relPath string, line, item int) string {
	if item == 0 {
		return RecordID(relPath, line)
	}
	h := sha256.Sum256([]byte(relPath + "\x00" + strconv.Itoa(line) + "\x00" + strconv.Itoa(item)))
	return hex.EncodeToString(h[:8])
}

// readerFor picks the reader by extension, after a compression suffix.
func readerFor(p string) (rd readFunc, format, codec string, whole bool) {
	name := strings.ToLower(path.Base(p))
	for _, c := range codecs {
		if strings.HasSuffix(name, "."+c) {
			codec = c
			name = strings.TrimSuffix(name, "."+c)
			break
		}
	}
	ext := path.Ext(name)
	for _, r := range readers {
		for _, x := range r.exts {
			if x == ext {
				return r.read, r.format, codec, r.whole
			}
		}
	}
	return nil, "", "", false
}

var _ pipeline.FileSource = (*Ingest)(nil)
