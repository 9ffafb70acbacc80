package normalize

import (
	"context"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/tuneprep/tuneprep/schemas"
)

func mustNew(t testing.TB, cfg Config) *Stage {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return s
}

func TestNewForms(t *testing.T) {
	for _, form := range []string{"", "NFC", "nfc", "NFKC", "nfkc", "none", "NONE"} {
		if _, err := New(Config{Form: form}); err != nil {
			t.Errorf("New(Form %q): %v", form, err)
		}
	}
	for _, form := range []string{"NFD", "NFKD", "utf8", " NFC"} {
		_, err := New(Config{Form: form})
		if err == nil || !strings.Contains(err.Error(), "form") {
			t.Errorf("New(Form %q) error = %v, want a form error", form, err)
		}
	}
}

func TestText(t *testing.T) {
	nfc := Defaults()
	nfkc := Config{Form: "NFKC", Whitespace: true}
	none := Config{Form: "none", Whitespace: true}
	raw := Config{Form: "NFC", Whitespace: false}
	tests := []struct {
		name string
		cfg  Config
		in   string
		want string
	}{
		{"empty", nfc, "", ""},
		{"clean ASCII unchanged", nfc, "Hello, world.\nSecond line.", "Hello, world.\nSecond line."},
		{"CRLF", nfc, "a\r\nb\r\nc", "a\nb\nc"},
		{"lone CR", nfc, "a\rb\rc", "a\nb\nc"},
		{"CR CR LF is two line ends", nfc, "a\r\r\nb", "a\n\nb"},
		{"line separator U+2028", nfc, "a\u2028b", "a\nb"},
		{"paragraph separator U+2029", nfc, "a\u2029b", "a\nb"},
		{"NEL, VT and FF end lines", nfc, "a\u0085b\vc\fd", "a\nb\nc\nd"},
		{"NBSP becomes a space", nfc, "a\u00a0b", "a b"},
		{"other Unicode spaces", nfc, "a\u2003b\u3000c\u202fd\u2009e", "a b c d e"},
		{"control characters stripped", nfc, "a\x00b\x01c\x1bd\x7fe\u0080f\u009fg", "abcdefg"},
		{"BOM stripped at start", nfc, "\ufeffHello", "Hello"},
		{"BOM stripped inside", nfc, "Hel\ufefflo", "Hello"},
		{"ZWJ emoji sequence kept", nfc, "family 👨\u200d👩\u200d👧 ok", "family 👨\u200d👩\u200d👧 ok"},
		{"ZWNJ kept", nfc, "a\u200cb", "a\u200cb"},
		{"combining marks kept", nfc, "q\u0307\u0323", "q\u0323\u0307"}, // NFC reorders by combining class, keeps both
		{"NFC composes e + acute", nfc, "caf" + "e\u0301", "café"},
		{"NFC composes Hangul jamo", nfc, "\u1100\u1161", "\uac00"},
		{"NFC keeps compatibility chars", nfc, "ﬁ ①", "ﬁ ①"},
		{"NFKC folds compatibility chars", nfkc, "ﬁ ① Ｈ", "fi 1 H"},
		{"NFKC composes too", nfkc, "e\u0301", "é"},
		{"form none keeps decomposed", none, "e\u0301", "e\u0301"},
		{"trailing spaces per line removed", nfc, "a  \nb\t\nc \t ", "a\nb\nc"},
		{"trailing NBSP removed", nfc, "a\u00a0\nb", "a\nb"},
		{"two blank lines collapse to one", nfc, "a\n\n\nb", "a\n\nb"},
		{"many blank lines collapse", nfc, "a\n\n\n\n\n\nb", "a\n\nb"},
		{"blank lines of spaces collapse", nfc, "a\n  \n\t\n \nb", "a\n\nb"},
		{"one blank line kept", nfc, "a\n\nb", "a\n\nb"},
		{"leading and trailing whitespace trimmed", nfc, " \n\t a b \n\n ", "a b"},
		{"only whitespace becomes empty", nfc, " \t\r\n\u00a0\u2028 ", ""},
		{"indentation kept", nfc, "def f():\n    return 1", "def f():\n    return 1"},
		{"indentation after blank lines kept", nfc, "a\n\n\n    b", "a\n\n    b"},
		{"tabs kept", nfc, "a\tb\n\tc", "a\tb\n\tc"},
		{"inner runs of spaces kept", nfc, "a   b", "a   b"},
		{"whitespace=false keeps spaces", raw, "  a  \n\n\n\u00a0b  ", "  a  \n\n\n\u00a0b  "},
		{"whitespace=false fixes CRLF and CR", raw, " a \r\n b\r", " a \n b\n"},
		{"whitespace=false maps U+2028", raw, "a\u2028b", "a\nb"},
		{"whitespace=false strips controls and BOM", raw, "\ufeff a\x00\x07b ", " ab "},
		{"whitespace=false still composes", raw, "e\u0301 ", "é "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustNew(t, tt.cfg)
			if got := s.Text(tt.in); got != tt.want {
				t.Errorf("Text(%+q) = %+q, want %+q", tt.in, got, tt.want)
			}
		})
	}
}

