// Package normalize makes text comparable and clean: Unicode NFC, one kind of
// line ending, no control characters, tidy whitespace. It also derives each
// record's main text and drops records left empty.
package normalize

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/unicode/norm"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
)

// Config says what to normalize.
type Config struct {
	// Form is the Unicode normalization form: NFC, NFKC or none.
	Form string `yaml:"form" doc:"Unicode normalization form: NFC, NFKC or none"`
	// Whitespace trims trailing spaces on each line, turns non-breaking and
	// other Unicode spaces into plain spaces, and keeps at most one blank line.
	Whitespace bool `yaml:"whitespace" doc:"trim line ends, plain spaces for Unicode spaces, at most one blank line in a row, trim the text"`
	// TextFields name the fields that form the main text (see ingest).
	TextFields []string `yaml:"-"`
}

// Defaults returns the default normalization.
func Defaults() Config { return Config{Form: "NFC", Whitespace: true} }

// Stage is the normalize stage.
type Stage struct {
	cfg  Config
	form *norm.Form
	// exact normalizes the text of examples read from the input: Unicode
	// form, line endings and control characters, but whitespace as written
	// (a completion's leading space and a prompt's separator are signal).
	exact *Stage
}

// New validates cfg.
func New(cfg Config) (*Stage, error) {
	s := &Stage{cfg: cfg}
	switch strings.ToUpper(cfg.Form) {
	case "NFC", "":
		f := norm.NFC
		s.form = &f
	case "NFKC":
		f := norm.NFKC
		s.form = &f
	case "NONE":
	default:
		return nil, fmt.Errorf("form: %q is not NFC, NFKC or none", cfg.Form)
	}
	exact := *s
	exact.cfg.Whitespace = false
	s.exact = &exact
	return s, nil
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return "normalize" }

// Process normalizes every string field and the text of an example read
// from the input, then derives Text.
func (s *Stage) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	for i := range d.Fields {
		if !d.Fields[i].Raw {
			d.Fields[i].Value = s.Text(d.Fields[i].Value)
		}
	}
	if ex := d.Example; ex != nil {
		for i := range ex.Messages {
			ex.Messages[i].Content = s.exact.Text(ex.Messages[i].Content)
		}
		ex.Prompt, ex.Completion, ex.Text = s.exact.Text(ex.Prompt), s.exact.Text(ex.Completion), s.exact.Text(ex.Text)
	}
	d.Text = d.MainText(s.cfg.TextFields)
	if strings.TrimSpace(d.Text) == "" {
		return pipeline.Dropf("empty", "no text after normalization in "+fieldNames(d.Fields)), nil
	}
	return nil, nil
}

// Text normalizes one string; text that needs no change is returned as is,
// not copied. Controls and spaces go first and the Unicode form comes last:
// a stripped character between a letter and its combining mark would
// otherwise leave a pair that NFC composes only on a second pass.
func (s *Stage) Text(t string) string {
	if !clean(t) {
		t = s.tidy(t)
	}
	if s.form != nil && !s.form.IsNormalString(t) {
		t = s.form.String(t)
		if !clean(t) { // NFKC can turn compatibility spaces into trailing ones
			t = s.tidy(t)
		}
	}
	return t
}

// tidy fixes line endings, control characters and whitespace. It works on
// bytes and copies runs of printable ASCII at once; other characters are
// decoded one by one (see rune).
func (s *Stage) tidy(t string) string {
	w := tidier{b: make([]byte, 0, len(t)), ws: s.cfg.Whitespace}
	for i := 0; i < len(t); {
		c := t[i]
		if c > ' ' && c < 0x7f {
			j := i + 1
			for j < len(t) && t[j] >= ' ' && t[j] < 0x7f {
				j++
			}
			k := j // the run's trailing spaces are pending, like any others
			for t[k-1] == ' ' {
				k--
			}
			w.text(t[i:k])
			for range j - k {
				w.space(' ')
			}
			i = j
			continue
		}
		r, n := rune(c), 1
		if c >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(t[i:])
		} else if c == '\r' && i+1 < len(t) && t[i+1] == '\n' {
			i++ // the \n that follows ends the line
			continue
		}
		w.rune(r)
		i += n
	}
	if w.commit == 0 {
		return ""
	}
	// b is not written again: share it, as strings.Builder does.
	return unsafe.String(&w.b[0], w.commit)
}

// tidier builds tidy's output. With ws, b[commit:] is what is pending: at
// most two newlines, then spaces and tabs; it is kept only if text follows
// (trailing spaces go, blank lines shrink to one), and nothing is kept
// before the first text.
type tidier struct {
	b      []byte
	ws     bool
	commit int // length of b up to the last text written
	nl     int // newlines pending in b[commit:]
}

// rune handles one character that is not printable ASCII.
func (w *tidier) rune(r rune) {
	switch {
	case r == '\r' || r == '\u2028' || r == '\u2029' || r == '\v' || r == '\f' || r == '\u0085':
		r = '\n'
	case r == '\n' || r == '\t':
	case unicode.IsSpace(r):
		if w.ws {
			r = ' '
		}
	case unicode.IsControl(r) || r == '\ufeff':
		return
	}
	switch {
	case !w.ws:
		w.b = utf8.AppendRune(w.b, r)
		w.commit = len(w.b)
	case r == '\n':
		w.b = w.b[:w.commit+w.nl] // trailing spaces go
		if w.nl < 2 {
			w.b = append(w.b, '\n')
			w.nl++
		}
	case r == ' ' || r == '\t':
		w.space(byte(r))
	default:
		w.start()
		w.b = utf8.AppendRune(w.b, r)
		w.commit, w.nl = len(w.b), 0
	}
}

func (w *tidier) space(c byte) {
	w.b = append(w.b, c)
	if !w.ws {
		w.commit = len(w.b)
	}
}

// text writes text that starts and ends with a character that is not a
// space, after what is pending.
func (w *tidier) text(s string) {
	w.start()
	w.b = append(w.b, s...)
	w.commit, w.nl = len(w.b), 0
}

// start drops what is pending before the first text: the text starts with
// its first non-space.
func (w *tidier) start() {
	if w.ws && w.commit == 0 {
		w.b = w.b[:0]
	}
}

// clean reports whether t needs no change: no carriage returns, control
// characters, Unicode spaces or byte-order marks, no space before a newline,
// no blank line run longer than one, and no space or newline at either end.
func clean(t string) bool {
	if t == "" {
		return true
	}
	if edge(t[0]) || edge(t[len(t)-1]) {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 0x80:
			r, n := utf8.DecodeRuneInString(t[i:])
			if unicode.IsSpace(r) || unicode.IsControl(r) || r == '\ufeff' || r == '\u2028' || r == '\u2029' {
				return false
			}
			i += n - 1
		case c == '\n':
			if t[i-1] == ' ' || t[i-1] == '\t' || (t[i-1] == '\n' && t[i-2] == '\n') {
				return false
			}
		case c == '\t':
		case c < 0x20 || c == 0x7f:
			return false
		}
	}
	return true
}

func edge(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// fieldNames lists a record's field names for a drop's detail (values may
// be sensitive).
func fieldNames(fs schemas.Fields) string {
	if len(fs) == 0 {
		return "a record without fields"
	}
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name
	}
	return "fields " + strings.Join(names, ", ")
}

// Hint implements pipeline.Hinter.
func (s *Stage) Hint(reason string) string {
	if reason == "empty" {
		return "set input.text_fields to the fields that hold the text"
	}
	return ""
}
