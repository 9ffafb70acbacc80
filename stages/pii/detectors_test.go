package pii

import (
	"strings"
	"testing"
)

// fake builds a deterministic, high-entropy but made-up token body, so that
// no secret-shaped literal appears in the source.
func fake(seed uint32, n int, alphabet string) string {
	var b strings.Builder
	x := seed*2654435761 + 1
	for i := 0; i < n; i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteByte(alphabet[int(x%uint32(len(alphabet)))])
	}
	return b.String()
}

const (
	alnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b64url = alnum + "-_"
	upB32  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	hexLo  = "0123456789abcdef"
	letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

type detCase struct {
	name string
	text string
	want string // "TYPE:value" of the single expected span, or "" for none
}

// runCases scans each text and checks that the spans are exactly want.
func runCases(t *testing.T, s *Scanner, cases []detCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := s.Scan(c.text)
			checkUTF8Spans(t, c.text, got)
			var parts []string
			for _, sp := range got {
				parts = append(parts, sp.Type+":"+c.text[sp.Start:sp.End])
			}
			if strings.Join(parts, " | ") != c.want {
				t.Errorf("Scan(%q)\n got: %q\nwant: %q", c.text, strings.Join(parts, " | "), c.want)
			}
		})
	}
}

func TestNumericDetectors(t *testing.T) {
	s := mustScanner(t, Config{})
	runCases(t, s, []detCase{
		// cards
		{"visa plain", "card 4111111111111111 ok", "CREDIT_CARD:4111111111111111"},
		{"visa spaced", "4012 8888 8888 1881", "CREDIT_CARD:4012 8888 8888 1881"},
		{"visa dashed", "pay 4012-8888-8888-1881.", "CREDIT_CARD:4012-8888-8888-1881"},
		{"amex", "amex 3714 496353 98431", "CREDIT_CARD:3714 496353 98431"},
		{"mastercard 2-series", "2221000000000009", "CREDIT_CARD:2221000000000009"},
		{"jcb", "JCB 3530 1113 3330 0000", "CREDIT_CARD:3530 1113 3330 0000"},
		{"jcb 15 digits 2131", "card 2131 0000 0000 001", "CREDIT_CARD:2131 0000 0000 001"},
		{"jcb 15 digits 1800", "card 180000000000002 on file", "CREDIT_CARD:180000000000002"},
		{"maestro 12 digits", "Maestro 5018 0000 0009", "CREDIT_CARD:5018 0000 0009"},
		{"diners 14", "Diners 3056 930902 5904", "CREDIT_CARD:3056 930902 5904"},
		{"unionpay", "UnionPay 6200 0000 0000 0005", "CREDIT_CARD:6200 0000 0000 0005"},
		{"discover 644", "6449 0000 0000 0006", "CREDIT_CARD:6449 0000 0000 0006"},
		{"mir", "2200 0000 0000 0004", "CREDIT_CARD:2200 0000 0000 0004"},
		{"discover 6011 is not maestro at 14", "6011 0000 0000 04", ""},
		{"luhn fail", "4012-8888-8888-1882", ""},
		{"13-digit id failing luhn", "customer id 1748503543012", ""},
		{"isbn 13", "ISBN 978-3-16-148410-0", ""},
		{"isbn bare", "isbn 9783161484100", ""},
		{"mixed separators", "4012 8888-8888 1881", ""},
		// SSN / ITIN
		{"ssn dashed", "SSN 078-05-1123", "US_SSN:078-05-1123"},
		{"ssn spaced", "id 219 09 9998 here", "US_SSN:219 09 9998"},
		{"ssn advertising", "078-05-1120", ""},
		{"ssn area 666", "666-12-3456", ""},
		{"ssn area 9xx is not ssn", "912-34-5678", ""},
		{"ssn group 00", "123-00-4567", ""},
		{"ssn serial 0000", "123-45-0000", ""},
		{"ssn one digit", "111-11-1111", ""},
		{"ssn bare without context", "ref 123456780", ""},
		{"ssn bare with context", "my social security number is 234567890", "US_SSN:234567890"},
		{"itin", "ITIN 912-70-1234", "US_ITIN:912-70-1234"},
		{"itin bad group", "912-89-1234", ""},
		// ABA / NPI / NHS
		{"aba with context", "routing number 121000358", "ABA_ROUTING:121000358"},
		{"aba without context", "item 121000358", ""},
		{"aba bad checksum", "routing 121000359", ""},
		{"npi with context", "NPI: 1234567893", "US_NPI:1234567893"},
		{"npi without context", "1234567893", ""},
		{"npi bad check", "NPI 1234567890", ""},
		{"nhs with context", "NHS number 943 476 5919", "UK_NHS:943 476 5919"},
		{"nhs bare context", "nhs no 9434765919", "UK_NHS:9434765919"},
		{"nhs bad check", "NHS 401 023 2138", ""},
		// phones
		{"us parens", "call (415) 555-0132 now", "PHONE:(415) 555-0132"},
		{"us dashes", "415-555-0132", "PHONE:415-555-0132"},
		{"us dots", "800.346.1819", "PHONE:800.346.1819"},
		{"intl plus", "+44 20 7123 4567", "PHONE:+44 20 7123 4567"},
		{"intl brazil", "tel +55 11 98456 5666", "PHONE:+55 11 98456 5666"},
		{"extension", "Desk: 986.291.2294x751", "PHONE:986.291.2294x751"},
		{"00 international prefix", "fax 0044 20 7946 0958", "PHONE:0044 20 7946 0958"},
		{"bare with context", "phone 4155550132", "PHONE:4155550132"},
		{"bare without context", "id 4155550132", ""},
		{"timestamp date time", "at 2024-01-15 10:30:00 UTC", ""},
		{"unix timestamp", "ts=1700000000 ms=1700000000123", ""},
		{"date slashes", "on 01/15/2024 we", ""},
		{"version", "release v10.2.3.4 and version 1.8.1", ""},
		{"order number", "Order #415-555-0132 shipped", ""},
		// Not a NANP number (exchange 055), but grouped like a phone and
		// valid in one of the broad regions (issue 15): a reader sees a phone.
		{"invalid NANP exchange, valid elsewhere", "415-055-0132", "PHONE:415-055-0132"},
		{"glued to word", "is415-555-0132", ""},
		{"amount", "USD 1,234,567.89", ""},
		// IPv4
		{"ipv4", "host 8.8.8.8 up", "IP_ADDRESS:8.8.8.8"},
		{"ipv4 private default reported", "gw 192.168.0.1", "IP_ADDRESS:192.168.0.1"},
		{"ipv4 cidr", "net 10.0.0.0/8", "IP_ADDRESS:10.0.0.0/8"},
		{"ipv4 port", "8.8.4.4:53", "IP_ADDRESS:8.8.4.4"},
		{"ipv4 out of range", "999.1.1.1", ""},
		{"ipv4 leading zero", "192.168.01.1", ""},
		{"five dotted parts", "1.2.3.4.5", ""},
		{"version quad", "version 1.0.0.1", ""},
		{"outline number", "see Section 2.1.3.4 below", ""},
		{"account number", "account 4155550132 closed", ""},
		{"zip plus 4", "Indianapolis, IN 46222-3271", ""},
		{"sec file number", "(File No. 333-135900)", ""},
		{"local 7 digits", "Osaka 541-8564, Japan", ""},
		{"local 7 digits with cue", "tel 555-0132", "PHONE:555-0132"},
		{"trunk zero in brackets", "+41 (0)44 668 18 00", "PHONE:+41 (0)44 668 18 00"},
		{"reserved range, possible length", "+44 7700 900123", "PHONE:+44 7700 900123"},
		{"00 access code with extension", "Fax: 001-420-335-7509x38548", "PHONE:001-420-335-7509x38548"},
		{"011 access code", "011 44 20 7946 0958", "PHONE:011 44 20 7946 0958"},
		{"ext with a space", "+1 212 555 0187 ext 12", "PHONE:+1 212 555 0187 ext 12"},
		{"german grouped", "Gesch\u00e4ftsstelle 030 12345678", "PHONE:030 12345678"},
		{"french pairs", "01 42 68 53 00", "PHONE:01 42 68 53 00"},
		{"french dotted", "01.42.68.53.00", "PHONE:01.42.68.53.00"},
		{"swedish area dash", "08-123 456 78", "PHONE:08-123 456 78"},
		{"after CJK without a space", "\u96fb\u8a7103-1234-5678", "PHONE:03-1234-5678"},
		{"context word in Spanish", "m\u00f3vil 612 34 56 78", "PHONE:612 34 56 78"},
		{"ssn shape is not a phone", "912-34-5678", ""},
		{"nhs shape with valid check", "485 777 3457", "UK_NHS:485 777 3457"},
		{"vat id", "VAT DE 136 695 976", ""},
		{"thousands", "population 8 336 817", ""},
		{"amount with currency", "EUR 12 345 678", ""},
		{"00 with a reference word", "Membership no. 0048 2211 97", ""},
		{"part of a card-shaped run", "4012 8888-8888 1882", ""},
		{"bare run without context", "id 02079460958", ""},
		{"local 7 digits, a code", "dial-in code 845 2291", ""},
	})
}

