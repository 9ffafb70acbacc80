package pii

import (
	"strings"
	"testing"
)

// TestHIPAADetectors: each Safe Harbor detector on what it must find and on
// look-alikes it must leave, with the hipaa profile on.
func TestHIPAADetectors(t *testing.T) {
	s := mustScanner(t, Config{Profile: ProfileHIPAA})
	cases := []struct {
		text string
		want string // "TYPE value; TYPE value", or "" for nothing
	}{
		// street addresses and PO boxes
		{"lives at 1428 N Maple Ave, Apt 3B, Springfield, IL 62704 now", "STREET_ADDRESS 1428 N Maple Ave, Apt 3B, Springfield, IL 62704"},
		{"ship to 302 Pine Ridge Ct", "STREET_ADDRESS 302 Pine Ridge Ct"},
		{"office at 1700 K Street NW", "STREET_ADDRESS 1700 K Street NW"},
		{"c/o 325 N. St. Paul Street, Suite 4850 Dallas, Texas 75201", "STREET_ADDRESS 325 N. St. Paul Street, Suite 4850 Dallas, Texas 75201"},
		{"mail P.O. Box 4471, Tucson, AZ 85717", "STREET_ADDRESS P.O. Box 4471, Tucson, AZ 85717"},
		{"take 2 Tylenol Extra Strength", ""},
		{"see Section 3 The Court Order", ""},
		{"1 Reseller Technical Support Escalation Path", ""},
		// cities and ZIP codes
		{"moved from Boston last year", "CITY Boston"},
		{"Springfield, IL 62704", "CITY Springfield; US_ZIP 62704"},
		{"Jane Roe, MD reviewed it", "PERSON Jane Roe"}, // MD is a degree here, not Maryland
		{"zip code 02139", "US_ZIP 02139"},
		{"order 02139 shipped", ""},
		// dates and ages
		{"seen on 03/14/2019 and 2019-03-15", "DATE 03/14/2019; DATE 2019-03-15"},
		{"admitted March 14, 2019, discharged 3/20", "DATE March 14, 2019; DATE 3/20"},
		{"since November 2022", "DATE November 2022"},
		{"on the 14th of March", "DATE 14th of March"},
		{"take 1/2 tablet, BP 120/80, may march in 2019", ""},
		{"a 92-year-old man", "AGE_OVER_89 92"},
		{"she is ninety-four years old", "AGE_OVER_89 ninety-four"},
		{"aged 101", "AGE_OVER_89 101"},
		{"a 45-year-old man, 92 kg, pulse 95, 90 mg", ""},
		// numbers named by a label or checked by a rule
		{"MRN: 00482913", "MEDICAL_RECORD_NUMBER 00482913"},
		{"for our records, how old are you", ""},
		{"member ID XEH884120337", "HEALTH_PLAN_ID XEH884120337"},
		{"MBI 1EG4-TE5-MK73", "HEALTH_PLAN_ID 1EG4-TE5-MK73"},
		{"account number 4410082931", "ACCOUNT_NUMBER 4410082931"},
		{"DEA BR4829137", "LICENSE_NUMBER BR4829137"},
		{"code BR4829138", ""}, // DEA checksum fails
		{"state license number MD-48213", "LICENSE_NUMBER MD-48213"},
		{"VIN 1FTFW1ET9DFC10312", "VEHICLE_ID 1FTFW1ET9DFC10312"},
		{"ref 1FTFW1ET5DFC10312", ""}, // VIN check digit fails
		{"plate number OH 4471KD", "VEHICLE_ID OH 4471KD"},
		{"serial number PJN218745S", "DEVICE_ID PJN218745S"},
		{"see https://portal.example.org/p/123.", "URL https://portal.example.org/p/123"},
		{"or www.example.com/x", "URL www.example.com/x"},
		// names with clinical cues
		{"referred by Sarah Lee.", "PERSON Sarah Lee"},
		{"His nephew Kenji can come.", "PERSON Kenji"},
		{"Doctor: What brings you in?\nPatient: Sure, I came for a refill.", ""},
		{"Doctor: Mostly. Your potassium is low.", ""},
		{"Patient: Blue Shield, member ID", ""},
	}
	for _, c := range cases {
		var got []string
		for _, sp := range s.Scan(c.text) {
			got = append(got, sp.Type+" "+c.text[sp.Start:sp.End])
		}
		if g := strings.Join(got, "; "); g != c.want {
			t.Errorf("%q:\n got %q\nwant %q", c.text, g, c.want)
		}
	}
}

