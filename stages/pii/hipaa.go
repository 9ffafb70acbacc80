package pii

import "strings"

// Safe Harbor identifiers that are not covered by the default detectors:
// record, plan, account, licence, vehicle and device numbers (a label and
// the identifier after it; VINs, DEA numbers and Medicare Beneficiary
// Identifiers also by their check rules), URLs, ages over 89 and dates.
// All are off by default and on in the hipaa profile.

// labelRule: an identifier named by phrase is reported by detector.
type labelRule struct {
	phrase    string // lower case; matched at a word start, ending a word
	detector  string
	minDigits int
}

var labelRules = []labelRule{
	{"mrn", "medical-record-number", 3}, {"medical record number", "medical-record-number", 3},
	{"medical record no", "medical-record-number", 3}, {"medical record", "medical-record-number", 3},
	{"med rec", "medical-record-number", 3}, {"mr#", "medical-record-number", 3}, {"mr #", "medical-record-number", 3},
	{"mr no", "medical-record-number", 3}, {"chart number", "medical-record-number", 3}, {"chart #", "medical-record-number", 3},
	{"chart no", "medical-record-number", 3}, {"chart", "medical-record-number", 4}, {"hospital number", "medical-record-number", 3},
	{"patient id", "medical-record-number", 3}, {"patient number", "medical-record-number", 3},
	{"record number", "medical-record-number", 3}, {"record #", "medical-record-number", 3}, {"record no", "medical-record-number", 3},

	{"member id", "health-plan-id", 3}, {"member number", "health-plan-id", 3}, {"member #", "health-plan-id", 3},
	{"member no", "health-plan-id", 3}, {"subscriber id", "health-plan-id", 3}, {"subscriber number", "health-plan-id", 3},
	{"policy number", "health-plan-id", 3}, {"policy #", "health-plan-id", 3}, {"policy no", "health-plan-id", 3},
	{"insurance id", "health-plan-id", 3}, {"insurance number", "health-plan-id", 3}, {"insurance card", "health-plan-id", 3},
	{"health plan id", "health-plan-id", 3}, {"health plan number", "health-plan-id", 3}, {"plan id", "health-plan-id", 3},
	{"beneficiary id", "health-plan-id", 3}, {"beneficiary number", "health-plan-id", 3}, {"medicaid", "health-plan-id", 3},
	{"medicare", "health-plan-id", 3}, {"mbi", "health-plan-id", 3}, {"group number", "health-plan-id", 3},

	{"account number", "account-number", 4}, {"account #", "account-number", 4}, {"account no", "account-number", 4},
	{"acct", "account-number", 4}, {"account", "account-number", 5}, {"billing number", "account-number", 4},

	{"license number", "license-number", 3}, {"licence number", "license-number", 3}, {"license #", "license-number", 3},
	{"licence #", "license-number", 3}, {"license no", "license-number", 3}, {"licence no", "license-number", 3},
	{"lic #", "license-number", 3}, {"lic no", "license-number", 3}, {"certificate number", "license-number", 3},
	{"certificate #", "license-number", 3}, {"certificate no", "license-number", 3}, {"cert #", "license-number", 3},
	{"cert no", "license-number", 3}, {"certification number", "license-number", 3}, {"dea", "license-number", 5},
	{"license", "license-number", 4}, {"licence", "license-number", 4},

	{"license plate", "license-plate", 1}, {"licence plate", "license-plate", 1}, {"plate number", "license-plate", 1},
	{"plate #", "license-plate", 1}, {"plate no", "license-plate", 1}, {"plates", "license-plate", 1},
	{"registration plate", "license-plate", 1}, {"plate", "license-plate", 1}, {"tag number", "license-plate", 1},
	{"vin", "vin", 1}, {"vehicle identification number", "vin", 1},

	{"serial number", "device-id", 2}, {"serial no", "device-id", 2}, {"serial #", "device-id", 2}, {"serial", "device-id", 2},
	{"s/n", "device-id", 2}, {"sn", "device-id", 3}, {"device id", "device-id", 2}, {"device identifier", "device-id", 2},
	{"device number", "device-id", 2}, {"imei", "device-id", 8}, {"udi", "device-id", 4}, {"meid", "device-id", 4},
	{"implant id", "device-id", 2},
}

