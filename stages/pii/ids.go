package pii

// National identifiers written with letters: UK National Insurance numbers
// (validated prefix rules), SWIFT/BIC codes, US passport and driver's licence
// numbers. Only NINO has rules strong enough to stand alone; the others are
// ordinary-looking tokens and are reported only next to their name.

var (
	ninoWords     = newWordList("national insurance", "nino", "ni number", "ni no", "ni:", "ni #")
	swiftWords    = newWordList("swift", "bic", "bank identifier")
	passportWords = []string{"passport", "reisepass", "passeport", "pasaporte", "passaporto"}
)

// ninoPrefixOK applies HMRC's allocation rules to the two prefix letters
// (upper case): D, F, I, Q, U, V never appear; O not second; BG, GB, KN, NK,
// NT, TN and ZZ are not allocated.
func ninoPrefixOK(a, b byte) bool {
	const neverFirst, neverSecond = "DFIQUV", "DFIOQUV"
	for i := 0; i < len(neverSecond); i++ {
		if (i < len(neverFirst) && a == neverFirst[i]) || b == neverSecond[i] {
			return false
		}
	}
	switch string([]byte{a, b}) {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	return true
}

// ninoAt matches a National Insurance number starting at the two letters at
// i: "AB123456C", "AB 12 34 56 C", "AB 123456 C", "AB 123 456 C", in one
// letter case. It returns the end, or 0.
func ninoAt(t string, i int) int {
	if i+9 > len(t) || !isAlpha(t[i]) || !isAlpha(t[i+1]) || isUpper(t[i]) != isUpper(t[i+1]) {
		return 0
	}
	upper := isUpper(t[i])
	if !ninoPrefixOK(t[i]&^0x20, t[i+1]&^0x20) {
		return 0
	}
	p := i + 2
	digits := 0
	var sep byte
	for p < len(t) && digits < 6 {
		c := t[p]
		switch {
		case isDigit(c):
			digits++
			p++
		case c == ' ' && p+1 < len(t) && isDigit(t[p+1]) && (sep == 0 || sep == ' '):
			sep = ' '
			p++
		default:
			return 0
		}
	}
	if digits != 6 {
		return 0
	}
	if sep == ' ' && p < len(t) && t[p] == ' ' {
		p++
	}
	if p >= len(t) {
		return 0
	}
	s := t[p] &^ 0x20
	if s < 'A' || s > 'D' || isUpper(t[p]) != upper {
		return 0
	}
	p++
	if !boundaryAfter(t, p) {
		return 0
	}
	return p
}

// nino is called at a word of letters that may start a NINO.
func (st *scanState) nino(i int) int {
	e := ninoAt(st.text, i)
	if e == 0 || (i > 0 && isWordByte(st.text[i-1])) {
		return i
	}
	score := 0.85
	if st.near(i, e, ninoWords) {
		score = 1.0
	}
	st.add(i, e, "uk-nino", score)
	return e
}

// swiftBIC reports a SWIFT/BIC code [i, e) next to its name: 4 letters of
// bank, an ISO country, 2 characters of location, optionally 3 of branch.
func (st *scanState) swiftBIC(i, e int) bool {
	t := st.text
	n := e - i
	if n != 8 && n != 11 {
		return false
	}
	for k := i; k < e; k++ {
		if !isUpper(t[k]) && (k < i+6 || !isDigit(t[k])) {
			return false
		}
	}
	if !supportedRegions[t[i+4:i+6]] || !st.near(i, e, swiftWords) {
		return false
	}
	st.add(i, e, "swift-bic", 0.9)
	return true
}

// labelledID finds the identifier a label names: the first token within 32
// bytes after the label end that has at least minDigits digits, 6 to 20
// characters of letters, digits and '-', and passes ok. It returns the span.
func labelledID(t string, from int, minDigits int, ok func(string) bool) (int, int) {
	p := from
	limit := min(len(t), from+32)
	for p < limit {
		for p < limit && !isAlnum(t[p]) {
			p++
		}
		s := p
		for p < len(t) && (isAlnum(t[p]) || (t[p] == '-' && p+1 < len(t) && isAlnum(t[p+1]))) {
			p++
		}
		if s == p {
			return 0, 0
		}
		if d := countDigits(t[s:p]); d >= minDigits && p-s >= 6 && p-s <= 20 && ok(t[s:p]) {
			return s, p
		}
	}
	return 0, 0
}

// usPassport: 9 digits, or a letter and 8 digits (cards issued since 2021).
func usPassport(s string) bool {
	if len(s) != 9 {
		return false
	}
	for k := 1; k < 9; k++ {
		if !isDigit(s[k]) {
			return false
		}
	}
	return isDigit(s[0]) || isUpper(s[0])
}

// driverLicence: US state formats vary (1-2 letters and 4-14 digits, 9-13
// digits, some with dashes); anything of that make-up after the label.
func driverLicence(s string) bool {
	letters := 0
	for k := 0; k < len(s); k++ {
		if isAlpha(s[k]) {
			letters++
		}
	}
	return letters <= 3
}

// passportLabel: "passport" (and translations) or "travel document".
func passportLabel(t string, i int, w string) bool {
	for _, p := range passportWords {
		if hasFoldPrefix(w, 0, p) {
			return true
		}
	}
	return hasFoldPrefix(w, 0, "document") && i >= 7 && hasFoldPrefix(t, i-7, "travel ")
}

// driverWords just before "licence" make it a driver's licence.
var driverWords = newWordList("driver", "driving")

// driverBefore looks 12 bytes back from the licence word at i ("driver's ").
func driverBefore(t string, i int) bool { return driverWords.in(t[max(0, i-12):i]) }

// idLabel handles the words that name an identifier: "passport", "driver's
// licence", "DL". The label is the anchor, so the identifiers cost nothing
// in text that never names them.
func (st *scanState) idLabel(i, end int) {
	t := st.text
	w := t[i:end]
	switch {
	case passportLabel(t, i, w) && st.s.det["us-passport"].on:
		if s, e := labelledID(t, end, 8, usPassport); e > 0 {
			st.add(s, e, "us-passport", 0.85)
		}
	case (hasFoldPrefix(w, 0, "licen") && driverBefore(t, i)) ||
		(len(w) == 2 && hasFoldPrefix(w, 0, "dl")):
		if st.s.det["us-driver-license"].on {
			if s, e := labelledID(t, end, 4, driverLicence); e > 0 {
				st.add(s, e, "us-driver-license", 0.8)
			}
		}
	}
}
