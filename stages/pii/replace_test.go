package pii

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func mustReplacer(tb testing.TB, cfg ReplacerConfig) *Replacer {
	tb.Helper()
	r, err := NewReplacer(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

var testKey = []byte("0123456789abcdef-test-only-key")

func TestReplaceModes(t *testing.T) {
	s := mustScanner(t, Config{})
	text := "Mail ann@example.org or bob@example.org, again ann@example.org; card 4111-1111-1111-1111 ✓"
	cases := []struct {
		name string
		cfg  ReplacerConfig
		want string
	}{
		{"tag", ReplacerConfig{Mode: ModeTag},
			"Mail [EMAIL] or [EMAIL], again [EMAIL]; card [CREDIT_CARD] ✓"},
		{"indexed", ReplacerConfig{Mode: ModeIndexed},
			"Mail <EMAIL_1> or <EMAIL_2>, again <EMAIL_1>; card <CREDIT_CARD_1> ✓"},
		{"mask", ReplacerConfig{Mode: ModeMask},
			"Mail ***@******e.org or ***@******e.org, again ***@******e.org; card ****-****-****-1111 ✓"},
		{"mask keep 2", ReplacerConfig{Mode: ModeMask, MaskKeep: 2},
			"Mail ***@*******.*rg or ***@*******.*rg, again ***@*******.*rg; card ****-****-****-**11 ✓"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := mustReplacer(t, c.cfg).Replace(text, s.Scan(text))
			if res.Text != c.want {
				t.Errorf("got  %q\nwant %q", res.Text, c.want)
			}
			if res.Replaced != 4 || res.Drop {
				t.Errorf("Replaced=%d Drop=%v, want 4 false", res.Replaced, res.Drop)
			}
		})
	}
}

func TestPseudonymConsistentAndKeyed(t *testing.T) {
	s := mustScanner(t, Config{})
	r1 := mustReplacer(t, ReplacerConfig{Mode: ModePseudonym, Key: testKey})
	r2 := mustReplacer(t, ReplacerConfig{Mode: ModePseudonym, Key: []byte("another-test-only-key-000")})
	a := "from ann@example.org"
	b := "to ann@example.org and zed@example.org"
	ra, rb := r1.Replace(a, s.Scan(a)).Text, r1.Replace(b, s.Scan(b)).Text
	sur := strings.TrimPrefix(ra, "from ")
	if !strings.HasPrefix(sur, "<EMAIL_") || len(sur) != len("<EMAIL_12345678>") {
		t.Fatalf("surrogate %q has the wrong shape", sur)
	}
	if !strings.Contains(rb, sur) {
		t.Errorf("same value, different documents: %q does not contain %q", rb, sur)
	}
	if strings.Count(rb, sur) != 1 {
		t.Errorf("different values got the same surrogate: %q", rb)
	}
	if other := r2.Replace(a, s.Scan(a)).Text; other == ra {
		t.Errorf("surrogate does not depend on the key")
	}
}

func TestDropAndHash(t *testing.T) {
	s := mustScanner(t, Config{})
	r := mustReplacer(t, ReplacerConfig{Mode: ModeDrop})
	if res := r.Replace("a@b.co", s.Scan("a@b.co")); !res.Drop || res.Text != "a@b.co" {
		t.Errorf("drop: %+v", res)
	}
	if res := r.Replace("nothing here", nil); res.Drop {
		t.Errorf("drop without spans: %+v", res)
	}
	h1, h2 := HashValue(testKey, "x"), HashValue(testKey, "x")
	if h1 != h2 || len(h1) != 64 || h1 == HashValue([]byte("other-key-material"), "x") {
		t.Errorf("HashValue not stable/keyed: %s", h1)
	}
}

func TestReplacerConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		cfg  ReplacerConfig
		want string
	}{
		{"unknown mode", ReplacerConfig{Mode: "blur"}, "mode"},
		{"pseudonym without key", ReplacerConfig{Mode: ModePseudonym}, "key"},
	}
	for _, c := range cases {
		if _, err := NewReplacer(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want mention of %q", c.name, err, c.want)
		}
	}
}

