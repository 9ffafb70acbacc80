package pii

import (
	"bufio"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// The multi-locale evaluation (issue 15): phone numbers of 36 countries in
// the ways their people write them, a card of every brand, IBANs in upper
// and lower case, with and without spaces, next to e-mails, IPs and SSNs;
// all at the default config. Cards and IBANs are generated here with valid
// check digits; the phone numbers are written by hand and checked against
// libphonenumber by TestLocalePhoneData.

// localePhone is one number of a region: national is how it is written at
// home, intl with the calling code.
type localePhone struct{ region, national, intl string }

var localePhones = []localePhone{
	{"US", "(212) 555-0187", "+1 212-555-0187"},
	{"US", "646.555.0142", "+1 (646) 555-0142"},
	{"CA", "(416) 555-0123", "+1 416 555 0123"},
	{"GB", "020 7946 0958", "+44 20 7946 0958"},
	{"GB", "07812 345678", "+44 7812 345678"},
	{"GB", "0161 496 0321", "+44 (0)161 496 0321"},
	{"IE", "01 234 5678", "+353 1 234 5678"},
	{"IE", "087 123 4567", "+353 87 123 4567"},
	{"DE", "030 12345678", "+49 30 12345678"},
	{"DE", "0171 2345678", "+49 171 2345678"},
	{"DE", "089 1234 5678", "+49 (0)89 1234 5678"},
	{"AT", "0664 1234567", "+43 664 1234567"},
	{"CH", "044 668 18 00", "+41 (0)44 668 18 00"},
	{"CH", "079 123 45 67", "+41 79 123 45 67"},
	{"FR", "01 42 68 53 00", "+33 1 42 68 53 00"},
	{"FR", "06 12 34 56 78", "+33 6 12 34 56 78"},
	{"FR", "01.42.68.53.00", "+33 (0)1 42 68 53 00"},
	{"BE", "02 511 23 45", "+32 2 511 23 45"},
	{"BE", "0470 12 34 56", "+32 470 12 34 56"},
	{"NL", "020 123 4567", "+31 20 123 4567"},
	{"NL", "06-12345678", "+31 6 12345678"},
	{"ES", "912 345 678", "+34 912 345 678"},
	{"ES", "612 34 56 78", "+34 612 34 56 78"},
	{"PT", "213 456 789", "+351 213 456 789"},
	{"IT", "06 4523 1234", "+39 06 4523 1234"},
	{"IT", "347 123 4567", "+39 347 123 4567"},
	{"SE", "08-123 456 78", "+46 8 123 456 78"},
	{"SE", "070-123 45 67", "+46 70 123 45 67"},
	{"NO", "22 12 34 56", "+47 22 12 34 56"},
	{"NO", "412 34 567", "+47 412 34 567"},
	{"DK", "32 12 34 56", "+45 32 12 34 56"},
	{"FI", "040 123 4567", "+358 40 123 4567"},
	{"PL", "22 123 45 67", "+48 22 123 45 67"},
	{"PL", "601 234 567", "+48 601 234 567"},
	{"GR", "210 123 4567", "+30 210 123 4567"},
	{"TR", "0212 123 45 67", "+90 212 123 45 67"},
	{"TR", "0532 123 45 67", "+90 532 123 45 67"},
	{"RU", "8 (495) 123-45-67", "+7 495 123-45-67"},
	{"IL", "03-123-4567", "+972 3-123-4567"},
	{"IL", "052-234-5678", "+972 52-234-5678"},
	{"AE", "04 234 5678", "+971 4 234 5678"},
	{"AE", "050 123 4567", "+971 50 123 4567"},
	{"IN", "98765 43210", "+91 98765 43210"},
	{"IN", "011 2345 6789", "+91 11 2345 6789"},
	{"CN", "010 1234 5678", "+86 10 1234 5678"},
	{"CN", "138 1234 5678", "+86 138 1234 5678"},
	{"JP", "03-1234-5678", "+81 3-1234-5678"},
	{"JP", "090-1234-5678", "+81 90-1234-5678"},
	{"KR", "02-123-4567", "+82 2-123-4567"},
	{"KR", "010-1234-5678", "+82 10-1234-5678"},
	{"SG", "6123 4567", "+65 6123 4567"},
	{"SG", "9123 4567", "+65 9123 4567"},
	{"HK", "2123 4567", "+852 2123 4567"},
	{"AU", "(02) 9876 5432", "+61 2 9876 5432"},
	{"AU", "0412 345 678", "+61 412 345 678"},
	{"NZ", "09 379 1234", "+64 9 379 1234"},
	{"NZ", "021 123 4567", "+64 21 123 4567"},
	{"ZA", "021 123 4567", "+27 21 123 4567"},
	{"ZA", "082 123 4567", "+27 82 123 4567"},
	{"BR", "(11) 98456-5666", "+55 11 98456-5666"},
	{"BR", "(21) 3456-7890", "+55 21 3456-7890"},
	{"MX", "55 1234 5678", "+52 55 1234 5678"},
	{"AR", "011 4123-4567", "+54 11 4123-4567"},
	{"PH", "0917 123 4567", "+63 917 123 4567"},
	{"NG", "0803 123 4567", "+234 803 123 4567"},
	{"EG", "010 1234 5678", "+20 10 1234 5678"},
}

// Written with access codes, trunk zeros, extensions, or in ranges that are
// reserved for fiction (valid length, no validation): phones all the same.
var extraPhones = []string{
	"0044 20 7946 0958", "011 44 20 7946 0958", "001-212-555-0187", "0049 30 12345678", "00 33 1 42 68 53 00",
	"(212) 555-0187 ext. 12", "+1 212 555 0187 x1234", "020 7946 0958 ext 204", "+49 30 12345678-0",
	"+44 7700 900123", "+1-944-435-4352x04732", "001-825-741-0957x5184", "+61 491 570 006", "+41 (0) 44 668 18 00",
}

// phoneContexts are sentences with a phone word, by language.
var phoneContexts = []string{
	"Call me at %s tomorrow.", "Phone: %s", "You can reach me on %s after 5pm.", "Mobile %s (evenings)",
	"Fax: %s", "Telefon: %s", "Handy %s, bitte nach 18 Uhr.", "Rufen Sie mich unter %s an.",
	"T\u00e9l\u00e9phone : %s", "T\u00e9l. %s", "Mon portable : %s", "Tel\u00e9fono: %s", "Ll\u00e1mame al %s, gracias.",
	"m\u00f3vil %s", "Telefone: %s", "celular %s", "Telefono: %s", "cellulare %s", "Telefoon: %s",
	"\u96fb\u8a71: %s", "\u7535\u8bdd\uff1a%s", "\uc804\ud654 %s", "\u0422\u0435\u043b.: %s", "WhatsApp %s",
	"Contact: %s", "Tel.: %s / Geschäftszeiten 9-17 Uhr",
}

// plainContexts hold a number without any phone word: signature blocks,
// address lines, lists.
var plainContexts = []string{
	"Anna Berg\nStorgatan 12, Stockholm\n%s", "Maria Rossi, Via Roma 1, Milano, %s", "Best regards,\nJ. Doe\n%s",
	"Office hours 9-17, %s", "Dr. K. Yamada — %s", "%s (office)", "Kontaktperson: Jens Hansen, %s.",
	"Sales team Iberia: %s", "Head office\n12 Rue de Rivoli\n75001 Paris\n%s",
}

// card brands with the prefixes and lengths the generator uses, and how
// each is grouped when written with spaces.
var cardSamples = []struct {
	brand  string
	prefix string
	length int
	groups []int
}{
	{"Visa", "4", 16, []int{4, 4, 4, 4}},
	{"Visa", "4", 13, []int{4, 4, 5}},
	{"Visa", "4", 19, []int{4, 4, 4, 4, 3}},
	{"Mastercard", "51", 16, []int{4, 4, 4, 4}},
	{"Mastercard", "55", 16, []int{4, 4, 4, 4}},
	{"Mastercard", "2221", 16, []int{4, 4, 4, 4}},
	{"Mastercard", "2720", 16, []int{4, 4, 4, 4}},
	{"Amex", "34", 15, []int{4, 6, 5}},
	{"Amex", "37", 15, []int{4, 6, 5}},
	{"Discover", "6011", 16, []int{4, 4, 4, 4}},
	{"Discover", "65", 16, []int{4, 4, 4, 4}},
	{"Discover", "644", 19, []int{4, 4, 4, 4, 3}},
	{"JCB", "3528", 16, []int{4, 4, 4, 4}},
	{"JCB", "3589", 16, []int{4, 4, 4, 4}},
	{"JCB", "2131", 15, []int{4, 4, 4, 3}},
	{"JCB", "1800", 15, []int{4, 4, 4, 3}},
	{"Diners Club", "36", 14, []int{4, 6, 4}},
	{"Diners Club", "300", 14, []int{4, 6, 4}},
	{"Diners Club", "38", 16, []int{4, 4, 4, 4}},
	{"UnionPay", "62", 16, []int{4, 4, 4, 4}},
	{"UnionPay", "62", 19, []int{4, 4, 4, 4, 3}},
	{"Maestro", "5018", 12, []int{4, 4, 4}},
	{"Maestro", "6759", 13, []int{4, 4, 5}},
	{"Maestro", "6304", 19, []int{4, 4, 4, 4, 3}},
	{"Maestro", "5893", 16, []int{4, 4, 4, 4}},
	{"Mir", "2200", 16, []int{4, 4, 4, 4}},
}

var cardContexts = []string{
	"Please charge my %s card %s for the order.", "Karte (%s): %s", "Mi tarjeta %s es %s.", "Carte %s n° %s",
	"%s on file: %s, exp 04/28.", "Paid with %s %s yesterday.",
}

// luhnComplete fills prefix with random digits to length n and appends the
// Luhn check digit.
func luhnComplete(rng *rand.Rand, prefix string, n int) string {
	b := []byte(prefix)
	for len(b) < n-1 {
		b = append(b, byte('0'+rng.IntN(10)))
	}
	for c := byte('0'); c <= '9'; c++ {
		if luhnValid(string(append(b, c))) {
			return string(append(b, c))
		}
	}
	panic("unreachable")
}

func groupDigits(d string, groups []int, sep string) string {
	var parts []string
	for _, g := range groups {
		parts = append(parts, d[:g])
		d = d[g:]
	}
	return strings.Join(parts, sep)
}

// ibanBBANs: bank-code letters (if any) and the BBAN length per country.
var ibanBBANs = []struct {
	country, bank string
}{
	{"DE", ""}, {"GB", "WEST"}, {"FR", ""}, {"ES", ""}, {"IT", "X"}, {"NL", "ABNA"}, {"BE", ""}, {"CH", ""},
	{"AT", ""}, {"IE", "AIBK"}, {"PT", ""}, {"PL", ""}, {"SE", ""}, {"NO", ""}, {"DK", ""}, {"FI", ""},
	{"GR", ""}, {"LU", ""}, {"CZ", ""}, {"HU", ""}, {"RO", "RNCB"}, {"TR", ""}, {"SA", ""}, {"AE", ""},
	{"BR", ""}, {"IL", ""}, {"MT", "MALT"}, {"CY", ""},
}

// makeIBAN returns a compact upper-case IBAN with valid check digits.
func makeIBAN(rng *rand.Rand, country, bank string) string {
	n := ibanLengths[country] - 4
	b := []byte(bank)
	for len(b) < n {
		b = append(b, byte('0'+rng.IntN(10)))
	}
	rem := 0
	for _, c := range string(b) + country + "00" {
		if c >= 'A' && c <= 'Z' {
			rem = (rem*100 + int(c-'A') + 10) % 97
		} else {
			rem = (rem*10 + int(c-'0')) % 97
		}
	}
	check := 98 - rem
	return country + string('0'+byte(check/10)) + string('0'+byte(check%10)) + string(b)
}

func spaced4(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(len(s), i+4)])
	}
	return b.String()
}

