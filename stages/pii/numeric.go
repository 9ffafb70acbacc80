package pii

import (
	"net/netip"
	"strings"
)

// Numeric identifiers (cards, SSN, ITIN, NHS, NPI, ABA, phones, IPv4) are found
// from one "chunk": digit groups joined by short runs of the separators that
// people write inside numbers. Each contiguous run of groups is then tried
// against the validators, longest first, so "4012 8888 8888 1881" is one card
// and "call 415 555 0132 or 4111 1111 1111 1111" is a phone and a card.

const maxGroups = 24

type group struct{ s, e int } // digit run [s, e)

type chunk struct {
	g          [maxGroups]group
	n          int
	start      int  // chunk start including a leading '+' or '('
	plus       bool // chunk starts with '+'
	startGlued bool // first group continues a number/time/word before it
	endGlued   bool // last group continues into a word, time or decimal
	endColon   bool // last group is followed by ':' + digit (time or port)
	ext        int  // end of a phone extension ("x751", " ext. 12") after the last group, or 0
	cardLike   bool // written in card groups (4 digits first, 13+ digits): no phone inside
	end        int  // end of the chunk, extension included
	phoneCtx   int8 // 0 not yet looked up, 1 no phone word near the chunk, 2 one is
	consumed   [maxGroups]bool
}

func isNumSep(c byte) bool {
	return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/'
}

func (st *scanState) buildChunk(i int, ch *chunk) int {
	t := st.text
	ch.start = i
	if i > 0 && t[i-1] == '(' {
		ch.start = i - 1
	}
	if ch.start > 0 && t[ch.start-1] == '+' && (ch.start < 2 || !isWordByte(t[ch.start-2])) {
		ch.start--
		ch.plus = true
	}
	if p := ch.start - 1; p >= 0 {
		c := t[p]
		ch.startGlued = c == '@' || ((c == ':' || c == ',' || c == '.' || c == '/' || c == '-') && p > 0 && isDigit(t[p-1]))
	}
	j := i
	for ch.n < maxGroups {
		s := j
		for j < len(t) && isDigit(t[j]) {
			j++
		}
		ch.g[ch.n] = group{s, j}
		ch.n++
		k := j
		for k < len(t) && k-j < 3 && isNumSep(t[k]) {
			k++
		}
		if k == j || k >= len(t) || !isDigit(t[k]) || strings.Contains(t[j:k], "  ") {
			break
		}
		j = k
	}
	if e := extensionAt(t, j); e > 0 {
		ch.ext = e
		return e
	}
	if j < len(t) {
		c := t[j]
		next := j+1 < len(t) && isDigit(t[j+1])
		ch.endColon = c == ':' && next
		ch.endGlued = isWordByte(c) || c == '@' || ch.endColon || (next && (c == ',' || c == '.' || c == '/'))
	}
	return j
}

// extensionAt matches a phone extension at j: "x751", " x751", " ext. 751".
func extensionAt(t string, j int) int {
	p := j
	if p < len(t) && t[p] == ' ' {
		p++
	}
	switch {
	case hasFoldPrefix(t, p, "ext"):
		p += 3
		if p < len(t) && t[p] == '.' {
			p++
		}
		if p < len(t) && t[p] == ' ' {
			p++
		}
	case p < len(t) && t[p] == 'x':
		p++
		if p < len(t) && t[p] == ' ' {
			p++
		}
	default:
		return 0
	}
	if e := digitsAt(t, p, 1, 6); e > 0 && boundaryAfter(t, e) {
		return e
	}
	return 0
}

func (ch *chunk) sep(k int, t string) string { return t[ch.g[k-1].e:ch.g[k].s] }

