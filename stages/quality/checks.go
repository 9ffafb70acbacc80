package quality

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/tuneprep/tuneprep/schemas"
)

// The checks, in the order a record meets them; a record is dropped by the
// first it fails.
const (
	cPlaceholder = iota
	cLorem
	cAutoreply
	cBlob
	cHexdump
	cURLs
	cChatEmpty
	cChatShort
	cChatEcho
	cChatBoilerplate
	cLanguage
	cWords
	cWordLength
	cSymbols
	cBullets
	cEllipsis
	cAlpha
	cStopWords
	cDupLines
	cDupParagraphs
	cDupLineChars
	cDupParagraphChars
	cTopNgram                         // + 0..2 for 2- to 4-grams
	cDupNgram = cTopNgram + topNgrams // + 0..5 for 5- to 10-grams
	numChecks = cDupNgram + dupNgrams
)

// checkInfo says what a check is: its filter, drop reason, measure and the
// histogram bins of the measure (upper bounds; a last bin takes the rest).
type checkInfo struct {
	filter, reason, measure string
	bins                    []float64
}

var (
	shareBins = []float64{0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1}
	yesNoBins = []float64{0, 1}
	countBins = []float64{0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10_000, 100_000}
)

var checks = func() [numChecks]checkInfo {
	var c [numChecks]checkInfo
	c[cPlaceholder] = checkInfo{"junk", "quality-junk-placeholder", "whole text is a placeholder (1) or not (0)", yesNoBins}
	c[cLorem] = checkInfo{"junk", "quality-junk-lorem", "contains lorem ipsum (1) or not (0)", yesNoBins}
	c[cAutoreply] = checkInfo{"junk", "quality-junk-autoreply", "auto-reply phrase found (1) or not (0), texts up to autoreply_max_words", yesNoBins}
	c[cBlob] = checkInfo{"junk", "quality-junk-blob", "longest run of letters, digits and + / = outside URLs", []float64{16, 24, 32, 48, 64, 80, 100, 128, 256, 512, 1024}}
	c[cHexdump] = checkInfo{"junk", "quality-junk-hexdump", "share of lines that look like a hex dump", shareBins}
	c[cURLs] = checkInfo{"junk", "quality-junk-urls", "share of bytes inside URLs", shareBins}
	c[cChatEmpty] = checkInfo{"chat", "quality-chat-empty-assistant", "empty assistant turns", []float64{0, 1, 2, 5}}
	c[cChatShort] = checkInfo{"chat", "quality-chat-short-assistant", "words of the shortest non-empty assistant turn", []float64{1, 2, 3, 5, 10, 20, 50, 100, 200, 500}}
	c[cChatEcho] = checkInfo{"chat", "quality-chat-echo", "an assistant turn repeats the user turn before it (1) or not (0)", yesNoBins}
	c[cChatBoilerplate] = checkInfo{"chat", "quality-chat-boilerplate", "an assistant turn holds a boilerplate phrase (1) or not (0)", yesNoBins}
	c[cLanguage] = checkInfo{"language", "quality-language", "confidence of the detected language", []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1}}
	c[cWords] = checkInfo{"gopher", "quality-words", "words", countBins}
	c[cWordLength] = checkInfo{"gopher", "quality-word-length", "mean word length, characters", []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20}}
	c[cSymbols] = checkInfo{"gopher", "quality-symbols", "'#' and ellipses per word", []float64{0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1}}
	c[cBullets] = checkInfo{"gopher", "quality-bullets", "share of lines starting with a bullet", shareBins}
	c[cEllipsis] = checkInfo{"gopher", "quality-ellipsis", "share of lines ending with an ellipsis", shareBins}
	c[cAlpha] = checkInfo{"gopher", "quality-alphabetic", "share of words with an alphabetic character", shareBins}
	c[cStopWords] = checkInfo{"gopher", "quality-stop-words", "Gopher stop words (the, be, to, of, and, that, have, with), English texts", []float64{0, 1, 2, 3, 5, 10, 20, 50}}
	c[cDupLines] = checkInfo{"repetition", "quality-repetition-lines", "share of lines repeating an earlier line", shareBins}
	c[cDupParagraphs] = checkInfo{"repetition", "quality-repetition-paragraphs", "share of paragraphs repeating an earlier one", shareBins}
	c[cDupLineChars] = checkInfo{"repetition", "quality-repetition-line-chars", "share of bytes in repeated lines", shareBins}
	c[cDupParagraphChars] = checkInfo{"repetition", "quality-repetition-paragraph-chars", "share of bytes in repeated paragraphs", shareBins}
	for k := range topNgrams {
		n := k + 2
		c[cTopNgram+k] = checkInfo{"repetition", fmt.Sprintf("quality-repetition-top-%dgram", n), fmt.Sprintf("share of bytes in the most frequent repeated %d-gram", n), shareBins}
	}
	for k := range dupNgrams {
		n := k + 5
		c[cDupNgram+k] = checkInfo{"repetition", fmt.Sprintf("quality-repetition-dup-%dgram", n), fmt.Sprintf("share of bytes in repeated %d-grams", n), shareBins}
	}
	return c
}()