func TestKeepPrivateIPs(t *testing.T) {
	s := mustScanner(t, Config{KeepPrivateIPs: true})
	runCases(t, s, []detCase{
		{"private", "192.168.1.1 and 10.1.2.3", ""},
		{"loopback", "127.0.0.1 ::1", ""},
		{"documentation", "203.0.113.5 2001:db8::1", ""},
		{"public kept", "8.8.8.8", "IP_ADDRESS:8.8.8.8"},
	})
}

func TestNetworkDetectors(t *testing.T) {
	s := mustScanner(t, Config{})
	runCases(t, s, []detCase{
		{"email", "mail John.Doe+tag@Example.CO.uk today", "EMAIL:John.Doe+tag@Example.CO.uk"},
		{"email idn tld", "a@xn--d1acufc.xn--p1ai", "EMAIL:a@xn--d1acufc.xn--p1ai"},
		{"email numeric tld", "user@host.123", ""},
		{"email no tld", "info@presidio.", ""},
		{"handle", "@TwitterInfo", ""},
		{"ipv6", "addr 2001:4860:4860::8888 ok", "IP_ADDRESS:2001:4860:4860::8888"},
		{"ipv6 loopback", "::1", "IP_ADDRESS:::1"},
		{"ipv6 zone", "fe80::1%eth0", "IP_ADDRESS:fe80::1%eth0"},
		{"cpp scope", "std::vector<int> a::b", ""},
		{"time is not ipv6", "10:30:00", ""},
		{"mac colon", "MAC 00:1A:2B:3C:4D:5E", "MAC_ADDRESS:00:1A:2B:3C:4D:5E"},
		{"mac dash", "aa-bb-cc-dd-ee-f1", "MAC_ADDRESS:aa-bb-cc-dd-ee-f1"},
		{"mac cisco", "0012.3456.789a", "MAC_ADDRESS:0012.3456.789a"},
		{"mac broadcast", "FF:FF:FF:FF:FF:FF", ""},
		{"mac mixed seps", "10:2F:33-AC-29-C3", ""},
		{"url creds", "db postgres://admin:" + fake(1, 12, alnum) + "@db.internal:5432/x", "URL_CREDENTIALS:postgres://admin:" + fake(1, 12, alnum) + "@db.internal:5432"},
		{"url creds placeholder", "https://user:<password>@host.com", ""},
		{"url creds variable", "https://user:${PASS}@host.com", ""},
		{"url without creds", "https://example.com/a@b", ""},
		{"iban compact", "GB82WEST12345698765432", "IBAN:GB82WEST12345698765432"},
		{"iban spaced", "IBAN: DE89 3704 0044 0532 0130 00.", "IBAN:DE89 3704 0044 0532 0130 00"},
		{"iban lower case", "iban de89 3704 0044 0532 0130 00 bitte", "IBAN:de89 3704 0044 0532 0130 00"},
		{"iban lower compact", "gb82west12345698765432", "IBAN:gb82west12345698765432"},
		{"iban then a word", "IBAN AT73 5527 8864 2943 5225 merci", "IBAN:AT73 5527 8864 2943 5225"},
		{"iban mixed case", "LV80 bANK 0000 4351 9500 1", ""},
		{"iban bad checksum", "DE89 3704 0044 0532 0130 01", ""},
		{"iban wrong length", "DE89370400440532013", ""},
		{"btc p2pkh", "send 1BoatSLRHtKNngkdXEeobR76b53LETtpyT now", "CRYPTO_WALLET:1BoatSLRHtKNngkdXEeobR76b53LETtpyT"},
		{"btc p2sh", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "CRYPTO_WALLET:3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"},
		{"btc bech32", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "CRYPTO_WALLET:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"},
		{"btc bech32m", "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297", "CRYPTO_WALLET:bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297"},
		{"btc bad checksum", "16Yeky6GMjeNkAiNcBY7ZhrLoMSgg1BoyZ2", ""},
		{"eth checksummed", "0x52908400098527886E0F7030069857D2E4169EE7", "CRYPTO_WALLET:0x52908400098527886E0F7030069857D2E4169EE7"},
		{"eth lower with context", "wallet 0x" + fake(2, 40, hexLo), "CRYPTO_WALLET:0x" + fake(2, 40, hexLo)},
		{"0x hash without context", "digest 0x" + fake(3, 40, hexLo), ""},
		{"git sha", "commit " + fake(4, 40, hexLo), ""},
		{"sha256 hex", "sha256 " + fake(5, 64, hexLo), ""},
		{"uuid", "id 123e4567-e89b-12d3-a456-426614174000", ""},
	})
}

