package pii

import (
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// Phone numbers are scored, not validated once. Users do not configure
// regions, so the decision comes from how the number is written and what
// surrounds it:
//
//   - international forms (+CC, 00 CC, 011 CC) are phones when the digits
//     after the country code have a possible length for that country
//     (libphonenumber's possible-length data), whatever the range;
//   - national forms are phones when valid in a configured region
//     (phone_region, phone_extra_regions), or valid in one of broadRegions
//     and either grouped the way phone numbers are written or next to a
//     phone word ("tel", "Handy", "móvil", "電話"...);
//   - shapes of stronger types (SSN 3-2-4, card groups, IBAN, ISBN, dates,
//     versions, amounts, "#123..." order numbers) and bare digit runs are
//     never phones unless a phone word is near.
//
// Cheap shape checks run first; libphonenumber (Parse + IsValidNumber is
// about 20 µs) only sees candidates that survive them.

var supportedRegions = phonenumbers.GetSupportedRegions()

func validRegion(r string) bool { return supportedRegions[r] }

// broadRegions are tried, in this order, for national-format numbers that
// are not valid in a configured region: 40 regions chosen for their
// population and their share of business text online. NANP numbers (US, CA
// and the Caribbean) are covered by US. By continent:
//
//	Americas: US, BR, MX, AR
//	Europe:   GB, DE, FR, ES, IT, NL, BE, CH, AT, IE, PT, SE, NO, DK, FI, PL, GR, TR, RU
//	Asia:     IN, CN, JP, KR, SG, HK, PH, ID, MY, IL, AE, SA
//	Africa:   ZA, NG, EG
//	Oceania:  AU, NZ
var broadRegions = []string{
	"US", "GB", "DE", "FR", "ES", "IT", "NL", "BE", "CH", "AT", "IE", "PT", "SE", "NO", "DK", "FI",
	"PL", "GR", "TR", "RU", "AU", "NZ", "IN", "CN", "JP", "KR", "SG", "HK", "PH", "ID", "MY", "IL",
	"AE", "SA", "ZA", "NG", "EG", "BR", "MX", "AR",
}

// phoneWords mark a nearby number as a phone number, in the languages of
// broadRegions. Needles of three bytes or fewer must be whole words; longer
// ones may start a word ("telef" covers Telefon, telefono, teléfono is
// "teléf").
var phoneWords = newWordList(
	"phone", "tel", "teleph", "call", "mobil", "cell", "fax", "facsimile", "contact", "whatsapp", "sms", "reach", "dial", "text me",
	"telef", "tel\u00e9f", "t\u00e9l", "handy", "rufnummer", "anruf", "rufen", "durchwahl", "kontakt", "portable",
	"appel", "m\u00f3vil", "movil", "llam", "celular", "contat", "chiam", "gsm", "tlf", "puh", "mob", "cel",
	"\u0442\u0435\u043b", "\u0422\u0435\u043b", // Russian "тел", "Тел"
	"\u96fb\u8a71", // Japanese, Chinese 電話
	"\u7535\u8bdd", // Chinese 电话
	"\u624b\u673a", // Chinese 手机
	"\u643a\u5e2f", // Japanese 携帯
	"\uc804\ud654", // Korean 전화
)

// strongWords name a stronger numeric type; near one, a national-format
// number without a phone word is not taken for a phone.
var strongWords = []string{"ssn", "social security", "nhs", "card", "iban", "routing", "npi", "passport", "licen", "vat", "tax", "isbn", "issn"}

// codeWords name short numbers that are dialled but are not phone numbers.
var codeWords = []string{"code", "pin", "passcode", "meeting id", "conference id", "room", "port"}

// The sets of numberCues.
const (
	cueCode uint8 = 1 << iota
	cueRef
	cueStrong
)

// numberCues holds the words that say what a number near them is, so that
// phone() reads a range's window once for all three lists.
var numberCues = new(wordList).add(cueCode, codeWords...).add(cueRef, refWords...).add(cueStrong, strongWords...)

// phoneTables is built on first use (a few ms of libphonenumber calls).
type phoneTables struct {
	ccLens map[int]uint32 // possible national lengths per calling code, bit n for length n
	broad  []broadRegion
}

type broadRegion struct {
	code   string
	cc     int32
	prefix string // national (trunk) prefix, e.g. "0"; "" when none
}

var phoneData = sync.OnceValue(func() *phoneTables {
	t := &phoneTables{ccLens: map[int]uint32{}}
	for cc := range phonenumbers.GetSupportedCallingCodes() {
		c := int32(cc)
		var mask uint32
		for n := 2; n <= 17; n++ {
			nn := uint64(1)
			for k := 1; k < n; k++ {
				nn *= 10
			}
			num := &phonenumbers.PhoneNumber{CountryCode: &c, NationalNumber: &nn}
			if phonenumbers.IsPossibleNumberWithReason(num) == phonenumbers.IS_POSSIBLE {
				mask |= 1 << n
			}
		}
		t.ccLens[cc] = mask
	}
	for _, r := range broadRegions {
		t.broad = append(t.broad, broadRegion{r, int32(phonenumbers.GetCountryCodeForRegion(r)), phonenumbers.GetNddPrefixForRegion(r, true)})
	}
	return t
})

// phone scores a numeric range as a phone number. whole is false when the
// range is a part of its chunk cut where the separators do not change.
func (st *scanState) phone(r numRange, formatted bool, ch *chunk, whole bool) (float64, bool) {
	nd := len(r.digits)
	if nd < 7 || nd > 18 {
		return 0, false
	}
	t := st.text
	raw := t[r.start:r.end]
	if strings.IndexByte(raw, '/') >= 0 {
		return 0, false // dates and fractions
	}
	if r.sep == "." && !r.plus && !dottedPhone(r.lens) {
		return 0, false // versions, amounts, outline numbers
	}
	ctx := st.phoneContext(ch)
	if !ctx && st.notPhoneShape(r, ch) {
		return 0, false
	}
	var cues uint8
	if !ctx || nd < 8 {
		want := cueCode
		if !ctx && r.ngroups > 1 {
			want |= cueRef | cueStrong // only these ranges get as far as asking
		}
		if cues = st.cues(r.start, r.end, numberCues, want); cues&cueCode != 0 {
			return 0, false // "dial-in code 845 2291", "Meeting ID 853 9012 4471"
		}
	}
	if score, ok, decided := st.intlPhone(r, ch, ctx, cues); decided {
		return score, ok
	}
	if nd > 15 {
		return 0, false
	}
	parens := areaInBrackets(raw)
	// An area code set off by its own separator: "08-123 45 67", "030-123 45 67".
	area := r.mixed && !r.tailMixed && r.ngroups >= 3 && r.digits[0] == '0'
	if !ctx {
		if r.ngroups == 1 || nd < 8 {
			return 0, false // bare digit runs and 7-digit local numbers need a phone word nearby
		}
		if r.mixed && !parens && !area {
			return 0, false
		}
	}
	grouped := parens || area || (formatted && phoneGrouping(r))
	// A reference word ("order", "ticket", "account") nearby marks a loosely
	// formatted number as an identifier; a number written the way phones are
	// ("(415)", 3-3-4 groups, a trunk zero and phone groups) stays a phone
	// even in a support ticket, where those words are everywhere.
	usShaped := parens || (formatted && lensAre(r.lens, 3, 3, 4))
	trunkShaped := grouped && nd >= 9 && r.digits[0] == '0' // "030 12345678", "06 12 34 56 78"
	refNear := !ctx && !usShaped && !trunkShaped && cues&cueRef != 0
	if !refNear && (formatted || parens || ctx) && st.validConfigured(raw, r.digits) {
		return min(1, 0.75+ctxBonus(ctx, 0.1)), true
	}
	// The broad regions: a grouped number or one next to a phone word, not
	// cut out of a longer run of groups, with no identifier word near.
	if refNear || (!grouped && !ctx) || (!whole && !ctx) {
		return 0, false
	}
	if !ctx && cues&cueStrong != 0 {
		return 0, false
	}
	if !validBroad(r.digits, st.s) {
		return 0, false
	}
	return min(1, 0.6+ctxBonus(ctx, 0.2)), true
}

// phoneContext reports a phone word near the chunk, looked up once for all
// the ranges tried in it.
func (st *scanState) phoneContext(ch *chunk) bool {
	if ch.phoneCtx == 0 {
		ch.phoneCtx = 1
		if st.near(ch.start, ch.end, phoneWords) {
			ch.phoneCtx = 2
		}
	}
	return ch.phoneCtx == 2
}

// areaInBrackets: a bracketed group ("(02) 9876 5432", "8 (495) 123-45-67").
func areaInBrackets(raw string) bool {
	o := strings.IndexByte(raw, '(')
	return o >= 0 && strings.IndexByte(raw[o:], ')') > 1
}

func ctxBonus(ctx bool, v float64) float64 {
	if ctx {
		return v
	}
	return 0
}

// intlPhone handles +CC, 00 CC and 011 CC forms. decided is false when the
// range is not written in an international form (or "011" turned out to be
// a national area code, as in Delhi or Buenos Aires). cues are phone's
// numberCues, read when ctx is false.
func (st *scanState) intlPhone(r numRange, ch *chunk, ctx bool, cues uint8) (score float64, ok, decided bool) {
	d := r.digits
	switch {
	case r.plus:
	case strings.HasPrefix(d, "00") && r.start == ch.start && r.ngroups > 1:
		d = d[2:]
	case strings.HasPrefix(d, "011") && r.start == ch.start && r.ngroups > 1:
		cc, nsn := splitCallingCode(d[3:], 3, r, ch, st.text)
		if cc == 0 || !possibleLength(cc, len(nsn)) {
			return 0, false, false
		}
		return min(1, 0.85+ctxBonus(ctx, 0.1)), true, true
	default:
		return 0, false, false
	}
	if !r.plus && !ctx && (r.ngroups < 2 || cues&cueRef != 0) {
		return 0, false, true // "Membership no. 0048 2211 97"
	}
	cc, nsn := splitCallingCode(d, len(r.digits)-len(d), r, ch, st.text)
	if cc == 0 || len(nsn) < 4 || (!r.plus && len(nsn) < 7) || !possibleLength(cc, len(nsn)) {
		return 0, false, true
	}
	return min(1, 0.85+ctxBonus(ctx, 0.1)), true, true
}

// splitCallingCode splits d (the range's digits after skip digits of
// access code) into a calling code and the national number, dropping a trunk
// zero written in brackets after the code: "+41 (0)44 668 18 00".
func splitCallingCode(d string, skip int, r numRange, ch *chunk, t string) (int, string) {
	cc, n := 0, 0
	for k := 1; k <= 3 && k < len(d) && d[0] != '0'; k++ {
		if v := atoiN(d[:k]); phoneData().ccLens[v] != 0 {
			cc, n = v, k
			break
		}
	}
	if cc == 0 {
		return 0, ""
	}
	nsn := d[n:]
	if r.start == ch.start && ch.n > 2 && ch.g[0].e-ch.g[0].s == skip+n {
		g := ch.g[1]
		if g.e-g.s == 1 && t[g.s] == '0' && t[g.s-1] == '(' && g.e < len(t) && t[g.e] == ')' {
			nsn = nsn[1:]
		}
	}
	return cc, nsn
}

func possibleLength(cc, n int) bool {
	return n < 32 && phoneData().ccLens[cc]&(1<<n) != 0
}

// validConfigured: valid in phone_region or one of phone_extra_regions.
func (st *scanState) validConfigured(raw, digits string) bool {
	if st.s.nanpOnly && !nanpShape(digits) {
		return false // cheap NANP pre-check before the ~20 µs parse
	}
	return st.validPhone(raw)
}

// validBroad reports whether the national digits d are valid in one of
// broadRegions not already configured. The national number is built
// directly (trunk prefix stripped) instead of parsed, and lengths that no
// number of a region's calling code can have are skipped before the
// pattern match (about 3 µs each).
func validBroad(d string, s *Scanner) bool {
	pd := phoneData()
	for _, br := range pd.broad {
		if br.code == s.region || contains(s.extra, br.code) {
			continue
		}
		nsn := d
		if br.prefix != "" && strings.HasPrefix(d, br.prefix) {
			nsn = d[len(br.prefix):]
		}
		if len(nsn) < 4 || !possibleLength(int(br.cc), len(nsn)) || (br.cc == 1 && !nanpShape(nsn)) {
			continue
		}
		if nationalValid(br, nsn) {
			return true
		}
	}
	return false
}

// nationalValid builds the number from its national significant digits
// (leading zeros kept, as Italian numbers need) and validates it for the
// region; for NANP, for any region sharing +1.
func nationalValid(br broadRegion, nsn string) bool {
	cc := br.cc
	var nn uint64
	zeros := int32(0)
	for i := 0; i < len(nsn); i++ {
		if nn == 0 && nsn[i] == '0' {
			zeros++
		}
		nn = nn*10 + uint64(nsn[i]-'0')
	}
	num := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &nn}
	if zeros > 0 {
		lead := true
		num.ItalianLeadingZero = &lead
		num.NumberOfLeadingZeros = &zeros
	}
	if cc == 1 {
		return phonenumbers.IsValidNumber(num)
	}
	return phonenumbers.IsValidNumberForRegion(num, br.code)
}

