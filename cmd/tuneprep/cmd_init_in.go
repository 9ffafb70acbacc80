package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/ingest"
	"github.com/tuneprep/tuneprep/stages/template"
)

// `tuneprep init --in DIR` reads a sample of the input with the ingest stage,
// summarises every group of files (format, top-level folder) field by field,
// and writes a config whose guesses carry their evidence as comments. Only
// field names and statistics are written, never a value: inputs may be
// sensitive.

// Sample bounds: the first records of each file, and a total that keeps
// init fast on any input. The per-folder bound lets later folders be seen.
const (
	samplePerFile   = 2000
	samplePerFolder = 10000
	sampleTotal     = 20000
)

// inferConfig returns a commented config for the records under dir;
// configPath ("-" for stdout) is where it will be written, for input.dir.
func inferConfig(ctx context.Context, dir, configPath string) (string, error) {
	fsys, err := ingest.OpenDir(dir)
	if err != nil {
		return "", usageError{err.Error()}
	}
	files, excluded, err := listInputs(fsys)
	if err != nil {
		return "", fmt.Errorf("--in %s: %w", dir, err)
	}
	s := &sampler{fsys: fsys, cfg: ingest.Defaults(), env: &pipeline.Env{Logger: slog.New(slog.DiscardHandler)}}
	groups, sampled, err := s.groups(ctx, files)
	if err != nil {
		return "", err
	}
	for i, g := range groups {
		g.guess()
		if g.explode == "" {
			continue
		}
		// The pairs are inside an array: read the group again exploded, as
		// the run will, and guess from the records the run will see.
		s.cfg.Explode = g.explode
		again, _, err := s.groups(ctx, g.files)
		s.cfg.Explode = ""
		if err != nil {
			return "", err
		}
		if len(again) == 1 && again[0].records > 0 {
			again[0].explode, again[0].forced = g.explode, g.forced
			again[0].guess()
			groups[i] = again[0]
		} else {
			g.explode, g.forced = "", nil
			g.guessWithoutPair()
		}
	}
	text, err := writeInferred(inputDirFor(dir, configPath), excluded, groups, sampled)
	if err != nil {
		return "", err
	}
	// The config must load and compile exactly as the run will read it.
	cfg := defaultConfig()
	if err := decodeConfig("generated config", []byte(text), &cfg); err != nil {
		return "", fmt.Errorf("internal error: %w", err)
	}
	if _, err := template.New(cfg.Template); err != nil {
		return "", fmt.Errorf("internal error: generated template: %w", err)
	}
	return text, nil
}

// inputDirFor is input.dir as the run resolves it: relative to the config
// file's folder, absolute when given so, as given when writing to stdout.
func inputDirFor(dir, configPath string) string {
	if filepath.IsAbs(dir) || configPath == "-" {
		return filepath.Clean(dir)
	}
	absDir, err1 := filepath.Abs(dir)
	absCfg, err2 := filepath.Abs(filepath.Dir(configPath))
	if err1 != nil || err2 != nil {
		return filepath.Clean(dir)
	}
	rel, err := filepath.Rel(absCfg, absDir)
	if err != nil {
		return absDir
	}
	return rel
}

type inputFile struct {
	path  string // relative to the input root, slash-separated
	entry fs.DirEntry
}

// listInputs lists the files ingest would visit, in its sorted order, with
// documentation files (README, LICENSE...) set apart: they are not data.
func listInputs(fsys fs.FS) (files []inputFile, excluded []string, err error) {
	var docs []inputFile
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil && p == ".":
			return err
		case err != nil || p == ".":
			return nil
		case strings.HasPrefix(d.Name(), "."):
			if d.IsDir() {
				return fs.SkipDir
			}
		case !d.IsDir() && isProjectDoc(d.Name()):
			docs = append(docs, inputFile{p, d})
		case !d.IsDir():
			files = append(files, inputFile{p, d})
		}
		return nil
	})
	if len(files) == 0 { // nothing else: the documents are the data
		return docs, nil, err
	}
	for _, d := range docs {
		if g := globEscape(d.entry.Name()); !slices.Contains(excluded, g) { // a base name matches at any depth
			excluded = append(excluded, g)
		}
	}
	return files, excluded, err
}