func TestDateOfBirth(t *testing.T) {
	s := mustScanner(t, Config{})
	runCases(t, s, []detCase{
		{"dob numeric", "DOB: 02.12.1979", "DATE_OF_BIRTH:02.12.1979"},
		{"date of birth", "Date of birth: 17/06/1976.", "DATE_OF_BIRTH:17/06/1976"},
		{"born words", "I was born 15th June 1991", "DATE_OF_BIRTH:15th June 1991"},
		{"born month first", "born on March 3, 1985 in", "DATE_OF_BIRTH:March 3, 1985"},
		{"abbrev month", "my date of birth is 22-nov-1972", "DATE_OF_BIRTH:22-nov-1972"},
		{"birthday before", "1985-01-01 is my birthday.", "DATE_OF_BIRTH:1985-01-01"},
		{"date without cue", "The meeting is on 2024-01-15.", ""},
		{"borne is not born", "costs borne 2024-01-15", ""},
	})
}

func TestPerson(t *testing.T) {
	s := mustScanner(t, Config{PersonNames: true})
	runCases(t, s, []detCase{
		{"honorific", "Seen by Dr. Jane Smith today", "PERSON:Dr. Jane Smith"},
		{"label", "Patient: John Doe\n", "PERSON:John Doe"},
		{"signed", "Signed: Maria Garcia", "PERSON:Maria Garcia"},
		{"given name + surname", "then Jennifer Kowalski called", "PERSON:Jennifer Kowalski"},
		{"introduced", "my name is Dan", "PERSON:Dan"},
		{"non-ascii surname", "Mrs. Amy Kupcová agreed", "PERSON:Mrs. Amy Kupcová"},
		{"no cue", "The Company shall pay", ""},
		{"label with stop word", "From: The Board", ""},
		{"lower-case name", "sarah is nice", ""},
	})
	off := mustScanner(t, Config{})
	if got := off.Scan("Dr. Jane Smith"); len(got) != 0 {
		t.Errorf("PERSON must be off by default, got %+v", got)
	}
}