var ibanContexts = []string{
	"Please wire the deposit to %s.", "IBAN: %s", "Bankverbindung %s (Sparkasse)", "mon iban est %s merci",
	"Overboeken naar %s", "refund to account %s please",
}

// otherSamples: e-mail, IP and SSN findings in international text.
var otherSamples = []string{
	"Schreiben Sie an [[EMAIL|m.mueller@beispiel-firma.de]] oder [[EMAIL|info@example.co.jp]].",
	"Envoyez le contrat à [[EMAIL|claire.dubois+rh@exemple.fr]] avant lundi.",
	"Contacto: [[EMAIL|soporte@empresa.com.mx]]",
	"The login came from [[IP_ADDRESS|81.2.69.142]] and [[IP_ADDRESS|2a02:8108:1100:2e00::1]].",
	"Server in Frankfurt: [[IP_ADDRESS|185.12.64.3]], Tokyo [[IP_ADDRESS|133.242.0.3]].",
	"Employee SSN [[US_SSN|536-90-4399]] (payroll).", "Her social security number is [[US_SSN|212-67-4432]].",
	"SSN: [[US_SSN|401 22 1043]]",
	// support tickets say "ticket", "order" and "account" next to everything
	"Ticket 4: my detail is [[PHONE|030 12345678]], please fix it.",
	"Order 1182 - customer asks to be called back at [[PHONE|06 12 34 56 78]].",
	"Account 77: new number [[PHONE|+44 7700 900123]], old one [[PHONE|020 7946 0958]].",
	"Ticket 12: my detail is [[EMAIL|joao.silva@exemplo.com.br]] and [[PHONE|(11) 98456-5666]].",
}

