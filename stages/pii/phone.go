package pii

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

var supportedRegions = phonenumbers.GetSupportedRegions()

func validRegion(r string) bool { return supportedRegions[r] }

// phone decides whether a numeric range is a phone number. libphonenumber has
// no free-text matcher, so the candidate shape is checked here first (cheap)
// and only plausible candidates reach Parse + IsValidNumber (about 20 µs).
func (st *scanState) phone(r numRange, formatted bool) (float64, bool) {
	nd := len(r.digits)
	if nd < 7 || nd > 15 || (r.plus && nd < 8) {
		return 0, false
	}
	t := st.text
	raw := t[r.start:r.end]
	if strings.IndexByte(raw, '/') >= 0 {
		return 0, false // dates and fractions
	}
	if r.sep == "." && r.ngroups != 3 && !r.plus {
		return 0, false // dotted numbers other than 3-3-4 are versions or amounts
	}
	ctx := st.hasContext(r.start, r.end, phoneWords)
	// A reference word ("order", "ticket", "account") nearby marks a bare or
	// loosely formatted number as an identifier; a number written the way
	// phones are (+CC, "(415)", 3-3-4 groups) stays a phone even in a support
	// ticket, where those words are everywhere.
	hashed := r.start > 0 && t[r.start-1] == '#' // "Order #415-555-0132"
	phoneShaped := !hashed && (r.plus || strings.ContainsAny(raw, "()") || (formatted && lensAre(r.lens, 3, 3, 4)))
	if !ctx && !phoneShaped && st.hasContext(r.start, r.end, refWords) {
		return 0, false
	}
	if !r.plus {
		if (r.ngroups == 1 || nd < 8) && !ctx {
			return 0, false // bare digit runs and 7-digit local numbers need a phone word nearby
		}
		if lensAre(r.lens, 5, 4) && r.sep == "-" && !ctx {
			return 0, false // US ZIP+4
		}
		if r.mixed && !strings.ContainsAny(raw, "()") {
			return 0, false
		}
		if !formatted && r.ngroups > 1 && !strings.ContainsAny(raw, "()") {
			return 0, false
		}
	}
	if !r.plus && strings.HasPrefix(raw, "00") && nd >= 10 {
		// "00" is the international call prefix almost everywhere outside NANP.
		if st.validPhone("+"+raw[2:], true) {
			return 0.85, true
		}
		return 0, false
	}
	if !r.plus && st.s.nanpOnly && !nanpShape(r.digits) {
		return 0, false // cheap NANP pre-check before the ~20 µs parse
	}
	if !st.validPhone(raw, r.plus) {
		return 0, false
	}
	score := 0.75
	if r.plus {
		score = 0.9
	}
	if ctx {
		score += 0.1
	}
	return score, true
}

func (st *scanState) validPhone(raw string, plus bool) bool {
	if plus {
		num, err := phonenumbers.Parse(raw, st.s.region)
		return err == nil && phonenumbers.IsValidNumber(num) && nanpOK(num)
	}
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
