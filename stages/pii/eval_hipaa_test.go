package pii

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// safeHarborClass maps entity types to the Safe Harbor identifier they
// belong to, so that a date of birth found as DATE_OF_BIRTH or a licence
// found as US_DRIVER_LICENSE counts for its class. Types outside the map
// count as "other" (any finding of them in the clinical set is a false hit).
var safeHarborClass = map[string]string{
	TypePerson:        "names",
	TypeStreetAddress: "street address",
	TypeCity:          "city",
	TypeZIP:           "ZIP code",
	TypeDate:          "dates",
	TypeDateOfBirth:   "dates",
	TypeAgeOver89:     "ages over 89",
	TypePhone:         "phone and fax",
	TypeEmail:         "e-mail",
	TypeUSSSN:         "SSN",
	TypeMRN:           "medical record",
	TypeHealthPlan:    "health plan",
	TypeAccount:       "account",
	TypeCreditCard:    "account",
	TypeIBAN:          "account",
	TypeLicense:       "licence/certificate",
	TypeUSDriver:      "licence/certificate",
	TypeUSPassport:    "licence/certificate",
	TypeUSNPI:         "licence/certificate", // a provider's identifier: "any other unique identifying number"
	TypeVehicle:       "vehicle",
	TypeDevice:        "device",
	TypeMACAddress:    "device",
	TypeURL:           "URL",
	TypeIPAddress:     "IP address",
}

func classOf(typ string) string {
	if c, ok := safeHarborClass[typ]; ok {
		return c
	}
	return "other"
}

// hipaaFloors sit a little below the figures measured on the development
// set when the profile was written (precision / recall, tp of marked, in the
// comments); with a few cases per class one more miss or false hit fails.
// The detectors were tuned on this set, so these are regression figures;
// hipaaHoldoutFloors are the blind ones.
var hipaaFloors = map[string]floor{
	"names":               {0.95, 0.92}, // 1.000 / 0.971, 33 of 34 ("Linda Park": Park is a street word)
	"street address":      {0.95, 0.95}, // 1.000 / 1.000, 9 of 9
	"city":                {0.95, 0.95}, // 1.000 / 1.000, 8 of 8
	"ZIP code":            {0.95, 0.95}, // 1.000 / 1.000, 2 of 2 (ZIPs inside addresses count as addresses)
	"dates":               {0.95, 0.95}, // 1.000 / 1.000, 24 of 24
	"ages over 89":        {0.95, 0.80}, // 1.000 / 0.857, 6 of 7 ("you are 93?" has no age word)
	"phone and fax":       {0.95, 0.95}, // 1.000 / 1.000, 10 of 10
	"e-mail":              {0.95, 0.95}, // 1.000 / 1.000, 4 of 4
	"SSN":                 {0.95, 0.95}, // 1.000 / 1.000, 2 of 2
	"medical record":      {0.95, 0.95}, // 1.000 / 1.000, 3 of 3
	"health plan":         {0.95, 0.70}, // 1.000 / 0.750, 3 of 4 (a Medicaid number two turns after its label)
	"account":             {0.95, 0.45}, // 1.000 / 0.500, 1 of 2 ("account there was ACC-...")
	"licence/certificate": {0.95, 0.95}, // 1.000 / 1.000, 5 of 5
	"vehicle":             {0.95, 0.95}, // 1.000 / 1.000, 3 of 3
	"device":              {0.95, 0.95}, // 1.000 / 1.000, 5 of 5
	"URL":                 {0.95, 0.95}, // 1.000 / 1.000, 4 of 4
	"IP address":          {0.95, 0.95}, // 1.000 / 1.000, 2 of 2
}

// hipaaHoldoutFloors: the held-out set was scored once, after the tuning;
// measured 38 marked, 31 found, 1 false hit.
var hipaaHoldoutFloors = map[string]floor{
	"names":               {0.85, 0.75}, // 0.875 / 0.778, 7 of 9; "Yes, Kwame Osei" and "for Rosa Jimenez" have no cue; "Patient: Tired." taken for a name
	"street address":      {0.95, 0.95}, // 1.000 / 1.000, 3 of 3
	"city":                {0.95, 0.95}, // 1.000 / 1.000, 2 of 2
	"dates":               {0.95, 0.80}, // 1.000 / 0.857, 6 of 7 (a month alone, "in May", is left)
	"ages over 89":        {0.95, 0.60}, // 1.000 / 0.667, 2 of 3 ("turned 90 in May")
	"phone and fax":       {0.95, 0.95}, // 1.000 / 1.000, 3 of 3
	"e-mail":              {0.95, 0.95}, // 1.000 / 1.000, 1 of 1
	"SSN":                 {0.95, 0.95}, // 1.000 / 1.000, 1 of 1
	"medical record":      {0.95, 0.45}, // 1.000 / 0.500, 1 of 2 ("medical record number, it's H-...")
	"health plan":         {0.95, 0.95}, // 1.000 / 1.000, 1 of 1
	"account":             {0.95, 0.95}, // 1.000 / 1.000, 1 of 1
	"licence/certificate": {0.95, 0.00}, // 1.000 / 0.000, 0 of 1 (a CDL number: "CDL" is not a licence word yet)
	"vehicle":             {0.95, 0.95}, // 1.000 / 1.000, 1 of 1
	"device":              {0.95, 0.00}, // 1.000 / 0.000, 0 of 1 ("serial number on the back is ...")
	"URL":                 {0.95, 0.95}, // 1.000 / 1.000, 1 of 1
	"IP address":          {0.95, 0.95}, // 1.000 / 1.000, 1 of 1
}

// TestEvalHIPAAProfile scores the hipaa profile on testdata/clinical_hipaa.txt
// per Safe Harbor class. A finding counts when it covers 80% of the marked span
// and its type belongs to the marked class.
func TestEvalHIPAAProfile(t *testing.T) {
	evalHIPAA(t, "clinical_hipaa.txt", hipaaFloors)
}

func evalHIPAA(t *testing.T, file string, floors map[string]floor) {
	f, err := os.Open(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := mustScanner(t, Config{Profile: ProfileHIPAA})
	board := map[string]*tally{}
	all := map[string]bool{"other": true}
	for _, c := range safeHarborClass {
		all[c] = true
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	records, marked := 0, 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		records++
		text, exp := parseLabelled(strings.ReplaceAll(line, `\n`, "\n"), nil)
		for k := range exp {
			exp[k].typ = classOf(exp[k].typ)
			entry(board, exp[k].typ).cases++
		}
		marked += len(exp)
		pred := s.Scan(text)
		checkUTF8Spans(t, text, pred)
		byClass := make([]Span, len(pred))
		for k, p := range pred {
			byClass[k] = p
			byClass[k].Type = classOf(p.Type)
		}
		if m, fp := score(board, byClass, exp, all); m+fp > 0 {
			t.Logf("miss=%d false=%d %q got %s", m, fp, clip(text), describe(text, pred))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if marked < 30 {
		t.Fatalf("%s: %d identifiers marked: the file was not read as expected", file, marked)
	}
	logBoard(t, "testdata/"+file+", profile hipaa ("+itoa(records)+" records, "+itoa(marked)+" identifiers)", board)
	assertFloors(t, file, board, floors)
}

func TestEvalHIPAAHoldout(t *testing.T) {
	evalHIPAA(t, "clinical_hipaa_holdout.txt", hipaaHoldoutFloors)
}