// localeCases builds the labelled multi-locale lines (markup as in
// testdata/labelled.txt).
func localeCases() []string {
	rng := rand.New(rand.NewPCG(15, 2026))
	var out []string
	for i, p := range localePhones {
		c := phoneContexts[i%len(phoneContexts)]
		out = append(out, strings.Replace(c, "%s", "[[PHONE|"+p.national+"]]", 1))
		out = append(out, strings.Replace(plainContexts[i%len(plainContexts)], "%s", "[[PHONE|"+p.national+"]]", 1))
		c = phoneContexts[(i*7+3)%len(phoneContexts)]
		out = append(out, strings.Replace(c, "%s", "[[PHONE|"+p.intl+"]]", 1))
		out = append(out, strings.Replace(plainContexts[(i+4)%len(plainContexts)], "%s", "[[PHONE|"+p.intl+"]]", 1))
	}
	for i, p := range extraPhones {
		c := phoneContexts[(i*5+1)%len(phoneContexts)]
		if i%2 == 1 {
			c = plainContexts[i%len(plainContexts)]
		}
		out = append(out, strings.Replace(c, "%s", "[[PHONE|"+p+"]]", 1))
	}
	for i, cs := range cardSamples {
		d := luhnComplete(rng, cs.prefix, cs.length)
		forms := []string{d, groupDigits(d, cs.groups, " "), groupDigits(d, cs.groups, "-")}
		for k, f := range forms {
			c := cardContexts[(i+k)%len(cardContexts)]
			c = strings.Replace(c, "%s", cs.brand, 1)
			out = append(out, strings.Replace(c, "%s", "[[CREDIT_CARD|"+f+"]]", 1))
		}
	}
	for i, ib := range ibanBBANs {
		s := makeIBAN(rng, ib.country, ib.bank)
		forms := []string{s, spaced4(s), strings.ToLower(s), strings.ToLower(spaced4(s))}
		for k, f := range forms {
			c := ibanContexts[(i+k)%len(ibanContexts)]
			out = append(out, strings.Replace(c, "%s", "[[IBAN|"+f+"]]", 1))
		}
	}
	return append(out, otherSamples...)
}

