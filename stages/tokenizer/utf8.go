package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// validUTF8 returns s unchanged when it is valid UTF-8. Otherwise it replaces
// each maximal subpart of an ill-formed sequence with U+FFFD, which is what
// TextDecoder in JavaScript and bytes.decode("utf-8", "replace") in Python do
// before text reaches the reference tokenizer. (strings.ToValidUTF8 merges
// whole runs and utf8.DecodeRune replaces byte by byte; both differ.)
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || n > 1 {
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		b.WriteRune(utf8.RuneError)
		i += maximalSubpart(s[i:])
	}
	return b.String()
}

// maximalSubpart returns the length of the longest prefix of s (which starts
// with an ill-formed sequence) that is a prefix of some well-formed sequence,
// and at least 1.
func maximalSubpart(s string) int {
	lo, hi, need := byte(0x80), byte(0xBF), 0
	switch b := s[0]; {
	case b >= 0xC2 && b <= 0xDF:
		need = 1
	case b == 0xE0:
		lo, need = 0xA0, 2
	case b == 0xED:
		hi, need = 0x9F, 2
	case b >= 0xE1 && b <= 0xEF:
		need = 2
	case b == 0xF0:
		lo, need = 0x90, 3
	case b >= 0xF1 && b <= 0xF3:
		need = 3
	case b == 0xF4:
		hi, need = 0x8F, 3
	}
	k := 1
	for ; k <= need && k < len(s); k++ {
		if s[k] < lo || s[k] > hi {
			break
		}
		lo, hi = 0x80, 0xBF // only the second byte has a narrowed range
	}
	return k
}