func isProjectDoc(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	if !slices.Contains([]string{".txt", ".md", ".markdown", ".rst", ".html", ".htm"}, ext) {
		return false
	}
	stem := strings.ToLower(strings.TrimSuffix(name, path.Ext(name)))
	return strings.Contains(stem, "readme") ||
		slices.Contains([]string{"license", "licence", "copying", "notice", "changelog", "authors", "contributing", "citation"}, stem)
}

// sampler reads the input with the ingest stage one file at a time, so that
// reading stops with the sample instead of at the end of a large file.
type sampler struct {
	fsys fs.FS
	cfg  ingest.Config
	env  *pipeline.Env
}

var errSampled = errors.New("sample complete")

// groups reads a sample of files into one group per top-level folder and
// format, folders first (a root group's *.ext globs come last in the
// rules), and returns the number of records read.
func (s *sampler) groups(ctx context.Context, files []inputFile) ([]*group, int, error) {
	byKey := map[string]*group{}
	var order []*group
	total, perFolder := 0, map[string]int{}
	for _, f := range files {
		folder, _, nested := strings.Cut(f.path, "/")
		if !nested {
			folder = ""
		}
		if total >= sampleTotal {
			break
		}
		if perFolder[folder] >= samplePerFolder {
			continue
		}
		one := &oneFileFS{FS: s.fsys, path: f.path, entry: f.entry}
		src, err := ingest.New(s.cfg, one)
		if err != nil {
			return nil, 0, err
		}
		var g *group
		n := 0
		err = src.Read(ctx, s.env, func(d *schemas.Document) error {
			if g == nil {
				format := ""
				for k := range src.Stats().(ingest.Stats).FilesByType { // one file, one format
					format = k
				}
				key := folder + "\x00" + format
				if g = byKey[key]; g == nil {
					g = newGroup(folder, format)
					byKey[key] = g
					order = append(order, g)
				}
				g.addFile(f)
			}
			g.add(d)
			n, total, perFolder[folder] = n+1, total+1, perFolder[folder]+1
			if n >= samplePerFile || total >= sampleTotal || perFolder[folder] >= samplePerFolder {
				one.stopped = true
				return errSampled
			}
			return nil
		})
		if err != nil && !errors.Is(err, errSampled) {
			return nil, 0, err
		}
	}
	slices.SortStableFunc(order, func(a, b *group) int {
		return strings.Compare(sortKey(a.folder), sortKey(b.folder))
	})
	return order, total, nil
}

func sortKey(folder string) string {
	if folder == "" {
		return "\xff" // root last
	}
	return folder
}

// oneFileFS shows ingest a single file: a listing on the way to it holds
// only the next step. Once stopped, the file reads as ended, so that ingest
// does not read (and hash) the rest of it after the sample.
type oneFileFS struct {
	fs.FS
	path    string
	entry   fs.DirEntry
	stopped bool
}

func (o *oneFileFS) ReadDir(name string) ([]fs.DirEntry, error) {
	rest, ok := o.path, true
	if name != "." {
		rest, ok = strings.CutPrefix(o.path, name+"/")
	}
	if !ok {
		return nil, nil
	}
	if dir, _, deeper := strings.Cut(rest, "/"); deeper {
		info, err := fs.Stat(o.FS, path.Join(name, dir))
		if err != nil {
			return nil, err
		}
		return []fs.DirEntry{fs.FileInfoToDirEntry(info)}, nil
	}
	return []fs.DirEntry{o.entry}, nil
}

func (o *oneFileFS) Open(name string) (fs.File, error) {
	f, err := o.FS.Open(name)
	if err != nil || name != o.path {
		return f, err
	}
	if ra, ok := f.(randomAccess); ok { // Parquet is read by offset
		return &stoppableSeeker{stoppable{f, o}, ra}, nil
	}
	return &stoppable{f, o}, nil
}

type randomAccess interface {
	io.ReaderAt
	io.Seeker
}

type stoppable struct {
	fs.File
	o *oneFileFS
}

func (s *stoppable) Read(p []byte) (int, error) {
	if s.o.stopped {
		return 0, io.EOF
	}
	return s.File.Read(p)
}

type stoppableSeeker struct {
	stoppable
	ra randomAccess
}

func (s *stoppableSeeker) ReadAt(p []byte, off int64) (int, error) { return s.ra.ReadAt(p, off) }
func (s *stoppableSeeker) Seek(off int64, whence int) (int64, error) {
	return s.ra.Seek(off, whence)
}

