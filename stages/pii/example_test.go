package pii_test

import (
	"fmt"

	"github.com/tuneprep/tuneprep/stages/pii"
)

func Example() {
	scanner, err := pii.New(pii.Config{}) // every built-in detector except PERSON, region US
	if err != nil {
		fmt.Println(err)
		return
	}
	text := "Call (415) 555-0132 or mail ann@example.org; card 4111 1111 1111 1111, build 2024-01-15 10:30:00."
	spans := scanner.Scan(text)
	for _, s := range spans {
		fmt.Println(s.Type, s.Detector, s.Start, s.End)
	}
	r, err := pii.NewReplacer(pii.ReplacerConfig{Mode: pii.ModeIndexed})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Replace(text, spans).Text)
	// Output:
	// PHONE phone 5 19
	// EMAIL email 28 43
	// CREDIT_CARD credit-card 50 69
	// Call <PHONE_1> or mail <EMAIL_1>; card <CREDIT_CARD_1>, build 2024-01-15 10:30:00.
}