// TestLocalePhoneData keeps the hand-written numbers honest: each national
// form is valid in its region, each international form parses to the same
// number.
func TestLocalePhoneData(t *testing.T) {
	for _, p := range localePhones {
		n, err := phonenumbers.Parse(p.national, p.region)
		if err != nil || !phonenumbers.IsValidNumberForRegion(n, p.region) {
			t.Errorf("%s national %q is not valid there (%v)", p.region, p.national, err)
			continue
		}
		i, err := phonenumbers.Parse(p.intl, "ZZ")
		if err != nil || phonenumbers.IsNumberMatchWithNumbers(n, i) != phonenumbers.EXACT_MATCH {
			t.Errorf("%s intl %q is not %q (%v)", p.region, p.intl, p.national, err)
		}
	}
}

// TestEvalMultiLocale scores localeCases at the default config and holds
// every structured type to precision and recall >= 0.95.
func TestEvalMultiLocale(t *testing.T) {
	s := mustScanner(t, Config{})
	board := map[string]*tally{}
	types := map[string]bool{}
	for _, d := range Detectors {
		types[d.Type] = d.Type != TypePerson
	}
	regions := map[string]bool{}
	for _, p := range localePhones {
		regions[p.region] = true
	}
	if len(regions) < 20 {
		t.Fatalf("phone numbers of %d regions, want at least 20", len(regions))
	}
	for _, line := range localeCases() {
		text, exp := parseLabelled(line, nil)
		for _, e := range exp {
			entry(board, e.typ).cases++
		}
		pred := s.Scan(text)
		checkUTF8Spans(t, text, pred)
		if m, f := score(board, pred, exp, types); m+f > 0 {
			t.Logf("miss=%d false=%d %q got %s", m, f, text, describe(text, pred))
		}
	}
	logBoard(t, "multi-locale cases ("+itoa(len(regions))+" phone regions; default config)", board)
	for _, typ := range structuredTargets {
		if board[typ] == nil || board[typ].tp == 0 {
			t.Errorf("no %s cases", typ)
		}
	}
	assertTargets(t, board, structuredTargets)
}

