package pii

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/stages/testcorpora"
)

// The evaluation runs the scanner over the peer corpora and prints a table of
// precision and recall per entity type. Counting rule: a predicted span is a
// true positive when it covers at least 80% of an expected span of the same
// type (intersection / expected length). Offsets in the corpora are code
// points and are converted to bytes.

var presidioTypes = map[string]string{
	"EMAIL_ADDRESS":      TypeEmail,
	"PHONE_NUMBER":       TypePhone,
	"CREDIT_CARD":        TypeCreditCard,
	"IBAN_CODE":          TypeIBAN,
	"US_SSN":             TypeUSSSN,
	"US_ITIN":            TypeUSITIN,
	"ABA_ROUTING_NUMBER": TypeABARouting,
	"IP_ADDRESS":         TypeIPAddress,
	"CRYPTO":             TypeCryptoWallet,
	"UK_NHS":             TypeUKNHS,
	"MAC_ADDRESS":        TypeMACAddress,
	"US_NPI":             TypeUSNPI,
	"PERSON":             TypePerson,
	"UK_NINO":            TypeUKNINO,
	"US_PASSPORT":        TypeUSPassport,
	"US_DRIVER_LICENSE":  TypeUSDriver,
}

// Presidio cases we disagree with on purpose (text -> reason). Each is a
// bare digit run that Presidio reports at a low score without any context;
// ~10% (ABA, NPI) or most (SSN, ITIN) random numbers of that length pass the
// checksum, so reporting them would flag every order or account number.
var presidioDisagree = map[string]string{
	"121000358":             "ABA: bare 9 digits, no routing/ABA context",
	"3222-7162-7":           "ABA: no routing/ABA context",
	"121042882":             "ABA: bare 9 digits, no routing/ABA context",
	"0711-0130-7":           "ABA: no routing/ABA context",
	"078-051121 07805-1121": "SSN: partial dashes (3-6, 5-4) are not an SSN layout; Presidio scores them 0.05",
	"078051121":             "SSN: bare 9 digits without SSN context",
	"911-701234 91170-1234": "ITIN: partial dashes, as for SSN",
	"911701234":             "ITIN: bare 9 digits without ITIN/tax context",
	"1234567893":            "NPI: bare 10 digits without NPI/provider context",
	"1245319599":            "NPI: bare 10 digits without NPI/provider context",
	"1003000126":            "NPI: bare 10 digits without NPI/provider context",
	"1234-567-893":          "NPI: no NPI/provider context",
	"1234 567 893":          "NPI: no NPI/provider context",
	"0032698674":            "NHS: bare 10 digits without NHS context",
	"122000000000003":       "CARD: UATP (prefix 1) without card context; real support text has purchase numbers of this shape",
	"Use local ipv6 ::":     "IP: the unspecified address '::' alone is punctuation in most text",
	"src=:: dst=::1":        "IP: '::' alone, as above (the ::1 is found)",
	"2345:0425:2CA1:0000:0000:0567:5673:23b5": "IP: a valid IPv6 address (Presidio's own compression test expects such forms)",
	"2345:0425:2CA1::0567:5673:23b5":          "IP: a valid IPv6 address, as above",
	"2400:c401::5054:ff:fe1b:b031#0":          "IP: valid IPv6; the same text is expected as a match in Presidio's compression test",
	"foo2001:db8::10.0.0.1":                   "IP: glued to a word; Presidio itself expects no match for text2001:db8::1",
	"192.168.1.1.1":                           "IP: five dotted parts are a version or OID, not an address",
	"Unspecified ::":                          "IP: '::' alone, as above",
	"::/0":                                    "IP: the default route is not an identifier",
	"::/128":                                  "IP: '::' alone, as above",
	"221 395 1837":                            "NHS: also a valid US phone number; with region US we call it a phone",
	"My CN number is 13812345678":             "PHONE: bare 11 digits; valid only for CN, not a configured region",
	"H12234567":                               "DRIVER_LICENSE: a bare token; licence formats are reported next to \"driver's license\" or \"DL\" only",
	"123456789 1234567890 12345679012 123456790123 1234567901234 1234": "DRIVER_LICENSE: bare digit runs, as above",
	"912803456": "PASSPORT: a bare token; reported next to \"passport\" or \"travel document\" only",
	"Z12803456": "PASSPORT: as above",
	"A12803456": "PASSPORT: as above",
}

