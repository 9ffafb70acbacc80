package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

// hinting drops every record and knows what to change.
type hinting struct{}

func (hinting) Name() string { return "picky" }

func (hinting) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	return Dropf("too-short", "record "+d.ID), nil
}

func (hinting) Hint(reason string) string {
	if reason == "too-short" {
		return "lower picky.min"
	}
	return ""
}

func TestEmptyRunGates(t *testing.T) {
	cases := []struct {
		name  string
		plan  Plan
		stage string
		want  string
	}{
		{"nothing read", Plan{Source: &counter{n: 0}}, "count", "no records read"},
		{"all rejected", Plan{Source: &counter{n: 3, reject: 1}}, "count", "all 3 records were rejected"},
		{"all dropped", Plan{Source: &counter{n: 4, reject: 4}, Stages: []Stage{hinting{}}}, "picky",
			"picky dropped 3 of 4 records as too-short (first: record 0); lower picky.min"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, out, err := runPlan(t, c.plan)
			var ge *GateError
			if !errors.As(err, &ge) || m == nil || len(ge.Failed) != 1 {
				t.Fatalf("err = %v, manifest %v", err, m)
			}
			g := ge.Failed[0]
			if g.Stage != c.stage || !strings.Contains(g.Message, c.want) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("gate %+v", g)
			}
			// A failed gate still commits the output, for a person to look at,
			// and every report the message names is there.
			if _, err := os.Stat(filepath.Join(out, manifestName)); err != nil {
				t.Fatal(err)
			}
			for _, rel := range regexp.MustCompile(`reports/\S+\.json`).FindAllString(g.Message, -1) {
				if _, err := os.Stat(filepath.Join(out, rel)); err != nil {
					t.Errorf("the gate names %s: %v", rel, err)
				}
			}
		})
	}
}