// labelFirst indexes labelRules by first byte; longer phrases first, so that
// "medical record number" wins over "medical record".
var labelFirst = func() (idx [256][]labelRule) {
	for _, r := range labelRules {
		idx[r.phrase[0]] = append(idx[r.phrase[0]], r)
	}
	for c := range idx {
		rs := idx[c]
		for a := 1; a < len(rs); a++ {
			for b := a; b > 0 && len(rs[b].phrase) > len(rs[b-1].phrase); b-- {
				rs[b], rs[b-1] = rs[b-1], rs[b]
			}
		}
	}
	return idx
}()

// fillerWords may stand between a label and its value ("MRN is", "account
// number on file:").
var fillerWords = setOf(`number num nbr no is was of id ID code card on file reads listed as the ending in his her their
patient Number No No. plate`)

// labelled handles a word that may start an identifier label.
func (st *scanState) labelled(i int) {
	t := st.text
	for _, r := range labelFirst[lower(t[i])] {
		if !hasFoldPrefix(t, i, r.phrase) {
			continue
		}
		e := i + len(r.phrase)
		if isAlnum(r.phrase[len(r.phrase)-1]) && !boundaryAfter(t, e) {
			continue
		}
		if !st.s.det[r.detector].on || !labelContextOK(t, i, e, r) {
			return
		}
		if s, ve := labelValue(t, e, r.minDigits); ve > 0 && valueOK(t[s:ve], r.detector) {
			st.add(s, ve, r.detector, 0.85)
		}
		return
	}
}

// labelContextOK keeps the bare "license" for professional licences: a
// driver's licence is US_DRIVER_LICENSE, a licence plate a vehicle.
func labelContextOK(t string, i, e int, r labelRule) bool {
	if r.phrase == "license" || r.phrase == "licence" {
		return !driverBefore(t, i)
	}
	return true
}

// labelValue finds the value after a label ending at from: up to three
// filler words and separators (: # = - ( ) and spaces), then a token of
// 3-24 letters, digits and inner '-' '.' with at least minDigits digits; a
// short second part joined by one space ("ABC 1234") belongs to it.
func labelValue(t string, from, minDigits int) (int, int) {
	p := from
	for k := 0; k < 4; k++ {
		p = skipBytes(t, p, " :#=-().,\t")
		e := wordEnd(t, p)
		if e < len(t) && t[e] == '.' && (fillerWords[t[p:e+1]]) {
			e++
		}
		if e > p && fillerWords[t[p:e]] {
			p = e
			continue
		}
		break
	}
	s := p
	e := idTokenEnd(t, s)
	if e-s == 2 && stateCodes[t[s:e]] && e+1 < len(t) && t[e] == ' ' { // a plate with its state: "OH 4471KD"
		if e2 := idTokenEnd(t, e+1); e2-e-1 >= 4 && e2-e-1 <= 8 && countDigits(t[e+1:e2]) > 0 {
			return s, e2
		}
	}
	if e-s >= 2 && e-s <= 4 && e+2 < len(t) && t[e] == ' ' && isAlnum(t[e+1]) {
		if e2 := idTokenEnd(t, e+1); e2-e-1 >= 3 && e2-e-1 <= 5 && allDigitsOrLetters(t[s:e]) != allDigitsOrLetters(t[e+1:e2]) && noLower(t[s:e2]) {
			e = e2
		}
	}
	if e-s < 3 || e-s > 24 || countDigits(t[s:e]) < minDigits {
		return 0, 0
	}
	return s, e
}

func noLower(w string) bool {
	for k := 0; k < len(w); k++ {
		if isLower(w[k]) {
			return false
		}
	}
	return true
}

// idTokenEnd reads letters, digits and inner '-' '.' from s ("120/80" is a
// reading, not an identifier).
func idTokenEnd(t string, s int) int {
	p := s
	for p < len(t) && (isAlnum(t[p]) || ((t[p] == '-' || t[p] == '.') && p > s && p+1 < len(t) && isAlnum(t[p+1]))) {
		p++
	}
	if p < len(t) && (isWordByte(t[p]) || t[p] == '/') {
		return s
	}
	return p
}