// presidioPhoneRegions mirrors the regions of the Presidio phone tests
// (DEFAULT_SUPPORTED_REGIONS plus JP and CN as the test configures).
var presidioPhoneRegions = []string{"GB", "DE", "IL", "IN", "CA", "BR", "JP", "CN", "FR", "IT", "GR"}

type presidioCase struct {
	Source        string          `json:"source"`
	Entity        string          `json:"entity"`
	Text          string          `json:"text"`
	ExpectedSpans [][2]int        `json:"expected_spans"`
	Config        json.RawMessage `json:"config"`
}

// TestEvalPresidioCases scores Presidio's own test sentences twice: at the
// default config (what a new user gets) and with the regions Presidio's
// phone tests configure.
func TestEvalPresidioCases(t *testing.T) {
	path := testcorpora.Path(t, "pii/presidio_cases.jsonl")
	for _, v := range []struct {
		title string
		cfg   Config
	}{
		{"default config", Config{}},
		{"Presidio phone regions", Config{PhoneExtraRegions: presidioPhoneRegions}},
	} {
		t.Run(strings.ReplaceAll(v.title, " ", "_"), func(t *testing.T) { evalPresidioCases(t, path, v.title, v.cfg) })
	}
}

func evalPresidioCases(t *testing.T, path, title string, cfg Config) {
	all := mustScanner(t, cfg)
	person := mustScanner(t, Config{Enabled: []string{TypePerson}, PersonNames: true})
	board := map[string]*tally{}
	skipped := map[string]int{}
	excluded := 0
	readJSONL(t, path, func(line []byte) error {
		var c presidioCase
		if err := unmarshal(line, &c); err != nil {
			return err
		}
		typ, ok := presidioTypes[c.Entity]
		if !ok {
			skipped[c.Entity]++
			return nil
		}
		cfg := string(c.Config)
		if strings.Contains(cfg, "leniency=0") || strings.Contains(cfg, "leniency=2") || strings.Contains(cfg, "leniency=3") {
			skipped["PHONE_NUMBER(non-default leniency)"]++
			return nil
		}
		reason, ok := presidioDisagree[c.Text+"#"+itoa(len(c.ExpectedSpans))]
		if !ok {
			reason, ok = presidioDisagree[c.Text]
		}
		if ok {
			excluded++
			t.Logf("excluded (disagree): %q: %s", c.Text, reason)
			return nil
		}
		sc := all
		if typ == TypePerson {
			sc = person
		}
		var exp []expSpan
		for _, sp := range c.ExpectedSpans {
			exp = append(exp, expSpan{cpToByte(c.Text, sp[0]), cpToByte(c.Text, sp[1]), typ})
		}
		pred := sc.Scan(c.Text)
		checkUTF8Spans(t, c.Text, pred)
		entry(board, typ).cases++
		if m, f := score(board, pred, exp, map[string]bool{typ: true}); m+f > 0 {
			t.Logf("%s: miss=%d false=%d %q got %s", typ, m, f, c.Text, describe(c.Text, pred))
		}
		return nil
	})
	logBoard(t, "presidio_cases.jsonl, "+title+" (excluded by disagreement: "+itoa(excluded)+")", board)
	t.Logf("skipped entity types (not supported): %s", sortedCounts(skipped))
	assertTargets(t, board, structuredTargets)
}

// structuredTargets are the types held to precision and recall >= 0.95.
var structuredTargets = []string{TypeEmail, TypePhone, TypeCreditCard, TypeIBAN, TypeUSSSN, TypeIPAddress}

func assertTargets(t *testing.T, board map[string]*tally, types []string) {
	t.Helper()
	for _, typ := range types {
		v := board[typ]
		if v == nil || v.tp+v.fn == 0 {
			continue
		}
		if v.precision() < 0.95 || v.recall() < 0.95 {
			t.Errorf("%s below target: precision %.3f recall %.3f (want >= 0.95 each)", typ, v.precision(), v.recall())
		}
	}
}

