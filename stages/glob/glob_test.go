package glob

import (
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern string
		path    string
		want    bool
	}{
		// A pattern without a slash matches the base name anywhere.
		{"*.csv", "a.csv", true},
		{"*.csv", "a/b.csv", true},
		{"*.csv", "a/b/c.csv", true},
		{"*.csv", "a.csv/b.txt", false},
		{"*.csv", "a.tsv", false},
		{"data.jsonl", "x/y/data.jsonl", true},
		{"data.jsonl", "x/y/data.jsonl.bak", false},
		{"?.md", "dir/a.md", true},
		{"[ab].md", "dir/b.md", true},
		{"[ab].md", "dir/c.md", false},
		// '*' never crosses a slash once the pattern has one.
		{"a/*.csv", "a/b.csv", true},
		{"a/*.csv", "a/b/c.csv", false},
		{"a/*.csv", "x/a/b.csv", false},
		{"*/b.csv", "a/b.csv", true},
		{"*/b.csv", "a/x/b.csv", false},
		{"a*/b", "abc/b", true},
		{"a*b", "a/b", false},
		// "**" at the start.
		{"**/b.csv", "b.csv", true},
		{"**/b.csv", "a/b.csv", true},
		{"**/b.csv", "a/x/y/b.csv", true},
		{"**/b.csv", "a/b.csv/c", false},
		{"**/*.csv", "deep/er/f.csv", true},
		{"**/*.csv", "f.csv", true},
		// "**" in the middle.
		{"legal/**/*.txt", "legal/a.txt", true},
		{"legal/**/*.txt", "legal/x/a.txt", true},
		{"legal/**/*.txt", "legal/x/y/z/a.txt", true},
		{"legal/**/*.txt", "medical/x/a.txt", false},
		{"legal/**/*.txt", "legal/x/a.csv", false},
		{"a/**/b/**/c", "a/b/c", true},
		{"a/**/b/**/c", "a/x/b/y/z/c", true},
		{"a/**/b/**/c", "a/x/c", false},
		// "**" at the end.
		{"legal/**", "legal/a.txt", true},
		{"legal/**", "legal/x/y/a.txt", true},
		{"legal/**", "medical/a.txt", false},
		{"legal/**", "legalese/a.txt", false},
		{"**", "anything/at/all.txt", true},
		{"**", "x", true},
		// Leading and trailing slashes of the pattern are ignored.
		{"/legal/*.txt", "legal/a.txt", true},
		{"legal/", "x/legal", true},
		// Exact paths.
		{"a/b/c.txt", "a/b/c.txt", true},
		{"a/b/c.txt", "a/b/c.txtx", false},
		{"a/b/c.txt", "a/b", false},
		{"a/b", "a/b/c.txt", false},
	}
	for _, tt := range tests {
		g, err := Compile(tt.pattern)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.pattern, err)
			continue
		}
		if got := g.Match(tt.path); got != tt.want {
			t.Errorf("Compile(%q).Match(%q) = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, p := range []string{"", "/", "//", "[", "a/[b", "a/b[", `a/\`, "**/[^"} {
		if _, err := Compile(p); err == nil {
			t.Errorf("Compile(%q): no error", p)
		}
	}
	_, err := Compile("data/[x")
	if err == nil || !strings.Contains(err.Error(), `"data/[x"`) {
		t.Errorf("error %v does not name the pattern", err)
	}
}

func TestSet(t *testing.T) {
	s, err := CompileAll([]string{"*.csv", "legal/**"})
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{
		"a/b.csv":       true,
		"legal/x.txt":   true,
		"medical/x.txt": false,
	} {
		if got := s.Match(p); got != want {
			t.Errorf("Set.Match(%q) = %v, want %v", p, got, want)
		}
	}
	if (Set{}).Match("a") {
		t.Error("empty set matched")
	}
	if _, err := CompileAll([]string{"ok", "[bad"}); err == nil {
		t.Error("CompileAll with a bad pattern: no error")
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("**/*.csv", "a/b/c.csv")
	f.Add("a/**/b", "a/x/y/b")
	f.Add("*.txt", "x.txt")
	f.Add("[a-", "a")
	f.Add(`\`, `\`)
	f.Add("//**//", "/a//b/")
	f.Fuzz(func(t *testing.T, pattern, p string) {
		// Each "**" multiplies the work by the path depth; keep inputs small.
		if len(pattern) > 64 || len(p) > 64 || strings.Count(pattern, "**") > 4 {
			return
		}
		g, err := Compile(pattern)
		if err != nil {
			return
		}
		got := g.Match(p)
		if len(g) == 1 && g[0] == "**" && !got {
			t.Fatalf("%q did not match %q", pattern, p)
		}
		if (Set{g}).Match(p) != got {
			t.Fatalf("Set{%q}.Match(%q) differs from Pattern.Match", pattern, p)
		}
	})
}

func BenchmarkMatch(b *testing.B) {
	g, err := Compile("legal/**/contracts/*.txt")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		g.Match("legal/2024/q3/us/contracts/master-services.txt")
	}
}