// TestFormattedNumbersNearReferenceWords: support tickets say "ticket",
// "order" and "account" everywhere; a phone or card written in its usual
// groups must still be found next to them, while bare order numbers stay.
func TestFormattedNumbersNearReferenceWords(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		text, want string
	}{
		{"Ticket 1: my detail is (415) 555-0139, please fix it", "PHONE"},
		{"We saw 4111 1111 1111 1111 and fixed your account 2.", "CREDIT_CARD"},
		{"Your order 4111111111111111 ships today", ""},
		{"Ticket 4155550139 was closed", ""},
	}
	for _, c := range cases {
		spans := s.Scan(c.text)
		got := ""
		if len(spans) > 0 {
			got = spans[0].Type
		}
		if got != c.want {
			t.Errorf("%q: got %v, want %q", c.text, spans, c.want)
		}
	}
}

func TestIdentifierDetectors(t *testing.T) {
	s := mustScanner(t, Config{})
	runCases(t, s, []detCase{
		{"nino spaced", "NI number AB 12 34 56 C on file", "UK_NINO:AB 12 34 56 C"},
		{"nino compact", "nino: PR123612C", "UK_NINO:PR123612C"},
		{"nino 3-3", "The number is AZ 123 456 A.", "UK_NINO:AZ 123 456 A"},
		{"nino lower case", "hh 01 02 03 d", "UK_NINO:hh 01 02 03 d"},
		{"nino bad suffix", "AA 12 34 56 H", ""},
		{"nino bad first letter", "QQ 12 34 56 C", ""},
		{"nino bad second letter", "AO 12 34 56 C", ""},
		{"nino unallocated prefix", "BG123612A", ""},
		{"nino mixed case", "Ab 12 34 56 C", ""},
		{"swift with context", "SWIFT/BIC: DEUTDEFF500", "SWIFT_BIC:DEUTDEFF500"},
		{"bic 8", "BIC COBADEFF please", "SWIFT_BIC:COBADEFF"},
		{"bic without context", "see DEUTDEFF for details", ""},
		{"bic bad country", "SWIFT code ABCDXX22", ""},
		{"passport digits", "Passport No. 912803456 expires 2031", "US_PASSPORT:912803456"},
		{"passport letter", "my travel document is A12803456", "US_PASSPORT:A12803456"},
		{"passport without label", "A12803456", ""},
		{"driver licence", "Driver's license: D1234567", "US_DRIVER_LICENSE:D1234567"},
		{"dl number", "DL# 123456789 (NY)", "US_DRIVER_LICENSE:123456789"},
		{"licence without driver", "software license 20240115", ""},
	})
}
