package quality

import (
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tuneprep/tuneprep/stages/shortkey"
)

// word is one word of the text: its hash (for repetition) and its length in
// bytes.
type word struct {
	hash uint64
	n    int32
}

// span is a line or paragraph: its hash and its length in bytes.
type span struct {
	hash uint64
	n    int
}

// measures are what one pass over a text finds. A token is a run of
// non-space characters; a word is a token with a letter or a digit.
type measures struct {
	bytes         int
	words         []word // in order; every word, for the repetition rules
	wordRunes     int    // runes of the words, leading and trailing punctuation aside
	alphaWords    int    // words with a letter
	symbols       int    // '#' and ellipses
	stopWords     int    // Gopher's English stop words
	letters       int
	spaceless     int // letters of scripts written without spaces (Han, kana, Thai...)
	lines         int // non-empty lines
	bulletLines   int
	ellipsisLines int
	hexLines      int
	lineSpans     []span // non-empty lines, trimmed
	paraSpans     []span // paragraphs (separated by blank lines), trimmed
	longestRun    int    // longest run of base64-alphabet characters outside URLs
	urlBytes      int
	funcWords     [len(funcLangs)]int    // function-word hits per fast-path language, first funcWordScan words
	funcFirst     [len(funcLangs)]uint64 // the first function word of each language, packed
	funcTwo       [len(funcLangs)]bool   // two different function words of the language
	scanAlpha     int                    // words with a letter among the first funcWordScan words
	lorem         bool                   // "lorem" then "ipsum", case and punctuation aside
	loremAt       int                    // 1 + the index of the last word "lorem"
}

// funcWordScan is how many words the fast language path reads.
const funcWordScan = 200

// analyze fills m from text in one pass over its lines and tokens. The
// slices in m are reused.
func (m *measures) analyze(text string) {
	*m = measures{words: m.words[:0], lineSpans: m.lineSpans[:0], paraSpans: m.paraSpans[:0]}
	m.bytes = len(text)
	para := fnvOffset
	paraLen := 0
	endPara := func() {
		if paraLen > 0 {
			m.paraSpans = append(m.paraSpans, span{para, paraLen})
		}
		para, paraLen = fnvOffset, 0
	}
	for rest := text; len(rest) > 0 || paraLen > 0; {
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		line = strings.TrimSpace(line)
		if line == "" {
			endPara()
			if rest == "" {
				break
			}
			continue
		}
		h := hashString(line)
		m.lineSpans = append(m.lineSpans, span{h, len(line)})
		if paraLen > 0 {
			paraLen++ // the line break
		}
		para = (para ^ h) * fnvPrime
		para ^= para >> 29
		paraLen += len(line)
		m.line(line)
	}
	endPara()
}

// line measures one trimmed, non-empty line.
func (m *measures) line(line string) {
	m.lines++
	if isBullet(line) {
		m.bulletLines++
	}
	if strings.HasSuffix(line, "...") || strings.HasSuffix(line, "…") {
		m.ellipsisLines++
	}
	tokens, hexTokens := 0, 0
	for rest := line; rest != ""; {
		i := 0
		for i < len(rest) && isSpaceByte(rest[i]) {
			i++
		}
		rest = rest[i:]
		j := 0
		for j < len(rest) && !isSpaceByte(rest[j]) {
			j++
		}
		if j == 0 {
			break
		}
		tok := rest[:j]
		rest = rest[j:]
		tokens++
		if isHexToken(tok) {
			hexTokens++
		}
		m.token(tok)
	}
	if tokens >= 8 && hexTokens*4 >= tokens*3 {
		m.hexLines++
	}
}

// token measures one token.
func (m *measures) token(tok string) {
	url := strings.HasPrefix(tok, "http://") || strings.HasPrefix(tok, "https://") || strings.HasPrefix(tok, "www.")
	if url {
		m.urlBytes += len(tok)
	}
	letters, digits, runes, run := 0, 0, 0, 0
	lead, trail := 0, 0 // leading and trailing punctuation runes
	for i := 0; i < len(tok); {
		c := tok[i]
		if c < utf8.RuneSelf {
			i++
			runes++
			switch {
			case c|0x20 >= 'a' && c|0x20 <= 'z':
				letters++
				run++
			case c >= '0' && c <= '9':
				digits++
				run++
			case c == '+' || c == '/' || c == '=':
				run++
			default:
				if !url && run > m.longestRun {
					m.longestRun = run
				}
				run = 0
				switch c {
				case '#':
					m.symbols++
				case '.':
					if strings.HasPrefix(tok[i-1:], "...") && (i < 2 || tok[i-2] != '.') {
						m.symbols++
					}
				}
				if letters+digits == 0 {
					lead++
				}
				trail++
				continue
			}
			trail = 0
			continue
		}
		r, n := utf8.DecodeRuneInString(tok[i:])
		i += n
		runes++
		if !url && run > m.longestRun {
			m.longestRun = run
		}
		run = 0
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			letters++
			if isSpaceless(r) {
				m.spaceless++
			}
			trail = 0
		case unicode.IsDigit(r):
			digits++
			trail = 0
		default:
			if r == '…' {
				m.symbols++
			}
			if letters+digits == 0 {
				lead++
			}
			trail++
		}
	}
	if !url && run > m.longestRun {
		m.longestRun = run
	}
	m.letters += letters
	if letters+digits == 0 {
		return // punctuation or symbols: not a word
	}
	m.words = append(m.words, word{hashString(tok), int32(len(tok))})
	m.wordRunes += runes - lead - trail
	if letters > 0 {
		m.alphaWords++
		if len(m.words) <= funcWordScan {
			m.scanAlpha++
		}
	}
	if len(tok) <= 8 {
		m.wordHits(tok)
	}
}

