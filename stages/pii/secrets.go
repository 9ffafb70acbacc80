package pii

import "strings"

// Vendor secrets are recognised by prefix and exact body shape; each rule
// returns the end of the match or 0. Bodies that look like documentation
// stand-ins (xxxx, EXAMPLE, runs of one character) are not reported.

func isB62(c byte) bool       { return isAlnum(c) }
func isB64URL(c byte) bool    { return isAlnum(c) || c == '-' || c == '_' }
func isTokenByte(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }
func isBase32Up(c byte) bool  { return isUpper(c) || (c >= '2' && c <= '7') }

// fixedBody matches prefix + exactly n bytes of class ok, ending at a token boundary.
func fixedBody(t string, i int, prefix string, n int, ok func(byte) bool) int {
	if !strings.HasPrefix(t[i:], prefix) {
		return 0
	}
	s := i + len(prefix)
	e := runEnd(t, s, ok)
	if e-s != n || !boundaryAfter(t, e) || (e < len(t) && t[e] == '-') {
		return 0
	}
	return e
}

// rangeBody matches prefix + min..max bytes of class ok.
func rangeBody(t string, i int, prefix string, min, max int, ok func(byte) bool) int {
	if !strings.HasPrefix(t[i:], prefix) {
		return 0
	}
	s := i + len(prefix)
	e := runEnd(t, s, ok)
	if e-s < min || e-s > max || !boundaryAfter(t, e) {
		return 0
	}
	return e
}

type secretRule struct {
	detector string
	match    func(t string, i int) int
}

// secretRules are grouped by first byte so that a word start costs one lookup.
var secretRules = func() (t [256][]secretRule) {
	for c, rules := range secretRuleList {
		t[c] = rules
	}
	return t
}()

var secretRuleList = map[byte][]secretRule{
	'A': {
		{"aws-access-key-id", func(t string, i int) int {
			for _, p := range []string{"AKIA", "ASIA", "ABIA", "ACCA"} {
				if e := fixedBody(t, i, p, 16, isBase32Up); e > 0 {
					return e
				}
			}
			return 0
		}},
		{"google-api-key", func(t string, i int) int { return fixedBody(t, i, "AIza", 35, isB64URL) }},
	},
	'g': {
		{"github-pat", func(t string, i int) int { return fixedBody(t, i, "ghp_", 36, isB62) }},
		{"github-oauth", func(t string, i int) int { return fixedBody(t, i, "gho_", 36, isB62) }},
		{"github-app-token", func(t string, i int) int {
			if e := fixedBody(t, i, "ghu_", 36, isB62); e > 0 {
				return e
			}
			return fixedBody(t, i, "ghs_", 36, isB62)
		}},
		{"github-refresh-token", func(t string, i int) int { return fixedBody(t, i, "ghr_", 36, isB62) }},
		{"github-fine-grained-pat", func(t string, i int) int {
			return fixedBody(t, i, "github_pat_", 82, func(c byte) bool { return isB62(c) || c == '_' })
		}},
		{"gitlab-pat", func(t string, i int) int {
			return rangeBody(t, i, "glpat-", 20, 80, func(c byte) bool { return isTokenByte(c) || c == '.' })
		}},
	},
	'x': {{"slack-token", slackToken}},
	's': {
		{"stripe-key", stripeKey},
		{"anthropic-api-key", anthropicKey},
		{"openai-api-key", openAIKey},
	},
	'r': {{"stripe-key", stripeKey}},
	'h': {
		{"huggingface-token", func(t string, i int) int { return fixedBody(t, i, "hf_", 34, isAlpha) }},
		{"slack-webhook-url", slackWebhook},
		{"vault-token", func(t string, i int) int { return rangeBody(t, i, "hvs.", 90, 200, isB64URL) }},
	},
	'e': {{"jwt", jwt}},
	'n': {{"npm-token", func(t string, i int) int { return fixedBody(t, i, "npm_", 36, isB62) }}},
	'p': {{"pypi-token", func(t string, i int) int { return rangeBody(t, i, "pypi-AgEIcHlwaS5vcmc", 50, 300, isB64URL) }}},
	'S': {
		{"sendgrid-api-key", sendgridKey},
		{"twilio-api-key", func(t string, i int) int { return fixedBody(t, i, "SK", 32, isHex) }},
	},
}

// prefixedSecret tries the vendor rules for the word starting at i.
func (st *scanState) prefixedSecret(i int) int {
	t := st.text
	rules := secretRules[t[i]]
	if len(rules) == 0 || runEnd(t, i, isValueByte)-i < 20 {
		return i // every vendor token is 20+ bytes; most words stop here
	}
	for _, r := range rules {
		e := r.match(t, i)
		if e <= i {
			continue
		}
		body := t[i:e]
		if isPlaceholder(trimPrefixWord(body)) || shannon(body) < 3.0 {
			continue
		}
		st.add(i, e, r.detector, 1.0)
		return e
	}
	return i
}

// trimPrefixWord drops the vendor prefix so that "password" in a prefix does
// not mark a body as a placeholder.
func trimPrefixWord(s string) string {
	if k := strings.LastIndexAny(s[:min(len(s), 21)], "_-."); k >= 0 && k < len(s)-1 {
		return s[k+1:]
	}
	return s
}