// A string that is already clean comes back as is, not copied. (x/text's
// IsNormalString makes one 8-byte allocation per call for NFC and NFKC.)
func TestTextCleanDoesNotAllocate(t *testing.T) {
	in := strings.TrimSpace(strings.Repeat("The quick brown fox jumps over the lazy dog.\n", 20))
	for _, form := range []string{"none", "NFC", "NFKC"} {
		t.Run(form, func(t *testing.T) {
			want := 0.0
			if form != "none" {
				want = 1
			}
			s := mustNew(t, Config{Form: form, Whitespace: true})
			if got := s.Text(in); got != in {
				t.Fatalf("clean text changed: %+q", got)
			}
			if allocs := testing.AllocsPerRun(100, func() { _ = s.Text(in) }); allocs > want {
				t.Errorf("Text on clean text: %v allocations, want at most %v", allocs, want)
			}
		})
	}
}

// Stripping a control character or a BOM that sits between a base letter and
// a combining mark leaves a string that is no longer NFC, so a second pass
// changes it again.
func TestTextNFCAfterStripping(t *testing.T) {
	s := mustNew(t, Defaults())
	for _, in := range []string{"e\x00\u0301", "e\ufeff\u0301", "\u1100\x01\u1161"} {
		out := s.Text(in)
		if !norm.NFC.IsNormalString(out) {
			t.Errorf("Text(%+q) = %+q, not NFC", in, out)
		}
		if again := s.Text(out); again != out {
			t.Errorf("Text(Text(%+q)) = %+q, want %+q", in, again, out)
		}
	}
}

func TestProcess(t *testing.T) {
	tests := []struct {
		name       string
		textFields []string
		fields     schemas.Fields
		wantText   string
		wantDrop   string
		wantFields schemas.Fields
	}{
		{
			name:       "text field normalized",
			fields:     schemas.Fields{{Name: "text", Value: " Hello\r\nworld  "}},
			wantText:   "Hello\nworld",
			wantFields: schemas.Fields{{Name: "text", Value: "Hello\nworld"}},
		},
		{
			name:       "no text field: every field joined, JSON as text",
			fields:     schemas.Fields{{Name: "q", Value: "Why?\u00a0"}, {Name: "n", Value: `{"a":  1}`, Raw: true}, {Name: "a", Value: "Because."}},
			wantText:   "Why?\n\na: 1\n\nBecause.",
			wantFields: schemas.Fields{{Name: "q", Value: "Why?"}, {Name: "n", Value: `{"a":  1}`, Raw: true}, {Name: "a", Value: "Because."}},
		},
		{
			name:       "text fields chosen",
			textFields: []string{"body", "title"},
			fields:     schemas.Fields{{Name: "title", Value: "T"}, {Name: "body", Value: "B\x00"}, {Name: "other", Value: "O"}},
			wantText:   "B\n\nT",
			wantFields: schemas.Fields{{Name: "title", Value: "T"}, {Name: "body", Value: "B"}, {Name: "other", Value: "O"}},
		},
		{
			name:     "empty after normalization is dropped",
			fields:   schemas.Fields{{Name: "text", Value: " \r\n\u00a0\ufeff\x00 "}},
			wantDrop: "empty",
		},
		{
			name:     "no fields is dropped",
			wantDrop: "empty",
		},
		{
			name:       "chosen text fields missing is dropped",
			textFields: []string{"body"},
			fields:     schemas.Fields{{Name: "title", Value: "T"}},
			wantDrop:   "empty",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Defaults()
			cfg.TextFields = tt.textFields
			s := mustNew(t, cfg)
			d := &schemas.Document{ID: "x", Fields: tt.fields}
			drop, err := s.Process(context.Background(), d)
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			if tt.wantDrop != "" {
				if drop == nil || drop.Reason != tt.wantDrop {
					t.Fatalf("drop = %+v, want reason %q", drop, tt.wantDrop)
				}
				return
			}
			if drop != nil {
				t.Fatalf("unexpected drop %+v", drop)
			}
			if d.Text != tt.wantText {
				t.Errorf("Text = %+q, want %+q", d.Text, tt.wantText)
			}
			if len(d.Fields) != len(tt.wantFields) {
				t.Fatalf("Fields = %+v, want %+v", d.Fields, tt.wantFields)
			}
			for i := range d.Fields {
				if d.Fields[i] != tt.wantFields[i] {
					t.Errorf("Fields[%d] = %+v, want %+v", i, d.Fields[i], tt.wantFields[i])
				}
			}
		})
	}
}

