package pii

import "strings"

// Credentials on command lines and Azure AD client secrets: shapes that
// neither a vendor prefix nor a key=value assignment catches.

// curlUser handles "-u user:password" / "--user user:password" on a line that
// runs curl. The reported span is the password, or the user part when the
// password is empty (curl then prompts, and the "user" is usually a token).
func (st *scanState) curlUser(i int) int {
	t := st.text
	p := i
	switch {
	case strings.HasPrefix(t[i:], "--user "):
		p += 7
	case strings.HasPrefix(t[i:], "-u "):
		p += 3
	default:
		return i + 1
	}
	if i > 0 && t[i-1] != ' ' && t[i-1] != '\t' {
		return i + 1
	}
	if !strings.Contains(commandLine(t, i), "curl ") {
		return i + 1
	}
	p = skipBytes(t, p, " ")
	e := p
	for e < len(t) && t[e] > ' ' && t[e] < 0x7f {
		e++
	}
	cred := t[p:e]
	var user, pass string
	var uOff, pOff int // offsets of user and password within cred, after quotes
	k := strings.IndexByte(cred, ':')
	if k < 0 {
		return e
	}
	user, uOff = trimQuotes(cred[:k])
	pass, pOff = trimQuotes(cred[k+1:])
	pOff += k + 1
	secret, off := pass, pOff
	if pass == "" {
		secret, off = user, uOff
	}
	if !plausibleCLISecret(secret) {
		return e
	}
	st.add(p+off, p+off+len(secret), "cli-credentials", 0.9)
	return e
}

// commandLine returns the shell command line before i, following
// backslash-continued lines back (at most 1 KB).
func commandLine(t string, i int) string {
	lo := max(0, i-1024)
	s := i
	for {
		nl := strings.LastIndexByte(t[lo:s], '\n')
		if nl < 0 {
			return t[lo:i]
		}
		nl += lo
		if nl == 0 || t[nl-1] != '\\' {
			return t[nl+1 : i]
		}
		s = nl - 1
	}
}

// trimQuotes strips one layer of ' or " and reports how many bytes were cut
// at the front.
func trimQuotes(s string) (string, int) {
	off := 0
	for len(s) > 0 && (s[0] == '"' || s[0] == '\'') {
		s, off = s[1:], off+1
	}
	for len(s) > 0 && (s[len(s)-1] == '"' || s[len(s)-1] == '\'') {
		s = s[:len(s)-1]
	}
	return s, off
}

func plausibleCLISecret(s string) bool {
	if len(s) < 6 || strings.ContainsAny(s, "<>[]()") || strings.Contains(s, "${") || strings.Contains(s, "{{") {
		return false
	}
	if s[0] == '$' || isPlaceholder(s) {
		return false
	}
	switch strings.ToLower(s) {
	case "username", "password", "passwd", "secret", "apikey", "api_key":
		return false
	}
	return charClasses(s) >= 2 || shannon(s) >= 3.0
}

func isAzureByte(c byte) bool { return isAlnum(c) || c == '_' || c == '~' || c == '.' || c == '-' }

// azureClientSecret: three characters, a digit, "Q~", then 31-34 characters
// (the format Microsoft Entra ID issues). s is the token start.
func (st *scanState) azureClientSecret(i int) int {
	t := st.text
	for _, s := range []int{i, i - 1} {
		if s < 0 || s+6 >= len(t) || (s < i && strings.IndexByte(".~-", t[s]) < 0) {
			continue
		}
		if !isDigit(t[s+3]) || t[s+4] != 'Q' || t[s+5] != '~' {
			continue
		}
		if s > 0 && isAzureByte(t[s-1]) {
			continue
		}
		for k := s; k < s+3; k++ {
			if !isAzureByte(t[k]) {
				return i
			}
		}
		e := runEnd(t, s+6, isAzureByte)
		body := t[s+6 : e]
		if len(body) < 31 || len(body) > 34 || isPlaceholder(body) || shannon(body) < 3.5 {
			continue
		}
		st.add(s, e, "azure-client-secret", 1.0)
		return e
	}
	return i
}
