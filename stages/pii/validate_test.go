package pii

import "testing"

func TestValidators(t *testing.T) {
	cases := []struct {
		name string
		fn   func(string) bool
		in   string
		want bool
	}{
		{"luhn ok", luhnValid, "79927398713", true},
		{"luhn bad", luhnValid, "79927398710", false},
		{"card visa", cardValid, "4111111111111111", true},
		{"card amex", cardValid, "371449635398431", true},
		{"card diners 14", cardValid, "30569309025904", true},
		{"card visa wrong length", cardValid, "41111111111111", false},
		{"card unknown iin", cardValid, "9111111111111116", false},
		{"card all zeros", cardValid, "0000000000000000", false},
		{"ssn ok", ssnValid, "078051123", true},
		{"ssn advert", ssnValid, "219099999", false},
		{"ssn area 900", ssnValid, "900123456", false},
		{"itin ok 70", itinValid, "912701234", true},
		{"itin ok 94", itinValid, "912941234", true},
		{"itin bad 93", itinValid, "912931234", false},
		{"aba ok", abaValid, "011000015", true},
		{"aba bad prefix", abaValid, "421042111", false},
		{"aba bad sum", abaValid, "011000016", false},
		{"npi ok", npiValid, "1245319599", true},
		{"npi bad start", npiValid, "3234567893", false},
		{"nhs ok", nhsValid, "9434765919", true},
		{"nhs check 10 invalid", nhsValid, "0000000060", false},
		{"iban gb", ibanValid, "GB82WEST12345698765432", true},
		{"iban no", ibanValid, "NO9386011117947", true},
		{"iban bad mod", ibanValid, "GB82WEST12345698765433", false},
		{"iban unknown country", ibanValid, "ZZ82WEST12345698765432", false},
		{"base58 p2pkh", base58CheckValid, "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", true},
		{"base58 flipped char", base58CheckValid, "1BoatSLRHtKNngkdXEeobR76b53LETtpyU", false},
		{"base58 bad alphabet", base58CheckValid, "0BoatSLRHtKNngkdXEeobR76b53LETtpyT", false},
		{"bech32 v0", bech32AddressValid, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", true},
		{"bech32 v0 bad", bech32AddressValid, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", false},
		{"bech32m v1", bech32AddressValid, "bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297", true},
		{"uuid", isUUID, "123e4567-e89b-12d3-a456-426614174000", true},
		{"uuid braces", isUUID, "{123e4567-e89b-12d3-a456-426614174000}", true},
		{"not uuid", isUUID, "123e4567e89b12d3a456426614174000", false},
		{"version", isVersionLike, "v1.2.3", true},
		{"snapshot", isVersionLike, "rc0.15.0_20231217_1420-SNAPSHOT", true},
		{"not version", isVersionLike, "1.5", false},
		{"placeholder xxxx", isPlaceholder, "abcXXXXdef", true},
		{"placeholder low variety", isPlaceholder, "ababababababab", true},
		{"not placeholder", isPlaceholder, "q8Zr2LmPx0Vt", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.fn(c.in); got != c.want {
				t.Errorf("%s(%q) = %v, want %v", c.name, c.in, got, c.want)
			}
		})
	}
}

func TestShannon(t *testing.T) {
	cases := []struct {
		in       string
		min, max float64
	}{
		{"", 0, 0},
		{"aaaa", 0, 0},
		{"abab", 1, 1},
		{"0123456789abcdef", 4, 4},
	}
	for _, c := range cases {
		if h := shannon(c.in); h < c.min-1e-9 || h > c.max+1e-9 {
			t.Errorf("shannon(%q) = %v, want in [%v, %v]", c.in, h, c.min, c.max)
		}
	}
}

func TestLooksLikeDate(t *testing.T) {
	cases := []struct {
		in   [3]string
		want bool
	}{
		{[3]string{"2024", "01", "15"}, true},
		{[3]string{"15", "01", "2024"}, true},
		{[3]string{"01", "15", "24"}, true},
		{[3]string{"2024", "13", "15"}, false},
		{[3]string{"415", "555", "0132"}, false},
	}
	for _, c := range cases {
		if got := looksLikeDate(c.in); got != c.want {
			t.Errorf("looksLikeDate(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
