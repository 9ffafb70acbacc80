package quality

import (
	"context"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

// prose is ordinary English, about 120 words, written for these tests.
const prose = `Our team reviewed the billing records for the last quarter and found that two invoices were sent twice to the same customer. ` +
	`The second copy was created when the payment system restarted during a maintenance window on a Sunday night. ` +
	`We have refunded the duplicate charge and added a check that stops the same invoice number from being issued again. ` +
	`Customers who were affected will receive an email with the corrected statement and a short explanation of what happened. ` +
	`If anyone still sees a wrong amount on their account, they can reply to that message or call the support line, ` +
	`and an agent will look at the case within one business day. We are sorry for the trouble this caused.`

// prose2 is another paragraph, for texts longer than one.
const prose2 = `The warehouse in Leeds moved to a new inventory scanner in March, and for a few weeks some parcels were labelled with the wrong shelf. ` +
	`Most of them were found the same day, but a handful left late and reached customers after the promised date. ` +
	`Anyone whose order arrived late can ask for the delivery fee back; the form is on the orders page under the parcel's tracking number.`

// verdict runs one record through the stage as the engine does and
// returns its drop reason ("" when kept) and detail.
func verdict(t *testing.T, s *Stage, d *schemas.Document) (string, string) {
	t.Helper()
	if d.Text == "" {
		d.Text = d.MainText(nil)
	}
	if drop, err := s.Process(context.Background(), d); drop != nil || err != nil {
		t.Fatalf("Process returned %v, %v; the drop belongs in Sequence", drop, err)
	}
	drop, err := s.Sequence(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if drop == nil {
		return "", ""
	}
	return drop.Reason, drop.Detail
}

func text(s string) *schemas.Document { return &schemas.Document{Text: s} }

// stage builds a stage from the defaults changed by edit.
func stage(t *testing.T, edit func(*Config)) *Stage {
	t.Helper()
	cfg := Defaults()
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type verdictCase struct {
	name   string
	doc    *schemas.Document
	reason string // "" for kept
}

func checkVerdicts(t *testing.T, s *Stage, cases []verdictCase) {
	t.Helper()
	for _, c := range cases {
		got, detail := verdict(t, s, c.doc)
		if got != c.reason {
			t.Errorf("%s: got %q (%s), want %q", c.name, got, detail, c.reason)
		}
	}
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }
