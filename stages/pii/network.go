package pii

import (
	"net/netip"
	"strings"
)

func isLocalByte(c byte) bool {
	return isAlnum(c) || strings.IndexByte("._%+-'", c) >= 0
}

func isDomainByte(c byte) bool { return isAlnum(c) || c == '-' || c == '.' }

// email is anchored on '@': walk left over the local part, right over the domain.
func (st *scanState) email(at int) {
	t := st.text
	s := at
	for s > 0 && at-s < 64 && isLocalByte(t[s-1]) {
		s--
	}
	for s < at && (t[s] == '.' || t[s] == '\'' || t[s] == '-') {
		s++
	}
	if s == at || (s > 0 && t[s-1] >= 0x80) {
		return
	}
	e := at + 1
	for e < len(t) && e-at < 256 && isDomainByte(t[e]) {
		e++
	}
	for e > at+1 && (t[e-1] == '.' || t[e-1] == '-') {
		e--
	}
	if e < len(t) && (t[e] >= 0x80 || t[e] == '_') {
		return
	}
	dom := t[at+1 : e]
	dot := strings.LastIndexByte(dom, '.')
	if dot <= 0 || strings.Contains(dom, "..") || dom[0] == '-' || dom[0] == '.' {
		return
	}
	if !validTLD(dom[dot+1:]) {
		return
	}
	st.add(s, e, "email", 1.0)
}

// validTLD: letters only, 2+ characters, or an IDNA "xn--" label.
func validTLD(tld string) bool {
	if strings.HasPrefix(strings.ToLower(tld), "xn--") && len(tld) > 4 {
		return true
	}
	if len(tld) < 2 || len(tld) > 63 {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if !isAlpha(tld[i]) {
			return false
		}
	}
	return true
}

// colon handles "://" (credentials in URLs) and a leading "::" (IPv6).
func (st *scanState) colon(i int) int {
	t := st.text
	if strings.HasPrefix(t[i:], "://") {
		if st.s.fam.url {
			st.url(i) // the pass goes on inside the URL: a secret in it is still a secret
		}
		if st.s.fam.urlCreds {
			return st.urlCredentials(i)
		}
		return i + 3
	}
	if strings.HasPrefix(t[i:], "::") && leadingDoubleColon(t, i) {
		if e, ok := st.ipv6(i); ok {
			return e
		}
	}
	return i + 1
}

// leadingDoubleColon: "::" starts an address unless it continues a hex word
// or a colon chain ("gggg:hhhh::1").
func leadingDoubleColon(t string, i int) bool {
	if i == 0 {
		return true
	}
	if isHex(t[i-1]) || t[i-1] == ':' {
		return false
	}
	w := i
	for w > 0 && isWordByte(t[w-1]) {
		w--
	}
	return w == 0 || t[w-1] != ':'
}

func isAuthorityByte(c byte) bool {
	return c > ' ' && c < 0x7f && strings.IndexByte("/?#\"'<>`\\[]{}|", c) < 0
}

// urlCredentials reports scheme://user:password@host with a real-looking password.
func (st *scanState) urlCredentials(colon int) int {
	t := st.text
	s := colon
	for s > 0 && (isAlnum(t[s-1]) || t[s-1] == '+' || t[s-1] == '.' || t[s-1] == '-') {
		s--
	}
	if s == colon || !isAlpha(t[s]) {
		return colon + 3
	}
	a := colon + 3
	e := runEnd(t, a, isAuthorityByte)
	at := strings.LastIndexByte(t[a:e], '@')
	if at < 0 {
		return colon + 3
	}
	user := t[a : a+at]
	c := strings.IndexByte(user, ':')
	if c < 0 {
		return colon + 3
	}
	pass := user[c+1:]
	if len(pass) < 3 || isPlaceholder(pass) || strings.HasPrefix(pass, "$") || strings.HasPrefix(pass, "%") {
		return colon + 3
	}
	st.add(s, e, "url-credentials", 1.0)
	return e
}

// hexNetwork recognises MAC addresses and IPv6 addresses starting at i.
func (st *scanState) hexNetwork(i int) (int, bool) {
	t := st.text
	k := runEnd(t, i, isHex)
	if k-i > 4 || k+1 >= len(t) {
		return 0, false
	}
	switch t[k] {
	case ':', '-':
		if k-i == 2 {
			if e, ok := st.mac(i, t[k]); ok {
				return e, true
			}
		}
		if t[k] == ':' {
			return st.ipv6(i)
		}
	case '.':
		if k-i == 4 {
			return st.ciscoMAC(i)
		}
	}
	return 0, false
}

func (st *scanState) mac(i int, sep byte) (int, bool) {
	t := st.text
	e := i + 17
	if e > len(t) || !boundaryAfter(t, e) || (e < len(t) && (t[e] == sep || t[e] == ':' || t[e] == '-')) {
		return 0, false
	}
	for k := 0; k < 6; k++ {
		p := i + 3*k
		if !isHex(t[p]) || !isHex(t[p+1]) || (k < 5 && t[p+2] != sep) {
			return 0, false
		}
	}
	v := strings.ToLower(t[i:e])
	if v == "ff:ff:ff:ff:ff:ff" || v == "00:00:00:00:00:00" || v == "ff-ff-ff-ff-ff-ff" || v == "00-00-00-00-00-00" {
		return e, true // broadcast / null: not identifying
	}
	st.add(i, e, "mac-address", 0.9)
	return e, true
}

// macWords make a Cisco-dotted hex triple without digits ("dead.beef.cafe") a MAC address.
var macWords = newWordList("mac", "physical", "hardware")