// phoneGrouping: digit groups the way phone numbers are written: three or
// more groups of 1-5 digits ("027 896 92 86", "21 212 133 2727"), or two
// groups of an area code and a subscriber number ("0171 2345678",
// "6123 4567", "555 0132").
func phoneGrouping(r numRange) bool {
	l := r.lens
	if len(l) >= 3 {
		long := 0
		for _, n := range l {
			if n > 5 {
				long++
			}
		}
		return long == 0 || (long == 1 && l[len(l)-1] <= 8 && l[len(l)-1] > 5 && r.digits[0] == '0')
	}
	if len(l) != 2 {
		return false
	}
	if r.digits[0] == '0' {
		return l[0] >= 2 && l[0] <= 5 && l[1] >= 4 && l[1] <= 8
	}
	return (l[0] == 3 || l[0] == 4) && l[1] == 4
}

// dottedPhone: dots are phone separators in 3-3-4 (US) and in groups of two
// to four digits ("01.42.68.53.00"); other dotted numbers are versions or
// amounts.
func dottedPhone(l []int) bool {
	if lensAre(l, 3, 3, 4) {
		return true
	}
	if len(l) < 4 {
		return false
	}
	for _, n := range l {
		if n < 2 || n > 4 {
			return false
		}
	}
	return true
}