func describe(text string, spans []Span) string {
	var b strings.Builder
	for _, s := range spans {
		b.WriteString("[" + s.Type + " " + text[s.Start:s.End] + "]")
	}
	return b.String()
}

func sortedCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + "=" + itoa(m[k]))
	}
	return b.String()
}

// validatorKnownHits are inputs of presidio_validator_cases.jsonl that the
// scanner reports with Presidio's phone regions on (input -> reason). Each
// input is a foreign identifier, so any finding is a false hit; these are
// digit groups that are also valid national phone numbers, which bare digits
// cannot be told apart from.
var validatorKnownHits = map[string]string{
	"DE 136 695 976": "PHONE: 136 695 976 is a valid FR and JP national number",
	"DE-136-695-976": "PHONE: as above",
	"DE.136.695.976": "PHONE: as above",
	"44-051401458":   "PHONE: 44-051401458 is a valid DE national number",
}

// TestEvalPresidioValidatorCases: every entity in this file is a national
// identifier we do not detect (German, South African, Indian, Polish), so
// there is nothing to recall and no precision to compute. What can regress
// is precision elsewhere: a bare foreign identifier reported as one of our
// types. Measured 2026-12-01: default config, 0 of 158 inputs flagged; with
// Presidio's phone regions and PERSON on, 5 of 158 (the 4 distinct inputs
// of validatorKnownHits, one of them listed twice). Any other finding fails.
func TestEvalPresidioValidatorCases(t *testing.T) {
	type validatorCase struct {
		Entity string `json:"entity"`
		Input  string `json:"input"`
	}
	var cases []validatorCase
	readJSONL(t, testcorpora.Path(t, "pii/presidio_validator_cases.jsonl"), func(line []byte) error {
		var c validatorCase
		if err := unmarshal(line, &c); err != nil {
			return err
		}
		cases = append(cases, c)
		return nil
	})
	if len(cases) == 0 {
		t.Fatal("presidio_validator_cases.jsonl: no cases read")
	}
	variants := []struct {
		title string
		cfg   Config
		known map[string]string
	}{
		{"default config", Config{}, nil},
		{"Presidio phone regions, PERSON on", Config{PhoneExtraRegions: presidioPhoneRegions, PersonNames: true}, validatorKnownHits},
	}
	for _, v := range variants {
		sc := mustScanner(t, v.cfg)
		seen, flagged := map[string]int{}, map[string]int{}
		for _, c := range cases {
			seen[c.Entity]++
			if typ, ok := presidioTypes[c.Entity]; ok {
				t.Errorf("validator cases now hold %s (our %s): score them for precision and recall", c.Entity, typ)
			}
			pred := sc.Scan(c.Input)
			if len(pred) == 0 {
				continue
			}
			flagged[c.Entity]++
			if reason, ok := v.known[c.Input]; ok {
				t.Logf("%s: known false hit on %s %q: %s", v.title, c.Entity, c.Input, reason)
				continue
			}
			t.Errorf("%s: false hit on %s %q: got %s", v.title, c.Entity, c.Input, describe(c.Input, pred))
		}
		t.Logf("%s: inputs by entity: %s; flagged: %s", v.title, sortedCounts(seen), sortedCounts(flagged))
	}
}

var scrubadubTypes = map[string]string{
	"CREDIT_CARD":               TypeCreditCard,
	"EMAIL":                     TypeEmail,
	"PHONE":                     TypePhone,
	"DATE_OF_BIRTH":             TypeDateOfBirth,
	"SOCIAL_SECURITY_NUMBER":    TypeUSSSN,
	"PASSWORD":                  TypeSecret,
	"NAME":                      TypePerson,
	"NATIONAL_INSURANCE_NUMBER": TypeUKNINO,
}