// checkText asserts the properties every output of Text has.
func checkText(t *testing.T, s *Stage, in string) {
	out := s.Text(in)
	if utf8.ValidString(in) && !utf8.ValidString(out) {
		t.Fatalf("Text(%+q) = %+q: invalid UTF-8", in, out)
	}
	for _, r := range out {
		if r == '\n' || r == '\t' {
			continue
		}
		if r == '\r' || unicode.IsControl(r) || r == '\ufeff' || r == '\u2028' || r == '\u2029' {
			t.Fatalf("Text(%+q) = %+q: contains %U", in, out, r)
		}
	}
	if s.cfg.Whitespace && out != strings.TrimSpace(out) {
		t.Fatalf("Text(%+q) = %+q: not trimmed", in, out)
	}
	if s.cfg.Whitespace && (strings.Contains(out, "\n\n\n") || strings.Contains(out, " \n") || strings.Contains(out, "\t\n")) {
		t.Fatalf("Text(%+q) = %+q: blank-line run or trailing space", in, out)
	}
	if !utf8.ValidString(in) {
		return // idempotency is promised for text, not for arbitrary bytes
	}
	if s.form != nil && !s.form.IsNormalString(out) {
		t.Fatalf("Text(%+q) = %+q: not in normal form", in, out)
	}
	if again := s.Text(out); again != out {
		t.Fatalf("not idempotent: Text(%+q) = %+q, Text of that = %+q", in, out, again)
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{
		"", "plain", "a\r\nb\rc", " \u00a0a\u2028b \n\n\n c\t", "\ufeff\x00x\x7f",
		"e\u0301", "👨\u200d👩\u200d👧", "ﬁ①", "a \n \n b", "\u0085\v\f", "\xff\xfe",
		"\t\tindented\n\n\n\n\tcode  ", "\u3000\u2003",
	} {
		for which := range uint8(4) {
			f.Add(s, which)
		}
	}
	stages := []*Stage{
		mustNew(f, Defaults()),
		mustNew(f, Config{Form: "NFKC", Whitespace: true}),
		mustNew(f, Config{Form: "none", Whitespace: true}),
		mustNew(f, Config{Form: "NFC", Whitespace: false}),
	}
	f.Fuzz(func(t *testing.T, in string, which uint8) {
		checkText(t, stages[int(which)%len(stages)], in)
	})
}

var (
	benchClean = strings.TrimSpace(strings.Repeat("The contract is governed by the laws of the State.\nEach party shall bear its own costs.\n", 40))
	benchMessy = strings.Repeat("\ufeffThe  contract\u00a0is governed  \r\nby the laws\u2028of the State.\r\n\r\n\r\n\x00Caf"+"e\u0301 \t\n", 40)
	sink       string
)

func BenchmarkTextCleanASCII(b *testing.B) {
	s := mustNew(b, Defaults())
	b.SetBytes(int64(len(benchClean)))
	b.ReportAllocs()
	for b.Loop() {
		sink = s.Text(benchClean)
	}
}

func BenchmarkTextMessy(b *testing.B) {
	s := mustNew(b, Defaults())
	b.SetBytes(int64(len(benchMessy)))
	b.ReportAllocs()
	for b.Loop() {
		sink = s.Text(benchMessy)
	}
}