// notPhoneShape reports candidates that have the shape of a stronger type or
// of a number that is not an identifier at all.
func (st *scanState) notPhoneShape(r numRange, ch *chunk) bool {
	t := st.text
	d := r.digits
	if r.start > 0 && t[r.start-1] == '#' {
		return true // "Order #415-555-0132"
	}
	if r.start > 1 && t[r.start-1] == '-' && isAlnum(t[r.start-2]) {
		return true // "B-2291-0045", "REF-2024-88123"
	}
	if ch.cardLike || lensAre(r.lens, 3, 2, 4) || isbnValid(d) || allSame(d) {
		return true
	}
	if r.plus {
		return false
	}
	if sequential(d) || thousands(r) || ascendingList(r) || st.amountNear(r.start, r.end) || idPrefixed(t, r.start) {
		return true
	}
	return false
}

// thousands: "1 234 567", "12.345.678": digit groups of three after a first
// group of one or two digits that is not a trunk zero. (With three digits
// first, "912 345 678" is how Spain, Portugal and Poland write phones.)
func thousands(r numRange) bool {
	if r.ngroups < 2 || (r.sep != " " && r.sep != ".") || r.digits[0] == '0' || r.lens[0] > 2 {
		return false
	}
	for _, n := range r.lens[1:] {
		if n != 3 {
			return false
		}
	}
	return true
}

