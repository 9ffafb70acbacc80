package stages

import (
	"bufio"
	"fmt"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The lists of stages and libraries live in one place: the two headings of
// the doc comment in doc.go.
const (
	stagesHeading    = "Stages, in pipeline order"
	librariesHeading = "Libraries"
)

// TestLayout checks the architecture the layout promises: every package
// under stages/ is listed in doc.go as a stage or a library, a stage
// imports no other stage, and a library imports no stage.
func TestLayout(t *testing.T) {
	stages, libraries := readTables(t, "doc.go")
	if len(stages) == 0 || len(libraries) == 0 {
		t.Fatalf("doc.go: no list under %q or %q", stagesHeading, librariesHeading)
	}
	pkgs, err := scanPackages(".", modulePath(t)+"/stages/")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range layoutProblems(stages, libraries, pkgs) {
		t.Error(p)
	}
}

// edge is an import of a package under stages/ by a file of another.
type edge struct {
	to   string // package path relative to stages/, e.g. "minhash"
	file string // importing file, relative to stages/
}

// layoutProblems returns what is wrong with pkgs (package path relative to
// stages/ -> its imports of stages/ packages) under the two lists.
func layoutProblems(stages, libraries []string, pkgs map[string][]edge) []string {
	lists := []struct {
		kind  string
		names []string
	}{{"stage", stages}, {"library", libraries}}
	kind := map[string]string{}
	var problems []string
	for _, l := range lists {
		for _, name := range l.names {
			if prev, ok := kind[name]; ok {
				problems = append(problems, fmt.Sprintf("stages/doc.go lists %s twice (as a %s and as a %s): keep one line", name, prev, l.kind))
			}
			kind[name] = l.kind
		}
	}
	names := make([]string, 0, len(pkgs))
	for name := range pkgs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		k, ok := kind[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("stages/%s is neither a stage nor a library: add it to the table in stages/doc.go, "+
				"as a line %q under %q if the engine runs it as a step of the pipeline, else under %q", name, "  - "+name+": what it is for", stagesHeading, librariesHeading))
			continue
		}
		for _, e := range pkgs[name] {
			switch {
			case kind[e.to] != "stage":
			case k == "stage":
				problems = append(problems, fmt.Sprintf("stage %s imports stage %s (stages/%s): a stage never imports another stage; "+
					"move what both need into a library package under stages/ named for what it does, and list it under %q in stages/doc.go", name, e.to, e.file, librariesHeading))
			default:
				problems = append(problems, fmt.Sprintf("library %s imports stage %s (stages/%s): a library never imports a stage; "+
					"move what it needs out of %s into a library", name, e.to, e.file, e.to))
			}
		}
	}
	for _, l := range lists {
		for _, name := range l.names {
			if _, ok := pkgs[name]; !ok {
				problems = append(problems, fmt.Sprintf("stages/doc.go lists %s, but stages/%s holds no Go package: remove its line from the table (or correct the name)", name, name))
			}
		}
	}
	return problems
}

// readTables returns the first word of each list item under the two
// headings of path's package doc comment.
func readTables(t *testing.T, path string) (stages, libraries []string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	if f.Doc == nil {
		t.Fatalf("%s has no package doc comment", path)
	}
	var list *[]string
	for _, b := range new(comment.Parser).Parse(f.Doc.Text()).Content {
		switch b := b.(type) {
		case *comment.Heading:
			switch h := plain(b.Text); h {
			case stagesHeading:
				list = &stages
			case librariesHeading:
				list = &libraries
			default:
				list = nil
			}
		case *comment.List:
			if list == nil {
				continue
			}
			for _, item := range b.Items {
				var text string
				if len(item.Content) > 0 {
					if p, ok := item.Content[0].(*comment.Paragraph); ok {
						text = plain(p.Text)
					}
				}
				name, _, ok := strings.Cut(text, ":")
				if !ok || strings.ContainsAny(name, " \t") {
					t.Errorf("%s: list item %q: want \"name: what it is for\"", path, text)
					continue
				}
				*list = append(*list, name)
			}
		}
	}
	return stages, libraries
}

