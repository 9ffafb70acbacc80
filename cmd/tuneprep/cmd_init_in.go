package main

import (
	"context"
	"encoding/json"
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
	"unicode/utf8"

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
	distinctCap     = 5000 // distinct values counted per field
	jsonWalkCap     = 4 << 20
)

// documentFormats are the formats where a file is a document (field text).
var documentFormats = []string{"text", "html", "docx", "eml", "mbox"}

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
				if g = byKey[folder+"\x00"+format]; g == nil {
					g = newGroup(folder, format)
					byKey[folder+"\x00"+format] = g
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

// fieldStat summarises one field over the records of a group. Distinct
// values are counted by hash, up to distinctCap.
type fieldStat struct {
	name                          string
	filled, runes, maxLen         int
	raw, numeric, spaced, repeats int
	seen                          map[uint64]struct{}
	full                          bool
}

func (f *fieldStat) add(fl schemas.Field) {
	v := strings.TrimSpace(fl.Value)
	if v == "" || v == "[]" || v == "{}" { // empty lists count as empty, also as CSV text

		return
	}
	n := utf8.RuneCountInString(v)
	f.filled++
	f.runes += n
	f.maxLen = max(f.maxLen, n)
	if fl.Raw && (v[0] == '{' || v[0] == '[') {
		f.raw++
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		f.numeric++
	}
	if strings.ContainsAny(v, " \t\r\n") {
		f.spaced++
	}
	h := uint64(14695981039346656037) // FNV-1a: deterministic
	for i := 0; i < len(v); i++ {
		h = (h ^ uint64(v[i])) * 1099511628211
	}
	if _, ok := f.seen[h]; ok {
		f.repeats++
	} else if len(f.seen) < distinctCap {
		f.seen[h] = struct{}{}
	} else {
		f.full = true
	}
}

func (f *fieldStat) mean() int {
	if f.filled == 0 {
		return 0
	}
	return f.runes / f.filled
}

func (f *fieldStat) distinct() string {
	if f.full {
		return fmt.Sprintf("%d+", distinctCap)
	}
	return strconv.Itoa(len(f.seen))
}

// pathStat summarises the objects found in arrays at one dotted path of
// JSON records: candidates for input.explode.
type pathStat struct {
	elems int
	keys  map[string]int // non-empty values by key
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

func (g *group) add(d *schemas.Document) {
	if d.Reject != nil {
		g.rejects[d.Reject.Reason]++
		return
	}
	g.records++
	if d.Example != nil {
		g.examples++
	}
	for _, fl := range d.Fields {
		f := g.byName[fl.Name]
		if f == nil {
			f = &fieldStat{name: fl.Name, seen: map[uint64]struct{}{}}
			g.byName[fl.Name] = f
			g.fields = append(g.fields, f)
		}
		f.add(fl)
		if fl.Raw && len(fl.Value) <= jsonWalkCap {
			var v any
			if json.Unmarshal([]byte(fl.Value), &v) == nil {
				g.walkJSON(fl.Name, v, 1)
			}
		}
	}
}

// walkJSON records the objects in arrays under p; segments go through
// objects and through arrays (every element), as input.explode does.
func (g *group) walkJSON(p string, v any, depth int) {
	if depth > 6 {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(v) {
			g.walkJSON(p+"."+k, v[k], depth+1)
		}
	case []any:
		for i, e := range v {
			obj, ok := e.(map[string]any)
			if !ok || i >= 50 {
				continue
			}
			ps := g.paths[p]
			if ps == nil {
				ps = &pathStat{keys: map[string]int{}}
				g.paths[p] = ps
			}
			ps.elems++
			for _, k := range sortedKeys(obj) {
				if s, ok := obj[k].(string); !ok || strings.TrimSpace(s) != "" {
					ps.keys[k]++
				}
				g.walkJSON(p+"."+k, obj[k], depth+1)
			}
		}
	}
}

func (g *group) name() string {
	s := g.format + " files"
	if g.folder != "" {
		s += " under " + g.folder + "/"
	}
	return s
}

func (g *group) fill(f *fieldStat) float64 { return float64(f.filled) / float64(max(g.records, 1)) }

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

// isID reports whether f looks like a record identifier: a name such as id
// or ticket_id (schemas.IsIdentifier), or values unique per record,
// without spaces, not short.
func (g *group) isID(f *fieldStat) bool {
	if f.filled == 0 || f.spaced > 0 || f.maxLen > 64 || f.raw > 0 {
		return false
	}
	if schemas.IsIdentifier(f.name, "") { // by name; the value checks are above
		return true
	}
	return f.repeats == 0 && f.filled == g.records && g.records >= 10 && f.mean() >= 6
}

// namesList formats field names for a comment.
func namesList(fs []*fieldStat) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.name)
	}
	return strings.Join(s, ", ")
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
			if g.explode == "" && (g.format == "json" || g.format == "jsonl") {
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

	rules := &yaml.Node{Kind: yaml.SequenceNode}
	var prev *template.Rule
	for _, g := range groups {
		r := g.g.rule
		if len(groups) > 1 {
			r.Match = g.globs()
		}
		if prev != nil && sameRule(*prev, r) { // one rule for groups shaped alike
			prev.Match = append(prev.Match, r.Match...)
			last := rules.Content[len(rules.Content)-1]
			last.HeadComment += "\n" + g.g.note
			continue
		}
		rules.Content = append(rules.Content, ruleNode(r, g.g.note))
		prev = &r
	}
	if len(rules.Content) == 1 { // one rule for everything: no match needed
		m := rules.Content[0]
		if m.Content[0].Value == "match" {
			m.Content = m.Content[2:]
		}
	}
	root := newMap()
	root.set("input", in.n, "")
	if len(groups) == 0 {
		head.WriteString("\nNo readable file was found: the default template rule applies.\n")
	} else {
		tm := newMap()
		tm.set("rules", rules, "")
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

// pairRule is a prompt/response naming convention of common datasets.
type pairRule struct {
	user, assistant []string
	system          string
	// labelSystem names the label in the system prompt (%s: the label
	// reference), for pairs where the label says what to write.
	labelSystem string
}

// pairRules are tried in order; names compare case-insensitively.
var pairRules = []pairRule{
	{user: []string{"instruction"}, assistant: []string{"output", "response", "answer", "completion"}, system: "You are a helpful assistant. Follow the instruction."},
	{user: []string{"question"}, assistant: []string{"answer", "answers", "response"}, system: "Answer the question."},
	{user: []string{"prompt"}, assistant: []string{"response", "completion", "chosen"}, system: "You are a helpful assistant."},
	{user: []string{"query"}, assistant: []string{"response", "answer"}, system: "You are a helpful assistant."},
	{user: []string{"human"}, assistant: []string{"assistant", "gpt", "bot"}, system: "You are a helpful assistant."},
	{user: []string{"customer"}, assistant: []string{"agent"}, system: "You are a helpful customer-support agent."},
	{user: []string{"user"}, assistant: []string{"assistant"}, system: "You are a helpful assistant."},
	{user: []string{"dialogue", "dialog", "conversation"}, assistant: []string{"summary"}, system: "Summarize the dialogue."},
	{user: []string{"dialogue", "dialog", "conversation"}, assistant: []string{"section_text", "note"},
		system: "From the dialogue, write the corresponding section of the note.", labelSystem: "From the dialogue, write the %s section of the note."},
	{user: []string{"text", "article", "document"}, assistant: []string{"summary", "abstract", "highlights"}, system: "Summarize the text."},
	{user: []string{"source"}, assistant: []string{"target"}, system: "Turn the source text into the target text."},
	{user: []string{"input"}, assistant: []string{"output", "response", "target"}, system: "You are a helpful assistant."},
}

// contextNames are fields that give a question its material; they go into
// the user message before the question.
var contextNames = []string{"context", "contexts", "passage", "passages", "paragraph", "paragraphs", "table", "tables",
	"document", "documents", "background", "knowledge", "evidence", "article", "reference"}

// labelNames are label-like names, preferred in this order; a name that
// contains one as a word (answer_type) comes after every exact name.
var labelNames = []string{"label", "intent", "category", "class", "section_header", "specialty", "type", "topic", "folder"}

// exampleFields mark records in a training format (OpenAI, ShareGPT,
// Gemini, Bedrock).
var exampleFields = []string{"messages", "conversations", "contents", "schemaVersion"}

// pairMatch is a pair found among a group's fields or an array's keys.
type pairMatch struct {
	user, assistant string
	rank            int // index in pairRules
}

func (p *pairMatch) String() string { return p.user + "/" + p.assistant }

// findPair returns the first known pair among names that present accepts.
func findPair(names []string, present func(string) bool) *pairMatch {
	byLower := map[string]string{}
	for _, n := range names {
		if _, dup := byLower[strings.ToLower(n)]; !dup && present(n) {
			byLower[strings.ToLower(n)] = n
		}
	}
	first := func(cands []string) string {
		for _, c := range cands {
			if n, ok := byLower[c]; ok {
				return n
			}
		}
		return ""
	}
	for i, r := range pairRules {
		if u, a := first(r.user), first(r.assistant); u != "" && a != "" && u != a {
			return &pairMatch{user: u, assistant: a, rank: i}
		}
	}
	return nil
}

// guessed is what init makes of a group.
type guessed struct {
	rule       template.Rule
	note       string // evidence for the rule
	textFields []string
	textNote   string
	label      *fieldStat
	labelNote  string
	ids        []*fieldStat
}

// guess fills g.g; when the records hide their pairs in an array it sets
// g.explode instead, and the group is read again exploded.
func (g *group) guess() {
	g.g = guessed{}
	for _, f := range g.fields {
		if g.isID(f) {
			g.g.ids = append(g.g.ids, f)
		}
	}
	switch {
	case g.records == 0:
		g.g.rule = template.Rule{Kind: "auto"}
		g.g.note = g.name() + ": no readable record in the sample; auto picks by the fields present"
	case g.isTraining():
		n := g.examples
		if f := g.usableField(exampleFields); f != nil {
			n = max(n, f.filled)
		}
		g.g.rule = template.Rule{Kind: "auto"}
		g.g.note = fmt.Sprintf("%s: %d of %d records have the shape of a training format (messages, conversations,\ncontents, prompt/completion...): auto reads them as examples as they are, no template needed",
			g.name(), n, g.records)
	case slices.Contains(documentFormats, g.format):
		g.guessDocuments()
	default:
		g.guessRecords()
	}
	if len(g.g.ids) > 0 {
		g.g.note += "\nidentifiers (by name, or unique values without spaces), kept out of the text: " + namesList(g.g.ids)
	}
}

// usableField is the first of names present in at least half the records.
func (g *group) usableField(names []string) *fieldStat {
	for _, n := range names {
		if f := g.byName[n]; f != nil && g.fill(f) >= 0.5 {
			return f
		}
	}
	return nil
}

func (g *group) isTraining() bool {
	return g.examples*2 >= g.records || g.usableField(exampleFields) != nil
}

func (g *group) guessDocuments() {
	g.g.rule = template.Rule{Kind: "text"}
	mean := 0
	if f := g.byName["text"]; f != nil {
		g.g.textFields, g.g.textNote = []string{"text"}, "the document text"
		mean = f.mean()
	}
	g.g.note = fmt.Sprintf("%s: plain documents (%d characters of text on average): text examples for continued\npre-training (the run writes them as trl-text)", g.name(), mean)
	g.g.label, g.g.labelNote = g.pickLabel([]string{"text"})
}

func (g *group) guessRecords() {
	names := make([]string, len(g.fields))
	for i, f := range g.fields {
		names[i] = f.name
	}
	p, why := g.forced, "the pair inside the exploded array"
	if p == nil {
		why = "a known prompt/response pair"
		p = findPair(names, func(n string) bool {
			f := g.byName[n]
			return g.fill(f) >= 0.5 && !slices.Contains(g.g.ids, f)
		})
	}
	if p == nil && g.explode == "" && (g.format == "json" || g.format == "jsonl") {
		if g.explode, g.forced = g.findExplode(); g.explode != "" {
			return // read again exploded
		}
	}
	if p == nil {
		g.guessWithoutPair()
		return
	}
	g.guessChat(p, why)
}

// guessChat writes the chat rule of a pair: context fields before the
// prompt, Alpaca's input after an instruction, the label out of the
// template's fields.
func (g *group) guessChat(p *pairMatch, why string) {
	user, asst := g.byName[p.user], g.byName[p.assistant]
	used := []string{p.user, p.assistant}
	var contexts []*fieldStat
	for _, f := range g.fields {
		if f != user && f != asst && f.filled > 0 && (f.full || len(f.seen) > 1) && slices.Contains(contextNames, strings.ToLower(f.name)) {
			contexts = append(contexts, f)
			used = append(used, f.name)
		}
	}
	input := g.byName["input"]
	if strings.ToLower(p.user) != "instruction" || input == nil || input == asst || input.filled == 0 {
		input = nil
	}
	system := g.byName["system"]
	if system != nil && (system == user || system == asst || system.filled == 0 || system.raw > 0) {
		system = nil
	}
	for _, f := range []*fieldStat{input, system} {
		if f != nil {
			used = append(used, f.name)
		}
	}
	g.g.label, g.g.labelNote = g.pickLabel(used)

	var u strings.Builder
	for _, c := range contexts {
		u.WriteString(g.optional(c, "", "\n\n"))
	}
	u.WriteString("{{" + ref(p.user) + "}}")
	g.g.textFields = []string{p.user}
	if input != nil {
		u.WriteString(g.optional(input, "\n\n", ""))
		g.g.textFields = append(g.g.textFields, input.name)
	}
	g.g.textFields = append(g.g.textFields, p.assistant)
	g.g.textNote = "the prompt and response fields"
	sys, sysWhy := g.systemPrompt(pairRules[p.rank], system)
	g.g.rule = template.Rule{Kind: "chat", System: sys, User: u.String(), Assistant: "{{" + ref(p.assistant) + "}}"}
	g.g.note = fmt.Sprintf("%s: %s -> %s, %s (filled %.0f%% and %.0f%%, %d and %d characters on average)",
		g.name(), p.user, p.assistant, why, 100*g.fill(user), 100*g.fill(asst), user.mean(), asst.mean())
	if len(contexts) > 0 {
		g.g.note += fmt.Sprintf("\ncontext before the %s: %s", p.user, g.describe(contexts))
		g.g.textNote += "; not the context, which repeats across records"
	}
	if input != nil {
		g.g.note += "\n" + g.describe([]*fieldStat{input}) + " follows the instruction"
	}
	g.g.note += "\n" + sysWhy
}

// systemPrompt is the records' own system field when they have one (with
// the pair's generic prompt where it is empty), else the pair's prompt,
// naming the label where the pair calls for it.
func (g *group) systemPrompt(r pairRule, field *fieldStat) (sys, why string) {
	sys, why = r.system, "system: a generic guess from the field names; say what the model is for"
	if l := g.g.label; r.labelSystem != "" && l != nil && l.filled == g.records {
		sys = fmt.Sprintf(r.labelSystem, "{{"+ref(l.name)+"}}")
		why = "system: a guess from the field names, naming the label " + l.name + "; say what the model is for"
	}
	switch {
	case field == nil:
		return sys, why
	case field.filled == g.records:
		return "{{" + ref(field.name) + "}}", "system: the records' own system field"
	}
	return "{{with " + ref(field.name) + "}}{{.}}{{else}}" + sys + "{{end}}", "system: the records' own system field where they have one"
}

// guessWithoutPair falls back to the two longest well-filled text fields
// (the shorter one as the prompt), to classification when only one long
// field has a label beside it, and to text examples otherwise.
func (g *group) guessWithoutPair() {
	g.g.label, g.g.labelNote = g.pickLabel(nil)
	var long []*fieldStat
	for _, f := range g.fields {
		prose := f.spaced*2 > f.filled && f.mean() >= 10 && f.raw == 0
		if prose && f != g.g.label && g.fill(f) >= 0.9 && (f.full || len(f.seen) > 1) && !slices.Contains(g.g.ids, f) {
			long = append(long, f)
		}
	}
	slices.SortStableFunc(long, func(a, b *fieldStat) int { return b.mean() - a.mean() })
	switch {
	case len(long) >= 2:
		u, a := long[1], long[0]
		g.g.rule = template.Rule{Kind: "chat", System: "You are a helpful assistant.", User: "{{" + ref(u.name) + "}}", Assistant: "{{" + ref(a.name) + "}}"}
		g.g.note = fmt.Sprintf("%s: no known pair; the two longest well-filled text fields, the shorter as the prompt:\n%s -> %s (%d and %d characters on average)\nsystem: a generic guess; say what the model is for",
			g.name(), u.name, a.name, u.mean(), a.mean())
		g.g.textFields, g.g.textNote = []string{u.name, a.name}, "the prompt and response fields"
	case len(long) == 1 && g.g.label != nil:
		l := g.g.label
		g.g.rule = template.Rule{Kind: "chat", System: fmt.Sprintf("Classify the text. Answer with the %s only.", l.name),
			User: "{{" + ref(long[0].name) + "}}", Assistant: "{{" + ref(l.name) + "}}"}
		g.g.note = fmt.Sprintf("%s: one long text field (%s, %d characters on average) and a label (%s): classification",
			g.name(), long[0].name, long[0].mean(), l.name)
		g.g.textFields, g.g.textNote = []string{long[0].name}, "the text to classify"
	default:
		g.g.rule = template.Rule{Kind: "text"}
		g.g.note = fmt.Sprintf("%s: no prompt/response pair found: text examples for continued pre-training", g.name())
		for _, f := range long {
			g.g.textFields = append(g.g.textFields, f.name)
		}
		if len(long) > 0 {
			g.g.textNote = "the long, well-filled text fields"
		}
	}
}

// optional renders a field between before and after; a field that some
// records lack renders nothing there instead of dropping the record.
func (g *group) optional(f *fieldStat, before, after string) string {
	if f.filled == g.records {
		return before + "{{" + ref(f.name) + "}}" + after
	}
	return "{{with " + ref(f.name) + "}}" + before + "{{.}}" + after + "{{end}}"
}

// describe lists fields with their fill rate and kind, for a comment.
func (g *group) describe(fs []*fieldStat) string {
	var parts []string
	for _, f := range fs {
		s := fmt.Sprintf("%s (filled %.0f%%", f.name, 100*g.fill(f))
		if f.raw > 0 {
			s += ", JSON"
		}
		if f.filled < g.records {
			s += ", optional: absent renders nothing"
		}
		parts = append(parts, s+")")
	}
	return strings.Join(parts, ", ")
}

// ref is a template reference to a field; names that are not identifiers
// ("Answer text") go through index.
func ref(name string) string {
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return fmt.Sprintf("index . %q", name)
		}
	}
	return "." + name
}