// group is the sample of one format under one top-level folder, with what
// init guessed from it.
type group struct {
	folder, format string
	files          []inputFile
	suffixes       []string
	records        int
	examples       int // records ingest read as training examples
	rejects        map[string]int
	fields         []*fieldStat
	byName         map[string]*fieldStat
	paths          map[string]*pathStat

	explode string
	forced  *pairMatch // the pair found inside the exploded array
	g       guessed
}

func newGroup(folder, format string) *group {
	return &group{folder: folder, format: format, rejects: map[string]int{},
		byName: map[string]*fieldStat{}, paths: map[string]*pathStat{}}
}

func (g *group) addFile(f inputFile) {
	g.files = append(g.files, f)
	name := f.entry.Name()
	ext := path.Ext(name)
	if c := strings.ToLower(ext); c == ".gz" || c == ".zst" {
		ext = path.Ext(strings.TrimSuffix(name, ext)) + ext
	}
	if !slices.Contains(g.suffixes, ext) {
		g.suffixes = append(g.suffixes, ext)
	}
}

// jsonRecords reports whether the group's records can hold an array to explode.
func (g *group) jsonRecords() bool { return g.format == "json" || g.format == "jsonl" }

func (g *group) name() string {
	s := g.format + " files"
	if g.folder != "" {
		s += " under " + g.folder + "/"
	}
	return s
}

// globs match the group's files: rules follow the group order, so a root
// group's *.ext patterns only see what folder rules left.
func (g *group) globs() []string {
	var out []string
	for _, s := range g.suffixes {
		if g.folder == "" {
			out = append(out, "*"+globEscape(s))
		} else {
			out = append(out, globEscape(g.folder)+"/**/*"+globEscape(s))
		}
	}
	return out
}

func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// writeInferred renders the config with its comments.
func writeInferred(dir string, excluded []string, groups []*group, sampled int) (string, error) {
	var head strings.Builder
	files := 0
	for _, g := range groups {
		files += len(g.files)
	}
	fmt.Fprintf(&head, "tuneprep config written by `tuneprep init --in` from a sample of %s in %s.\n", plural(sampled, "input record"), plural(files, "file"))
	head.WriteString("Each guess says what it rests on (field names and statistics; no values are shown).\n")
	head.WriteString("Check them, then: tuneprep run --config THIS_FILE. Other keys keep their defaults\n")
	head.WriteString("(`tuneprep init -` prints them all).\n")
	for _, g := range groups {
		head.WriteString("\n" + g.summary())
	}

	root := newMap()
	root.set("input", inputNode(dir, excluded, groups), "")
	if len(groups) == 0 {
		head.WriteString("\nNo readable file was found: the default template rule applies.\n")
	} else {
		tm := newMap()
		tm.set("rules", rulesNode(groups), "")
		root.set("template", tm.n, "")
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, HeadComment: strings.TrimRight(head.String(), "\n"), Content: []*yaml.Node{root.n}}
	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return "", err
	}
	return b.String(), enc.Close()
}

// inputNode is the input section: the directory, and the explode, text
// and label fields guessed over all groups.
func inputNode(dir string, excluded []string, groups []*group) *yaml.Node {
	in := newMap()
	in.set("dir", ystr(dir), "input directory (relative to this file's folder)")
	if len(excluded) > 0 {
		in.set("exclude", ylist(excluded), "documentation files, not data")
	}
	var explode, textFields, textNotes, labels, labelNotes []string
	for _, g := range groups {
		if g.explode != "" && !slices.Contains(explode, g.explode) {
			explode = append(explode, g.explode)
		}
		for _, f := range g.g.textFields {
			if !slices.Contains(textFields, f) {
				textFields = append(textFields, f)
			}
		}
		if g.g.textNote != "" {
			textNotes = append(textNotes, g.name()+": "+g.g.textNote)
		}
		if l := g.g.label; l != nil && !slices.Contains(labels, l.name) {
			labels = append(labels, l.name)
			labelNotes = append(labelNotes, g.g.labelNote)
		}
	}
	if len(explode) > 0 {
		note := fmt.Sprintf("each element of the array %s becomes a record (with its ancestors' fields): the elements hold a %s pair", explode[0], groups[slices.IndexFunc(groups, func(g *group) bool { return g.explode == explode[0] })].forced)
		if len(explode) > 1 {
			note += fmt.Sprintf("\nother groups would explode %s: one path per run; run them separately", strings.Join(explode[1:], ", "))
		}
		for _, g := range groups {
			if g.explode == "" && g.jsonRecords() {
				note += "\n" + g.name() + " have no such array: their records are rejected (explode-empty); run them separately"
			}
		}
		in.set("explode", ystr(explode[0]), note)
	}
	if len(textFields) > 0 {
		in.set("text_fields", ylist(textFields), "main text (normalization, duplicate key, redaction):\n"+strings.Join(textNotes, "\n"))
	}
	if len(labels) > 0 {
		in.set("label_fields", ylist(labels), "label for stratified splits and few-shot banks (first present wins):\n"+strings.Join(labelNotes, "\n"))
	}
	return in.n
}

