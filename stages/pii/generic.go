package pii

import "strings"

// Generic secrets: a key whose name says "password", "secret", "token" or
// "api key", an assignment operator, and a value that clears an entropy floor
// and is none of the usual look-alikes (git SHA, UUID, hash next to sha/md5,
// timestamp, version, placeholder, variable reference).

var secretKeyMarks = []string{
	"password", "passwd", "passwort", "pwd", "secret", "token", "apikey", "api_key", "api-key",
	"accesskey", "access_key", "privatekey", "private_key", "authorization", "auth_key", "authkey",
}

// Key names containing these are about secrets, not secrets themselves.
var secretKeyNegative = []string{
	"public", "url", "uri", "endpoint", "file", "path", "name", "length", "size", "type", "version",
	"count", "expir", "max", "min", "format", "method", "mode", "header", "field", "param", "csrf",
	"sha", "md5", "hash", "checksum", "digest", "fingerprint", "_id", "-id", "ttl", "timeout",
	"enabled", "required", "policy", "manager", "provider", "store", "vault", "storage",
}

// alwaysNegative keys hold values that are public or short-lived by design.
var alwaysNegative = []string{"public", "csrf", "xsrf", "jsonwebtoken"}

func isKeyByte(c byte) bool { return isAlnum(c) || c == '_' || c == '-' || c == '.' }

var valueByte = func() (t [256]bool) {
	for c := '!'; c < 0x7f; c++ {
		t[c] = !strings.ContainsRune("\"'`,;<>(){}[]\\", c)
	}
	return t
}()

// isValueByte: bytes that may appear in an assigned secret value.
func isValueByte(c byte) bool { return valueByte[c] }

// keyword inspects the word [i, end) for assignment keys, date-of-birth and
// person-name cues.
func (st *scanState) keyword(i, end int) {
	t := st.text
	ke := end
	if ke < len(t) && (t[ke] == '-' || t[ke] == '.') {
		ke = runEnd(t, ke, isKeyByte)
	}
	for ke > i && (t[ke-1] == '.' || t[ke-1] == '-') {
		ke--
	}
	midKey := i > 1 && (t[i-1] == '-' || t[i-1] == '.') && isAlnum(t[i-2]) // "csrf-token": judged from its start
	if st.s.fam.generic && ke-i >= 3 && ke-i <= 64 && !midKey {
		if vs, ok := assignmentAt(t, ke); ok {
			st.genericSecret(t[i:ke], vs)
		}
	}
	c := lower(t[i])
	if st.s.fam.dob && (c == 'd' || c == 'b') {
		st.dateOfBirth(i, end)
	}
	if st.s.fam.idLabel && (end-i == 2 || end-i >= 7) && (c == 'p' || c == 'l' || c == 'd' || c == 'r') {
		st.idLabel(i, end)
	}
	if st.s.fam.hipaaWord {
		st.hipaaWord(i, end)
	}
	if st.s.personOn {
		st.person(i, end)
	}
}

// assignmentAt returns where a value starts if t[k:] is an assignment
// (optional closing quote, ':' '=' ':=' '=>' with spaces, optional opening quote).
func assignmentAt(t string, k int) (int, bool) {
	p := k
	for p < len(t) && p-k < 2 && (t[p] == '"' || t[p] == '\'' || t[p] == '\\') {
		p++
	}
	for p < len(t) && p-k < 6 && (t[p] == ' ' || t[p] == '\t') {
		p++
	}
	if p >= len(t) || (t[p] != ':' && t[p] != '=') {
		return 0, false
	}
	p++
	if p < len(t) && (t[p] == '=' || t[p] == '>') {
		p++
	}
	for p < len(t) && p-k < 24 && (t[p] == ' ' || t[p] == '\t' || t[p] == '"' || t[p] == '\'' || t[p] == '\\') {
		p++
	}
	return p, p < len(t)
}

