package pii

import (
	"testing"
	"unicode/utf8"
)

// detectorFamilies groups detectors for fuzzing and per-family benchmarks.
var detectorFamilies = []struct {
	name    string
	enabled []string
}{
	{"numeric", []string{"credit-card", "us-ssn", "us-itin", "uk-nhs", "us-npi", "aba-routing", "phone", "ipv4"}},
	{"network", []string{"email", "ipv6", "mac-address", "url-credentials", "iban", "bitcoin-address", "ethereum-address"}},
	{"secrets", []string{TypeSecret}},
	{"dob", []string{"date-of-birth"}},
	{"person", []string{"person"}},
	{"ids", []string{"uk-nino", "swift-bic", "us-passport", "us-driver-license"}},
	{"hipaa", profileDetectors[ProfileHIPAA]},
}

func familyScanner(tb testing.TB, name string) *Scanner {
	tb.Helper()
	for _, f := range detectorFamilies {
		if f.name == name {
			return mustScanner(tb, Config{Enabled: f.enabled, PersonNames: name == "person" || name == "hipaa"})
		}
	}
	tb.Fatalf("no family %q", name)
	return nil
}

func fuzzSeeds(f *testing.F) {
	f.Add(plantedText())
	for _, s := range []string{
		"", "@", "::", "-----BEGIN ", "+1 (", "4111 1111 1111 1111", "a@b.co@c.de", "::ffff:1.2.3.4/",
		"password=\"", "DOB: 1/1/", "Dr. ", "\xff\xfe@\x80", "é@ü.de 𝟘𝟙 ٣٤٥", "GB82 WEST 1234 5698 7654 32 99",
		"0x" + fake(60, 40, hexLo), "1BoatSLRHtKNngkdXEeobR76b53LETtpy", "bc1q", "12-34-56-78-90-12-34-56-78-90",
		"+41 (0)44 668 18 00 ext. 12", "011 44 20 7946 0958", "\u96fb\u8a7103-1234-5678", "gb82 west 1234 5698 7654 32",
		"01.42.68.53.00", "08-123 456 78", "NI AB 12 34 56 C", "SWIFT DEUTDEFF500", "passport no. A12803456", "DL# D1234567",
		"1428 N Maple Ave, Apt 3B, Springfield, IL 62704", "P.O. Box 4471", "a 92-year-old", "ninety-two years old", "MRN: 00482913",
		"March 14, 2019", "seen 3/20", "VIN 1FTFW1ET9DFC10312", "https://x.example/a", "Boston, MA 02139", "seen by Sarah Lee",
	} {
		f.Add(s)
	}
}

// checkScan asserts the Scan invariants and that tag redaction leaves nothing.
func checkScan(t *testing.T, s *Scanner, text string) {
	spans := s.Scan(text)
	checkUTF8Spans(t, text, spans)
	r := mustReplacer(t, ReplacerConfig{Mode: ModeTag})
	res, _ := Redact(s, r, text)
	if utf8.ValidString(text) && !utf8.ValidString(res.Text) {
		t.Fatalf("redaction produced invalid UTF-8 from valid input %q -> %q", text, res.Text)
	}
	if left := Residual(s, res.Text); len(left) != 0 {
		t.Fatalf("residual after redaction of %q: %s", text, describe(res.Text, left))
	}
}

func fuzzFamily(f *testing.F, family string) {
	fuzzSeeds(f)
	s := familyScanner(f, family)
	f.Fuzz(func(t *testing.T, text string) { checkScan(t, s, text) })
}

func FuzzNumeric(f *testing.F) { fuzzFamily(f, "numeric") }
func FuzzNetwork(f *testing.F) { fuzzFamily(f, "network") }
func FuzzSecrets(f *testing.F) { fuzzFamily(f, "secrets") }
func FuzzDOB(f *testing.F)     { fuzzFamily(f, "dob") }
func FuzzPerson(f *testing.F)  { fuzzFamily(f, "person") }
func FuzzIDs(f *testing.F)     { fuzzFamily(f, "ids") }
func FuzzHIPAA(f *testing.F)   { fuzzFamily(f, "hipaa") }

// FuzzRedactDocument runs every detector (PERSON included) and every
// replacement mode over one document.
func FuzzRedactDocument(f *testing.F) {
	fuzzSeeds(f)
	s := mustScanner(f, Config{PersonNames: true})
	modes := []*Replacer{
		mustReplacer(f, ReplacerConfig{Mode: ModeIndexed}),
		mustReplacer(f, ReplacerConfig{Mode: ModePseudonym, Key: testKey}),
		mustReplacer(f, ReplacerConfig{Mode: ModeMask}),
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkScan(t, s, text)
		for _, r := range modes {
			res, _ := Redact(s, r, text)
			if utf8.ValidString(text) && !utf8.ValidString(res.Text) {
				t.Fatalf("%s produced invalid UTF-8", r.Mode())
			}
		}
	})
}
