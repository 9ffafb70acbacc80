package minhash

import (
	"fmt"
	"math"
)

// Params are LSH band parameters together with the inputs that chose them,
// so that a stage report can state both.
type Params struct {
	Threshold float64 `json:"threshold"`
	NumPerm   int     `json:"num_perm"`
	FPWeight  float64 `json:"fp_weight"`
	FNWeight  float64 `json:"fn_weight"`
	Bands     int     `json:"bands"`
	Rows      int     `json:"rows"`
	// FPArea is the integral of P(candidate) over similarity [0, Threshold].
	FPArea float64 `json:"fp_area"`
	// FNArea is the integral of 1-P(candidate) over [Threshold, 1].
	FNArea float64 `json:"fn_area"`
}

// candidateProbability is the probability that two documents of Jaccard
// similarity s share at least one band: 1 - (1 - s^rows)^bands.
func candidateProbability(s float64, bands, rows int) float64 {
	return 1 - powInt(1-powInt(s, rows), bands)
}

// ChooseParams returns the bands x rows (bands*rows <= numPerm) that
// minimise fpWeight*FPArea + fnWeight*FNArea, the criterion of datatrove and
// text-dedup, with the inputs that chose them. The threshold is in (0, 1],
// the range NewDeduper verifies against: at 1 there is no false-negative
// area and the choice is 1 band of numPerm rows (a candidate needs every
// value to agree, as identical shingle sets do). It tries every (b, r),
// about numPerm*ln(numPerm) pairs, each integrated with Simpson's rule on a
// fixed grid; the first strict minimum in (b, r) order wins, so the result
// is deterministic. Cost: about a millisecond at 128.
func ChooseParams(threshold float64, numPerm int, fpWeight, fnWeight float64) (Params, error) {
	switch {
	case !(threshold > 0 && threshold <= 1):
		return Params{}, fmt.Errorf("minhash: threshold %v: want 0 < t <= 1", threshold)
	case numPerm < 1 || numPerm > maxNumPerm:
		return Params{}, fmt.Errorf("minhash: num_perm %d: want 1..%d", numPerm, maxNumPerm)
	case !(fpWeight >= 0 && fnWeight >= 0 && fpWeight+fnWeight > 0):
		return Params{}, fmt.Errorf("minhash: weights fp=%v fn=%v: want >= 0, not both 0", fpWeight, fnWeight)
	}
	best := Params{Threshold: threshold, NumPerm: numPerm, FPWeight: fpWeight, FNWeight: fnWeight}
	bestErr := math.Inf(1)
	lo, hi := newGrid(0, threshold), newGrid(threshold, 1)
	for b := 1; b <= numPerm; b++ {
		lo.reset()
		hi.reset()
		for r := 1; r <= numPerm/b; r++ {
			// P(s) = 1 - (1 - s^r)^b; the grids hold s^r, advanced one row
			// at a time.
			fp := lo.integrate(b, false)
			fn := hi.integrate(b, true)
			if e := float64(fpWeight*fp) + float64(fnWeight*fn); e < bestErr {
				bestErr = e
				best.Bands, best.Rows, best.FPArea, best.FNArea = b, r, fp, fn
			}
			lo.nextRow()
			hi.nextRow()
		}
	}
	return best, nil
}

// simpsonSteps is even; the integrands are smooth polynomials in s, so 256
// panels give far more precision than the ranking needs.
const simpsonSteps = 256

// grid holds Simpson nodes over [lo, hi] and s^r at each node.
type grid struct {
	s, pw [simpsonSteps + 1]float64
	h     float64
}

func newGrid(lo, hi float64) *grid {
	g := &grid{h: (hi - lo) / simpsonSteps}
	for i := range g.s {
		g.s[i] = lo + float64(i)*g.h
	}
	return g
}

// reset sets pw to s^1.
func (g *grid) reset() { g.pw = g.s }

// nextRow multiplies pw by s.
func (g *grid) nextRow() {
	for i, s := range g.s {
		g.pw[i] = float64(g.pw[i] * s)
	}
}

// integrate returns the Simpson integral of P (or 1-P when miss is set) for
// b bands and the current rows.
func (g *grid) integrate(b int, miss bool) float64 {
	var sum float64
	for i, pw := range g.pw {
		v := powInt(1-pw, b) // 1 - P
		if !miss {
			v = 1 - v
		}
		w := 2.0
		switch {
		case i == 0 || i == simpsonSteps:
			w = 1
		case i%2 == 1:
			w = 4
		}
		sum += float64(w * v)
	}
	return float64(sum*g.h) / 3
}

// powInt is x^n for n >= 0 by repeated squaring: exact integer exponents,
// no math.Pow, and multiplications only (no fused multiply-add), so results
// are the same on every platform.
func powInt(x float64, n int) float64 {
	r := 1.0
	for n > 0 {
		if n&1 == 1 {
			r = float64(r * x)
		}
		x = float64(x * x)
		n >>= 1
	}
	return r
}
