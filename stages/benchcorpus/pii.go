package benchcorpus

import (
	"strconv"
	"strings"
)

// PII types planted: the names the redact report counts them under.
const (
	typeEmail = "EMAIL"
	typePhone = "PHONE"
	typeCard  = "CREDIT_CARD"
	typeSSN   = "US_SSN"
)

// piiTypes are planted in turn, so each gets a quarter of the PII records.
var piiTypes = []string{typeEmail, typePhone, typeCard, typeSSN}

// fakeValue returns a fake value of type typ in a shape the default
// detectors accept: letters-only TLD for e-mail; a NANP number with a real
// area code and an exchange starting 2-9 in (AAA) EEE-LLLL or AAA-EEE-LLLL
// form (valid for libphonenumber, phone-shaped so that no context word is
// needed); a Visa or Mastercard number passing Luhn, in 4-4-4-4 groups; an
// SSN in the SSA's valid ranges (area 001-899 but not 666, group and serial
// not zero) in 3-2-4 form.
func fakeValue(r *rng, typ string) string {
	switch typ {
	case typeEmail:
		local := strings.ToLower(pick(r, slots["given"]))
		switch r.intn(3) {
		case 0:
			local += "." + strings.ToLower(pick(r, slots["surname"]))
		case 1:
			local += strconv.Itoa(r.between(10, 99))
		default:
			local = local[:1] + strings.ToLower(pick(r, slots["surname"]))
		}
		return local + "@" + pick(r, emailDomains)
	case typePhone:
		area := pick(r, areaCodes)
		exch := r.between(200, 999)
		for exch%100 == 11 || exch == 555 {
			exch = r.between(200, 999)
		}
		line := pad(r.intn(10000), 4)
		if r.chance(0.5) {
			return "(" + area + ") " + strconv.Itoa(exch) + "-" + line
		}
		return area + "-" + strconv.Itoa(exch) + "-" + line
	case typeCard:
		d := []byte("4")
		if r.chance(0.4) {
			d = []byte(strconv.Itoa(r.between(51, 55)))
		}
		for len(d) < 15 {
			d = append(d, byte('0'+r.intn(10)))
		}
		d = append(d, luhnDigit(d))
		sep := " "
		if r.chance(0.3) {
			sep = "-"
		}
		return string(d[0:4]) + sep + string(d[4:8]) + sep + string(d[8:12]) + sep + string(d[12:16])
	case typeSSN:
		for {
			area := r.between(1, 899)
			if area == 666 {
				continue
			}
			s := pad(area, 3) + pad(r.between(1, 99), 2) + pad(r.between(1, 9999), 4)
			if s == "078051120" || s == "219099999" || s == "123456789" {
				continue // advertising and specimen numbers
			}
			return s[:3] + "-" + s[3:5] + "-" + s[5:]
		}
	}
	return ""
}

// luhnDigit is the check digit that makes digits + it pass Luhn.
func luhnDigit(digits []byte) byte {
	sum := 0
	double := true // the check digit will be rightmost: its neighbour is doubled
	for i := len(digits) - 1; i >= 0; i-- {
		v := int(digits[i] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return byte('0' + (10-sum%10)%10)
}

// Domains reserved for documentation (RFC 2606) and made-up ones.
var emailDomains = []string{"example.com", "example.net", "example.org", "mail.example.com", "inbox.example.net", "trailpost.example"}

// US area codes in service (the detector validates against libphonenumber's list).
var areaCodes = []string{"201", "202", "206", "212", "213", "303", "305", "312", "314", "404", "407", "412",
	"415", "503", "512", "602", "612", "614", "617", "702", "713", "720", "801", "804", "808", "813", "904", "919"}

// plantPII inserts a sentence holding a fake value of typ into the prompt
// field, after one of its sentences, and returns where the value is.
func plantPII(r *rng, rec *record, kind, typ string) PIIValue {
	tmpl := pick(r, piiSentences[kind][typ])
	before, after, _ := strings.Cut(tmpl, "{value}")
	before = expand(r, before)
	value := fakeValue(r, typ)
	sentence := before + value + expand(r, after)
	at := sentenceBoundary(r, rec.prompt)
	start := at + 1 + len(before)
	rec.prompt = rec.prompt[:at] + " " + sentence + rec.prompt[at:]
	return PIIValue{Type: typ, Field: rec.promptField, Start: start, End: start + len(value), Value: value}
}

// sentenceBoundary returns the end of a random sentence of text: after its
// final punctuation, before the space that follows.
func sentenceBoundary(r *rng, text string) int {
	var ends []int
	for i := 0; i+1 < len(text); i++ {
		if (text[i] == '.' || text[i] == '?' || text[i] == '!') && text[i+1] == ' ' {
			ends = append(ends, i+1)
		}
	}
	ends = append(ends, len(text))
	return pick(r, ends)
}
