package minhash

import (
	"math"
	"testing"
)

func TestChooseParams(t *testing.T) {
	tests := []struct {
		threshold          float64
		numPerm            int
		fpWeight, fnWeight float64
		bands, rows        int
	}{
		// Equal weights reproduce the published choices: datatrove's 0.72-ish
		// 14x8 area, RedPajama-v2's 0.7 -> 14x9, 0.8 -> 9x13.
		{0.7, 128, 0.5, 0.5, 14, 9},
		{0.8, 128, 0.5, 0.5, 9, 13},
		{DefaultThreshold, DefaultNumPerm, DefaultFPWeight, DefaultFNWeight, 20, 6},
	}
	for _, tt := range tests {
		p, err := ChooseParams(tt.threshold, tt.numPerm, tt.fpWeight, tt.fnWeight)
		if err != nil || p.Bands != tt.bands || p.Rows != tt.rows {
			t.Errorf("ChooseParams(%v, %d, %v, %v) = %dx%d, %v; want %dx%d", tt.threshold, tt.numPerm, tt.fpWeight, tt.fnWeight, p.Bands, p.Rows, err, tt.bands, tt.rows)
		}
	}
}

// TestChooseParamsSensible checks properties over a grid: the product fits,
// a higher threshold never asks for fewer rows, and more weight on false
// negatives never moves the S-curve right.
func TestChooseParamsSensible(t *testing.T) {
	for _, k := range []int{16, 64, 128, 256} {
		prevRows := 0
		for th := 0.5; th < 0.96; th += 0.05 {
			p, err := ChooseParams(th, k, 0.5, 0.5)
			if err != nil {
				t.Fatal(err)
			}
			if p.Bands*p.Rows > k || p.Bands < 1 || p.Rows < 1 {
				t.Errorf("k=%d t=%.2f: %dx%d does not fit", k, th, p.Bands, p.Rows)
			}
			if p.Rows < prevRows {
				t.Errorf("k=%d t=%.2f: rows %d < %d at a lower threshold", k, th, p.Rows, prevRows)
			}
			prevRows = p.Rows
			// The S-curve's steepest part sits near the threshold.
			mid := math.Pow(1/float64(p.Bands), 1/float64(p.Rows))
			if k >= 64 && math.Abs(mid-th) > 0.12 {
				t.Errorf("k=%d t=%.2f: %dx%d has its midpoint at %.2f", k, th, p.Bands, p.Rows, mid)
			}
			fnHeavy, _ := ChooseParams(th, k, 0.1, 0.9)
			if candidateProbability(th, fnHeavy.Bands, fnHeavy.Rows) < candidateProbability(th, p.Bands, p.Rows) {
				t.Errorf("k=%d t=%.2f: fn-weighted params find fewer pairs at the threshold", k, th)
			}
		}
	}
}

func TestChooseParamsRecordAndErrors(t *testing.T) {
	p, err := ChooseParams(0.8, 128, 0.5, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if p.Threshold != 0.8 || p.NumPerm != 128 || p.FPWeight != 0.5 || p.FNWeight != 0.5 || p.FPArea <= 0 || p.FNArea <= 0 {
		t.Errorf("record incomplete: %+v", p)
	}
	q, _ := ChooseParams(0.8, 128, 0.5, 0.5)
	if p != q {
		t.Errorf("not deterministic: %+v vs %+v", p, q)
	}
	for _, in := range []struct {
		th     float64
		k      int
		fp, fn float64
	}{{0, 128, .5, .5}, {1.0000001, 128, .5, .5}, {math.NaN(), 128, .5, .5}, {.8, 0, .5, .5}, {.8, 128, -1, .5}, {.8, 128, 0, 0}} {
		if _, err := ChooseParams(in.th, in.k, in.fp, in.fn); err == nil {
			t.Errorf("ChooseParams(%+v): no error", in)
		}
	}
	if got := candidateProbability(1, 20, 6); got != 1 {
		t.Errorf("P(1) = %v", got)
	}
	if got := candidateProbability(0, 20, 6); got != 0 {
		t.Errorf("P(0) = %v", got)
	}
}

// TestThresholdRange: ChooseParams, NewDeduper and the dedup stage accept
// the same thresholds, 0 < t <= 1. At t = 1 (identical shingle sets only)
// there is no false-negative area, so the choice is one band of every
// permutation: a pair is a candidate only when all signature values agree,
// which identical sets always do.
func TestThresholdRange(t *testing.T) {
	for _, th := range []float64{math.SmallestNonzeroFloat64, 0.5, math.Nextafter(1, 0), 1} {
		p, err := ChooseParams(th, DefaultNumPerm, DefaultFPWeight, DefaultFNWeight)
		if err != nil {
			t.Errorf("ChooseParams(%v): %v", th, err)
			continue
		}
		if _, err := NewDeduper(p); err != nil {
			t.Errorf("NewDeduper(threshold %v): %v", th, err)
		}
		if got := candidateProbability(1, p.Bands, p.Rows); got != 1 {
			t.Errorf("threshold %v (%dx%d): identical sets are candidates with probability %v", th, p.Bands, p.Rows, got)
		}
	}
	if p, _ := ChooseParams(1, DefaultNumPerm, DefaultFPWeight, DefaultFNWeight); p.Bands != 1 || p.Rows != DefaultNumPerm || p.FNArea != 0 {
		t.Errorf("threshold 1: %+v, want 1 band x %d rows and no false-negative area", p, DefaultNumPerm)
	}
	for _, th := range []float64{0, -0.5, math.Nextafter(1, 2), 2, math.NaN(), math.Inf(1)} {
		if _, err := ChooseParams(th, DefaultNumPerm, DefaultFPWeight, DefaultFNWeight); err == nil {
			t.Errorf("ChooseParams(%v): no error", th)
		}
		p := defaultParams()
		p.Threshold = th
		if _, err := NewDeduper(p); err == nil {
			t.Errorf("NewDeduper(threshold %v): no error", th)
		}
	}
}