// numeric processes the chunk starting at digit i and returns its end.
func (st *scanState) numeric(i int) int {
	t := st.text
	var ch chunk
	end := st.buildChunk(i, &ch)
	ch.end = end
	if ch.n == 1 && ch.g[0].e-ch.g[0].s < 7 {
		return end // too short for any numeric detector
	}
	if st.versionContext(ch.start) {
		return end
	}
	st.markDates(&ch)
	st.ipv4Chains(&ch)
	ch.cardLike = cardGroups(&ch, t)
	for a := 0; a < ch.n; {
		found := 0
		maxB := a + 7
		if maxB > ch.n {
			maxB = ch.n
		}
		for b := maxB; b > a && found == 0; b-- {
			if st.tryRange(&ch, a, b) {
				found = b
			}
		}
		if found > 0 {
			a = found
		} else {
			a++
		}
	}
	return end
}

// versionContext: "v1.2", "version 10.0.19041" and the like are never PII.
func (st *scanState) versionContext(start int) bool {
	t := st.text
	if start > 0 && (t[start-1] == 'v' || t[start-1] == 'V') {
		return true
	}
	return versionWords.in(t[max(0, start-12):start])
}

var versionWords = newWordList("version", "ver.", "release", "build ")

// markDates consumes groups that form a calendar date, so that "2024-01-15 10"
// never becomes a phone number.
func (st *scanState) markDates(ch *chunk) {
	t := st.text
	for a := 0; a+2 < ch.n; a++ {
		s1, s2 := ch.sep(a+1, t), ch.sep(a+2, t)
		if s1 != s2 || (s1 != "-" && s1 != "/" && s1 != "." && s1 != " ") {
			continue
		}
		x := [3]string{t[ch.g[a].s:ch.g[a].e], t[ch.g[a+1].s:ch.g[a+1].e], t[ch.g[a+2].s:ch.g[a+2].e]}
		if s1 == " " && (ch.n > 3 || (len(x[0]) != 4 && len(x[2]) != 4)) {
			continue // with spaces only "2024 01 15" and "15 01 2024" standing alone
		}
		if looksLikeDate(x) {
			ch.consumed[a], ch.consumed[a+1], ch.consumed[a+2] = true, true, true
		}
	}
}

func looksLikeDate(x [3]string) bool {
	l0, l1, l2 := len(x[0]), len(x[1]), len(x[2])
	v0, v1, v2 := atoiN(x[0]), atoiN(x[1]), atoiN(x[2])
	if l0 == 4 && l1 <= 2 && l2 <= 2 { // Y-M-D
		return v1 >= 1 && v1 <= 12 && v2 >= 1 && v2 <= 31
	}
	if l0 <= 2 && l1 <= 2 && (l2 == 4 || l2 == 2) { // D-M-Y or M-D-Y
		return v0 >= 1 && v1 >= 1 && ((v0 <= 12 && v1 <= 31) || (v0 <= 31 && v1 <= 12))
	}
	return false
}

// ipv4Chains finds dot-joined groups. Four groups that parse are an address;
// longer chains are version numbers or OIDs and are consumed.
func (st *scanState) ipv4Chains(ch *chunk) {
	t := st.text
	for a := 0; a < ch.n; {
		b := a + 1
		for b < ch.n && ch.sep(b, t) == "." {
			b++
		}
		switch {
		case b-a == 4:
			st.ipv4(ch, a, b)
		case b-a > 4 && !frenchDotted(ch, a, b, t):
			for k := a; k < b; k++ {
				ch.consumed[k] = true
			}
		}
		a = b
	}
}

// frenchDotted: five pairs of digits from a trunk zero, "01.42.68.53.00",
// are a phone number, not a version.
func frenchDotted(ch *chunk, a, b int, t string) bool {
	if b-a != 5 || t[ch.g[a].s] != '0' {
		return false
	}
	for k := a; k < b; k++ {
		if ch.g[k].e-ch.g[k].s != 2 {
			return false
		}
	}
	return true
}