func TestReplaceIgnoresBadSpans(t *testing.T) {
	r := mustReplacer(t, ReplacerConfig{})
	text := "héllo wörld"
	res := r.Replace(text, []Span{
		{Start: 2, End: 3, Type: "X"},  // cuts 'é'
		{Start: 0, End: 99, Type: "X"}, // out of range
		{Start: 7, End: 13, Type: "W"}, // "wörld"
		{Start: 8, End: 9, Type: "X"},  // overlaps the previous
	})
	if res.Text != "héllo [W]" || !utf8.ValidString(res.Text) {
		t.Errorf("got %q", res.Text)
	}
}

// TestResidualEmpty: after tag, indexed or pseudonym replacement, a rescan of
// mixed text finds nothing, and the tags themselves trigger no detector.
func TestResidualEmpty(t *testing.T) {
	s := mustScanner(t, Config{PersonNames: true})
	text := plantedText()
	for _, mode := range []Mode{ModeTag, ModeIndexed, ModePseudonym} {
		r := mustReplacer(t, ReplacerConfig{Mode: mode, Key: testKey})
		res, spans := Redact(s, r, text)
		if len(spans) < 20 {
			t.Fatalf("%s: only %d spans found in planted text", mode, len(spans))
		}
		if left := Residual(s, res.Text); len(left) != 0 {
			t.Errorf("%s: residual spans %s", mode, describe(res.Text, left))
		}
	}
	var tags strings.Builder
	for _, d := range Detectors {
		tags.WriteString("[" + d.Type + "] <" + d.Type + "_12> <" + d.Type + "_7f3a9c12> ")
	}
	if got := s.Scan(tags.String()); len(got) != 0 {
		t.Errorf("tags trigger detectors: %s", describe(tags.String(), got))
	}
}

// plantedText mixes prose with one of each kind of finding.
func plantedText() string {
	parts := []string{
		"Patient: John Doe was seen by Dr. Jane Smith on 2024-01-15 10:30:00.",
		"DOB: 02/12/1979. Contact jane.smith@example.org or call (415) 555-0132, +44 20 7123 4567.",
		"Card 4111 1111 1111 1111, SSN 078-05-1123, ITIN 912-70-1234, NHS 943 476 5919.",
		"NPI: 1245319599, routing number 011000015, IBAN GB82 WEST 1234 5698 7654 32.",
		"Server 8.8.8.8 and 2001:4860:4860::8888, MAC 00:1A:2B:3C:4D:5E.",
		"Pay 1BoatSLRHtKNngkdXEeobR76b53LETtpyT or bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4.",
		"DB url postgres://admin:" + fake(50, 14, alnum) + "@db.internal/app.",
		"AWS " + "AK" + "IA" + fake(51, 16, upB32) + " and GitHub " + "gh" + "p_" + fake(52, 36, alnum) + ".",
		"password=" + fake(53, 14, alnum) + " token: " + fake(54, 30, alnum),
		"Version 1.8.1, commit " + fake(55, 40, hexLo) + ", order #415-555-0133, ts 1700000000.",
	}
	return strings.Join(parts, "\n")
}

func TestUTF8Boundary(t *testing.T) {
	cases := []struct {
		s    string
		i    int
		want bool
	}{
		{"héllo", 1, true},
		{"héllo", 2, false}, // inside 'é'
		{"héllo", 3, true},
		{"a\xabb", 1, true}, // before a stray continuation byte
		{"a\xabb", 2, true},
		{"€", 2, false},
		{"", 0, true},
	}
	for _, c := range cases {
		if got := utf8Boundary(c.s, c.i); got != c.want {
			t.Errorf("utf8Boundary(%q, %d) = %v, want %v", c.s, c.i, got, c.want)
		}
	}
}