// Reasons returns every drop reason of the stage, in check order (for
// documentation and hints).
func Reasons() []string {
	out := make([]string, numChecks)
	for i, c := range checks {
		out[i] = c.reason
	}
	return out
}

// result is what Process found about a record; Sequence accounts for it.
type result struct {
	value   [numChecks]float64
	applied [numChecks]bool
	over    [numChecks]bool
	fail    int // first failed check, -1 for none
	detail  string
	langRan bool   // the language filter ran
	lang    string // "" when undetermined
	conf    float64
}

// set records a check's measure; over reports a failure, and the first
// failure is the record's with the detail detail() gives.
func (r *result) set(c int, v float64, over bool, detail func() string) {
	r.value[c], r.applied[c], r.over[c] = v, true, over
	if over && r.fail < 0 {
		r.fail, r.detail = c, detail()
	}
}

// junk runs the junk filters.
func (s *Stage) junk(r *result, m *measures, text string) {
	j := &s.cfg.Junk
	if len(s.placeholders) > 0 && len(text) <= 64 {
		_, hit := s.placeholders[placeholderKey(text)]
		r.set(cPlaceholder, b2f(hit), hit, func() string { return "the whole text is a placeholder" })
	} else if len(s.placeholders) > 0 {
		r.set(cPlaceholder, 0, false, nil)
	}
	if j.Lorem {
		hit := m.lorem
		r.set(cLorem, b2f(hit), hit, func() string { return "contains lorem ipsum" })
	}
	if len(j.Autoreply) > 0 && len(m.words) <= j.AutoreplyMaxWords {
		phrase := s.autoreply.find(text)
		r.set(cAutoreply, b2f(phrase != ""), phrase != "", func() string { return fmt.Sprintf("auto-reply phrase %q", phrase) })
	}
	if j.MaxRun > 0 {
		r.set(cBlob, float64(m.longestRun), m.longestRun > j.MaxRun, func() string {
			return fmt.Sprintf("run of %d characters without a space > %d", m.longestRun, j.MaxRun)
		})
	}
	if m.lines > 0 {
		v := float64(m.hexLines) / float64(m.lines)
		r.set(cHexdump, v, m.hexLines > 0 && v > j.MaxHexLines, func() string {
			return fmt.Sprintf("hex dump lines %d of %d (%.2f > %.2f)", m.hexLines, m.lines, v, j.MaxHexLines)
		})
	}
	v := float64(m.urlBytes) / float64(max(m.bytes, 1))
	r.set(cURLs, v, m.urlBytes > 0 && v > j.MaxURLShare, func() string { return fmt.Sprintf("URL share %.2f > %.2f", v, j.MaxURLShare) })
}

