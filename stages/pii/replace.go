package pii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mode says how a Replacer rewrites a span.
type Mode string

// Replacement modes.
const (
	ModeTag       Mode = "tag"       // "[EMAIL]"
	ModeIndexed   Mode = "indexed"   // "<EMAIL_1>", same value -> same index within one document
	ModePseudonym Mode = "pseudonym" // "<EMAIL_7f3a9c12>", keyed HMAC, same value -> same surrogate across a run
	ModeMask      Mode = "mask"      // "****-****-****-1111", keeps the last MaskKeep characters
	ModeDrop      Mode = "drop"      // the caller drops the record; text is returned unchanged
)

// ReplacerConfig configures a Replacer.
type ReplacerConfig struct {
	Mode Mode `yaml:"mode"`
	// MaskKeep is how many trailing letters/digits mask mode keeps. 0 means 4;
	// negative means keep none.
	MaskKeep int `yaml:"mask_keep"`
	// Key is the HMAC key for pseudonym mode (required there). Callers read it
	// from an environment variable; it is never written anywhere by this package.
	Key []byte `yaml:"-"`
}

// Replacer rewrites spans in text. It is immutable and safe for concurrent use.
type Replacer struct {
	mode Mode
	keep int
	key  []byte
}

// Result is the outcome of Replace.
type Result struct {
	Text     string // the rewritten text (unchanged in drop mode)
	Replaced int    // spans rewritten (or, in drop mode, found)
	Drop     bool   // drop mode and at least one span: the caller should drop the record
	// Clean says that Text was rescanned after the last replacement and
	// nothing was found: Residual(Text) is empty, no need to scan again.
	Clean bool
}

// NewReplacer validates cfg. Errors name the field.
func NewReplacer(cfg ReplacerConfig) (*Replacer, error) {
	r := &Replacer{mode: cfg.Mode, keep: cfg.MaskKeep}
	if r.mode == "" {
		r.mode = ModeTag
	}
	switch r.mode {
	case ModeTag, ModeIndexed, ModeMask, ModeDrop:
	case ModePseudonym:
		if len(cfg.Key) < 16 {
			return nil, fmt.Errorf("pii replacer: key must be at least 16 bytes for mode %q", r.mode)
		}
		r.key = append([]byte(nil), cfg.Key...)
	default:
		return nil, fmt.Errorf("pii replacer: mode %q is not one of tag, indexed, pseudonym, mask, drop", cfg.Mode)
	}
	if r.keep == 0 {
		r.keep = 4
	}
	if r.keep < 0 {
		r.keep = 0
	}
	return r, nil
}

// Mode returns the replacer's mode.
func (r *Replacer) Mode() Mode { return r.mode }

// Replace rewrites spans (as returned by Scan: sorted, non-overlapping, byte
// offsets on UTF-8 boundaries). Spans that are out of range, overlap an earlier
// span or cut a UTF-8 sequence are ignored rather than corrupting the text.
func (r *Replacer) Replace(text string, spans []Span) Result {
	return r.ReplaceDoc(nil, text, spans)
}

// Indexes carries indexed-mode numbering across the texts (fields) of one
// document, so that "<PERSON_1>" is the same person in every field. The zero
// value is ready to use.
type Indexes struct {
	index    map[string]int // type+value -> index
	counters map[string]int // type -> last index
}

// ReplaceDoc is Replace with numbering shared through ix (nil: a fresh one).
func (r *Replacer) ReplaceDoc(ix *Indexes, text string, spans []Span) Result {
	var b strings.Builder
	if ix == nil {
		ix = &Indexes{}
	}
	last := 0
	n := 0
	for _, sp := range spans {
		if sp.Start < last || sp.End <= sp.Start || sp.End > len(text) ||
			!utf8Boundary(text, sp.Start) || !utf8Boundary(text, sp.End) {
			continue
		}
		n++
		if r.mode == ModeDrop {
			continue
		}
		if n == 1 {
			b.Grow(len(text) + 16)
		}
		b.WriteString(text[last:sp.Start])
		val := text[sp.Start:sp.End]
		switch r.mode {
		case ModeTag:
			b.WriteString("[" + sp.Type + "]")
		case ModeIndexed:
			if ix.index == nil {
				ix.index, ix.counters = map[string]int{}, map[string]int{}
			}
			k := sp.Type + "\x00" + val
			id, ok := ix.index[k]
			if !ok {
				ix.counters[sp.Type]++
				id = ix.counters[sp.Type]
				ix.index[k] = id
			}
			b.WriteString("<" + sp.Type + "_" + strconv.Itoa(id) + ">")
		case ModePseudonym:
			b.WriteString("<" + sp.Type + "_" + HashValue(r.key, sp.Type+"\x00"+val)[:8] + ">")
		case ModeMask:
			if generalised(sp.Type) {
				s, e := keptRange(sp.Type, val)
				b.WriteString(Mask(val[:s], 0) + val[s:e] + Mask(val[e:], 0))
			} else {
				b.WriteString(Mask(val, r.keep))
			}
		}
		if r.mode != ModeMask { // a tag keeps what Safe Harbor allows: "[DATE] 2019"
			b.WriteString(keptPart(sp.Type, val))
		}
		last = sp.End
	}
	if r.mode == ModeDrop {
		return Result{Text: text, Replaced: n, Drop: n > 0}
	}
	if n == 0 {
		return Result{Text: text}
	}
	b.WriteString(text[last:])
	return Result{Text: b.String(), Replaced: n}
}

