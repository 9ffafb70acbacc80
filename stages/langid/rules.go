package langid

import (
	"slices"
	"unicode"
)

// scripts are the scripts lingua-go tells apart, in its order (gen.go's
// scriptNames must match).
var scripts = [...]*unicode.RangeTable{
	unicode.Arabic, unicode.Armenian, unicode.Bengali, unicode.Cyrillic, unicode.Devanagari,
	unicode.Georgian, unicode.Greek, unicode.Gujarati, unicode.Gurmukhi, unicode.Han,
	unicode.Hangul, unicode.Hebrew, unicode.Hiragana, unicode.Katakana, unicode.Latin,
	unicode.Tamil, unicode.Telugu, unicode.Thai,
}

const (
	numScripts       = len(scripts)
	scriptCyrillic   = 3
	scriptDevanagari = 4
	scriptHan        = 9
	scriptLatin      = 14
)

// uniqueChars are the letters lingua-go takes as a sign of one language
// (lower-case ones only matter: the text is lower-cased first).
var uniqueChars = map[string]string{
	"az": "Əə", "ca": "Ïï", "cs": "ĚěŘřŮů", "eo": "ĈĉĜĝĤĥĴĵŜŝŬŭ", "de": "ß",
	"hu": "ŐőŰű", "kk": "ӘәҒғҚқҢңҰұ", "lv": "ĢģĶķĻļŅņ", "lt": "ĖėĮįŲų",
	"mk": "ЃѓЅѕЌќЏџ", "mr": "ळ", "mn": "ӨөҮү", "pl": "ŁłŃńŚśŹź", "ro": "Țţ",
	"sr": "ЂђЋћ", "sk": "ĹĺĽľŔŕ", "es": "¿¡", "uk": "ҐґЄєЇї",
	"vi": "ẰằẦầẲẳẨẩẴẵẪẫẮắẤấẠạẶặẬậỀềẺẻỂểẼẽỄễẾếỆệỈỉĨĩỊịƠơỒồỜờỎỏỔổỞởỖỗỠỡỐốỚớỘộỢợƯưỪừỦủỬửŨũỮữỨứỤụỰựỲỳỶỷỸỹỴỵ",
	"yo": "ŌōṢṣ",
}

// sharedChars are letters some languages share, which narrow the
// candidates when half the words or more have them.
var sharedChars = []struct{ chars, langs string }{
	{"Ãã", "pt vi"}, {"ĄąĘę", "lt pl"}, {"Żż", "pl ro"}, {"Îî", "fr ro"},
	{"Ññ", "eu es"}, {"ŇňŤť", "cs sk"}, {"Ăă", "ro vi"}, {"İıĞğ", "az tr"},
	{"ЈјЉљЊњ", "mk sr"}, {"ẸẹỌọ", "vi yo"}, {"ÐðÞþ", "is tr"}, {"Ûû", "fr hu"},
	{"Ōō", "mi yo"},
	{"ĀāĒēĪī", "lv mi yo"}, {"Şş", "az ro tr"}, {"Ďď", "cs ro sk"}, {"Ćć", "bs hr pl"},
	{"Đđ", "bs hr vi"}, {"Іі", "be kk uk"}, {"Ìì", "it vi yo"}, {"Øø", "nb da nn"},
	{"Ūū", "lv lt mi yo"}, {"Ëë", "af sq nl fr"}, {"ÈèÙù", "fr it vi yo"},
	{"Êê", "af fr pt vi"}, {"Õõ", "et hu pt vi"}, {"Ôô", "fr pt sk vi"},
	{"ЁёЫыЭэ", "be kk mn ru"}, {"ЩщЪъ", "bg kk mn ru"}, {"Òò", "ca it vi yo"},
	{"Ææ", "nb da is nn"}, {"Åå", "nb da nn sv"},
	{"Ýý", "cs is sk tr vi"}, {"Ää", "et fi de sk sv"}, {"Àà", "ca fr it pt vi"},
	{"Ââ", "fr pt ro tr vi"},
	{"Üü", "az ca et de hu es tr"}, {"ČčŠšŽž", "bs cs hr lv lt sk sl"},
	{"Çç", "sq az eu ca fr pt tr"},
	{"Öö", "az et fi de hu is sv tr"},
	{"Óó", "ca hu is ga pl pt sk es vi yo"}, {"ÁáÍíÚú", "ca cs is ga hu pt sk es vi yo"},
	{"Éé", "ca cs fr hu is ga it pt sk es vi yo"},
}

// scriptOf returns the index of r's script among scripts, or -1.
func scriptOf(r rune) int {
	if r < 0x80 {
		if r|0x20 >= 'a' && r|0x20 <= 'z' {
			return scriptLatin
		}
		return -1
	}
	for s, t := range scripts {
		if unicode.Is(t, r) {
			return s
		}
	}
	return -1
}

// ruleTables are the rules' characters by rune, with language indexes: built
// once from uniqueChars and sharedChars (none of which is ASCII).
type ruleTables struct {
	unique   map[rune][]int // letter -> languages it singles out
	shared   map[rune][]int // letter -> languages that share it
	zh, ja   int
	allLangs []int
}

func (m *model) buildRules() {
	t := &m.rules
	t.zh, t.ja = m.index("zh"), m.index("ja")
	t.unique, t.shared = map[rune][]int{}, map[rune][]int{}
	for code, chars := range uniqueChars {
		for _, r := range chars {
			t.unique[r] = append(t.unique[r], m.index(code))
		}
	}
	for _, sc := range sharedChars {
		for _, r := range sc.chars {
			for _, code := range splitCodes(sc.langs) {
				t.shared[r] = append(t.shared[r], m.index(code))
			}
		}
	}
	for l := range m.codes {
		t.allLangs = append(t.allLangs, l)
	}
}

