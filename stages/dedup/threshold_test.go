package dedup

import (
	"math"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

// TestThresholdBoundaries: near.threshold is valid in (0, 1], the range the
// LSH parameters are chosen for. Threshold 1 removes only records whose
// shingle sets are identical: with verify: exact, copies that differ in
// case, punctuation or spacing (which exact dedup on the raw text keeps),
// and nothing that differs by a word.
func TestThresholdBoundaries(t *testing.T) {
	for _, th := range []float64{1e-9, 0.5, 1} {
		c := Defaults()
		c.Near.Threshold, c.Near.GroupThreshold = th, min(th, c.Near.GroupThreshold)
		if _, err := New(c); err != nil {
			t.Errorf("threshold %v: %v", th, err)
		}
	}
	for _, th := range []float64{0, -0.1, math.Nextafter(1, 2), math.NaN()} {
		c := Defaults()
		c.Near.Threshold = th
		_, err := New(c)
		if err == nil || !strings.Contains(err.Error(), "threshold") {
			t.Errorf("threshold %v: error %v, want one naming the threshold", th, err)
		}
	}

	w := words(40)
	base := text(w)
	variant := strings.ToUpper(base[:1]) + base[1:] + "!" // same words, different bytes
	edited := text(edit(w, "z", 20))
	c := exactVerify()
	c.Near.Threshold = 1
	s := mustNew(t, c)
	docs := []string{"a", "b", "c"}
	drops := feed(t, s, []*schemas.Document{textDoc("a", base), textDoc("b", variant), textDoc("c", edited)})
	for i, want := range []string{"", "a", ""} {
		got := ""
		if drops[i] != nil {
			got = keptID(drops[i].Detail)
		}
		if got != want {
			t.Errorf("threshold 1: %s duplicate of %q, want %q", docs[i], got, want)
		}
	}
}
