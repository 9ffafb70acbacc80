package normalize

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/tuneprep/tuneprep/stages/testcorpora"
)

// tidyRune is the rune-by-rune tidy that the byte-wise one replaced: the
// specification the differential tests hold it to.
func (s *Stage) tidyRune(t string) string {
	var b strings.Builder
	b.Grow(len(t))
	var pend []byte // spaces and tabs, written only if text follows on the line
	newlines := 0   // newlines, written (at most two) only if text follows
	for i, r := range t {
		switch {
		case r == '\r':
			if i+1 < len(t) && t[i+1] == '\n' {
				continue
			}
			r = '\n'
		case r == '\u2028' || r == '\u2029' || r == '\v' || r == '\f' || r == '\u0085':
			r = '\n'
		case r == '\n' || r == '\t':
		case unicode.IsSpace(r):
			if s.cfg.Whitespace {
				r = ' '
			}
		case unicode.IsControl(r) || r == '\ufeff':
			continue
		}
		if !s.cfg.Whitespace {
			b.WriteRune(r)
			continue
		}
		switch r {
		case '\n':
			pend = pend[:0]
			newlines++
			continue
		case ' ', '\t':
			pend = append(pend, byte(r))
			continue
		}
		if b.Len() == 0 {
			pend = pend[:0]
		} else {
			b.WriteString("\n\n"[:min(newlines, 2)])
		}
		newlines = 0
		b.Write(pend)
		pend = pend[:0]
		b.WriteRune(r)
	}
	return b.String()
}

var tidyCases = []string{
	"", " ", "\n", "a", " a ", "a  b  \n  c  ", "\r\n\r\na\r\n\r\n\r\nb\r", "a\rb", "a\r\r\nb",
	"\t\tx\t\n\t\n\ty\t", "a \u00a0\u3000 b\u2028\u2029c\u0085d\ve\ff", "\ufeff\x00a\x7f\u0080\u009fb",
	"caf\u00e9  \n\n\n\n na\u00efve", "\xff a \xfe\xfd", "x\n \n \n \ny", "end with text", "  lead", "trail   ",
	"tab\tinside", "a\x1b[0mb", "中文 文本  \n 第二行",
}

func TestTidyMatchesRuneByRune(t *testing.T) {
	for _, ws := range []bool{true, false} {
		s := mustNew(t, Config{Form: "NFC", Whitespace: ws})
		for _, in := range tidyCases {
			if got, want := s.tidy(in), s.tidyRune(in); got != want {
				t.Errorf("whitespace %v: tidy(%+q) = %+q, want %+q", ws, in, got, want)
			}
		}
	}
}

func FuzzTidy(f *testing.F) {
	for _, in := range tidyCases {
		f.Add(in, true)
		f.Add(in, false)
	}
	stages := map[bool]*Stage{true: mustNew(f, Defaults()), false: mustNew(f, Config{Form: "NFC"})}
	f.Fuzz(func(t *testing.T, in string, ws bool) {
		s := stages[ws]
		if got, want := s.tidy(in), s.tidyRune(in); got != want {
			t.Fatalf("whitespace %v: tidy(%+q) = %+q, want %+q", ws, in, got, want)
		}
	})
}

// BenchmarkTextContracts normalizes the 64 CUAD contracts (3.4 MB of real
// text with blank-line runs and trailing spaces, so tidy runs on each).
func BenchmarkTextContracts(b *testing.B) {
	dir := testcorpora.Path(b, "legal/contracts")
	paths, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(paths) == 0 {
		b.Fatalf("no contracts in %s: %v", dir, err)
	}
	var texts []string
	size := 0
	for _, p := range paths {
		t, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		texts = append(texts, string(t))
		size += len(t)
	}
	s := mustNew(b, Defaults())
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for _, t := range texts {
			sink = s.Text(t)
		}
	}
}
