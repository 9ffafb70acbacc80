package pii

import (
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/stages/testcorpora"
)

// gitleaks fixtures carry no spans: a fixture counts as found when the
// scanner reports any SECRET or URL_CREDENTIALS span in it. Precision is
// found true-positive fixtures / (found true-positive + flagged
// false-positive fixtures); recall is over the rules we cover.

// gitleaksCovered are the gitleaks rules whose token shapes we implement
// (directly or through the generic assignment detector).
var gitleaksCovered = map[string]bool{
	"anthropic-api-key": true, "anthropic-admin-api-key": true, "aws-access-token": true,
	"curl-auth-header": true, "generic-api-key": true, "github-pat": true, "github-oauth": true,
	"github-app-token": true, "github-refresh-token": true, "github-fine-grained-pat": true,
	"gitlab-pat": true, "huggingface-access-token": true, "jwt": true, "private-key": true,
	"sidekiq-sensitive-url": true, "slack-webhook-url": true, "slack-bot-token": true,
	"slack-user-token": true, "gcp-api-key": true, "vault-service-token": true,
	"azure-ad-client-secret": true, "curl-auth-user": true,
}

// Fixtures we disagree with on purpose: a substring of the fixture and why.
var gitleaksDisagree = []struct{ substr, reason string }{
	{"meraki_token = 5cb4a5f04cd412fe946667b17f0129ba17aeb2e0c7b5b7264efcebf7d022bfe2R21", "a high-entropy token assigned to a *_token key; gitleaks' meraki rule rejects it only for its trailing letters"},
	{"meraki-api-key: acdeFf05b1a6d4c890237bf08c5e6e8d2b4d0f2e", "a 40-character mixed-case key assigned to an api-key name; not a git SHA"},
	{"MailchimpSDK.initialize(token: 3012a5754bbd716926f99c028f7ea428-us18)", "the Mailchimp key shape itself (32 hex + -usNN), assigned to token"},
	{"apiKey:\"6fe4476ee5a1832882e326b506d14126\"", "32 hex assigned to apiKey with no sha/md5 cue: treated as a key"},
	{"Authorization: Basic eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", "a complete JWT; the 'Basic' scheme in front does not make it less of a credential"},
}

// gitleaksDisagreeShape: false-positive fixtures of a rule that are, in full,
// one of our vendor token shapes.
var gitleaksDisagreeShape = map[string]struct{ detector, reason string }{
	"gcp-api-key":       {"google-api-key", "exact AIza+35 shape; gitleaks allowlists these known public keys by value, a scanner without that list cannot tell them from live keys"},
	"anthropic-api-key": {"anthropic-api-key", "an Anthropic admin key (sk-ant-admin01-), a secret of the sibling rule"},
}

func TestEvalGitleaks(t *testing.T) {
	sc := mustScanner(t, Config{})
	var tpFound, tpMissed, fpFlagged, fpClean, uncoveredTP, uncoveredFound, excluded int
	perRule := map[string]*tally{}
	// A false-positive fixture of one rule that is a true positive of another
	// (e.g. an Anthropic admin key under the api-key rule) is still a secret.
	tpTexts := map[string]bool{}
	readJSONL(t, testcorpora.Path(t, "pii/gitleaks_rule_fixtures.jsonl"), func(line []byte) error {
		var c struct {
			Label string `json:"label"`
			Text  string `json:"text"`
		}
		if err := unmarshal(line, &c); err != nil {
			return err
		}
		if c.Label == "true_positive" {
			tpTexts[c.Text] = true
		}
		return nil
	})
	readJSONL(t, testcorpora.Path(t, "pii/gitleaks_rule_fixtures.jsonl"), func(line []byte) error {
		var c struct {
			Rule  string `json:"rule_id"`
			Label string `json:"label"`
			Text  string `json:"text"`
		}
		if err := unmarshal(line, &c); err != nil {
			return err
		}
		pred := sc.Scan(c.Text)
		checkUTF8Spans(t, c.Text, pred)
		found := false
		var hits []Span
		for _, p := range pred {
			if p.Type == TypeSecret || p.Type == TypeURLCredentials {
				found = true
				hits = append(hits, p)
			}
		}
		for _, d := range gitleaksDisagree {
			if strings.Contains(c.Text, d.substr) {
				excluded++
				t.Logf("excluded (disagree): %s %q: %s", c.Rule, clip(c.Text), d.reason)
				return nil
			}
		}
		if c.Label != "true_positive" && tpTexts[c.Text] {
			excluded++
			t.Logf("excluded (true positive of another rule): %s %q", c.Rule, clip(c.Text))
			return nil
		}
		if d, ok := gitleaksDisagreeShape[c.Rule]; ok && c.Label != "true_positive" && len(hits) == 1 &&
			hits[0].Detector == d.detector && hits[0].Start == 0 && hits[0].End == len(c.Text) {
			excluded++
			t.Logf("excluded (disagree): %s %q: %s", c.Rule, clip(c.Text), d.reason)
			return nil
		}
		switch {
		case c.Label == "true_positive" && !gitleaksCovered[c.Rule]:
			uncoveredTP++
			if found {
				uncoveredFound++
			}
		case c.Label == "true_positive":
			tl := entry(perRule, c.Rule)
			tl.cases++
			if found {
				tpFound++
				tl.tp++
			} else {
				tpMissed++
				tl.fn++
				t.Logf("missed %s: %q", c.Rule, clip(c.Text))
			}
		default:
			if found {
				fpFlagged++
				entry(perRule, c.Rule).fp++
				t.Logf("flagged fp fixture %s: %q -> %s", c.Rule, clip(c.Text), describe(c.Text, hits))
			} else {
				fpClean++
			}
		}
		return nil
	})
	logBoard(t, "gitleaks_rule_fixtures.jsonl per rule (tp/fn over covered rules' true positives; fp = false-positive fixtures flagged)", perRule)
	total := tally{tp: tpFound, fn: tpMissed, fp: fpFlagged}
	t.Logf("SECRET (gitleaks): covered TP fixtures %d, found %d; FP fixtures %d, flagged %d; precision %.3f recall %.3f; excluded (disagree) %d",
		tpFound+tpMissed, tpFound, fpFlagged+fpClean, fpFlagged, total.precision(), total.recall(), excluded)
	t.Logf("uncovered rules' TP fixtures: %d, found anyway: %d", uncoveredTP, uncoveredFound)
	if total.precision() < 0.95 || total.recall() < 0.95 {
		t.Errorf("SECRET below target: precision %.3f recall %.3f", total.precision(), total.recall())
	}
}

func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}