// plain is the text of a doc comment span, without markup.
func plain(ts []comment.Text) string {
	var b strings.Builder
	for _, t := range ts {
		switch t := t.(type) {
		case comment.Plain:
			b.WriteString(string(t))
		case comment.Italic:
			b.WriteString(string(t))
		case *comment.Link:
			b.WriteString(plain(t.Text))
		case *comment.DocLink:
			b.WriteString(plain(t.Text))
		}
	}
	return b.String()
}

// scanPackages finds every directory under root holding non-test Go files
// (testdata and directories Go ignores are skipped) and its imports of
// packages under prefix. The files are parsed whatever their build
// constraints.
func scanPackages(root, prefix string) (map[string][]edge, error) {
	pkgs := map[string][]edge{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		if dir == "." {
			return nil // package stages itself
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		if _, ok := pkgs[dir]; !ok {
			pkgs[dir] = nil
		}
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if to, ok := strings.CutPrefix(p, prefix); ok {
				pkgs[dir] = append(pkgs[dir], edge{to: to, file: filepath.ToSlash(path)})
			}
		}
		return nil
	})
	return pkgs, err
}

// modulePath reads the module path from ../go.mod.
func modulePath(t *testing.T) string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(m), `"`)
		}
	}
	t.Fatal("../go.mod: no module line")
	return ""
}

// TestLayoutProblems shows that the check fails when it should, with a
// message that says what to do.
func TestLayoutProblems(t *testing.T) {
	stages := []string{"ingest", "dedup", "split"}
	libraries := []string{"minhash", "glob"}
	ok := map[string][]edge{
		"ingest":  {{to: "glob", file: "ingest/ingest.go"}},
		"dedup":   {{to: "minhash", file: "dedup/dedup.go"}},
		"split":   {{to: "minhash", file: "split/split.go"}},
		"minhash": nil,
		"glob":    nil,
	}
	if p := layoutProblems(stages, libraries, ok); len(p) != 0 {
		t.Fatalf("a clean layout has problems: %q", p)
	}
	tests := []struct {
		name   string
		change func(pkgs map[string][]edge, stages, libraries *[]string)
		want   string
	}{
		{"stage imports stage", func(p map[string][]edge, _, _ *[]string) {
			p["split"] = append(p["split"], edge{to: "dedup", file: "split/split.go"})
		}, "stage split imports stage dedup (stages/split/split.go)"},
		{"library imports stage", func(p map[string][]edge, _, _ *[]string) {
			p["minhash"] = append(p["minhash"], edge{to: "ingest", file: "minhash/x.go"})
		}, "library minhash imports stage ingest"},
		{"new package", func(p map[string][]edge, _, _ *[]string) { p["jsonl"] = nil },
			"stages/jsonl is neither a stage nor a library: add it to the table in stages/doc.go"},
		{"stale line", func(_ map[string][]edge, _, l *[]string) { *l = append(*l, "gone") },
			"stages/doc.go lists gone, but stages/gone holds no Go package: remove its line"},
		{"listed twice", func(_ map[string][]edge, _, l *[]string) { *l = append(*l, "dedup") },
			"stages/doc.go lists dedup twice"},
	}
	for _, tt := range tests {
		pkgs := map[string][]edge{}
		for k, v := range ok {
			pkgs[k] = slices.Clone(v)
		}
		s, l := slices.Clone(stages), slices.Clone(libraries)
		tt.change(pkgs, &s, &l)
		got := layoutProblems(s, l, pkgs)
		if len(got) != 1 || !strings.Contains(got[0], tt.want) {
			t.Errorf("%s: problems %q, want one containing %q", tt.name, got, tt.want)
		}
	}
}
