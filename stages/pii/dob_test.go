package pii

import (
	"strings"
	"testing"
)

// TestDOBBindsNearestDate: a date-of-birth cue binds to the nearest date
// only. Redact rescans its output; there the cue's nearest date is the
// placeholder of the date already redacted, and a later date (a release, a
// visit) must not be taken for the birth date in its place.
func TestDOBBindsNearestDate(t *testing.T) {
	s := mustScanner(t, Config{})
	const text = "Patient DOB: 1984-03-12. Version 1.2.3.4 released 2024-05-01"
	for _, mode := range []Mode{ModeTag, ModeIndexed, ModePseudonym} {
		r := mustReplacer(t, ReplacerConfig{Mode: mode, Key: []byte("0123456789abcdef")})
		res, spans := Redact(s, r, text)
		if len(spans) != 1 || text[spans[0].Start:spans[0].End] != "1984-03-12" {
			t.Errorf("%s: first-round spans %s, want the DOB only", mode, describe(text, spans))
		}
		if strings.Contains(res.Text, "1984-03-12") || !strings.HasSuffix(res.Text, " released 2024-05-01") || res.Replaced != 1 {
			t.Errorf("%s: redacted %q (%d replaced), want the DOB replaced and the release date kept", mode, res.Text, res.Replaced)
		}
		if rest := Residual(s, res.Text); len(rest) != 0 {
			t.Errorf("%s: residual %s", mode, describe(res.Text, rest))
		}
	}
	runCases(t, s, []detCase{
		{"after tag", "Patient DOB: [DATE_OF_BIRTH]. Version 1.2.3.4 released 2024-05-01", ""},
		{"after index", "DOB: <DATE_OF_BIRTH_1>, admitted 2024-05-01", ""},
		{"after pseudonym", "born <DATE_OF_BIRTH_7f3a9c12>; seen 2024-05-01", ""},
		{"other tag first", "DOB: [PERSON] 1984-03-12", "DATE_OF_BIRTH:1984-03-12"},
		{"nearest of two", "DOB 1984-03-12, admitted 2024-05-01", "DATE_OF_BIRTH:1984-03-12"},
	})
}