// chat runs the chat checks on an example read from the input: every
// assistant turn (or the completion) against the user turn before it (or
// the prompt).
func (s *Stage) chat(r *result, ex *schemas.Example) {
	c := &s.cfg.Chat
	type turn struct{ user, assistant string }
	var turns []turn
	switch ex.Kind {
	case schemas.KindCompletion:
		turns = []turn{{ex.Prompt, ex.Completion}}
	case schemas.KindChat:
		user := ""
		for _, msg := range ex.Messages {
			switch {
			case msg.Role == "user":
				user = msg.Content
			case msg.Role == "assistant" && len(msg.ToolCalls) == 0:
				turns = append(turns, turn{user, msg.Content})
			}
		}
	}
	if len(turns) == 0 {
		return
	}
	empty, shortest, echo, phrase := 0, -1, -1, ""
	for i, t := range turns {
		n := countWords(t.assistant)
		switch {
		case n == 0:
			empty++
		case shortest < 0 || n < shortest:
			shortest = n
		}
		if echo < 0 && n > 0 && sameText(t.user, t.assistant) {
			echo = i + 1
		}
		if phrase == "" {
			phrase = s.boilerplate.find(t.assistant)
		}
	}
	if c.MinAssistantWords > 0 {
		r.set(cChatEmpty, float64(empty), empty > 0, func() string { return fmt.Sprintf("%d of %d assistant turns empty", empty, len(turns)) })
		if shortest >= 0 {
			r.set(cChatShort, float64(shortest), shortest < c.MinAssistantWords, func() string {
				return fmt.Sprintf("assistant turn of %d words < %d", shortest, c.MinAssistantWords)
			})
		}
	}
	if c.Echo {
		r.set(cChatEcho, b2f(echo > 0), echo > 0, func() string { return fmt.Sprintf("assistant turn %d repeats the user turn", echo) })
	}
	if len(c.Boilerplate) > 0 {
		r.set(cChatBoilerplate, b2f(phrase != ""), phrase != "", func() string { return fmt.Sprintf("assistant turn holds %q", phrase) })
	}
}

// gopher runs the Gopher quality heuristics.
func (s *Stage) gopher(r *result, m *measures) {
	g := &s.cfg.Gopher
	n := len(m.words)
	spaceless := m.spaceless*2 > m.letters // whitespace tokens are phrases, not words
	if !spaceless {
		over := (g.MinWords > 0 && n < g.MinWords) || (g.MaxWords > 0 && n > g.MaxWords)
		r.set(cWords, float64(n), over, func() string {
			if n < g.MinWords {
				return fmt.Sprintf("%d words < %d", n, g.MinWords)
			}
			return fmt.Sprintf("%d words > %d", n, g.MaxWords)
		})
	}
	if n < max(g.RatioMinWords, 1) {
		return
	}
	if !spaceless {
		v := float64(m.wordRunes) / float64(n)
		r.set(cWordLength, v, v < g.MinMeanWordLen || (g.MaxMeanWordLen > 0 && v > g.MaxMeanWordLen), func() string {
			if v < g.MinMeanWordLen {
				return fmt.Sprintf("mean word length %.1f < %v", v, g.MinMeanWordLen)
			}
			return fmt.Sprintf("mean word length %.1f > %v", v, g.MaxMeanWordLen)
		})
	}
	ratio := func(c int, num, den int, limit float64, below bool, what string) {
		v := float64(num) / float64(den)
		over := v > limit
		if below {
			over = v < limit
		}
		r.set(c, v, over, func() string {
			if below {
				return fmt.Sprintf("%s %.2f < %.2f", what, v, limit)
			}
			return fmt.Sprintf("%s %.2f > %.2f", what, v, limit)
		})
	}
	if g.MaxSymbolRatio > 0 {
		ratio(cSymbols, m.symbols, n, g.MaxSymbolRatio, false, "symbols per word")
	}
	if m.lines > 0 && m.lines >= g.RatioMinLines {
		ratio(cBullets, m.bulletLines, m.lines, g.MaxBulletLines, false, "bullet lines")
		ratio(cEllipsis, m.ellipsisLines, m.lines, g.MaxEllipsisLines, false, "ellipsis lines")
	}
	if !spaceless {
		ratio(cAlpha, m.alphaWords, n, g.MinAlphaWords, true, "alphabetic words")
	}
	if g.MinStopWords > 0 && n >= g.StopWordsMinWords && r.lang == "en" {
		r.set(cStopWords, float64(m.stopWords), m.stopWords < g.MinStopWords, func() string {
			return fmt.Sprintf("%d stop words < %d", m.stopWords, g.MinStopWords)
		})
	}
}