// decoyLines reads testdata/decoys.txt: each <<value>> is a look-alike that
// must come through unchanged.
func decoyLines(t *testing.T) (texts []string, decoys [][]expSpan) {
	f, err := os.Open(filepath.Join("testdata", "decoys.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var b strings.Builder
		var ds []expSpan
		for {
			i := strings.Index(line, "<<")
			j := strings.Index(line, ">>")
			if i < 0 || j < i {
				b.WriteString(line)
				break
			}
			b.WriteString(line[:i])
			start := b.Len()
			b.WriteString(line[i+2 : j])
			ds = append(ds, expSpan{start, b.Len(), "DECOY"})
			line = line[j+2:]
		}
		texts = append(texts, strings.ReplaceAll(b.String(), `\n`, "\n"))
		decoys = append(decoys, ds)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return texts, decoys
}

// TestDecoysUntouched: git SHAs, UUIDs, timestamps, order numbers, versions,
// amounts, dates, postcodes and failed-checksum look-alikes; at most 2% may
// be altered at the default config (each one altered is logged).
func TestDecoysUntouched(t *testing.T) {
	s := mustScanner(t, Config{})
	texts, decoys := decoyLines(t)
	total, altered := 0, 0
	for i, text := range texts {
		pred := s.Scan(text)
		checkUTF8Spans(t, text, pred)
		for _, d := range decoys[i] {
			total++
			for _, p := range pred {
				if p.Start < d.end && d.start < p.End {
					altered++
					t.Logf("altered decoy %q in %q: %s", text[d.start:d.end], text, describe(text, []Span{p}))
					break
				}
			}
		}
	}
	rate := float64(altered) / float64(max(total, 1))
	t.Logf("decoys: %d, altered: %d (%.1f%%)", total, altered, 100*rate)
	if total < 150 {
		t.Errorf("only %d decoys; the 2%% bound needs at least 150", total)
	}
	if rate > 0.02 {
		t.Errorf("%.1f%% of decoys altered, want at most 2%%", 100*rate)
	}
}