// allDigitsOrLetters: 1 all digits, 2 all letters, 0 mixed.
func allDigitsOrLetters(w string) int {
	d := countDigits(w)
	switch d {
	case len(w):
		return 1
	case 0:
		return 2
	}
	return 0
}

func countDigits(w string) int {
	n := 0
	for k := 0; k < len(w); k++ {
		if isDigit(w[k]) {
			n++
		}
	}
	return n
}

// valueOK applies what each kind of identifier must look like beyond digits.
func valueOK(v, detector string) bool {
	switch detector {
	case "vin":
		return vinShape(v)
	case "license-plate":
		return len(v) <= 9
	}
	return numericDate(v, 0) != len(v) // a date after "chart" or "account" is a date
}

// vinShape: 17 characters, digits and capitals without I, O, Q.
func vinShape(v string) bool {
	if len(v) != 17 {
		return false
	}
	for k := 0; k < 17; k++ {
		c := v[k]
		if !isDigit(c) && (!isUpper(c) || c == 'I' || c == 'O' || c == 'Q') {
			return false
		}
	}
	return true
}

// vinValid checks the North American check digit (position 9).
func vinValid(v string) bool {
	if !vinShape(v) || countDigits(v) < 5 || countDigits(v) == 17 {
		return false
	}
	w := [17]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}
	sum := 0
	for k := 0; k < 17; k++ {
		sum += vinValue(v[k]) * w[k]
	}
	check := byte('0' + sum%11)
	if sum%11 == 10 {
		check = 'X'
	}
	return v[8] == check
}

func vinValue(c byte) int {
	if isDigit(c) {
		return int(c - '0')
	}
	return int("12345678012345070923456789"[c-'A'] - '0') // A=1 ... Z=9 (I, O, Q unused)
}

// mbiValid checks the Medicare Beneficiary Identifier layout: C A AN N A AN
// N A A N N, where C is 1-9, A a letter other than S L O I B Z, N a digit.
// Dashes after the 4th and 7th characters are allowed ("1EG4-TE5-MK73").
func mbiValid(v string) bool {
	if len(v) == 13 && v[4] == '-' && v[8] == '-' {
		v = v[:4] + v[5:8] + v[9:]
	}
	if len(v) != 11 {
		return false
	}
	letter := func(c byte) bool { return isUpper(c) && strings.IndexByte("SLOIBZ", c) < 0 }
	const layout = "CAXNAXNAANN"
	for k := 0; k < 11; k++ {
		c := v[k]
		switch layout[k] {
		case 'C':
			if c < '1' || c > '9' {
				return false
			}
		case 'A':
			if !letter(c) {
				return false
			}
		case 'N':
			if !isDigit(c) {
				return false
			}
		case 'X':
			if !isDigit(c) && !letter(c) {
				return false
			}
		}
	}
	return true
}

// deaValid: two letters (registrant type, then a letter or 9) and seven
// digits whose last is (d1+d3+d5 + 2*(d2+d4+d6)) mod 10.
func deaValid(v string) bool {
	if len(v) != 9 || strings.IndexByte("ABCDEFGHJKLMPRSTUX", v[0]) < 0 || !(isUpper(v[1]) || v[1] == '9') {
		return false
	}
	for k := 2; k < 9; k++ {
		if !isDigit(v[k]) {
			return false
		}
	}
	d := func(k int) int { return int(v[k+1] - '0') }
	return (d(1)+d(3)+d(5)+2*(d(2)+d(4)+d(6)))%10 == d(7)
}

// url reports an http(s)/ftp URL whose "://" is at colon.
func (st *scanState) url(colon int) {
	t := st.text
	s := colon
	for s > 0 && isAlpha(t[s-1]) {
		s--
	}
	switch strings.ToLower(t[s:colon]) {
	case "http", "https", "ftp", "sftp":
	default:
		return
	}
	if e := urlEnd(t, colon+3); e > colon+4 {
		st.add(s, e, "url", 0.95)
	}
}

// urlEnd reads URL bytes from p and drops trailing sentence punctuation.
func urlEnd(t string, p int) int {
	e := runEnd(t, p, func(c byte) bool {
		return c > ' ' && c < 0x7f && strings.IndexByte("\"'<>`\\{}|^", c) < 0
	})
	for e > p && strings.IndexByte(".,;:!?)]", t[e-1]) >= 0 {
		e--
	}
	return e
}