// index returns the language index of code, or -1.
func (m *model) index(code string) int { return slices.Index(m.codes, code) }

// ruleLanguage is lingua-go's first step: each word votes for the language
// its letters single out (a script only that language writes, a Han
// character for Chinese, a letter only it uses); a language with more votes
// than any other, and more than the undecided words unless those are under
// half, is the text's. It returns the language index or -1.
func (m *model) ruleLanguage(words [][]rune) int {
	const unknown = -1
	t := &m.rules
	var total counts
	for _, w := range words {
		var votes counts
		for _, r := range w {
			s := scriptOf(r)
			switch {
			case s < 0:
			case m.oneScript[s] >= 0:
				votes.add(int(m.oneScript[s]), 1)
			case s == scriptHan:
				votes.add(t.zh, 1)
			case r >= 0x80 && (s == scriptLatin || s == scriptCyrillic || s == scriptDevanagari):
				for _, l := range t.unique[r] {
					votes.add(l, 1)
				}
			}
		}
		switch len(votes) {
		case 0:
			total.add(unknown, 1)
		case 1:
			total.add(votes[0].key, 1)
		default:
			if votes.get(t.ja) > 0 && votes.get(t.zh) > 0 {
				total.add(t.ja, 1)
				break
			}
			first, second := votes.topTwo()
			if first.n > second.n {
				total.add(first.key, 1)
			} else {
				total.add(unknown, 1)
			}
		}
	}
	if float64(total.get(unknown)) < float64(len(words))*0.5 {
		total = total.without(unknown)
	}
	switch len(total) {
	case 0:
		return unknown
	case 1:
		return total[0].key
	case 2:
		if total.get(t.ja) > 0 && total.get(t.zh) > 0 {
			return t.ja
		}
	}
	first, second := total.topTwo()
	if first.n == second.n {
		return unknown
	}
	return first.key
}

// counts is a small multiset of keys, in order of first addition: a text
// has few languages' votes, so a slice beats a map.
type counts []struct{ key, n int }

func (c *counts) add(key, n int) {
	for i := range *c {
		if (*c)[i].key == key {
			(*c)[i].n += n
			return
		}
	}
	*c = append(*c, struct{ key, n int }{key, n})
}

func (c counts) get(key int) int {
	for _, e := range c {
		if e.key == key {
			return e.n
		}
	}
	return 0
}

func (c counts) without(key int) counts {
	return slices.DeleteFunc(c, func(e struct{ key, n int }) bool { return e.key == key })
}

// topTwo returns the two largest (ties: the lower key first); c has two
// entries or more.
func (c counts) topTwo() (first, second struct{ key, n int }) {
	s := slices.Clone(c)
	slices.SortFunc(s, func(a, b struct{ key, n int }) int {
		if a.n != b.n {
			return b.n - a.n
		}
		return a.key - b.key
	})
	return s[0], s[1]
}

// candidates is lingua-go's second step: the languages written in the
// script most words are in, narrowed to those sharing letters that half the
// words or more have.
func (m *model) candidates(words [][]rune) []int {
	var perScript [numScripts]int
	seen := 0
	for _, w := range words {
		if s := wordScript(w); s >= 0 {
			if perScript[s] == 0 {
				seen++
			}
			perScript[s]++
		}
	}
	if seen == 0 {
		return m.rules.allLangs
	}
	best := 0
	var distinct counts
	for s, n := range perScript {
		if n > 0 {
			distinct.add(n, 1)
		}
		if n > perScript[best] {
			best = s
		}
	}
	if seen > 1 && len(distinct) == 1 {
		return m.rules.allLangs
	}
	var inScript []int
	for l, set := range m.scripts {
		if set&(1<<best) != 0 {
			inScript = append(inScript, l)
		}
	}
	// Each word counts once per distinct shared letter it has, for each
	// language in the script that shares the letter.
	var perLang counts
	var letters []rune
	for _, w := range words {
		letters = letters[:0]
		for _, r := range w {
			if r >= 0x80 && !slices.Contains(letters, r) {
				letters = append(letters, r)
			}
		}
		for _, r := range letters {
			for _, l := range m.rules.shared[r] {
				if slices.Contains(inScript, l) {
					perLang.add(l, 1)
				}
			}
		}
	}
	var subset []int
	for _, l := range inScript {
		if float64(perLang.get(l)) >= float64(len(words))*0.5 {
			subset = append(subset, l)
		}
	}
	if len(subset) > 0 {
		return subset
	}
	return inScript
}

// wordScript returns the first script (in scripts' order) that writes
// every letter of w, or -1.
func wordScript(w []rune) int {
	first := scriptOf(w[0])
	if first < 0 {
		return -1
	}
	for s := first; s < numScripts; s++ { // scripts before first do not have w[0]
		if allIn(scripts[s], w) {
			return s
		}
	}
	return -1
}

func allIn(t *unicode.RangeTable, w []rune) bool {
	for _, r := range w {
		if r < 0x80 && t == unicode.Latin {
			if r|0x20 < 'a' || r|0x20 > 'z' {
				return false
			}
			continue
		}
		if !unicode.Is(t, r) {
			return false
		}
	}
	return true
}

func splitCodes(s string) []string {
	var out []string
	for i := 0; i+2 <= len(s); i += 3 {
		out = append(out, s[i:i+2])
	}
	return out
}