// ascendingList: six or more small numbers in rising order ("04 12 19 23 38
// 45") are a list, not a phone number.
func ascendingList(r numRange) bool {
	if r.ngroups < 6 {
		return false
	}
	t := r.digits
	prev := -1
	for _, l := range r.lens {
		if l > 2 {
			return false
		}
		v := atoiN(t[:l])
		t = t[l:]
		if v <= prev {
			return false
		}
		prev = v
	}
	return true
}

// sequential: 1234567890, 98765432 and the like are placeholders.
func sequential(d string) bool {
	up, down := true, true
	for i := 1; i < len(d); i++ {
		up = up && d[i] == '0'+(d[i-1]-'0'+1)%10
		down = down && d[i-1] == '0'+(d[i]-'0'+1)%10
	}
	return up || down
}

// currencyMarks precede or follow amounts.
var currencyMarks = []string{"$", "\u20ac", "\u00a3", "\u00a5", "usd", "eur", "gbp", "chf", "jpy", "cad", "aud", "inr", "brl", "sek", "nok", "dkk", "pln", "rub", "kr", "z\u0142"}

// amountNear: a currency sign or code right before or after the number.
func (st *scanState) amountNear(start, end int) bool {
	t := st.text
	b := start
	for b > 0 && start-b < 2 && t[b-1] == ' ' {
		b--
	}
	a := end
	for a < len(t) && a-end < 2 && t[a] == ' ' {
		a++
	}
	for _, m := range currencyMarks {
		if s := b - len(m); s >= 0 && hasFoldPrefix(t, s, m) && (s == 0 || !isAlpha(m[0]) || !isAlpha(t[s-1])) {
			return true
		}
		if hasFoldPrefix(t, a, m) && (!isAlpha(m[len(m)-1]) || boundaryAfter(t, a+len(m))) {
			return true
		}
	}
	return false
}

