package tokenizer

import (
	"sync"
	"unicode"
	"unicode/utf8"
)

// Character classes used by the split patterns. A rune may carry several.
const (
	clL  uint8 = 1 << iota // \p{L}
	clN                    // \p{N}
	clS                    // \s (Unicode White_Space)
	clNL                   // \r or \n
	clUp                   // o200k "upper" class: \p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}
	clLo                   // o200k "lower" class: \p{Ll}\p{Lm}\p{Lo}\p{M}
)

// clLSN marks the runes that the patterns' [^\s\p{L}\p{N}] excludes.
const clLSN = clL | clS | clN

var (
	bmpOnce    sync.Once
	bmpClass   *[0x10000]uint8      // classes of the Basic Multilingual Plane, built once
	asciiClass [utf8.RuneSelf]uint8 // its first 128 entries, without the indirection
)

// classOf computes the classes of r from the unicode tables; it is the slow path
// behind the BMP table.
func classOf(r rune) uint8 {
	var c uint8
	if unicode.IsLetter(r) {
		c |= clL
	}
	if unicode.IsNumber(r) {
		c |= clN
	}
	if unicode.IsSpace(r) { // Latin-1 spaces plus White_Space, as the regex \s
		c |= clS
	}
	if r == '\r' || r == '\n' {
		c |= clNL
	}
	mark := unicode.IsMark(r)
	both := mark || unicode.In(r, unicode.Lm, unicode.Lo)
	if both || unicode.In(r, unicode.Lu, unicode.Lt) {
		c |= clUp
	}
	if both || unicode.Is(unicode.Ll, r) {
		c |= clLo
	}
	return c
}

func buildBMP() {
	t := new([0x10000]uint8)
	for r := range rune(0x10000) {
		t[r] = classOf(r)
	}
	bmpClass = t
	copy(asciiClass[:], t[:utf8.RuneSelf])
}

// classAt returns the classes of the rune starting at s[i] and its length in
// bytes; past the end it returns (0, 0). s must be valid UTF-8.
func classAt(s string, i int) (uint8, int) {
	if i < len(s) {
		if b := s[i]; b < utf8.RuneSelf {
			return asciiClass[b], 1
		}
	}
	return classAtSlow(s, i)
}