// wordHits counts a short word (at most 8 bytes) as a stop word and a
// function word, and notes "lorem ipsum". It works on the word packed in a
// uint64, lower-cased and trimmed of quotes, brackets and closing
// punctuation there.
func (m *measures) wordHits(tok string) {
	k, n := lowerASCII8(shortkey.Pack(tok)), len(tok)
	for n > 0 && isOpenPunct(byte(k)) {
		k >>= 8
		n--
	}
	for n > 0 && isClosePunct(byte(k>>(8*(n-1)))) {
		k &^= 0xff << (8 * (n - 1))
		n--
	}
	if n == 0 {
		return
	}
	switch k {
	case stopWords[0], stopWords[1], stopWords[2], stopWords[3], stopWords[4], stopWords[5], stopWords[6], stopWords[7]:
		m.stopWords++
	case loremKey:
		m.loremAt = len(m.words)
	case ipsumKey:
		m.lorem = m.lorem || m.loremAt > 0 && m.loremAt == len(m.words)-1
	}
	if len(m.words) <= funcWordScan {
		langs, _ := shortkey.GetPacked(funcWords, k, n)
		for ; langs != 0; langs &= langs - 1 {
			l := bits.TrailingZeros32(langs)
			if m.funcWords[l] == 0 {
				m.funcFirst[l] = k
			} else if k != m.funcFirst[l] {
				m.funcTwo[l] = true
			}
			m.funcWords[l]++
		}
	}
}

// stopWords are Gopher's English stop words, packed.
var (
	stopWords          = [...]uint64{shortkey.Pack("the"), shortkey.Pack("be"), shortkey.Pack("to"), shortkey.Pack("of"), shortkey.Pack("and"), shortkey.Pack("that"), shortkey.Pack("have"), shortkey.Pack("with")}
	loremKey, ipsumKey = shortkey.Pack("lorem"), shortkey.Pack("ipsum")
)

// lowerASCII8 lower-cases the ASCII capitals among the 8 bytes of k and
// leaves every other byte as it is.
func lowerASCII8(k uint64) uint64 {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	low7 := k &^ high
	atLeastA := low7 + (0x80-'A')*ones     // high bit set where low7 >= 'A'
	pastZ := low7 + (0x80-'Z'-1)*ones      // high bit set where low7 > 'Z'
	upper := atLeastA &^ pastZ &^ k & high // and the byte is ASCII
	return k | upper>>2
}

func isOpenPunct(c byte) bool { return c == '"' || c == '\'' || c == '(' || c == '[' }

func isClosePunct(c byte) bool {
	switch c {
	case '.', ',', ';', ':', '!', '?', '"', '\'', ')', ']':
		return true
	}
	return false
}

// isBullet reports whether a trimmed line starts with a bullet.
func isBullet(line string) bool {
	r, _ := utf8.DecodeRuneInString(line)
	switch r {
	case '•', '‣', '◦', '⁃', '▪', '●', '○', '■', '□', '➢', '►', '·', '*', '-', '–', '—':
		return true
	}
	return false
}

// isHexToken reports whether tok is two or four hex digits or a dump
// offset (hex digits and a colon).
func isHexToken(tok string) bool {
	t := strings.TrimSuffix(tok, ":")
	if len(t) != 2 && len(t) != 4 && len(t) != 8 {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// isSpaceless reports whether r belongs to a script written without spaces
// between words, where a whitespace token is a phrase, not a word.
func isSpaceless(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar, unicode.Tibetan)
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' }

// Hashes only compare the lines, paragraphs, words and n-grams of one
// text, so a fixed function keeps results independent of the process.
const (
	fnvOffset uint64 = 14695981039346656037
	fnvPrime  uint64 = 1099511628211
)

// hashString hashes s eight bytes at a time (a multiply and a shift per
// eight bytes, where FNV-1a takes a multiply per byte).
func hashString(s string) uint64 {
	h := fnvOffset ^ uint64(len(s))*fnvPrime
	for ; len(s) >= 8; s = s[8:] {
		h = (h ^ shortkey.Load64(s)) * 0x9E3779B97F4A7C15
		h ^= h >> 29
	}
	if len(s) > 0 { // the last 1-7 bytes, little-endian
		h = (h ^ shortkey.Pack(s)) * 0x9E3779B97F4A7C15
		h ^= h >> 29
	}
	return h * fnvPrime
}
