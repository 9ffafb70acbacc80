package pii

import "strings"

// scanState holds one Scan call's working data; nothing here is shared.
type scanState struct {
	s     *Scanner
	text  string
	spans []cand
}

func (st *scanState) add(start, end int, detector string, score float64) {
	d := st.s.det[detector]
	if !d.on {
		return
	}
	st.spans = append(st.spans, cand{Span{Start: start, End: end, Type: d.typ, Detector: detector, Score: score}, d.prio})
}

// run is the single pass over the bytes. Work happens only at anchors: the
// start of an alphanumeric run (numbers, secret prefixes, key words), '@'
// (e-mail), ':' ("://" URLs, "::" IPv6) and '-' ("-----BEGIN" key blocks).
// Each handler returns how far the pass may skip.
func (st *scanState) run() {
	t := st.text
	n := len(t)
	for i := 0; i < n; {
		c := t[i]
		if c >= 0x80 || (!isAlnum(c) && c != '@' && c != ':' && c != '-') {
			i++
			continue
		}
		if i > 0 && isWordByte(t[i-1]) && isAlnum(c) && !(isDigit(c) && t[i-1] >= 0x80) {
			i++ // inside a word: only its start is an anchor (digits may follow CJK text directly)
			continue
		}
		next := i + 1
		f := &st.s.fam
		switch {
		case c == '@':
			if f.email {
				st.email(i)
			}
		case c == ':':
			if f.urlCreds || f.hexNet || f.url {
				next = st.colon(i)
			}
		case c == '-':
			if f.privateKey && strings.HasPrefix(t[i:], "-----") {
				next = st.dashes(i)
			} else if f.cli && i+2 < len(t) && (t[i+1] == 'u' || t[i+1] == '-') {
				next = st.curlUser(i)
			}
		case isDigit(c):
			next = st.digitStart(i)
		default:
			next = st.letterStart(i)
		}
		if next <= i {
			next = i + 1
		}
		i = next
	}
}

// digitStart handles a word that begins with a digit.
func (st *scanState) digitStart(i int) int {
	t := st.text
	f := &st.s.fam
	if f.azure && azureAnchor(t, i) {
		if e := st.azureClientSecret(i); e > i {
			return e
		}
	}
	if f.hexNet {
		if e, ok := st.hexNetwork(i); ok {
			return e
		}
	}
	if f.ethereum && t[i] == '0' && i+1 < len(t) && (t[i+1] == 'x' || t[i+1] == 'X') {
		if e := st.ethereum(i); e > i {
			return e
		}
	}
	if f.bitcoin && (t[i] == '1' || t[i] == '3') {
		if e := st.base58Wallet(i); e > i {
			return e
		}
	}
	if f.hipaaDigit {
		st.hipaaDigit(i)
	}
	if !f.numeric {
		return wordEnd(t, i)
	}
	return st.numeric(i)
}

// letterStart handles a word that begins with a letter.
func (st *scanState) letterStart(i int) int {
	t := st.text
	f := &st.s.fam
	end := wordEnd(t, i)
	// Vendor tokens are 20+ word bytes or continue with '-' / '.' ("sk-ant-",
	// "xoxb-", "hooks.slack.com", "eyJ...").
	if f.vendor && (end-i >= 20 || (end < len(t) && (t[end] == '-' || t[end] == '.'))) {
		if e := st.prefixedSecret(i); e > i {
			return e
		}
	}
	if f.azure && azureAnchor(t, i) {
		if e := st.azureClientSecret(i); e > i {
			return e
		}
	}
	if f.hexNet && end-i <= 4 && isHex(t[i]) {
		if e, ok := st.hexNetwork(i); ok {
			return e
		}
	}
	if f.iban && end-i >= 4 && isAlpha(t[i]) && isAlpha(t[i+1]) && isDigit(t[i+2]) && isDigit(t[i+3]) {
		if e := st.iban(i); e > i {
			return e
		}
	}
	if f.nino && ((end-i == 2 && end+1 < len(t) && t[end] == ' ' && isDigit(t[end+1])) || (end-i == 9 && isDigit(t[i+2]))) {
		if e := st.nino(i); e > i {
			return e
		}
	}
	if f.swift && (end-i == 8 || end-i == 11) && isUpper(t[i]) && st.swiftBIC(i, end) {
		return end
	}
	if f.bitcoin && t[i] == 'b' && strings.HasPrefix(t[i:], "bc1") {
		if e := st.bech32Wallet(i); e > i {
			return e
		}
	}
	st.keyword(i, end)
	return end
}

// azureAnchor: "Q~" where an Azure client secret (xxxdQ~...) would have it.
func azureAnchor(t string, i int) bool {
	return (i+5 < len(t) && t[i+4] == 'Q' && t[i+5] == '~') || (i > 0 && i+4 < len(t) && t[i+3] == 'Q' && t[i+4] == '~')
}