func classAtSlow(s string, i int) (uint8, int) {
	if i >= len(s) {
		return 0, 0
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	if r < 0x10000 {
		return bmpClass[r], n
	}
	return classOf(r), n
}

// scanAll returns the end of the run of runes from i that have any class in want.
func scanAll(s string, i int, want uint8) int {
	for i < len(s) {
		if b := s[i]; b < utf8.RuneSelf { // the common case, without a call
			if asciiClass[b]&want == 0 {
				break
			}
			i++
			continue
		}
		c, n := classAtSlow(s, i)
		if c&want == 0 {
			break
		}
		i += n
	}
	return i
}

// scanPunct returns the end of the run [^\s\p{L}\p{N}]* from i.
func scanPunct(s string, i int) int {
	for i < len(s) {
		if b := s[i]; b < utf8.RuneSelf {
			if asciiClass[b]&clLSN != 0 {
				break
			}
			i++
			continue
		}
		c, n := classAtSlow(s, i)
		if c&clLSN != 0 {
			break
		}
		i += n
	}
	return i
}

// scanBytes returns the end of the run of bytes from i equal to a, b or c.
func scanBytes(s string, i int, a, b, c byte) int {
	for i < len(s) && (s[i] == a || s[i] == b || s[i] == c) {
		i++
	}
	return i
}

// contraction returns the length of the contraction ('s 't 're 've 'm 'll 'd)
// starting at the apostrophe s[i], or 0; with fold, letters match in either
// case as the patterns' (?i:...) does. The reference's case folding also
// matches U+017F (long s) as s; that is not special-cased because it moves a
// piece boundary only next to U+017F, and BPE merges U+017F with no
// neighbour in these vocabularies (see "contractions-long-s" in testdata).
func contraction(s string, i int, fold bool) int {
	at := func(j int) byte {
		if j >= len(s) {
			return 0
		}
		if b := s[j]; fold && b >= 'A' && b <= 'Z' {
			return b + ('a' - 'A')
		}
		return s[j]
	}
	switch b1 := at(i + 1); b1 {
	case 's', 't', 'm', 'd':
		return 2
	case 'r', 'v':
		if at(i+2) == 'e' {
			return 3
		}
	case 'l':
		if at(i+2) == 'l' {
			return 3
		}
	}
	return 0
}

// spaceRun matches, at a whitespace rune s[i], the patterns' common tail
// \s*[\r\n]+|\s+(?!\S)|\s+ and returns the end of the match.
func spaceRun(s string, i int) int {
	j, lastNL, last := i, -1, i
	for j < len(s) {
		c, n := classAt(s, j)
		if c&clS == 0 {
			break
		}
		if c&clNL != 0 {
			lastNL = j + 1
		}
		last = j
		j += n
	}
	switch {
	case lastNL >= 0: // \s*[\r\n]+ backtracks to the last newline of the run
		return lastNL
	case j == len(s) || last == i: // \s+(?!\S) at the end, or \s+ of one rune
		return j
	default: // \s+(?!\S) leaves the last space to start the next piece
		return last
	}
}

// nextCL100K returns the end of the piece starting at s[i] under
// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
// ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
func nextCL100K(s string, i int) int {
	if s[i] == '\'' {
		if m := contraction(s, i, true); m > 0 {
			return i + m
		}
	}
	c, n := classAt(s, i)
	if c&clL != 0 {
		return scanAll(s, i+n, clL)
	}
	if c&clN != 0 {
		return digits3(s, i+n)
	}
	c2, n2 := classAt(s, i+n)
	if c&clNL == 0 && c2&clL != 0 {
		return scanAll(s, i+n+n2, clL)
	}
	if c&clS == 0 {
		return scanBytes(s, scanPunct(s, i+n), '\r', '\n', '\n')
	}
	if s[i] == ' ' && n2 > 0 && c2&clLSN == 0 {
		return scanBytes(s, scanPunct(s, i+1+n2), '\r', '\n', '\n')
	}
	return spaceRun(s, i)
}

// digits3 returns the end of \p{N}{1,3} whose first rune ends at i.
func digits3(s string, i int) int {
	for k := 0; k < 2; k++ {
		c, n := classAt(s, i)
		if c&clN == 0 {
			break
		}
		i += n
	}
	return i
}

// nextO200K returns the end of the piece starting at s[i] under
// [^\r\n\p{L}\p{N}]?[UP]*[LO]+(?i:'s|...)?|[^\r\n\p{L}\p{N}]?[UP]+[LO]*(?i:'s|...)?|
// \p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
// with UP = [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] and LO = [\p{Ll}\p{Lm}\p{Lo}\p{M}].
func nextO200K(s string, i int) int {
	c, n := classAt(s, i)
	// The optional prefix is tried first, so each alternative tries "after
	// the prefix" before "at i".
	prefix := c&(clL|clN|clNL) == 0 && i+n < len(s)
	if prefix {
		if e, ok := upperLower(s, i+n); ok {
			return withContraction(s, e)
		}
	}
	if c&(clUp|clLo) != 0 {
		if e, ok := upperLower(s, i); ok {
			return withContraction(s, e)
		}
	}
	if prefix {
		if e := scanAll(s, i+n, clUp); e > i+n {
			return withContraction(s, e)
		}
	}
	if c&clUp != 0 {
		return withContraction(s, scanAll(s, i, clUp))
	}
	if c&clN != 0 {
		return digits3(s, i+n)
	}
	if c&clS == 0 {
		return scanBytes(s, scanPunct(s, i+n), '\r', '\n', '/')
	}
	if c2, n2 := classAt(s, i+n); s[i] == ' ' && n2 > 0 && c2&clLSN == 0 {
		return scanBytes(s, scanPunct(s, i+1+n2), '\r', '\n', '/')
	}
	return spaceRun(s, i)
}

// upperLower matches [UP]*[LO]+ at j as a backtracking engine would: the
// longest UP run that still leaves one LO rune, then the greedy LO run.
func upperLower(s string, j int) (int, bool) {
	lastLo := -1 // end of the last rune in the UP run that is also LO
	for j < len(s) {
		c, n := classAt(s, j)
		if c&clUp == 0 {
			break
		}
		j += n
		if c&clLo != 0 {
			lastLo = j
		}
	}
	if c, _ := classAt(s, j); c&clLo != 0 {
		return scanAll(s, j, clLo), true
	}
	// The rune after the UP run is not LO, so LO+ can only be the last LO
	// rune inside the run, followed by non-LO runes.
	return lastLo, lastLo >= 0
}

// withContraction extends a letter match ending at e by an optional
// case-insensitive contraction.
func withContraction(s string, e int) int {
	if e < len(s) && s[e] == '\'' {
		return e + contraction(s, e, true)
	}
	return e
}

// nextR50K returns the end of the piece starting at s[i] under the GPT-2
// pattern 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// shared by r50k_base and p50k_base.
func nextR50K(s string, i int) int {
	if s[i] == '\'' {
		if m := contraction(s, i, false); m > 0 {
			return i + m
		}
	}
	j := i
	c, n := classAt(s, i)
	if s[i] == ' ' {
		if c2, n2 := classAt(s, i+1); n2 > 0 && c2&clS == 0 {
			j, c, n = i+1, c2, n2
		}
	}
	switch {
	case c&clL != 0:
		return scanAll(s, j+n, clL)
	case c&clN != 0:
		return scanAll(s, j+n, clN)
	case c&clS == 0:
		return scanPunct(s, j+n)
	}
	e, last := i, i
	for e < len(s) {
		c, n := classAt(s, e)
		if c&clS == 0 {
			break
		}
		last = e
		e += n
	}
	if e == len(s) || last == i {
		return e
	}
	return last
}
