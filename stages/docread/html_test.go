package docread

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

func TestReadHTMLFiles(t *testing.T) {
	tests := []struct {
		file string
		want schemas.Fields
		err  string
	}{
		{file: "article.html", want: schemas.Fields{
			{Name: "text", Value: "Main heading\n\nFirst paragraph with bold and italic text.\n\nSecond\nline two\n\nafter blank\n\n- one\n- two\n- nested\n\nName\tAge\nAnn\t31\n\tx\n\n  code\n    indented\n\nunclosed para\n\nin div"},
			{Name: "title", Value: "The Title"}, {Name: "lang", Value: "en-GB"}, {Name: "description", Value: "A short page."}}},
		{file: "latin1.html", want: schemas.Fields{
			{Name: "text", Value: "Déjà vu – naïve"}, {Name: "title", Value: "Café"}, {Name: "lang", Value: "fr"}}},
		{file: "bom_utf16.html", want: schemas.Fields{{Name: "text", Value: "UTF-16 über"}}},
		{file: "unclosed.html", want: schemas.Fields{
			{Name: "text", Value: "First bold both\n\nSecond\n\n- item one\n- item two\n\na\tb\nc\td\n\nvisible again"},
			{Name: "title", Value: "Broken"}}},
		{file: "unknown_charset.html", err: `unknown charset "x-klingon"`},
		{file: "wrong_charset.html", err: "not valid utf-8"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open("testdata/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := ReadHTML(f)
			checkResult(t, got, err, tc.want, tc.err)
		})
	}
}

func checkResult(t *testing.T, got schemas.Fields, err error, want schemas.Fields, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err = %v, want it to mention %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %#v\nwant %#v", got, want)
	}
}

func TestReadHTMLCases(t *testing.T) {
	tests := []struct {
		name, in, text string
	}{
		{"empty", "", ""},
		{"text only", "just   text\n here", "just text here"},
		{"entities", "<p>a&amp;b&nbsp;c &lt;d&gt;</p>", "a&b c <d>"},
		{"inline spacing", "<p>foo<b>bar</b> <i>baz</i></p>", "foobar baz"},
		{"headings", "<h1>T</h1>body<h2>S</h2>more", "T\n\nbody\n\nS\n\nmore"},
		{"hidden variants", `<p>a</p><p hidden>b</p><p aria-hidden="TRUE">c</p><p style="color:red; DISPLAY : none">d</p><p style="visibility:hidden">e</p><template><p>f</p></template><noscript>g</noscript><p>h</p>`, "a\n\nh"},
		{"stray end tags", "</div></p>text</span>", "text"},
		{"misnested", "<b><p>one</b>two</p>three", "onetwo\n\nthree"},
		{"cell blocks", "<table><tr><td><p>x</p><p>y</p></td><td>z<br>w</td></tr></table>", "x y\tz w"},
		{"nested skip", "<nav><div><nav>a</nav>b</div>c</nav>d", "d"},
		{"no head close", "<title>t</title><p>body text", "body text"},
		{"void hidden", `<img hidden>after`, "after"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadHTML(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if got[0].Name != "text" || got[0].Value != tc.text {
				t.Fatalf("text = %q, want %q", got[0].Value, tc.text)
			}
		})
	}
}

func TestReadHTMLLimits(t *testing.T) {
	deep := strings.Repeat("<div>", maxHTMLDepth+1)
	if _, err := ReadHTML(strings.NewReader(deep)); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Fatalf("deep nesting: err = %v", err)
	}
	huge := "<p " + strings.Repeat("a", maxHTMLToken+10) + ">"
	if _, err := ReadHTML(strings.NewReader(huge)); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("huge tag: err = %v", err)
	}
}

func FuzzReadHTML(f *testing.F) {
	for _, name := range []string{"article.html", "latin1.html", "unclosed.html", "bom_utf16.html"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`<meta charset="shift_jis"><p>\x82\xa0</p>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, err := ReadHTML(bytes.NewReader(data))
		if err == nil && (len(fs) == 0 || fs[0].Name != "text") {
			t.Fatalf("no text field: %v", fs)
		}
	})
}