// www reports "www.example.org/..." without a scheme.
func (st *scanState) www(i int) {
	t := st.text
	if !hasFoldPrefix(t, i, "www.") || i+5 > len(t) || !isAlnum(t[i+4]) {
		return
	}
	e := urlEnd(t, i)
	if strings.IndexByte(t[i+4:e], '.') > 0 {
		st.add(i, e, "url", 0.9)
	}
}

// Ages over 89: Safe Harbor folds them into one "90 or older" category.

var ageSuffixes = []string{
	"-year-old", " year-old", " year old", " years old", "-years-old", " years of age", " yrs old", " yr old",
	"-yr-old", " yo ", " yo,", " yo.", "yo ", " y/o", "y/o", " y.o.", "-yo",
}

var agePrefixes = []string{"aged ", "age ", "age: ", "age of ", "age:"}

// ageOver89 is called at a digit-start word.
func (st *scanState) ageOver89(i int) {
	t := st.text
	e := digitsAt(t, i, 2, 3)
	if e == 0 {
		return
	}
	n := atoiN(t[i:e])
	if n < 90 || n > 125 || st.notAge(i, e) {
		return
	}
	if ageCue(t, i, e) {
		st.add(i, e, "age-over-89", 0.9)
	}
}

// notAge: "90 mg", "95%"; a number glued to a word or a decimal.
func (st *scanState) notAge(i, e int) bool {
	t := st.text
	return (i > 0 && (isWordByte(t[i-1]) || t[i-1] == '.' || t[i-1] == '/')) || (e < len(t) && (t[e] == '.' || t[e] == '/' || t[e] == '%') && e+1 < len(t) && isDigit(t[e+1]))
}

func ageCue(t string, i, e int) bool {
	for _, s := range ageSuffixes {
		if strings.HasPrefix(t[e:], s) || (strings.HasSuffix(s, " ") && t[e:] == strings.TrimSpace(s)) {
			return true
		}
	}
	return cueBefore(t, i, agePrefixes)
}

var unitWordsNum = []string{"one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

// spelledAge matches "ninety", "ninety-two", "ninety two", "one hundred",
// "a hundred and one" before an age suffix or after "aged"; the span is the
// number words.
func (st *scanState) spelledAge(i int) {
	t := st.text
	e := 0
	switch {
	case hasFoldPrefix(t, i, "ninety"):
		e = i + 6
		if e+1 < len(t) && (t[e] == '-' || t[e] == ' ') {
			for _, u := range unitWordsNum {
				if hasFoldPrefix(t, e+1, u) && boundaryAfter(t, e+1+len(u)) {
					e += 1 + len(u)
					break
				}
			}
		}
	case hasFoldPrefix(t, i, "one hundred"), hasFoldPrefix(t, i, "a hundred"):
		e = i + strings.IndexByte(t[i:], 'd') + 1
		if hasFoldPrefix(t, e, " and ") {
			for _, u := range unitWordsNum {
				if hasFoldPrefix(t, e+5, u) && boundaryAfter(t, e+5+len(u)) {
					e += 5 + len(u)
					break
				}
			}
		}
	default:
		return
	}
	if boundaryAfter(t, e) && ageCue(t, i, e) {
		st.add(i, e, "age-over-89", 0.85)
	}
}

// Dates: every date element but the year is an identifier when the date is
// tied to a person, and in clinical text nearly all are (admission,
// discharge, visit, surgery, birth, death). The profile reports every date
// with a day or month; Replacer keeps its year.

// dateCues before a month/day without a year ("seen on 3/14").
var dateCues = []string{
	"on ", "since ", "from ", "until ", "through ", "dated ", "date ", "date: ", "by ", "of ", "before ", "after ",
	"admitted ", "discharged ", "seen ", "visit ", "surgery ", "died ", "expired ", "born ", "last ", "next ",
}

// clinicalDateDigit is called at a digit-start word.
func (st *scanState) clinicalDateDigit(i int) {
	t := st.text
	if i > 0 && (t[i-1] == '/' || t[i-1] == '-' || t[i-1] == '.') && i > 1 && isDigit(t[i-2]) {
		return
	}
	if e := numericDate(t, i); e > 0 {
		st.add(i, e, "date", 0.85)
		return
	}
	if d := dayAt(t, i); d > 0 {
		p := skipBytes(t, d, " -")
		if hasFoldPrefix(t, p, "of ") {
			p += 3
		}
		if p < len(t) && isUpper(t[p]) {
			if m := monthAt(t, p); m > 0 && atoiN(t[i:runEnd(t, i, isDigit)]) <= 31 {
				st.add(i, max(m, yearAt(t, skipBytes(t, m, " ,"), 4)), "date", 0.8) // through a year that follows
				return
			}
		}
	}
	// m/d without a year, after a cue word.
	a := digitsAt(t, i, 1, 2)
	if a == 0 || a+1 >= len(t) || (t[a] != '/' && t[a] != '-') {
		return
	}
	b := digitsAt(t, a+1, 1, 2)
	if b == 0 || !boundaryAfter(t, b) || (b < len(t) && (t[b] == '/' || t[b] == '-' || t[b] == '.') && b+1 < len(t) && isDigit(t[b+1])) {
		return
	}
	m, d := atoiN(t[i:a]), atoiN(t[a+1:b])
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return
	}
	if cueBefore(t, i, dateCues) {
		st.add(i, b, "date", 0.7)
	}
}

