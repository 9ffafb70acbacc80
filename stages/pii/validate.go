package pii

import (
	"crypto/sha256"
	"math"
	"strings"
)

// The validators take digits only (separators already removed) unless noted.

// luhnValid reports whether the digit string passes the Luhn (mod 10) check.
func luhnValid(d string) bool {
	if len(d) < 2 {
		return false
	}
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		c := d[i]
		if c < '0' || c > '9' {
			return false
		}
		v := int(c - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

func atoiN(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func hasPrefixRange(d string, n int, lo, hi int) bool {
	if len(d) < n {
		return false
	}
	v := atoiN(d[:n])
	return v >= lo && v <= hi
}

// cardBrand is one issuer range: prefixes [lo, hi] of n digits, and the
// card lengths [minLen, maxLen] issued in it.
type cardBrand struct {
	name           string
	n, lo, hi      int
	minLen, maxLen int
}

// cardBrands lists the issuer ranges (IIN prefixes) and lengths of the
// networks in circulation, most specific first.
var cardBrands = []cardBrand{
	{"visa", 1, 4, 4, 13, 13},
	{"visa", 1, 4, 4, 16, 16},
	{"visa", 1, 4, 4, 19, 19},
	{"mastercard", 2, 51, 55, 16, 16},
	{"mastercard", 4, 2221, 2720, 16, 16},
	{"amex", 2, 34, 34, 15, 15},
	{"amex", 2, 37, 37, 15, 15},
	{"discover", 4, 6011, 6011, 16, 19},
	{"discover", 3, 644, 649, 16, 19},
	{"discover", 2, 65, 65, 16, 19},
	{"jcb", 4, 3528, 3589, 16, 19},
	{"jcb", 4, 2131, 2131, 15, 15},
	{"jcb", 4, 1800, 1800, 15, 15},
	{"diners", 3, 300, 305, 14, 19},
	{"diners", 4, 3095, 3095, 14, 19},
	{"diners", 2, 36, 36, 14, 19},
	{"diners", 2, 38, 39, 14, 19},
	{"unionpay", 2, 62, 62, 16, 19},
	{"unionpay", 2, 81, 81, 16, 19},
	{"mir", 4, 2200, 2204, 16, 19},
	{"maestro", 4, 5018, 5018, 12, 19},
	{"maestro", 4, 5020, 5020, 12, 19},
	{"maestro", 4, 5038, 5038, 12, 19},
	{"maestro", 4, 5893, 5893, 12, 19},
	{"maestro", 4, 6304, 6304, 12, 19},
	{"maestro", 4, 6390, 6390, 12, 19},
	{"maestro", 4, 6759, 6759, 12, 19},
	{"maestro", 4, 6761, 6763, 12, 19},
	{"uatp", 1, 1, 1, 15, 15},
}

// debitRanges are the remaining Maestro and national debit ranges (50,
// 56-69), taken only when no network above claims the prefix: "6011" with
// 14 digits is a bad Discover number, not a debit card.
var debitRanges = []cardBrand{
	{"maestro", 2, 50, 50, 12, 19},
	{"maestro", 2, 56, 69, 12, 19},
}

// cardIssuerOK checks the issuer identification number range against the length.
func cardIssuerOK(d string) bool {
	return cardBrandOf(d) != ""
}

// cardBrandOf names the network whose range and length fit d, or "".
func cardBrandOf(d string) string {
	n := len(d)
	claimed := false
	for _, b := range cardBrands {
		if hasPrefixRange(d, b.n, b.lo, b.hi) {
			if n >= b.minLen && n <= b.maxLen {
				return b.name
			}
			claimed = true
		}
	}
	if claimed {
		return ""
	}
	for _, b := range debitRanges {
		if n >= b.minLen && n <= b.maxLen && hasPrefixRange(d, b.n, b.lo, b.hi) {
			return b.name
		}
	}
	return ""
}

// cardValid: issuer range, length, Luhn, and not a single repeated digit.
func cardValid(d string) bool {
	if len(d) < 12 || len(d) > 19 || allSame(d) {
		return false
	}
	return cardIssuerOK(d) && luhnValid(d)
}

func allSame(s string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] != s[0] {
			return false
		}
	}
	return true
}

// ssnValid applies the SSA rules to a 9-digit string.
func ssnValid(d string) bool {
	if len(d) != 9 || allSame(d) {
		return false
	}
	area, group, serial := atoiN(d[:3]), atoiN(d[3:5]), atoiN(d[5:])
	if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
		return false
	}
	switch d {
	case "078051120", "219099999", "123456789":
		return false // advertising / specimen numbers
	}
	return true
}