// wordEnd returns the end of the identifier-like word starting at i.
func wordEnd(t string, i int) int {
	for i < len(t) && isWordByte(t[i]) {
		i++
	}
	return i
}

// runEnd returns the end of the run of bytes accepted by ok, starting at i.
func runEnd(t string, i int, ok func(byte) bool) int {
	for i < len(t) && ok(t[i]) {
		i++
	}
	return i
}

// boundaryAfter reports whether position e ends a token (no word byte follows).
func boundaryAfter(t string, e int) bool { return e >= len(t) || !isWordByte(t[e]) }

// near reports whether a word of w occurs within the scanner's window
// before start or half of it after end.
func (st *scanState) near(start, end int, w *wordList) bool { return st.cues(start, end, w, 1) != 0 }

// cues is near for a list that files its words under several sets
// (numberCues): one read of the window answers for all of want.
func (st *scanState) cues(start, end int, w *wordList, want uint8) uint8 {
	return w.near(st.text, start, end, st.s.window, want)
}

// wordList holds context words indexed by their first byte, so that a
// window is read once however many words there are (the phone words come
// in a dozen languages). Each word carries a bit per set it belongs to; a
// list made by newWordList has the one set 1.
type wordList struct {
	sets  [256]uint8 // the sets with a word starting with each byte
	first [256][]listWord
}

type listWord struct {
	word string
	sets uint8
}

// newWordList takes lower-case words.
func newWordList(words ...string) *wordList { return new(wordList).add(1, words...) }

// add files lower-case words under sets.
func (w *wordList) add(sets uint8, words ...string) *wordList {
	for _, nd := range words {
		w.sets[nd[0]] |= sets
		w.first[nd[0]] = append(w.first[nd[0]], listWord{nd, sets})
	}
	return w
}

// in reports whether hay holds one of the words of a newWordList list.
func (w *wordList) in(hay string) bool { return w.find(hay, 1) != 0 }

// near returns the sets of want with a word within window bytes before
// start or window/2 after end.
func (w *wordList) near(t string, start, end, window int, want uint8) uint8 {
	got := w.find(t[max(0, start-window):start], want)
	if got != want {
		got |= w.find(t[end:min(len(t), end+window/2)], want&^got)
	}
	return got
}

// find returns the sets of want that have a word in hay, matched ASCII
// case-insensitively. A match must start a word; words of three bytes or
// fewer must also end one, so "tel" does not fire inside "hotel" or
// "telling".
func (w *wordList) find(hay string, want uint8) uint8 {
	var got uint8
	for i := 0; i < len(hay); i++ {
		c := lower(hay[i])
		if w.sets[c]&want&^got == 0 || (i > 0 && isAlpha(hay[i-1]) && isAlpha(c)) {
			continue
		}
		for _, x := range w.first[c] {
			nd := x.word
			if x.sets&want&^got == 0 || !hasFoldPrefix(hay, i, nd) {
				continue
			}
			if e := i + len(nd); len(nd) <= 3 && e < len(hay) && isAlpha(hay[e]) && isAlpha(nd[len(nd)-1]) {
				continue
			}
			if got |= x.sets & want; got == want {
				return got
			}
		}
	}
	return got
}

func lower(c byte) byte {
	if isUpper(c) {
		return c + 32
	}
	return c
}

// hasFoldPrefix reports whether t[i:] starts with the lower-case p, ignoring ASCII case.
func hasFoldPrefix(t string, i int, p string) bool {
	if i+len(p) > len(t) {
		return false
	}
	for k := 0; k < len(p); k++ {
		if lower(t[i+k]) != p[k] {
			return false
		}
	}
	return true
}

// cueBefore reports whether one of the lower-case cues ends at i and starts
// a word ("seen on " before "3/14").
func cueBefore(t string, i int, cues []string) bool {
	for _, c := range cues {
		if i >= len(c) && hasFoldPrefix(t, i-len(c), c) && (i == len(c) || !isAlpha(t[i-len(c)-1])) {
			return true
		}
	}
	return false
}

// customPriority ranks custom patterns after the validated built-ins.
const customPriority = 20

func (st *scanState) customMatches(c customDetector) {
	for _, m := range c.re.FindAllStringIndex(st.text, -1) {
		if m[1] <= m[0] {
			continue
		}
		if c.words != nil && c.words.near(st.text, m[0], m[1], c.window, 1) == 0 {
			continue
		}
		st.spans = append(st.spans, cand{Span{Start: m[0], End: m[1], Type: c.name, Detector: c.name, Score: c.score}, customPriority})
	}
}