// clinicalDateMonth is called at a capitalised word that may be a month:
// "March 14, 2019", "Mar 14th", "March 2019", "March of 2019".
func (st *scanState) clinicalDateMonth(i int) {
	t := st.text
	m := monthAt(t, i)
	if m == 0 {
		return
	}
	p := skipBytes(t, m, " ")
	if p == m && (m >= len(t) || t[m] != ',') {
		return
	}
	if hasFoldPrefix(t, p, "of ") {
		p += 3
	}
	if y := yearAt(t, p, 4); y > 0 {
		st.add(i, y, "date", 0.8)
		return
	}
	d := dayAt(t, p)
	if d == 0 || !boundaryAfter(t, d) || atoiN(t[p:runEnd(t, p, isDigit)]) > 31 || atoiN(t[p:runEnd(t, p, isDigit)]) == 0 {
		return
	}
	st.add(i, max(d, yearAt(t, skipBytes(t, d, " ,"), 4)), "date", 0.8) // through a year that follows
}

// hipaaDigit runs the profile's digit-anchored detectors at i.
func (st *scanState) hipaaDigit(i int) {
	t := st.text
	f := &st.s.fam
	if f.address {
		st.street(i)
	}
	if f.zip {
		st.zip(i)
	}
	if f.age {
		st.ageOver89(i)
	}
	if f.date {
		st.clinicalDateDigit(i)
	}
	if f.vin || f.mbi {
		e := idTokenEnd(t, i)
		if f.vin && e-i == 17 && vinValid(t[i:e]) {
			st.add(i, e, "vin", 0.9)
		}
		if f.mbi && (e-i == 11 || e-i == 13) && mbiValid(t[i:e]) {
			st.add(i, e, "health-plan-id", 0.9)
		}
	}
}

// hipaaWord runs the profile's word-anchored detectors at the word [i, end).
func (st *scanState) hipaaWord(i, end int) {
	t := st.text
	f := &st.s.fam
	c := t[i]
	if f.hipaaLabel {
		st.labelled(i)
	}
	if f.address && (c == 'P' || c == 'p') {
		if e := poBoxAt(t, i); e > 0 {
			st.add(i, e, "street-address", 0.85)
		}
	}
	if f.url && (c == 'w' || c == 'W') {
		st.www(i)
	}
	if f.age && (c == 'n' || c == 'N' || c == 'o' || c == 'O' || c == 'a' || c == 'A') {
		st.spelledAge(i)
	}
	if !isUpper(c) {
		return
	}
	if f.date {
		st.clinicalDateMonth(i)
	}
	if f.city {
		if i >= 2 && t[i-1] == ' ' && t[i-2] == ',' {
			st.cityBeforeState(i)
		}
		st.listedCity(i)
	}
	if f.vin && end-i == 17 && vinValid(t[i:end]) {
		st.add(i, end, "vin", 0.9)
	}
	if f.dea && end-i == 9 && deaValid(t[i:end]) {
		st.add(i, end, "license-number", 0.85)
	}
}