// idPrefixed: the number follows a two-letter country prefix, as VAT ids,
// IBANs and licence numbers do ("DE 136 695 976", "GB82 WEST ...").
func idPrefixed(t string, start int) bool {
	p := start
	if p > 0 && (t[p-1] == ' ' || t[p-1] == '-' || t[p-1] == '.') {
		p--
	}
	for p > 0 && isDigit(t[p-1]) && start-p < 4 {
		p--
	}
	return p >= 2 && isUpper(t[p-1]) && isUpper(t[p-2]) && (p == 2 || !isWordByte(t[p-3]))
}

// isbnValid: 13 digits starting 978 or 979 with the ISBN-13 check digit.
func isbnValid(d string) bool {
	if len(d) != 13 || (!strings.HasPrefix(d, "978") && !strings.HasPrefix(d, "979")) {
		return false
	}
	sum := 0
	for i := 0; i < 13; i++ {
		v := int(d[i] - '0')
		if i%2 == 1 {
			v *= 3
		}
		sum += v
	}
	return sum%10 == 0
}

// validPhone: valid in phone_region or one of phone_extra_regions (Parse +
// IsValidNumber, about 20 µs per region).
func (st *scanState) validPhone(raw string) bool {
	if st.validPhoneRegion(raw, st.s.region) {
		return true
	}
	for _, reg := range st.s.extra {
		if st.validPhoneRegion(raw, reg) {
			return true
		}
	}
	return false
}

// validPhoneRegion parses a national-format number as dialled from region. Any
// region sharing the calling code counts (a Toronto number from a US default
// region), since the text does not say which one is meant.
func (st *scanState) validPhoneRegion(raw, region string) bool {
	num, err := phonenumbers.Parse(raw, region)
	return err == nil && phonenumbers.IsValidNumber(num) && nanpOK(num)
}

var nanpRegions = map[string]bool{
	"US": true, "CA": true, "AG": true, "AI": true, "AS": true, "BB": true, "BM": true, "BS": true,
	"DM": true, "DO": true, "GD": true, "GU": true, "JM": true, "KN": true, "KY": true, "LC": true,
	"MP": true, "MS": true, "PR": true, "SX": true, "TC": true, "TT": true, "VC": true, "VG": true, "VI": true,
}

func isNANP(region string) bool { return nanpRegions[region] }

// nanpShape: 10 digits (or 11 with a leading 1) with area code and exchange
// starting 2-9.
func nanpShape(d string) bool {
	if len(d) == 11 && d[0] == '1' {
		d = d[1:]
	}
	return len(d) == 10 && d[0] >= '2' && d[3] >= '2'
}

// nanpOK applies the North American numbering plan rule that libphonenumber's
// metadata leaves loose: area code and exchange both start with 2-9.
func nanpOK(num *phonenumbers.PhoneNumber) bool {
	if num.GetCountryCode() != 1 {
		return true
	}
	nn := phonenumbers.GetNationalSignificantNumber(num)
	return len(nn) == 10 && nn[0] >= '2' && nn[3] >= '2'
}