// pickLabel returns the likely label: a short, well-filled field with few
// distinct values relative to the records, label-like names first.
func (g *group) pickLabel(exclude []string) (*fieldStat, string) {
	type cand struct {
		f    *fieldStat
		rank int
	}
	var cs []cand
	for _, f := range g.fields {
		n := len(f.seen)
		if slices.Contains(exclude, f.name) || slices.Contains(g.g.ids, f) || f.full || f.raw > 0 ||
			g.fill(f) < 0.9 || n < 2 || n > 200 || float64(n) > 0.2*float64(f.filled) || f.mean() > 40 {
			continue
		}
		rank := labelRank(f.name)
		if rank < 0 {
			if f.numeric*2 > f.filled { // counts and flags, unless named like a label
				continue
			}
			rank = 2 * len(labelNames)
		}
		cs = append(cs, cand{f, rank})
	}
	if len(cs) == 0 {
		return nil, ""
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return a.rank - b.rank })
	l := cs[0].f
	note := fmt.Sprintf("%s: %s, %d distinct values in %d records, filled %.0f%%, %d characters on average",
		g.name(), l.name, len(l.seen), g.records, 100*g.fill(l), l.mean())
	var others []string
	for _, c := range cs[1:min(len(cs), 4)] {
		others = append(others, fmt.Sprintf("%s (%d values)", c.f.name, len(c.f.seen)))
	}
	if len(others) > 0 {
		note += "\n  also possible: " + strings.Join(others, ", ")
	}
	return l, note
}

