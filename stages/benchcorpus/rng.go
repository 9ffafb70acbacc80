package benchcorpus

import "math/bits"

// rng is a small deterministic random source (splitmix64). Its own code,
// not math/rand, so that a seed gives the same corpus with every Go release.
type rng struct{ s uint64 }

// newRNG returns a source for one purpose of one record: the same (seed,
// stream, index, purpose) always gives the same numbers, whatever was drawn
// for other records, so any record can be regenerated on its own.
func newRNG(seed, stream uint64, index int, purpose uint64) *rng {
	r := &rng{s: seed ^ mix(stream+0x9E3779B97F4A7C15)}
	r.s = mix(r.s ^ mix(uint64(index)+0x632BE59BD9B4E019) ^ mix(purpose+0xD1B54A32D192ED03))
	return r
}

func mix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

func (r *rng) next() uint64 {
	r.s += 0x9E3779B97F4A7C15
	return mix(r.s)
}

// intn returns a number in [0, n); n > 0. The bias of the multiply-shift
// reduction (n / 2^64) does not matter here.
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int(hi)
}

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// chance is true with probability p.
func (r *rng) chance(p float64) bool { return float64(r.next()>>11)/(1<<53) < p }

// pick returns a random element of list.
func pick[T any](r *rng, list []T) T { return list[r.intn(len(list))] }