// rulesNode is the template rules, one per group, merged where groups are
// shaped alike.
func rulesNode(groups []*group) *yaml.Node {
	type noted struct {
		rule template.Rule
		note string
	}
	var merged []noted
	for _, g := range groups {
		r := g.g.rule
		if len(groups) > 1 {
			r.Match = g.globs()
		}
		if n := len(merged); n > 0 && sameRule(merged[n-1].rule, r) { // one rule for groups shaped alike
			merged[n-1].rule.Match = append(merged[n-1].rule.Match, r.Match...)
			merged[n-1].note += "\n" + g.g.note
			continue
		}
		merged = append(merged, noted{r, g.g.note})
	}
	if len(merged) == 1 { // one rule for everything: no match needed
		merged[0].rule.Match = nil
	}
	rules := &yaml.Node{Kind: yaml.SequenceNode}
	for _, m := range merged {
		rules.Content = append(rules.Content, ruleNode(m.rule, m.note))
	}
	return rules
}

// summary is the comment block describing a group's fields.
func (g *group) summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s, %s sampled", g.name(), plural(len(g.files), "file"), plural(g.records, "record"))
	if n := sumValues(g.rejects); n > 0 {
		fmt.Fprintf(&b, ", %d unreadable:", n)
		for _, r := range sortedKeys(g.rejects) {
			fmt.Fprintf(&b, " %s %d", r, g.rejects[r])
		}
	}
	b.WriteString(")")
	if g.explode != "" {
		fmt.Fprintf(&b, ", after explode %s", g.explode)
	}
	if g.examples > 0 {
		fmt.Fprintf(&b, "; %d records are training examples already", g.examples)
	}
	b.WriteString(":\n")
	w := 5
	for _, f := range g.fields {
		w = max(w, len(f.name))
	}
	fmt.Fprintf(&b, "  %-*s  filled  mean length  distinct\n", w, "field")
	for _, f := range g.fields {
		var tags []string
		if f.raw > 0 {
			tags = append(tags, "JSON")
		}
		if slices.Contains(g.g.ids, f) {
			tags = append(tags, "identifier")
		}
		t := ""
		if len(tags) > 0 {
			t = "  " + strings.Join(tags, ", ")
		}
		fmt.Fprintf(&b, "  %-*s  %5.0f%%  %11d  %8s%s\n", w, f.name, 100*g.fill(f), f.mean(), f.distinct(), t)
	}
	return b.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func sumValues(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func sameRule(a, b template.Rule) bool {
	a.Match, b.Match = nil, nil
	return reflect.DeepEqual(a, b)
}

// ruleNode renders a rule with the keys it sets, in a reading order.
func ruleNode(r template.Rule, note string) *yaml.Node {
	m := newMap()
	if len(r.Match) > 0 {
		m.set("match", ylist(r.Match), "")
	}
	m.set("kind", ystr(r.Kind), "")
	for _, kv := range [][2]string{{"system", r.System}, {"user", r.User}, {"assistant", r.Assistant}, {"text", r.Text}} {
		if kv[1] != "" {
			n := ystr(kv[1])
			n.Style = yaml.DoubleQuotedStyle
			m.set(kv[0], n, "")
		}
	}
	m.n.HeadComment = note
	return m.n
}

type ymap struct{ n *yaml.Node }

func newMap() ymap { return ymap{&yaml.Node{Kind: yaml.MappingNode}} }

func (m ymap) set(key string, v *yaml.Node, comment string) {
	k := ystr(key)
	k.HeadComment = comment
	m.n.Content = append(m.n.Content, k, v)
}

// ystr is a string scalar; the !!str tag makes the encoder quote values
// that would read back as another type.
func ystr(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func ylist(items []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, s := range items {
		n.Content = append(n.Content, ystr(s))
	}
	return n
}