func (st *scanState) genericSecret(key string, vs int) {
	t := st.text
	if !containsFoldAnywhere(key, secretKeyMarks) {
		return // most "Word:" labels stop here without allocating
	}
	lk := strings.ToLower(key)
	strong := strings.HasSuffix(lk, "password") || strings.HasSuffix(lk, "secret") || strings.HasSuffix(lk, "token")
	if (!strong && (containsFoldAnywhere(lk, secretKeyNegative) || strings.HasSuffix(lk, "id"))) || containsFoldAnywhere(lk, alwaysNegative) {
		return
	}
	password := strings.Contains(lk, "pass") || strings.Contains(lk, "pwd")
	header := strings.Contains(lk, "authorization")
	if header {
		for _, scheme := range []string{"bearer ", "basic ", "token ", "api-token ", "digest "} {
			if hasFoldPrefix(t, vs, scheme) {
				vs += len(scheme)
				break
			}
		}
	}
	ve := runEnd(t, vs, isValueByte)
	if strings.HasSuffix(t[vs:ve], "..") || strings.HasPrefix(t[ve:], "\u2026") || strings.HasPrefix(t[ve:], "[Redacted]") {
		return // elided in the source ("ops_eyJz...", "abc…"): a truncated example
	}
	for ve > vs && (t[ve-1] == '.' || t[ve-1] == ':') {
		ve--
	}
	v := t[vs:ve]
	// A UUID or 40-hex value is the credential itself when it sits in an
	// Authorization header; a UUID also when the key names an API key.
	if (isUUID(v) && (header || strings.Contains(strings.ReplaceAll(lk, "_", ""), "apikey"))) ||
		(header && len(v) == 40 && allHexLower(v)) {
		st.add(vs, ve, "generic-secret", 0.8)
		return
	}
	if vendorPrefixed(v) {
		return // the vendor rule has judged this shape (and rejected it, or it will win)
	}
	if !plausibleSecretValue(v, password) {
		return
	}
	det, score := "generic-secret", 0.8
	if len(v) == 40 && strings.Contains(lk, "aws") && strings.Contains(lk, "secret") {
		det, score = "aws-secret-access-key", 1.0
	}
	st.add(vs, ve, det, score)
}

var vendorPrefixes = []string{
	"xox", "xapp-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "sk_live_", "sk_test_",
	"rk_live_", "rk_test_", "sk-ant-", "sk-proj-", "hf_", "AKIA", "ASIA", "AIza", "npm_", "SG.", "pypi-", "hvs.",
}

func vendorPrefixed(v string) bool {
	for _, p := range vendorPrefixes {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	return false
}

// containsFoldAnywhere: ASCII case-insensitive substring test for lower-case needles.
func containsFoldAnywhere(hay string, needles []string) bool {
	for _, nd := range needles {
		for i := 0; i+len(nd) <= len(hay); i++ {
			if hasFoldPrefix(hay, i, nd) {
				return true
			}
		}
	}
	return false
}

// plausibleSecretValue applies the look-alike exclusions and the entropy floor.
func plausibleSecretValue(v string, password bool) bool {
	minLen := 10
	if password {
		minLen = 6
	}
	if len(v) < minLen || len(v) > 512 {
		return false
	}
	switch v[0] {
	case '$', '%', '{', '<', '@', '#', '*', '&', '!':
		return false
	}
	if strings.Contains(v, "://") || isPlaceholder(v) || isUUID(v) || isVersionLike(v) || hasVersionSuffix(v) || allDigits(v) {
		return false
	}
	if (len(v) == 40 || len(v) == 64) && allHexLower(v) {
		return false // git commit SHA (SHA-1 / SHA-256 object ids)
	}
	h := shannon(v)
	if password {
		// A one-word password is still a password; constants and dotted
		// paths are references to one.
		return h >= 2.0 && !strings.ContainsAny(v, "_.") || (h >= 2.0 && !isIdentifierLike(v))
	}
	if isIdentifierLike(v) {
		return false // a variable, constant or dotted path, not a value
	}
	if len(v) >= 16 && isHexString(v) {
		return h >= 2.5 // hex tops out at 4 bits per character
	}
	return h >= 3.0 && charClasses(v) >= 2
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func allHexLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && (s[i] < 'a' || s[i] > 'f') {
			return false
		}
	}
	return true
}

// isUUID: 8-4-4-4-12 hex, optionally in braces.
func isUUID(s string) bool {
	s = strings.Trim(s, "{}")
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return true
}

// isVersionLike: v1.2.3, 1.7.8, rc0.15.0_20231217-SNAPSHOT and similar.
func isVersionLike(s string) bool {
	l := strings.ToLower(s)
	l = strings.TrimPrefix(strings.TrimPrefix(l, "rc"), "v")
	if l == "" || !isDigit(l[0]) {
		return false
	}
	dots := strings.Count(l, ".")
	return dots >= 2 || (dots == 1 && strings.Contains(l, "snapshot"))
}

// hasVersionSuffix: "jjwt-jackson-0.11.2", "lib_1.2.3".
func hasVersionSuffix(s string) bool {
	k := strings.LastIndexAny(s, "-_:")
	return k >= 0 && k < len(s)-1 && isVersionLike(s[k+1:])
}

// isIdentifierLike: CONSTANT_NAME, camelCase words or dotted.paths of words
// with no digits, which are references to other values.
func isIdentifierLike(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && c != '_' && c != '.' && c != '-' {
			return false
		}
	}
	// Letters only: a word or identifier unless it is long and mixed-case noise.
	return len(s) < 20 || strings.Count(s, "_")+strings.Count(s, ".") > 0 || allLowerOrUpper(s)
}

func allLowerOrUpper(s string) bool {
	lo, up := false, false
	for i := 0; i < len(s); i++ {
		lo = lo || isLower(s[i])
		up = up || isUpper(s[i])
	}
	return !(lo && up)
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}