func labelRank(name string) int {
	n := strings.ToLower(name)
	if i := slices.Index(labelNames, n); i >= 0 {
		return i
	}
	words := strings.FieldsFunc(n, func(r rune) bool { return r == '_' || r == '-' || r == ' ' || r == '.' })
	for i, w := range labelNames {
		if slices.Contains(words, w) {
			return len(labelNames) + i
		}
	}
	return -1
}

// findExplode looks for an array of objects in the records whose elements
// hold a known pair; the shallowest, most preferred pair wins. An answer
// that is itself an array of objects with a text (SQuAD's answers:
// [{text, answer_start}]) is exploded too, its text being the response.
func (g *group) findExplode() (string, *pairMatch) {
	best, bestPair, bestScore := "", (*pairMatch)(nil), 0
	for _, p := range sortedKeys(g.paths) {
		ps := g.paths[p]
		m := findPair(sortedKeys(ps.keys), func(k string) bool { return ps.keys[k]*2 >= ps.elems })
		if m == nil {
			continue
		}
		score := m.rank*100 + strings.Count(p, ".")
		if bestPair == nil || score < bestScore {
			best, bestPair, bestScore = p, m, score
		}
	}
	if bestPair == nil {
		return "", nil
	}
	if sub := g.paths[best+"."+bestPair.assistant]; sub != nil {
		for _, k := range []string{"text", "answer", "value"} {
			if sub.keys[k]*2 >= sub.elems {
				return best + "." + bestPair.assistant, &pairMatch{user: bestPair.user, assistant: k, rank: bestPair.rank}
			}
		}
	}
	return best, bestPair
}