// scrubadubClassTypes: each scrubadub test class exercises one detector, so
// only that type is scored for its cases (other types in the text are not
// labelled). Classes of unsupported detectors are scored on nothing.
var scrubadubClassTypes = map[string]string{
	"CreditCardTestCase":   TypeCreditCard,
	"EmailTestCase":        TypeEmail,
	"DoBTestCase":          TypeDateOfBirth,
	"CredentialsTestCase":  TypeSecret,
	"SSNTestCase":          TypeUSSSN,
	"TextBlobNameTestCase": TypePerson,
	"GBNinoTestCase":       TypeUKNINO,
}

// Scrubadub cases we disagree with on purpose.
var scrubadubDisagree = map[string]string{
	"username: root\npassword: root":                                  "SECRET: 'root' is 4 characters; generic secrets need 6+",
	"username root\npassword crickets":                                "SECRET: no assignment operator between key and value",
	"login snoop pw biggreenhat":                                      "SECRET: no assignment operator; 'pw' is too short a key to trust",
	"u: snoop\np: biggreenhat":                                        "SECRET: single-letter keys",
	"UserName snoop PassWord biggreenhat":                             "SECRET: no assignment operator",
	"My email is john at gmail.com":                                   "EMAIL: spelled-out 'at' form; matching it would flag ordinary prose",
	"My name is Mike and I was born in a land far away on 22/11/1972": "DOB: expected span includes the word 'on'; ours is the date (77% of theirs)",
	"my name is Jane and I was born on 11/22/1972":                    "DOB: expected span includes the word 'on'; ours is the date (77% of theirs)",
}

// TestEvalScrubadub scores scrubadub's test sentences at the default config
// with PERSON turned on, and with the GB region its phone tests assume.
func TestEvalScrubadub(t *testing.T) {
	path := testcorpora.Path(t, "pii/scrubadub_cases.jsonl")
	for _, v := range []struct {
		title string
		cfg   Config
	}{
		{"default config + PERSON", Config{PersonNames: true}},
		{"phone_extra_regions GB + PERSON", Config{PersonNames: true, PhoneExtraRegions: []string{"GB"}}},
	} {
		t.Run(strings.ReplaceAll(v.title, " ", "_"), func(t *testing.T) { evalScrubadub(t, path, v.title, v.cfg) })
	}
}

func evalScrubadub(t *testing.T, path, title string, cfg Config) {
	sc := mustScanner(t, cfg)
	board := map[string]*tally{}
	types := map[string]bool{}
	for _, v := range scrubadubTypes {
		types[v] = true
	}
	skipped := map[string]int{}
	readJSONL(t, path, func(line []byte) error {
		var c struct {
			Test  string  `json:"test"`
			Text  string  `json:"text"`
			Spans [][]any `json:"expected_spans"`
		}
		if err := unmarshal(line, &c); err != nil {
			return err
		}
		if c.Spans == nil {
			skipped["unaligned"]++
			return nil
		}
		if reason, ok := scrubadubDisagree[c.Text]; ok {
			t.Logf("excluded (disagree): %q: %s", c.Text, reason)
			return nil
		}
		var exp []expSpan
		for _, s := range c.Spans {
			label, _ := s[2].(string)
			if k := strings.LastIndexByte(label, '-'); k > 0 {
				label = label[:k]
			}
			typ, ok := scrubadubTypes[label]
			if !ok {
				skipped[label]++
				continue
			}
			exp = append(exp, expSpan{cpToByte(c.Text, int(s[0].(float64))), cpToByte(c.Text, int(s[1].(float64))), typ})
			entry(board, typ).cases++
		}
		caseTypes := types
		if k := strings.IndexByte(c.Test, '.'); k > 0 {
			if typ, ok := scrubadubClassTypes[c.Test[:k]]; ok {
				caseTypes = map[string]bool{typ: true}
			} else if c.Test[:k] != "AdvancedTestCase" {
				caseTypes = map[string]bool{}
			}
		}
		pred := sc.Scan(c.Text)
		checkUTF8Spans(t, c.Text, pred)
		if m, f := score(board, pred, exp, caseTypes); m+f > 0 {
			t.Logf("miss=%d false=%d %q got %s", m, f, c.Text, describe(c.Text, pred))
		}
		return nil
	})
	logBoard(t, "scrubadub_cases.jsonl, "+title, board)
	t.Logf("skipped labels (not supported): %s", sortedCounts(skipped))
	assertTargets(t, board, structuredTargets)
}

