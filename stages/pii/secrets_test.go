package pii

import (
	"strings"
	"testing"
)

func TestVendorSecrets(t *testing.T) {
	s := mustScanner(t, Config{})
	// Every token below is assembled from a prefix and a generated body.
	aws := "AK" + "IA" + fake(10, 16, upB32)
	ghp := "gh" + "p_" + fake(11, 36, alnum)
	ghs := "gh" + "s_" + fake(12, 36, alnum)
	finePAT := "github" + "_pat_" + fake(13, 22, alnum) + "_" + fake(14, 59, alnum)
	glpat := "gl" + "pat-" + fake(15, 20, alnum)
	slackBot := "xo" + "xb-" + fake(16, 12, "0123456789") + "-" + fake(17, 13, "0123456789") + "-" + fake(18, 24, alnum)
	webhook := "https://hooks." + "slack.com/services/T" + fake(19, 8, upB32) + "/B" + fake(20, 8, upB32) + "/" + fake(21, 24, alnum)
	stripe := "sk" + "_live_" + fake(22, 24, alnum)
	openai := "sk-" + "proj-" + fake(23, 40, b64url) + "T3Blbk" + "FJ" + fake(24, 40, b64url)
	openaiLegacy := "sk-" + fake(25, 20, alnum) + "T3Blbk" + "FJ" + fake(26, 20, alnum)
	anthropic := "sk-" + "ant-api03-" + fake(27, 93, b64url) + "AA"
	hf := "h" + "f_" + fake(28, 34, letter)
	google := "AI" + "za" + fake(29, 35, b64url)
	jwtTok := "ey" + "J" + fake(30, 30, b64url) + ".ey" + fake(31, 40, b64url) + "." + fake(32, 43, b64url)
	npm := "np" + "m_" + fake(33, 36, alnum)
	pypi := "pypi-" + "AgEIcHlwaS5vcmc" + fake(34, 60, b64url)
	sendgrid := "S" + "G." + fake(35, 22, b64url) + "." + fake(36, 43, b64url)
	twilio := "S" + "K" + fake(37, 32, hexLo)
	pemBody := fake(38, 64, alnum) + "\n" + fake(39, 64, alnum) + "\n"
	pem := "-----BEGIN RSA " + "PRIVATE KEY-----\n" + pemBody + "-----END RSA " + "PRIVATE KEY-----"
	azure := "aB3" + "4Q~" + fake(46, 34, alnum+"._-")
	curlPass := "Zq" + fake(47, 12, alnum)
	cases := []struct{ name, text, detector, value string }{
		{"aws key id", "aws_access_key_id = " + aws, "aws-access-key-id", aws},
		{"github pat", "token " + ghp + " end", "github-pat", ghp},
		{"github app", ghs, "github-app-token", ghs},
		{"github fine-grained", finePAT, "github-fine-grained-pat", finePAT},
		{"gitlab", "GITLAB=" + glpat, "gitlab-pat", glpat},
		{"slack bot", slackBot, "slack-token", slackBot},
		{"slack webhook", "post to " + webhook, "slack-webhook-url", strings.TrimPrefix(webhook, "https://")},
		{"stripe", stripe, "stripe-key", stripe},
		{"openai project", openai, "openai-api-key", openai},
		{"openai legacy", openaiLegacy, "openai-api-key", openaiLegacy},
		{"anthropic", anthropic, "anthropic-api-key", anthropic},
		{"huggingface", hf, "huggingface-token", hf},
		{"google", "key=" + google, "google-api-key", google},
		{"jwt", "Bearer " + jwtTok, "jwt", jwtTok},
		{"npm", npm, "npm-token", npm},
		{"pypi", pypi, "pypi-token", pypi},
		{"sendgrid", sendgrid, "sendgrid-api-key", sendgrid},
		{"twilio", twilio, "twilio-api-key", twilio},
		{"private key", "key:\n" + pem + "\n", "private-key", pem},
		{"azure client secret", "use " + azure + " here", "azure-client-secret", azure},
		{"curl user", "curl -s --user 'api:" + curlPass + "' https://api.example.com", "cli-credentials", curlPass},
		{"curl continued line", "curl https://x.example \\\n  -u deploy:" + curlPass + " -d a=1", "cli-credentials", curlPass},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := s.Scan(c.text)
			if len(got) != 1 || got[0].Detector != c.detector || c.text[got[0].Start:got[0].End] != c.value || got[0].Type != TypeSecret {
				t.Fatalf("Scan(%q) = %s, want one %s span %q", c.text, describe(c.text, got), c.detector, c.value)
			}
		})
	}
}

func TestGenericSecrets(t *testing.T) {
	s := mustScanner(t, Config{})
	pw := "Xk9" + fake(40, 9, alnum)
	tok := fake(41, 32, alnum)
	awsSecret := fake(42, 40, alnum+"/+")
	runCases(t, s, []detCase{
		{"password assignment", "DB_PASSWORD=" + pw, "SECRET:" + pw},
		{"json secret", `{"client_secret": "` + tok + `"}`, "SECRET:" + tok},
		{"yaml token", "auth_token: " + tok, "SECRET:" + tok},
		{"aws secret", "aws_secret_access_key = " + awsSecret, "SECRET:" + awsSecret},
		{"authorization bearer", "Authorization: Bearer " + tok, "SECRET:" + tok},
		{"git sha", "api_key = " + fake(43, 40, hexLo), ""},
		{"uuid", "token: 123e4567-e89b-12d3-a456-426614174000", ""},
		{"uuid as api key", "apikey: 123e4567-e89b-12d3-a456-426614174000", "SECRET:123e4567-e89b-12d3-a456-426614174000"},
		{"sha near sha", "sha256_token_hash = " + fake(44, 64, hexLo), ""},
		{"md5 checksum key", "secret_md5=" + fake(45, 32, hexLo), ""},
		{"timestamp", "token_expiry=1700000000", ""},
		{"version", "api_key_version=1.2.3", ""},
		{"changeme", "password=changeme", ""},
		{"weak real password", "password=Password123!", "SECRET:Password123!"},
		{"placeholder word", "password: PASSWORD", ""},
		{"xxxx", "api_key=xxxxxxxxxxxxxxxx", ""},
		{"angle placeholder", "api_key=<your-key>", ""},
		{"env var", "password=${DB_PASSWORD}", ""},
		{"shell var", "token=$GITHUB_TOKEN", ""},
		{"low entropy", "secret=aaaaaaaaaaab", ""},
		{"constant reference", "secret_key = settings.SECRET_KEY", ""},
		{"public key", `publicToken = "` + tok + `"`, ""},
		{"prose", "the token is valid for one hour", ""},
		{"elided", "export OP_TOKEN=" + tok + "...", ""},
		{"placeholder vendor token", "ghp_" + strings.Repeat("x", 36), ""},
		{"aws docs example", "AKIA" + "IOSFODNN7" + "EXAMPLE", ""},
		{"pem without body", "-----BEGIN PRIVATE KEY-----\nanything\n-----END PRIVATE KEY-----", ""},
		{"curl variables", `curl -u "${USER}:${PASS}" https://x.example`, ""},
		{"curl placeholder", "curl -u username:password https://x.example", ""},
		{"curl short", "curl -u test:test https://x.example", ""},
		{"-u without curl", "grep -u user:" + fake(48, 12, alnum), ""},
	})
}