// keptRange is the part of a value Safe Harbor lets a data set keep: the
// year of a DATE (a 4-digit run from 1800 to 2199) and the first three digits
// of a US_ZIP, except for the restricted prefixes of sparsely populated
// areas. Other types keep nothing.
func keptRange(typ, val string) (int, int) {
	switch typ {
	case TypeDate:
		for e := len(val); e > 0; {
			s := e
			for s > 0 && isDigit(val[s-1]) {
				s--
			}
			if e-s == 4 && val[s] >= '1' && val[s] <= '2' && (val[s] == '2' || val[s+1] >= '8') && (val[s] == '1' || val[s+1] <= '1') {
				return s, e
			}
			e = s - 1
			for e > 0 && !isDigit(val[e-1]) {
				e--
			}
		}
	case TypeZIP:
		if len(val) >= 5 && !restrictedZIP3[val[:3]] {
			return 0, 3
		}
	}
	return 0, 0
}

// generalised types are replaced by what Safe Harbor lets a data set keep
// (keptRange), in mask mode too.
func generalised(typ string) bool { return typ == TypeDate || typ == TypeZIP }

// keptPart renders the kept part after a placeholder: "[DATE] 2019",
// "[US_ZIP] 021".
func keptPart(typ, val string) string {
	if s, e := keptRange(typ, val); e > s {
		return " " + val[s:e]
	}
	return ""
}

// utf8Boundary reports whether byte offset i does not split a valid UTF-8
// sequence. Stray continuation bytes in invalid input decode as one-byte
// errors, so offsets next to them are boundaries too.
func utf8Boundary(s string, i int) bool {
	if i <= 0 || i >= len(s) || utf8.RuneStart(s[i]) {
		return true
	}
	for j := i - 1; j >= 0 && j >= i-3; j-- {
		if utf8.RuneStart(s[j]) {
			r, size := utf8.DecodeRuneInString(s[j:])
			return r == utf8.RuneError && size <= 1 || j+size <= i
		}
	}
	return true
}

// Mask replaces every letter and digit of v with '*' except the last keep,
// leaving separators, so "4111-1111-1111-1234" becomes "****-****-****-1234".
func Mask(v string, keep int) string {
	total := 0
	for _, c := range v {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			total++
		}
	}
	var b strings.Builder
	b.Grow(len(v))
	seen := 0
	for _, c := range v {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			seen++
			if seen > total-keep {
				b.WriteRune(c)
			} else {
				b.WriteByte('*')
			}
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// HashValue returns the hex HMAC-SHA256 of value under key, for field policies
// that replace a whole field by a stable, irreversible token.
func HashValue(key []byte, value string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))
}

// Residual rescans redacted text and returns what the scanner still finds.
// For tag, indexed and pseudonym output it should be empty.
func Residual(s *Scanner, redacted string) []Span { return s.Scan(redacted) }

// Redact scans text, replaces what it finds and rescans the output, repeating
// (at most three rounds) when a replacement joined text into a new finding.
// It returns the final result and all spans of the first round.
func Redact(s *Scanner, r *Replacer, text string) (Result, []Span) {
	return RedactDoc(s, r, nil, text)
}

// RedactDoc is Redact with indexed-mode numbering shared through ix.
//
// Text that nothing was replaced in is not rescanned: Scan depends on the
// text alone, so it would find the same spans, and replace nothing again.
func RedactDoc(s *Scanner, r *Replacer, ix *Indexes, text string) (Result, []Span) {
	spans := s.Scan(text)
	res := r.ReplaceDoc(ix, text, spans)
	if r.mode == ModeDrop || r.mode == ModeMask {
		return res, spans
	}
	if res.Replaced == 0 {
		res.Clean = len(spans) == 0
		return res, spans
	}
	for round := 0; round < 3; round++ {
		more := s.Scan(res.Text)
		if len(more) == 0 {
			res.Clean = true
			break
		}
		next := r.ReplaceDoc(ix, res.Text, more)
		next.Replaced += res.Replaced
		res = next
	}
	return res, spans
}