// TestProfileHIPAA: the profile switches the Safe Harbor detectors and
// PERSON on; Enabled and Disabled still apply; unknown profiles fail.
func TestProfileHIPAA(t *testing.T) {
	s := mustScanner(t, Config{Profile: ProfileHIPAA})
	for _, name := range profileDetectors[ProfileHIPAA] {
		if !s.Enabled(name) {
			t.Errorf("hipaa profile: %s is off", name)
		}
	}
	if !s.Enabled("email") || !s.Enabled("us-ssn") {
		t.Error("hipaa profile must keep the default detectors")
	}
	if d := mustScanner(t, Config{Profile: ProfileHIPAA, Disabled: []string{TypeDate}}); d.Enabled("date") {
		t.Error("disabled DATE is on under the profile")
	}
	if d := mustScanner(t, Config{Profile: ProfileHIPAA, Enabled: []string{TypeEmail}}); d.Enabled("person") {
		t.Error("enabled restricts the profile too")
	}
	if _, err := New(Config{Profile: "gdpr"}); err == nil || !strings.Contains(err.Error(), "profile") {
		t.Errorf("unknown profile: err %v, want one naming profile", err)
	}
}

// TestSafeHarborReplacement: dates keep the year, ZIP codes their first three
// digits (none for the restricted prefixes), in every mode that writes text.
// Mask mode keeps mask_keep characters of other types ("*****idge"), so it is
// not a Safe Harbor mode; the README says so.
func TestSafeHarborReplacement(t *testing.T) {
	s := mustScanner(t, Config{Profile: ProfileHIPAA})
	text := "Seen 03/14/2019 and on March 2, 2020, Cambridge, MA 02139; ZIP 03601; seen 4/2."
	cases := []struct {
		mode Mode
		want string
	}{
		{ModeTag, "Seen [DATE] 2019 and on [DATE] 2020, [CITY], MA [US_ZIP] 021; ZIP [US_ZIP]; seen [DATE]."},
		{ModeIndexed, "Seen <DATE_1> 2019 and on <DATE_2> 2020, <CITY_1>, MA <US_ZIP_1> 021; ZIP <US_ZIP_2>; seen <DATE_3>."},
		{ModeMask, "Seen **/**/2019 and on ***** *, 2020, *****idge, MA 021**; ZIP *****; seen */*."},
	}
	for _, c := range cases {
		res, _ := Redact(s, mustReplacer(t, ReplacerConfig{Mode: c.mode, Key: testKey}), text)
		if res.Text != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.mode, res.Text, c.want)
		}
		if c.mode != ModeMask && !res.Clean {
			t.Errorf("%s: residual findings in %q", c.mode, res.Text)
		}
	}
}

func TestSafeHarborValidators(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func(string) bool
		v    string
		want bool
	}{
		{"vin", vinValid, "1HGCM82633A004352", true},
		{"vin X check digit", vinValid, "2T1BURHEXJC043821", true},
		{"vin bad check", vinValid, "1HGCM82643A004352", false},
		{"vin with O", vinValid, "1HGCM82633O004352", false},
		{"vin all digits", vinValid, "11111111111111111", false},
		{"mbi", mbiValid, "1EG4TE5MK73", true},
		{"mbi dashed", mbiValid, "1EG4-TE5-MK73", true},
		{"mbi with S", mbiValid, "1SG4TE5MK73", false},
		{"mbi starting 0", mbiValid, "0EG4TE5MK73", false},
		{"dea", deaValid, "BR4829137", true},
		{"dea bad check", deaValid, "BR4829136", false},
		{"dea bad registrant", deaValid, "ZR4829137", false},
	} {
		if got := c.f(c.v); got != c.want {
			t.Errorf("%s %q = %v, want %v", c.name, c.v, got, c.want)
		}
	}
}
