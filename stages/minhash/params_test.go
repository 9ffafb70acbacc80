package minhash

import (
	"math"
	"testing"
)

func TestOptimalParams(t *testing.T) {
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
		b, r := OptimalParams(tt.threshold, tt.numPerm, tt.fpWeight, tt.fnWeight)
		if b != tt.bands || r != tt.rows {
			t.Errorf("OptimalParams(%v, %d, %v, %v) = %dx%d, want %dx%d", tt.threshold, tt.numPerm, tt.fpWeight, tt.fnWeight, b, r, tt.bands, tt.rows)
		}
	}
}

// TestOptimalParamsSensible checks properties over a grid: the product fits,
// a higher threshold never asks for fewer rows, and more weight on false
// negatives never moves the S-curve right.
func TestOptimalParamsSensible(t *testing.T) {
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
			if CandidateProbability(th, fnHeavy.Bands, fnHeavy.Rows) < CandidateProbability(th, p.Bands, p.Rows) {
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
	}{{0, 128, .5, .5}, {1, 128, .5, .5}, {math.NaN(), 128, .5, .5}, {.8, 0, .5, .5}, {.8, 128, -1, .5}, {.8, 128, 0, 0}} {
		if _, err := ChooseParams(in.th, in.k, in.fp, in.fn); err == nil {
			t.Errorf("ChooseParams(%+v): no error", in)
		}
		if b, r := OptimalParams(in.th, in.k, in.fp, in.fn); b != 0 || r != 0 {
			t.Errorf("OptimalParams(%+v) = %dx%d, want 0x0", in, b, r)
		}
	}
	if got := CandidateProbability(1, 20, 6); got != 1 {
		t.Errorf("P(1) = %v", got)
	}
	if got := CandidateProbability(0, 20, 6); got != 0 {
		t.Errorf("P(0) = %v", got)
	}
}