// itinValid: 9XX, group in the IRS ranges.
func itinValid(d string) bool {
	if len(d) != 9 || d[0] != '9' {
		return false
	}
	g := atoiN(d[3:5])
	return (g >= 50 && g <= 65) || (g >= 70 && g <= 88) || (g >= 90 && g <= 92) || (g >= 94 && g <= 99)
}

// abaValid: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) ≡ 0 mod 10, with a
// Federal Reserve prefix (00-12, 21-32, 61-72, 80).
func abaValid(d string) bool {
	if len(d) != 9 || allSame(d) {
		return false
	}
	p := atoiN(d[:2])
	if !(p <= 12 || (p >= 21 && p <= 32) || (p >= 61 && p <= 72) || p == 80) {
		return false
	}
	w := [3]int{3, 7, 1}
	sum := 0
	for i := 0; i < 9; i++ {
		sum += w[i%3] * int(d[i]-'0')
	}
	return sum%10 == 0
}

// npiValid: 10 digits starting 1 or 2; Luhn over "80840" + the digits.
func npiValid(d string) bool {
	if len(d) != 10 || (d[0] != '1' && d[0] != '2') || allSame(d[1:]) {
		return false
	}
	return luhnValid("80840" + d)
}

// nhsValid: weights 10..2 on the first nine digits, mod 11 check digit.
func nhsValid(d string) bool {
	if len(d) != 10 || allSame(d) {
		return false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(d[i]-'0') * (10 - i)
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == int(d[9]-'0')
}

// ibanLengths is the registry length per country (SWIFT IBAN registry).
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
	"BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
	"EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
	"GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
	"JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
	"MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
	"NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
	"SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

// ibanValid takes a compact upper-case IBAN (no spaces).
func ibanValid(s string) bool {
	if len(s) < 15 || len(s) > 34 {
		return false
	}
	if want, ok := ibanLengths[s[:2]]; !ok || want != len(s) {
		return false
	}
	if !isDigit(s[2]) || !isDigit(s[3]) {
		return false
	}
	rem := 0
	r := s[4:] + s[:4]
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case isDigit(c):
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			v := int(c-'A') + 10
			rem = (rem*100 + v) % 97
		default:
			return false
		}
	}
	return rem == 1
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var base58Index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base58Alphabet); i++ {
		t[base58Alphabet[i]] = int8(i)
	}
	return t
}()

// base58CheckValid decodes a Bitcoin legacy/P2SH address and checks the
// double-SHA-256 checksum and the version byte (0x00 or 0x05).
func base58CheckValid(s string) bool {
	if len(s) < 25 || len(s) > 35 {
		return false
	}
	var buf [40]byte // big-endian accumulator; 25 bytes needed
	for i := 0; i < len(s); i++ {
		v := base58Index[s[i]]
		if v < 0 {
			return false
		}
		carry := int(v)
		for j := len(buf) - 1; j >= 0; j-- {
			carry += int(buf[j]) * 58
			buf[j] = byte(carry)
			carry >>= 8
		}
		if carry != 0 {
			return false
		}
	}
	// Leading '1's encode leading zero bytes.
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	start := 0
	for start < len(buf) && buf[start] == 0 {
		start++
	}
	dec := make([]byte, 0, 25)
	dec = append(dec, make([]byte, zeros)...)
	dec = append(dec, buf[start:]...)
	if len(dec) != 25 || (dec[0] != 0x00 && dec[0] != 0x05) {
		return false
	}
	h1 := sha256.Sum256(dec[:21])
	h2 := sha256.Sum256(h1[:])
	return h2[0] == dec[21] && h2[1] == dec[22] && h2[2] == dec[23] && h2[3] == dec[24]
}

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