// slackToken: bot/user tokens carry two or more long numeric ids
// (xoxb-263594206564-2343594206574-...); app and config tokens are long and random.
func slackToken(t string, i int) int {
	for _, p := range []string{"xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xapp-", "xoxe.xoxp-", "xoxe-"} {
		if !strings.HasPrefix(t[i:], p) {
			continue
		}
		e := runEnd(t, i+len(p), isTokenByte)
		if !boundaryAfter(t, e) || (e < len(t) && (t[e] == '#' || t[e] == '*')) {
			return 0
		}
		body := t[i+len(p) : e]
		ids := 0
		for _, part := range strings.Split(body, "-") {
			if len(part) >= 8 && allDigits(part) {
				ids++
			}
		}
		switch {
		case strings.HasPrefix(p, "xox") && p != "xoxe-" && p != "xoxe.xoxp-":
			if ids < 2 || len(body) < 30 {
				return 0
			}
		case len(body) < 40 || shannon(body) < 3.5:
			return 0
		}
		return e
	}
	return 0
}

func slackWebhook(t string, i int) int {
	for _, p := range []string{"hooks.slack.com/services/", "hooks.slack.com/workflows/"} {
		if !strings.HasPrefix(t[i:], p) {
			continue
		}
		e := runEnd(t, i+len(p), func(c byte) bool { return isB62(c) || c == '/' || c == '_' })
		if e-(i+len(p)) < 20 || strings.Count(t[i+len(p):e], "/") < 2 {
			return 0
		}
		return e
	}
	return 0
}

func stripeKey(t string, i int) int {
	for _, p := range []string{"sk_live_", "sk_test_", "rk_live_", "rk_test_"} {
		if e := rangeBody(t, i, p, 10, 99, isB62); e > 0 {
			return e
		}
	}
	return 0
}

func anthropicKey(t string, i int) int {
	for _, p := range []string{"sk-ant-api03-", "sk-ant-admin01-"} {
		if e := rangeBody(t, i, p, 80, 120, isB64URL); e > 0 && strings.HasSuffix(t[i:e], "AA") {
			return e
		}
	}
	return 0
}

func openAIKey(t string, i int) int {
	if !strings.HasPrefix(t[i:], "sk-") || strings.HasPrefix(t[i:], "sk-ant-") {
		return 0
	}
	for _, p := range []string{"sk-proj-", "sk-svcacct-", "sk-admin-"} {
		if e := rangeBody(t, i, p, 40, 300, isB64URL); e > 0 && (strings.Contains(t[i:e], "T3BlbkFJ") || e-i >= 100) {
			return e
		}
	}
	e := runEnd(t, i+3, isB64URL)
	if e-i >= 40 && boundaryAfter(t, e) && strings.Contains(t[i:e], "T3BlbkFJ") {
		return e
	}
	return 0
}

func sendgridKey(t string, i int) int {
	e := fixedBody(t, i, "SG.", 22, isB64URL)
	if e == 0 {
		// fixedBody requires a boundary; the '.' between parts is one.
		if !strings.HasPrefix(t[i:], "SG.") {
			return 0
		}
		e = runEnd(t, i+3, isB64URL)
		if e-(i+3) != 22 || e >= len(t) || t[e] != '.' {
			return 0
		}
	}
	f := runEnd(t, e+1, isB64URL)
	if f-(e+1) != 43 || !boundaryAfter(t, f) {
		return 0
	}
	return f
}

// jwt: header.payload.signature, base64url, header and payload starting "ey".
func jwt(t string, i int) int {
	if !strings.HasPrefix(t[i:], "eyJ") {
		return 0
	}
	e1 := runEnd(t, i, isB64URL)
	if e1-i < 10 || e1+3 >= len(t) || t[e1] != '.' || !strings.HasPrefix(t[e1+1:], "ey") {
		return 0
	}
	e2 := runEnd(t, e1+1, isB64URL)
	if e2-e1-1 < 10 || e2 >= len(t) || t[e2] != '.' {
		return 0
	}
	e3 := runEnd(t, e2+1, isB64URL)
	if e3-e2-1 < 16 || !boundaryAfter(t, e3) {
		return 0
	}
	return e3
}

// dashes handles "-----BEGIN ... PRIVATE KEY-----" blocks.
func (st *scanState) dashes(i int) int {
	t := st.text
	if !strings.HasPrefix(t[i:], "-----BEGIN ") {
		return i + 1
	}
	hdrEnd := strings.Index(t[i+11:min(len(t), i+80)], "-----")
	if hdrEnd < 0 {
		return i + 11
	}
	label := t[i+11 : i+11+hdrEnd]
	if !strings.HasSuffix(label, "PRIVATE KEY") && !strings.HasSuffix(label, "PRIVATE KEY BLOCK") {
		return i + 11
	}
	bodyStart := i + 11 + hdrEnd + 5
	limit := min(len(t), bodyStart+1<<16)
	endMark := "-----END " + label + "-----"
	k := strings.Index(t[bodyStart:limit], endMark)
	var e, bodyEnd int
	if k >= 0 {
		bodyEnd = bodyStart + k
		e = bodyEnd + len(endMark)
	} else {
		// Truncated block: take the base64 lines that follow.
		bodyEnd = runEnd(t, bodyStart, func(c byte) bool {
			return isB62(c) || c == '+' || c == '/' || c == '=' || c == '\n' || c == '\r' || c == ':' || c == ' ' || c == '-'
		})
		e = bodyEnd
	}
	b64 := 0
	for p := bodyStart; p < bodyEnd; p++ {
		if isB62(t[p]) || t[p] == '+' || t[p] == '/' {
			b64++
		}
	}
	if b64 < 40 {
		return bodyStart
	}
	st.add(i, e, "private-key", 1.0)
	return e
}