// repetition runs the Gopher repetition rules.
func (s *Stage) repetition(r *result, m *measures, sc *ngramScratch) {
	rc := &s.cfg.Repetition
	if len(m.words) < max(rc.MinWords, 1) {
		return
	}
	total := float64(m.bytes)
	share := func(c int, num int, den float64, limit float64, what string) {
		v := float64(num) / den
		r.set(c, v, v > limit, func() string { return fmt.Sprintf("%s %.2f > %.2f", what, v, limit) })
	}
	lineDups, lineBytes := dupSpans(m.lineSpans, &sc.tables[0])
	paraDups, paraBytes := dupSpans(m.paraSpans, &sc.tables[0])
	share(cDupLines, lineDups, float64(len(m.lineSpans)), rc.MaxDupLines, "duplicate line share")
	share(cDupParagraphs, paraDups, float64(len(m.paraSpans)), rc.MaxDupParagraphs, "duplicate paragraph share")
	share(cDupLineChars, lineBytes, total, rc.MaxDupLineChars, "duplicate line byte share")
	share(cDupParagraphChars, paraBytes, total, rc.MaxDupParagraphChars, "duplicate paragraph byte share")
	top, dup := ngrams(m.words, sc)
	for k, limit := range rc.MaxTopNgramChars {
		share(cTopNgram+k, top[k], total, limit, topNgramLabels[k])
	}
	for k, limit := range rc.MaxDuplicateNgramChars {
		share(cDupNgram+k, dup[k], total, limit, dupNgramLabels[k])
	}
}

// The repetition rules' measures, named once rather than per record.
var topNgramLabels, dupNgramLabels = func() (top [topNgrams]string, dup [dupNgrams]string) {
	for k := range top {
		top[k] = fmt.Sprintf("top %d-gram byte share", k+2)
	}
	for k := range dup {
		dup[k] = fmt.Sprintf("duplicate %d-gram byte share", k+5)
	}
	return top, dup
}()

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// placeholderKey is text lower-cased with every run of non-alphanumerics
// turned into one space and trimmed: "Testing, 1-2-3!" -> "testing 1 2 3".
func placeholderKey(text string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(text) {
		if isAlnum(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
			continue
		}
		space = true
	}
	return b.String()
}

// sameText reports whether a and b are equal, case and spacing aside. It
// walks both in step, word by word, without allocating: it runs on every
// assistant turn.
func sameText(a, b string) bool {
	for {
		var fa, fb string
		fa, a = nextField(a)
		fb, b = nextField(b)
		if !strings.EqualFold(fa, fb) {
			return false
		}
		if fa == "" {
			return true
		}
	}
}

// nextField returns the first space-separated word of s (as
// strings.Fields splits) and the rest; "" when s holds none.
func nextField(s string) (field, rest string) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// countWords counts tokens with a letter or a digit.
func countWords(s string) int {
	n := 0
	for f := range strings.FieldsSeq(s) {
		if strings.IndexFunc(f, isAlnum) >= 0 {
			n++
		}
	}
	return n
}

// phrases finds any of a list of lower-case phrases in a text, case aside,
// in one pass: at each word start, the next four bytes (lower-cased) pick
// the phrases to compare. A bit per hash of those four bytes says whether
// any phrase starts so, which spares the map lookup at nearly every word.
type phrases struct {
	list  []string
	byKey map[uint32][]int32 // first four bytes -> indexes into list
	some  [1 << 16 / 64]uint64
	short []int32 // phrases under four bytes
}

func newPhrases(list []string) *phrases {
	p := &phrases{list: list, byKey: map[uint32][]int32{}}
	for i, ph := range list {
		if len(ph) < 4 {
			p.short = append(p.short, int32(i))
			continue
		}
		k := key4(ph)
		p.byKey[k] = append(p.byKey[k], int32(i))
		b := key4Bit(k)
		p.some[b/64] |= 1 << (b % 64)
	}
	return p
}

func key4Bit(k uint32) uint32 { return k * 0x9E3779B1 >> 16 }

func key4(s string) uint32 {
	return uint32(lowerASCII(s[0])) | uint32(lowerASCII(s[1]))<<8 | uint32(lowerASCII(s[2]))<<16 | uint32(lowerASCII(s[3]))<<24
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// find returns the first phrase (in text order) that text holds, or "".
func (p *phrases) find(text string) string {
	if p == nil || len(p.list) == 0 {
		return ""
	}
	for i := 0; i < len(text); i++ {
		if i > 0 && isWordByte(text[i-1]) {
			continue
		}
		for _, k := range p.short {
			if ph := p.list[k]; len(text)-i >= len(ph) && strings.EqualFold(text[i:i+len(ph)], ph) {
				return ph
			}
		}
		if len(text)-i < 4 {
			continue
		}
		k4 := key4(text[i:])
		if b := key4Bit(k4); p.some[b/64]&(1<<(b%64)) == 0 {
			continue
		}
		for _, k := range p.byKey[k4] {
			if ph := p.list[k]; len(text)-i >= len(ph) && strings.EqualFold(text[i:i+len(ph)], ph) {
				return ph
			}
		}
	}
	return ""
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}