// floor is the least precision and recall a type may score on a corpus.
type floor struct{ precision, recall float64 }

// assertFloors fails for every type on board that scores below its floor, and
// for every type on board without one (a new kind of finding, e.g. false hits
// of a type the corpus does not label, must be looked at and given a floor).
func assertFloors(t *testing.T, title string, board map[string]*tally, floors map[string]floor) {
	t.Helper()
	for _, typ := range slices.Sorted(maps.Keys(board)) {
		v := board[typ]
		f, ok := floors[typ]
		if !ok {
			t.Errorf("%s: %s has no floor (precision %.3f recall %.3f, tp %d fp %d fn %d): add one", title, typ, v.precision(), v.recall(), v.tp, v.fp, v.fn)
			continue
		}
		if v.precision() < f.precision || v.recall() < f.recall {
			t.Errorf("%s: %s regressed: precision %.3f recall %.3f, floors %.2f / %.2f", title, typ, v.precision(), v.recall(), f.precision, f.recall)
		}
	}
	for _, typ := range slices.Sorted(maps.Keys(floors)) {
		if board[typ] == nil {
			t.Errorf("%s: %s has a floor but no cases: the corpus changed, revisit the floors", title, typ)
		}
	}
}

// TestEvalPresidioResearch scores the synthetic presidio-research sentences.
// The floors sit a little below the figures measured on 2026-12-01 (given per
// line as precision / recall, tp of expected), so that a regression fails;
// with a handful of cases per type, one more miss or false hit does.
func TestEvalPresidioResearch(t *testing.T) {
	raw, err := os.ReadFile(testcorpora.Path(t, "pii/presidio_research_generated_small.json"))
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		Text  string `json:"full_text"`
		Spans []struct {
			Type  string `json:"entity_type"`
			Start int    `json:"start_position"`
			End   int    `json:"end_position"`
		} `json:"spans"`
	}
	if err := json.Unmarshal(raw, &docs); err != nil {
		t.Fatal(err)
	}
	// The structured types score the same in every variant.
	structured := map[string]floor{
		TypeCreditCard: {0.98, 0.98}, // 1.000 / 1.000, 10 of 10 (2026-12-01)
		TypeEmail:      {0.98, 0.98}, // 1.000 / 1.000, 2 of 2 (2026-12-01)
		TypeIPAddress:  {0.98, 0.98}, // 1.000 / 1.000, 2 of 2 (2026-12-01)
		TypeUSSSN:      {0.98, 0.98}, // 1.000 / 1.000, 3 of 3 (2026-12-01)
		TypeUSDriver:   {0.98, 0.98}, // 1.000 / 1.000, 1 of 1 (issue 15)
	}
	with := func(extra map[string]floor) map[string]floor {
		m := maps.Clone(structured)
		maps.Copy(m, extra)
		return m
	}
	// 8 of the 10 synthetic phone numbers are valid only outside the US
	// ((96) 627-277, 027 896 92 86, ...). Before issue 15 the default config
	// found 2 of 10 (US only); the scoring phone detector finds them without
	// configured regions.
	phoneAll := floor{0.98, 0.98} // 1.000 / 1.000, 10 of 10
	variants := []struct {
		title  string
		cfg    Config
		floors map[string]floor
	}{
		{"default config", Config{}, with(map[string]floor{TypePhone: phoneAll})},
		// Region hints change nothing here: every number is found anyway.
		{"phone_extra_regions GB,DE,FR,AU", Config{PhoneExtraRegions: []string{"GB", "DE", "FR", "AU"}},
			with(map[string]floor{TypePhone: phoneAll})},
		{"PERSON enabled", Config{PersonNames: true}, with(map[string]floor{
			TypePhone: phoneAll,
			// The PERSON detector is rule-based: it needs a title, a field
			// label or a listed given name (SSA 2010 list) before a
			// capitalised surname. Lone names (Krylova), lower-case names
			// and most non-English given names are missed by design;
			// presidio's expectation comes from an NER model.
			TypePerson: {0.95, 0.43}, // 1.000 / 0.455, 25 of 55, no false hit (issue 15; was 0.941 / 0.291)
		})},
	}
	for _, v := range variants {
		withPerson := v.cfg.PersonNames
		sc := mustScanner(t, v.cfg)
		board := map[string]*tally{}
		types := map[string]bool{}
		for k, v := range presidioTypes {
			if k != "PERSON" || withPerson {
				types[v] = true
			}
		}
		skipped := map[string]int{}
		for _, d := range docs {
			var exp []expSpan
			for _, s := range d.Spans {
				typ, ok := presidioTypes[s.Type]
				if !ok || !types[typ] {
					skipped[s.Type]++
					continue
				}
				exp = append(exp, expSpan{cpToByte(d.Text, s.Start), cpToByte(d.Text, s.End), typ})
				entry(board, typ).cases++
			}
			pred := sc.Scan(d.Text)
			checkUTF8Spans(t, d.Text, pred)
			if m, f := score(board, pred, exp, types); m+f > 0 {
				t.Logf("miss=%d false=%d %q got %s", m, f, d.Text, describe(d.Text, pred))
			}
		}
		title := "presidio_research_generated_small.json (" + v.title + ")"
		logBoard(t, title, board)
		t.Logf("skipped types (not supported): %s", sortedCounts(skipped))
		assertFloors(t, title, board, v.floors)
	}
}