// numberingWords precede outline numbers ("Section 2.1.3.4") that look like
// dotted quads.
var numberingWords = newWordList("section", "sec.", "article", "clause", "paragraph", "chapter", "item", "table", "figure", "step", "rule", "\u00a7")

// hostWords near an IPv4 address raise its score.
var hostWords = newWordList("ip", "address", "host", "server")

func (st *scanState) ipv4(ch *chunk, a, b int) {
	t := st.text
	s, e := ch.g[a].s, ch.g[b-1].e
	if numberingWords.in(t[max(0, s-16):s]) {
		return
	}
	atAfter := e < len(t) && t[e] == '@' // "192.168.2.1@eth0"
	if (a == 0 && ch.startGlued) || (b == ch.n && ch.endGlued && !ch.endColon && !atAfter) {
		return
	}
	addr, err := netip.ParseAddr(t[s:e])
	if err != nil || !addr.Is4() {
		return
	}
	for k := a; k < b; k++ {
		ch.consumed[k] = true
	}
	if st.s.keepPrivate && nonPublic(addr) {
		return
	}
	e = cidrSuffix(t, e, 32)
	score := 0.8
	if st.near(s, e, hostWords) {
		score = 0.95
	}
	st.add(s, e, "ipv4", score)
}

var docPrefixes = []netip.Prefix{
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// nonPublic: private, loopback, link-local, unspecified or documentation.
func nonPublic(a netip.Addr) bool {
	if a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() || a.IsLinkLocalMulticast() {
		return true
	}
	for _, p := range docPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// numRange describes a run of groups [a, b) of a chunk.
type numRange struct {
	start, end int
	digits     string
	lens       []int
	sep        string // common separator, "" when none or mixed
	mixed      bool
	tailSep    string // common separator after the second group ("08-123 45 67": " ")
	tailMixed  bool
	plus       bool
	ngroups    int
	ext        bool // ends with a phone extension
}

func (st *scanState) rangeOf(ch *chunk, a, b int, buf []byte, lens []int) (numRange, bool) {
	t := st.text
	r := numRange{ngroups: b - a}
	for k := a; k < b; k++ {
		if ch.consumed[k] {
			return r, false
		}
		g := ch.g[k]
		if len(buf)+g.e-g.s > 19 {
			return r, false
		}
		buf = append(buf, t[g.s:g.e]...)
		lens = append(lens, g.e-g.s)
		if k > a {
			sp := ch.sep(k, t)
			switch {
			case k == a+1:
				r.sep = sp
			case k == a+2:
				r.mixed = sp != r.sep
				r.tailSep = sp
			default:
				r.mixed = r.mixed || sp != r.sep
				r.tailMixed = r.tailMixed || sp != r.tailSep
			}
		}
	}
	if r.mixed {
		r.sep = ""
	}
	r.digits, r.lens = string(buf), lens
	r.start, r.end = ch.g[a].s, ch.g[b-1].e
	if a == 0 {
		r.start, r.plus = ch.start, ch.plus
	} else if t[r.start-1] == '(' {
		r.start--
	}
	if b == ch.n && ch.ext > 0 {
		r.end, r.ext = ch.ext, true
	}
	if r.end < len(t) && t[r.end] == ')' && strings.IndexByte(t[r.start:r.end], '(') >= 0 &&
		strings.LastIndexByte(t[r.start:r.end], ')') < strings.LastIndexByte(t[r.start:r.end], '(') {
		r.end++
	}
	return r, true
}

func lensAre(l []int, want ...int) bool {
	if len(l) != len(want) {
		return false
	}
	for i := range l {
		if l[i] != want[i] {
			return false
		}
	}
	return true
}

var (
	ssnWords  = newWordList("ssn", "social security", "social sec", "ss#", "ss #")
	itinWords = newWordList("itin", "taxpayer", "tax id")
	abaWords  = newWordList("routing", "aba", "rtn", "transit", "bank")
	npiWords  = newWordList("npi", "provider", "national provider")
	nhsWords  = newWordList("nhs", "national health")
	cardWords = newWordList("card", "visa", "mastercard", "amex", "credit", "debit", "cc", "jcb", "diners", "discover", "maestro", "unionpay", "karte", "carte", "tarjeta", "cart\u00e3o", "carta")
	// Numbers after these are references, not phone numbers (numberCues).
	refWords = []string{"order", "invoice", "isbn", "sku", "serial", "ticket", "tracking", "#", "case no", "ref", "reference", "purchase", "account", "acct", "customer id", "no.", "file no",
		"claim", "policy", "member", "batch", "lot", "part", "model", "id", "nr.", "n\u00ba", "booking", "parcel", "shipment",
		"price", "amount", "total", "lotter",
		// the same in the languages of the phone words, and national company and tax numbers
		"rechnung", "kunden", "auftrag", "bestell", "steuer", "aktenzeichen", "preis", "betrag",
		"facture", "commande", "montant", "prix", "factura", "pedido", "importe", "precio", "fattura", "ordine", "prezzo",
		"siren", "siret", "nip", "regon", "kvk", "bsn", "cpf", "cnpj", "rfc", "curp", "nif", "cif", "tva", "iva", "ust", "abn", "acn", "tfn", "gst", "pan"}
)

// tryRange tests groups [a, b) against the numeric detectors in priority order.
func (st *scanState) tryRange(ch *chunk, a, b int) bool {
	if (a == 0 && ch.startGlued) || (b == ch.n && ch.endGlued) {
		return false
	}
	t := st.text
	var bufA [19]byte
	var lensA [maxGroups]int
	r, ok := st.rangeOf(ch, a, b, bufA[:0], lensA[:0])
	if !ok || len(r.digits) < 7 {
		return false
	}
	formatted := r.ngroups > 1 && !r.mixed
	d := r.digits
	whole := cutAtBoundary(ch, a, b, t)
	if r.ext {
		return st.phoneSpan(r, formatted, ch, whole)
	}
	switch len(d) {
	case 9:
		if st.nineDigits(r, formatted) {
			return true
		}
	case 10:
		if (formatted && lensAre(r.lens, 3, 3, 4) && (r.sep == " " || r.sep == "-")) || r.ngroups == 1 {
			if nhsValid(d) && st.near(r.start, r.end, nhsWords) {
				st.add(r.start, r.end, "uk-nhs", 1.0)
				return true
			}
		}
		if (r.ngroups == 1 || (formatted && (lensAre(r.lens, 4, 3, 3) || lensAre(r.lens, 3, 3, 4)))) &&
			npiValid(d) && st.near(r.start, r.end, npiWords) {
			st.add(r.start, r.end, "us-npi", 0.95)
			return true
		}
	}
	if len(d) >= 12 && st.card(r, formatted) {
		return true
	}
	// NHS layout (3-3-4) with a valid check digit, unless it is a valid phone
	// number in the default region (then the phone reading is likelier) or
	// starts with a trunk zero ("021 123 4567"; English and Welsh NHS
	// numbers start 4, 6 or 7).
	if len(d) == 10 && formatted && lensAre(r.lens, 3, 3, 4) && (r.sep == " " || r.sep == "-") && nhsValid(d) && d[0] != '0' &&
		!st.near(r.start, r.end, phoneWords) &&
		(!st.s.fam.phone || !st.validPhoneRegion(st.text[r.start:r.end], st.s.region)) {
		st.add(r.start, r.end, "uk-nhs", 0.6)
		return true
	}
	return st.phoneSpan(r, formatted, ch, whole)
}

// phoneSpan reports r as a phone number when the detector is on and r
// scores as one.
func (st *scanState) phoneSpan(r numRange, formatted bool, ch *chunk, whole bool) bool {
	if !st.s.fam.phone {
		return false
	}
	score, ok := st.phone(r, formatted, ch, whole)
	if ok {
		st.add(r.start, r.end, "phone", score)
	}
	return ok
}

// cardGroups: the chunk is written the way cards are (a first group of four,
// space or dash separators, 13-19 digits in groups of 3-6), so no
// part of it is a phone number even when the Luhn check fails.
func cardGroups(ch *chunk, t string) bool {
	if ch.n < 3 || ch.g[0].e-ch.g[0].s != 4 || ch.plus {
		return false
	}
	nd := 0
	for k := 0; k < ch.n; k++ {
		l := ch.g[k].e - ch.g[k].s
		if (k > 0 && ch.sep(k, t) != " " && ch.sep(k, t) != "-") || l < 3 || l > 6 {
			return false
		}
		nd += l
	}
	return nd >= 13 && nd <= 19
}

// cutAtBoundary reports whether groups [a, b) are the whole chunk or end at
// a slash ("020 7946 0958 / 020 7946 0959"), so that they may be read as one
// number without the groups around them.
func cutAtBoundary(ch *chunk, a, b int, t string) bool {
	strong := func(s string) bool { return strings.IndexByte(s, '/') >= 0 }
	return (a == 0 || strong(ch.sep(a, t))) && (b == ch.n || strong(ch.sep(b, t)))
}

func (st *scanState) nineDigits(r numRange, formatted bool) bool {
	d := r.digits
	shape324 := formatted && lensAre(r.lens, 3, 2, 4) && (r.sep == "-" || r.sep == " " || r.sep == ".")
	bare := r.ngroups == 1
	if itinValid(d) {
		if shape324 || (bare && st.near(r.start, r.end, itinWords)) {
			st.add(r.start, r.end, "us-itin", 0.9)
			return true
		}
	} else if ssnValid(d) {
		if shape324 {
			score := 0.85
			if st.near(r.start, r.end, ssnWords) {
				score = 1.0
			}
			st.add(r.start, r.end, "us-ssn", score)
			return true
		}
		if bare && st.near(r.start, r.end, ssnWords) {
			st.add(r.start, r.end, "us-ssn", 0.9)
			return true
		}
	}
	if (bare || (formatted && r.sep == "-" && lensAre(r.lens, 4, 4, 1))) && abaValid(d) && st.near(r.start, r.end, abaWords) {
		st.add(r.start, r.end, "aba-routing", 0.9)
		return true
	}
	return false
}

func (st *scanState) card(r numRange, formatted bool) bool {
	d := r.digits
	if !cardValid(d) {
		return false
	}
	if r.ngroups > 1 {
		if !formatted || (r.sep != " " && r.sep != "-") || r.lens[0] != 4 {
			return false
		}
		for _, l := range r.lens[1:] {
			if l < 1 || l > 6 {
				return false
			}
		}
	}
	// Near "order" or "account" a bare digit run is an identifier; a number in
	// card groups (4-4-4-4) that passes Luhn and the IIN ranges is still a card.
	if !formatted && st.cues(r.start, r.end, numberCues, cueRef) != 0 && !st.near(r.start, r.end, cardWords) {
		return false
	}
	if cardBrandOf(d) == "uatp" && !st.near(r.start, r.end, cardWords) {
		return false // UATP (prefix 1, 15 digits) looks like any order or account number
	}
	score := 0.9
	if formatted || st.near(r.start, r.end, cardWords) {
		score = 1.0
	}
	st.add(r.start, r.end, "credit-card", score)
	return true
}

// cidrSuffix extends an address ending at e over "/nn" when nn <= bits.
func cidrSuffix(t string, e, bits int) int {
	if e+1 >= len(t) || t[e] != '/' {
		return e
	}
	f := digitsAt(t, e+1, 1, 3)
	if f == 0 || atoiN(t[e+1:f]) > bits || !boundaryAfter(t, f) {
		return e
	}
	return f
}
