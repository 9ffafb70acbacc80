// Package keyhash turns record keys (IDs, group keys) into 64-bit hashes
// for decisions that must depend on nothing but the key and a seed: the
// split a group goes to, the few-shot candidates a pool keeps, a group's
// row in the split ledger. The hash is 64-bit FNV-1a; Seeded puts the
// decimal seed and a 0 byte before the key. Outputs of earlier runs (split
// assignments, ledgers) depend on these exact values, so they never change:
// the tests pin them against hash/fnv.
package keyhash

import "strconv"

const (
	offset64 = 14695981039346656037
	prime64  = 1099511628211
)

// Sum64 returns the FNV-1a hash of key, as hash/fnv's New64a, without
// allocating.
func Sum64(key string) uint64 { return add(offset64, key) }

// Seeded returns the FNV-1a hash of the seed in decimal, a 0 byte and key:
// the same key gets an unrelated value under another seed. It does not
// allocate.
func Seeded(seed uint64, key string) uint64 {
	var buf [20]byte
	h := uint64(offset64)
	for _, c := range strconv.AppendUint(buf[:0], seed, 10) {
		h = (h ^ uint64(c)) * prime64
	}
	h *= prime64 // the 0 byte: h ^ 0 == h
	return add(h, key)
}

// Unit maps Seeded(seed, key) to [0, 1), uniformly: FNV's low bits are not
// uniform enough alone, so the hash goes through splitmix64's finaliser and
// its top 53 bits make the fraction.
func Unit(seed uint64, key string) float64 {
	return float64(mix(Seeded(seed, key))>>11) / (1 << 53)
}

func add(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * prime64
	}
	return h
}

// mix is splitmix64's finaliser.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