// TestEvalPersonRules covers the PERSON rules of issue 15: the SSA given-name
// list, given names that are also words, "Surname, Given", lower-case
// titles, more field labels, and the look-alikes each rule must leave alone.
func TestEvalPersonRules(t *testing.T) {
	s := mustScanner(t, Config{Enabled: []string{TypePerson}, PersonNames: true})
	runCases(t, s, []detCase{
		{"SSA given name", "Follow up with Colleen Wiley in 2 months.", "PERSON:Colleen Wiley"},
		{"given, initial, surname", "approved by Shelby R. Araujo", "PERSON:Shelby R. Araujo"},
		{"word-like given + census surname", "ask Will Smith about it", "PERSON:Will Smith"},
		{"word-like given + other word", "Will Update the file tomorrow", ""},
		{"word-like given as place", "flights to Austin Texas", ""},
		{"surname, given", "Attendees: Garcia, Maria and others", "PERSON:Garcia, Maria"},
		{"surname, word-like given", "Hubbard, Fox and partners", ""},
		{"lower-case title", "join accounts with ms. Wijtze", "PERSON:ms. Wijtze"},
		{"milliseconds", "took 10 ms. Then it stopped", ""},
		{"label", "Cardholder: Dana Whitfield", "PERSON:Dana Whitfield"},
		{"street named after a person", "at 19 Nelson Mandela Drive", ""},
		{"street with given name", "74 Kate Edger Place", ""},
		{"title, not a person", "The Princess Royal arrived", ""},
	})
}

// TestRealTextAudit scans about 3 MB of real contracts, clinical dialogues and
// support conversations with nothing planted. Contact details in the contract
// notices are real findings; the structured identifiers below do not occur in
// these corpora, so any hit is a false positive (these were checked by hand).
func TestRealTextAudit(t *testing.T) {
	text := loadBenchText(t, benchFiles(t), 1<<40) // one planted block at the very end only
	text = text[:strings.LastIndex(text, plantedText())]
	s := mustScanner(t, Config{})
	counts := map[string]int{}
	for _, sp := range s.Scan(text) {
		counts[sp.Type]++
	}
	t.Logf("real text, %d bytes, findings by type: %s", len(text), sortedCounts(counts))
	for _, typ := range []string{TypeCreditCard, TypeIBAN, TypeUSSSN, TypeUSITIN, TypeUSNPI, TypeABARouting, TypeUKNHS, TypeSecret, TypeCryptoWallet, TypeMACAddress,
		TypeUKNINO, TypeSWIFT, TypeUSPassport, TypeUSDriver} {
		if counts[typ] > 0 {
			t.Errorf("%d %s findings in text that has none (false positives)", counts[typ], typ)
		}
	}
}
