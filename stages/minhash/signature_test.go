package minhash

import (
	"math"
	"slices"
	"testing"
)

func mustMinHasher(t testing.TB, cfg Config) *MinHasher {
	t.Helper()
	m, err := NewMinHasher(cfg)
	if err != nil {
		t.Fatalf("NewMinHasher(%+v): %v", cfg, err)
	}
	return m
}

func TestSignDeterministic(t *testing.T) {
	text := "The Supplier shall deliver the Goods to the Buyer within thirty days of the order."
	a, na := mustMinHasher(t, Config{}).Sign(text)
	b, nb := mustMinHasher(t, Config{}).Sign(text)
	if na == 0 || na != nb || !slices.Equal(a, b) {
		t.Fatalf("two MinHashers with the same config disagree: %d/%d shingles", na, nb)
	}
	if len(a) != DefaultNumPerm {
		t.Errorf("signature length %d, want %d", len(a), DefaultNumPerm)
	}
	c, _ := mustMinHasher(t, Config{Seed: 99}).Sign(text)
	if Similarity(a, c) > 0.2 {
		t.Errorf("a different permutation seed gave similarity %.2f, want unrelated values", Similarity(a, c))
	}
	if Similarity(a, b) != 1 {
		t.Errorf("Similarity of equal signatures = %v", Similarity(a, b))
	}
}

func TestSignShortText(t *testing.T) {
	m := mustMinHasher(t, Config{})
	for _, text := range []string{"", "two words", " ,;. "} {
		if sig, n := m.Sign(text); sig != nil || n != 0 {
			t.Errorf("Sign(%q) = %d values, %d shingles; want nil, 0", text, len(sig), n)
		}
	}
}

func TestSignMatchesAppendSignature(t *testing.T) {
	m := mustMinHasher(t, Config{NumPerm: 7}) // odd count exercises the remainder loop
	text := "alpha beta gamma delta epsilon zeta eta theta"
	sig, _ := m.Sign(text)
	manual := m.appendSignature(nil, m.Shingler().appendShingles(nil, text))
	if !slices.Equal(sig, manual) {
		t.Errorf("Sign %v != appendSignature %v", sig, manual)
	}
	// Repeats do not change a minimum.
	set := m.Shingler().AppendSet(nil, text+" "+text)
	withRepeats := m.appendSignature(nil, m.Shingler().appendShingles(nil, text+" "+text))
	if !slices.Equal(m.appendSignature(nil, set), withRepeats) {
		t.Error("signature of the set differs from the signature with repeats")
	}
}

func TestNewMinHasherValidation(t *testing.T) {
	for _, cfg := range []Config{{NumPerm: -1}, {NumPerm: maxNumPerm + 1}, {Shingle: ShingleConfig{N: -2}}} {
		if _, err := NewMinHasher(cfg); err == nil {
			t.Errorf("NewMinHasher(%+v): no error", cfg)
		}
	}
	if got := mustMinHasher(t, Config{}).cfg; got.NumPerm != DefaultNumPerm || got.Shingle.N != DefaultWordN {
		t.Errorf("effective config %+v lacks defaults", got)
	}
	if Similarity(Signature{1}, Signature{1, 2}) != 0 || Similarity(nil, nil) != 0 {
		t.Error("Similarity of mismatched or empty signatures should be 0")
	}
}

// TestEstimateTracksJaccard compares the 128-permutation estimate with the
// exact Jaccard of real contract pairs (each contract against an edited copy
// and against its neighbour): the error must look like sampling noise, with
// standard deviation sqrt(J(1-J)/128) <= 0.045.
func TestEstimateTracksJaccard(t *testing.T) {
	docs := contracts(t)
	m := mustMinHasher(t, Config{})
	sh := m.Shingler()
	var sumSq float64
	var worst float64
	n := 0
	for i, d := range docs {
		for _, other := range []string{syntheticEdit(d, 0.04, uint64(i)), docs[(i+1)%len(docs)]} {
			a, b := sh.AppendSet(nil, d), sh.AppendSet(nil, other)
			inter := IntersectSorted(a, b)
			exact := float64(inter) / float64(len(a)+len(b)-inter)
			est := Similarity(m.appendSignature(nil, a), m.appendSignature(nil, b))
			diff := est - exact
			sumSq += diff * diff
			worst = max(worst, math.Abs(diff))
			n++
		}
	}
	rmse := math.Sqrt(sumSq / float64(n))
	t.Logf("estimate vs exact Jaccard over %d pairs: rmse %.4f, worst %.4f", n, rmse, worst)
	if rmse > 0.045 || worst > 0.2 {
		t.Errorf("estimate error too large: rmse %.4f worst %.4f", rmse, worst)
	}
}

// TestEstimatorUnbiased signs pairs of random sets of 100 shingles with a
// known Jaccard and checks that the estimate's mean and variance match the
// binomial model J(1-J)/k of ideal MinHash.
func TestEstimatorUnbiased(t *testing.T) {
	mh := mustMinHasher(t, Config{})
	const n, trials = 100, 1500
	state := uint64(42)
	for _, shared := range []int{46, 66, 88} { // J = 0.30, 0.49, 0.79
		j := float64(shared) / float64(2*n-shared)
		var sum, sumSq float64
		a, b := make([]uint64, n), make([]uint64, n)
		for range trials {
			for i := range n {
				a[i] = mix64(splitmix64(&state))
				b[i] = a[i]
				if i >= shared {
					b[i] = mix64(splitmix64(&state))
				}
			}
			e := Similarity(mh.appendSignature(nil, a), mh.appendSignature(nil, b))
			sum += e
			sumSq += e * e
		}
		mean := sum / trials
		variance := sumSq/trials - mean*mean
		want := j * (1 - j) / float64(DefaultNumPerm)
		t.Logf("J=%.3f: mean %.4f, variance %.6f (binomial %.6f)", j, mean, variance, want)
		// Standard error of the mean is sqrt(want/trials) < 0.0012; of the
		// variance about want*sqrt(2/trials) = 3.7%.
		if math.Abs(mean-j) > 0.005 || math.Abs(variance/want-1) > 0.15 {
			t.Errorf("J=%.3f: mean %.4f variance %.6f, want %.3f and %.6f", j, mean, variance, j, want)
		}
	}
}
