package minhash

import (
	"math"
	"math/rand/v2"
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

// TestSignKernel compares signGeneric and the architecture's signature
// kernel (AVX-512 on amd64, where the CPU has it) with the definition, on
// random hashes and constants: every hash count from 0 to 80 and some up to
// 2000, and permutation counts on and off the kernel's 8- and 64-lane blocks
// up to maxNumPerm. Hashes include 0, 1 and all ones, whose products sit at
// the ends of the range.
func TestSignKernel(t *testing.T) {
	paths := []struct {
		name string
		sign func(out Signature, hashes, a []uint64)
	}{{"signGeneric", signGeneric}, {"signKernel", signKernel}}
	if signKernel == nil {
		t.Log("no signature kernel on this CPU or architecture: checking signGeneric only")
		paths = paths[:1]
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var hashCounts []int
	for n := range 81 {
		hashCounts = append(hashCounts, n)
	}
	hashCounts = append(hashCounts, 127, 128, 129, 255, 300, 511, 1000, 1001, 2000)
	var perms []int
	for k := 1; k <= 300; k++ {
		perms = append(perms, k)
	}
	perms = append(perms, 511, 512, 513, 1000, maxNumPerm-1, maxNumPerm)
	randomHashes := func(n int) []uint64 {
		h := make([]uint64, n)
		for i := range h {
			switch rng.IntN(16) {
			case 0:
				h[i] = 0
			case 1:
				h[i] = 1
			case 2:
				h[i] = ^uint64(0)
			case 3:
				h[i] = h[rng.IntN(i+1)] // a repeat
			default:
				h[i] = rng.Uint64()
			}
		}
		return h
	}
	check := func(hashes, a []uint64) {
		t.Helper()
		want := make(Signature, len(a))
		for i, ai := range a {
			m := ^uint64(0)
			for _, h := range hashes {
				m = min(m, ai*h)
			}
			want[i] = uint32(m >> 32)
		}
		for _, p := range paths {
			// Each path writes into the middle of a buffer: it must
			// touch exactly out[:len(a)].
			const guard = 0x5EA1ED
			buf := make(Signature, len(a)+16)
			for i := range buf {
				buf[i] = guard
			}
			p.sign(buf[8:8+len(a)], hashes, a)
			if got := buf[8 : 8+len(a)]; !slices.Equal(got, want) {
				i := 0
				for got[i] == want[i] {
					i++
				}
				t.Fatalf("%s, %d hashes, %d permutations: [%d] = %#x, want %#x", p.name, len(hashes), len(a), i, got[i], want[i])
			}
			for i, v := range slices.Concat(buf[:8], buf[8+len(a):]) {
				if v != guard {
					t.Fatalf("%s, %d hashes, %d permutations: wrote outside out (guard %d = %#x)", p.name, len(hashes), len(a), i, v)
				}
			}
		}
	}
	for _, k := range perms {
		a := make([]uint64, k)
		for i := range a {
			a[i] = rng.Uint64()
		}
		// All hash counts for small permutation counts and those next to
		// a multiple of 64; a few at random for the others, to stay fast.
		counts := hashCounts
		if k > 24 && k%64 > 1 && k%64 < 63 && k != DefaultNumPerm {
			counts = []int{0, 1, rng.IntN(9), rng.IntN(300), rng.IntN(2000)}
		}
		for _, n := range counts {
			check(randomHashes(n), a)
		}
	}
	// Through appendSignature, with the MinHasher's odd constants and a
	// non-empty dst.
	for _, seed := range []uint64{0, 1, 99, rng.Uint64()} {
		for _, k := range []int{1, 7, 112, DefaultNumPerm, 200, 256} {
			m := mustMinHasher(t, Config{NumPerm: k, Seed: seed})
			hashes := randomHashes(1 + rng.IntN(500))
			want := make(Signature, k)
			signGeneric(want, hashes, m.a)
			got := m.appendSignature(Signature{7}, hashes)
			if got[0] != 7 || !slices.Equal(got[1:], want) {
				t.Fatalf("seed %d, %d permutations: appendSignature differs from signGeneric", seed, k)
			}
		}
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
