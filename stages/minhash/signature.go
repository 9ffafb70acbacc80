package minhash

import (
	"fmt"
	"sync"
)

// DefaultNumPerm is the default number of MinHash permutations (datatrove
// uses 112, RedPajama 128, text-dedup 200-256).
const DefaultNumPerm = 128

// maxNumPerm bounds NumPerm: far beyond it the estimate barely improves while
// cost and memory grow linearly.
const maxNumPerm = 4096

// Signature is a MinHash signature: for each permutation, the minimum
// permuted 32-bit value over the text's shingles.
type Signature []uint32

// Config configures a MinHasher. The zero value means the defaults: word
// 3-grams (see ShingleConfig) and 128 permutations.
type Config struct {
	// Shingle says how text becomes shingles.
	Shingle ShingleConfig
	// NumPerm is the number of permutations; 0 means DefaultNumPerm.
	NumPerm int
	// Seed seeds the permutations. Signatures are comparable only between
	// MinHashers with the same Config.
	Seed uint64
}

// MinHasher computes MinHash signatures. It is safe for concurrent use.
//
// Permutation i maps a 64-bit shingle hash h to the high 32 bits of a_i*h
// (mod 2^64) with a_i a seeded random odd constant: multiply-shift hashing.
// One strong 64-bit hash per shingle plus one multiply and one compare per
// permutation is what makes signatures cheap. The textbook multiply-add-shift
// a_i*h+b_i measured 20-30% slower here (the Go compiler then spills the
// running minima to the stack); on random sets both give an unbiased
// estimate with binomial variance (TestEstimatorUnbiased), because h is
// already a well-mixed hash.
type MinHasher struct {
	cfg      Config
	shingler *Shingler
	a        []uint64
	scratch  sync.Pool // *[]uint64 shingle buffers
}

// NewMinHasher validates cfg, fills defaults and returns a MinHasher.
func NewMinHasher(cfg Config) (*MinHasher, error) {
	if cfg.NumPerm == 0 {
		cfg.NumPerm = DefaultNumPerm
	}
	if cfg.NumPerm < 1 || cfg.NumPerm > maxNumPerm {
		return nil, fmt.Errorf("minhash: num_perm %d: want 1..%d", cfg.NumPerm, maxNumPerm)
	}
	sh, err := newShingler(cfg.Shingle)
	if err != nil {
		return nil, err
	}
	cfg.Shingle = sh.Config()
	m := &MinHasher{cfg: cfg, shingler: sh, a: make([]uint64, cfg.NumPerm)}
	state := cfg.Seed
	for i := range m.a {
		m.a[i] = splitmix64(&state) | 1
	}
	return m, nil
}

// NumPerm returns the signature length.
func (m *MinHasher) NumPerm() int { return m.cfg.NumPerm }

// Shingler returns the shingler the MinHasher uses.
func (m *MinHasher) Shingler() *Shingler { return m.shingler }

// Sign returns the signature of text and its number of shingles (with
// repeats). When the text has fewer words than the shingle size, it returns
// (nil, 0): the caller falls back to exact matching. Sign allocates only the
// returned signature.
func (m *MinHasher) Sign(text string) (Signature, int) {
	bufp, _ := m.scratch.Get().(*[]uint64)
	if bufp == nil {
		bufp = new([]uint64)
	}
	hashes := m.shingler.appendShingles((*bufp)[:0], text)
	var sig Signature
	if len(hashes) > 0 {
		sig = m.appendSignature(make(Signature, 0, m.cfg.NumPerm), hashes)
	}
	n := len(hashes)
	*bufp = hashes
	m.scratch.Put(bufp)
	return sig, n
}

// appendSignature appends the signature of a set of shingle hashes (repeats
// allowed, e.g. from Shingler.appendShingles) to dst, with the CPU's
// signKernel where it has one. An empty set gives all 0xFFFFFFFF, which Sign
// never returns.
func (m *MinHasher) appendSignature(dst Signature, hashes []uint64) Signature {
	start := len(dst)
	dst = append(dst, make(Signature, m.cfg.NumPerm)...)
	if signKernel != nil {
		signKernel(dst[start:], hashes, m.a)
	} else {
		signGeneric(dst[start:], hashes, m.a)
	}
	return dst
}

// signGeneric sets out[i] to the high 32 bits of min over hashes of a[i]*h
// (mod 2^64) for each i < len(a); out must be at least as long as a. It is
// the portable path and the reference for signKernel.
func signGeneric(out Signature, hashes, a []uint64) {
	out = out[:len(a)]
	i := 0
	for ; i+4 <= len(a); i += 4 {
		m0, m1, m2, m3 := min4(hashes, a[i], a[i+1], a[i+2], a[i+3])
		out[i], out[i+1], out[i+2], out[i+3] = uint32(m0>>32), uint32(m1>>32), uint32(m2>>32), uint32(m3>>32)
	}
	for ; i < len(a); i++ {
		mi := ^uint64(0)
		for _, h := range hashes {
			mi = min(mi, a[i]*h)
		}
		out[i] = uint32(mi >> 32)
	}
}

// min4 returns min over hashes of a_k*h for four permutations at once: each
// hash is loaded once for four independent multiply-min chains, and the
// function is small enough for all of them to stay in registers. Taking the
// minimum of the full product and shifting afterwards equals the minimum of
// the high halves, because the shift is monotone. It is kept out of line on
// purpose: inlined into the caller the minima spill again.
//
//go:noinline
func min4(hashes []uint64, a0, a1, a2, a3 uint64) (m0, m1, m2, m3 uint64) {
	m0, m1, m2, m3 = ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)
	for _, h := range hashes {
		m0 = min(m0, a0*h)
		m1 = min(m1, a1*h)
		m2 = min(m2, a2*h)
		m3 = min(m3, a3*h)
	}
	return m0, m1, m2, m3
}

// Similarity estimates the Jaccard similarity of the shingle sets behind two
// full signatures: the fraction of equal positions. Signatures of different
// lengths give 0.
func Similarity(a, b Signature) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	eq := 0
	for i, v := range a {
		if v == b[i] {
			eq++
		}
	}
	return float64(eq) / float64(len(a))
}

// splitmix64 advances state and returns the next value of the SplitMix64
// sequence: a deterministic, well-spread source of permutation constants.
func splitmix64(state *uint64) uint64 {
	*state += 0x9E3779B97F4A7C15
	z := *state
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}