func bech32Polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		b := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := 0; i < 5; i++ {
			if (b>>uint(i))&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

// bech32AddressValid checks a lower-case "bc1..." segwit address: Bech32 for
// witness version 0, Bech32m for versions 1..16.
func bech32AddressValid(s string) bool {
	if len(s) < 14 || len(s) > 74 || !strings.HasPrefix(s, "bc1") {
		return false
	}
	data := make([]byte, 0, len(s))
	for _, hrp := range []byte("bc") {
		data = append(data, hrp>>5)
	}
	data = append(data, 0)
	for _, hrp := range []byte("bc") {
		data = append(data, hrp&31)
	}
	payload := s[3:]
	for i := 0; i < len(payload); i++ {
		k := strings.IndexByte(bech32Charset, payload[i])
		if k < 0 {
			return false
		}
		data = append(data, byte(k))
	}
	if len(payload) < 7 {
		return false
	}
	version := data[5]
	pm := bech32Polymod(data)
	switch {
	case version == 0:
		return pm == 1 && (len(payload) == 39 || len(payload) == 59)
	case version <= 16:
		return pm == 0x2bc830a3
	}
	return false
}

// shannon returns the Shannon entropy of s in bits per byte.
func shannon(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	h := 0.0
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// charClasses counts lower, upper, digit and other classes present in s.
func charClasses(s string) int {
	var lo, up, dg, ot bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			lo = true
		case c >= 'A' && c <= 'Z':
			up = true
		case isDigit(c):
			dg = true
		default:
			ot = true
		}
	}
	n := 0
	for _, b := range []bool{lo, up, dg, ot} {
		if b {
			n++
		}
	}
	return n
}

var placeholderMarks = []string{
	"xxxx", "example", "changeme", "change_me", "your", "placeholder", "dummy", "redacted",
	"****", "....", "<", ">", "${", "{{", "%(", "insert", "replace", "sample", "fake_", "todo",
	"abcdefgh", "12345678", "qwerty",
}

// placeholderWords are stand-ins when they are the whole value. (Inside a
// value they stay: "Password123!" is a weak but real password.)
var placeholderWords = map[string]bool{
	"password": true, "passwd": true, "secret": true, "token": true, "apikey": true, "api_key": true,
	"username": true, "user": true, "pass": true, "none": true, "null": true, "undefined": true,
	"required": true, "optional": true, "string": true, "empty": true, "test": true, "default": true,
}

// isPlaceholder reports documentation stand-ins rather than real values.
func isPlaceholder(v string) bool {
	l := strings.ToLower(v)
	if placeholderWords[strings.Trim(l, "_-. ")] {
		return true
	}
	for _, m := range placeholderMarks {
		if strings.Contains(l, m) {
			return true
		}
	}
	distinct := 0
	var seen [256]bool
	for i := 0; i < len(v); i++ {
		if !seen[v[i]] {
			seen[v[i]] = true
			distinct++
		}
	}
	return distinct < 6 && len(v) > 8
}

// Byte classes, looked up once per byte in the hot loop.
const (
	cDigit = 1 << iota
	cUpper
	cLower
	cHex
	cUnder
	cHigh // >= 0x80
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= '0' && c <= '9':
			t[c] = cDigit | cHex
		case c >= 'A' && c <= 'Z':
			t[c] = cUpper
		case c >= 'a' && c <= 'z':
			t[c] = cLower
		case c == '_':
			t[c] = cUnder
		case c >= 0x80:
			t[c] = cHigh
		}
		if (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') {
			t[c] |= cHex
		}
	}
	return t
}()

func isDigit(c byte) bool { return byteClass[c]&cDigit != 0 }
func isUpper(c byte) bool { return byteClass[c]&cUpper != 0 }
func isLower(c byte) bool { return byteClass[c]&cLower != 0 }
func isAlpha(c byte) bool { return byteClass[c]&(cUpper|cLower) != 0 }
func isAlnum(c byte) bool { return byteClass[c]&(cDigit|cUpper|cLower) != 0 }
func isHex(c byte) bool   { return byteClass[c]&cHex != 0 }

// isWordByte: bytes that glue to a token (alnum, '_' and any non-ASCII byte).
func isWordByte(c byte) bool { return byteClass[c] != 0 }