func (st *scanState) ciscoMAC(i int) (int, bool) {
	t := st.text
	e := i + 14
	if e > len(t) || !boundaryAfter(t, e) || (e < len(t) && t[e] == '.' && e+1 < len(t) && isAlnum(t[e+1])) {
		return 0, false
	}
	for k := 0; k < 14; k++ {
		c := t[i+k]
		if k == 4 || k == 9 {
			if c != '.' {
				return 0, false
			}
		} else if !isHex(c) {
			return 0, false
		}
	}
	hasDigit := strings.ContainsAny(t[i:e], "0123456789")
	if !hasDigit && !st.near(i, e, macWords) {
		return 0, false
	}
	st.add(i, e, "mac-address", 0.85)
	return e, true
}

func isIPv6Byte(c byte) bool { return isHex(c) || c == ':' || c == '.' }

func (st *scanState) ipv6(i int) (int, bool) {
	t := st.text
	if i > 0 && t[i-1] == ':' {
		return runEnd(t, i, isIPv6Byte), true // the tail of something longer
	}
	e := runEnd(t, i, isIPv6Byte)
	for e > i && (t[e-1] == '.' || (t[e-1] == ':' && (e-2 < i || t[e-2] != ':'))) {
		e--
	}
	if !boundaryAfter(t, e) || e-i < 3 {
		return 0, false
	}
	cand := t[i:e]
	colons := strings.Count(cand, ":")
	if colons < 2 || (colons < 3 && !strings.ContainsAny(cand, "0123456789")) {
		return 0, false
	}
	addr, err := netip.ParseAddr(cand)
	if err != nil || !addr.Is6() {
		return 0, false
	}
	if e+1 < len(t) && t[e] == '%' { // zone: fe80::1%eth0
		if z := runEnd(t, e+1, isKeyByte); z > e+1 {
			e = z
		}
	}
	e = cidrSuffix(t, e, 128)
	if !(st.s.keepPrivate && nonPublic(addr)) {
		st.add(i, e, "ipv6", 0.9)
	}
	return e, true
}

// oneCase reports whether the letters of s have the case recorded in
// *cased (0x20 lower, 0 upper, 0xff none yet), recording it on first use.
func oneCase(s string, cased *byte) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; isAlpha(c) {
			if *cased == 0xff {
				*cased = c & 0x20
			} else if c&0x20 != *cased {
				return false
			}
		}
	}
	return true
}

// iban takes "CCdd" then either a compact run or groups of four separated by
// single spaces, in any letter case, and validates country length and mod 97.
func (st *scanState) iban(i int) int {
	t := st.text
	var buf [34]byte
	b := buf[:0]
	k := i
	lastGood := -1
	var sep byte        // ' ' or '-' once the first group separator is seen
	cased := byte(0xff) // then 0x20 for lower-case letters, 0 for upper case
	for k < len(t) && len(b) < 34 {
		e := runEnd(t, k, isAlnum)
		if e == k {
			break
		}
		if len(b)+(e-k) > 34 {
			break
		}
		if !oneCase(t[k:e], &cased) {
			break // one letter case throughout: "LV80 bANK ..." is no IBAN
		}
		for _, c := range []byte(t[k:e]) {
			if isLower(c) {
				c -= 'a' - 'A'
			}
			b = append(b, c)
		}
		if len(b) >= 15 && ibanValid(string(b)) && boundaryAfter(t, e) {
			lastGood = e
		}
		if e+1 < len(t) && e-k == 4 && isAlnum(t[e+1]) {
			if sep == 0 && (t[e] == ' ' || t[e] == '-') {
				sep = t[e]
			}
			if t[e] == sep {
				k = e + 1
				continue
			}
		}
		break
	}
	if lastGood < 0 {
		return i
	}
	score := 1.0
	st.add(i, lastGood, "iban", score)
	return lastGood
}

func isBase58Byte(c byte) bool { return base58Index[c] >= 0 }

func (st *scanState) base58Wallet(i int) int {
	t := st.text
	e := runEnd(t, i, isBase58Byte)
	if e-i < 26 || e-i > 35 || !boundaryAfter(t, e) || !base58CheckValid(t[i:e]) {
		return i
	}
	st.add(i, e, "bitcoin-address", 1.0)
	return e
}

func isBech32Byte(c byte) bool { return isDigit(c) || isLower(c) }

func (st *scanState) bech32Wallet(i int) int {
	t := st.text
	e := runEnd(t, i, isBech32Byte)
	if !boundaryAfter(t, e) || !bech32AddressValid(t[i:e]) {
		return i
	}
	st.add(i, e, "bitcoin-address", 1.0)
	return e
}

var ethWords = newWordList("wallet", "eth", "address", "send", "ether")

// ethereum: 0x + 40 hex. Git SHAs are 40 hex without "0x"; a 0x-prefixed
// 40-hex value still needs upper-case hex letters (EIP-55 checksum casing;
// hashes are printed in lower case) or a wallet word nearby.
func (st *scanState) ethereum(i int) int {
	t := st.text
	e := runEnd(t, i+2, isHex)
	if e-i != 42 || !boundaryAfter(t, e) {
		return i
	}
	v := t[i+2 : e]
	hasUp := false
	for k := 0; k < len(v); k++ {
		hasUp = hasUp || isUpper(v[k])
	}
	if !hasUp && !st.near(i, e, ethWords) {
		return i
	}
	st.add(i, e, "ethereum-address", 0.9)
	return e
}
