package shortkey

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
)

// Get agrees with the map it was built from, for every key and for strings
// that differ from one by a trailing zero byte, a byte more or a byte less.
func TestGetAgreesWithMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	m := map[string]uint32{}
	for len(m) < 5000 {
		b := make([]byte, 1+rng.IntN(MaxLen))
		for i := range b {
			b[i] = byte(rng.IntN(4)) // few distinct bytes: many near-collisions, zeros included
		}
		m[string(b)] = rng.Uint32()
	}
	m["a long key of more than eight bytes"] = 7
	tab := New(maps.All(m), 2)
	for k, v := range m {
		for _, probe := range []string{k, k + "\x00", k + "q", k[:len(k)-1], "\x00" + k} {
			want, wok := m[probe]
			if len(probe) > MaxLen || probe == "" {
				want, wok = 0, false
			}
			got, ok := Get(tab, probe)
			if got != want || ok != wok {
				t.Fatalf("Get(%q) = %d, %v; want %d, %v", probe, got, ok, want, wok)
			}
			if gb, okb := Get(tab, []byte(probe)); gb != got || okb != ok {
				t.Fatalf("Get([]byte %q) = %d, %v; string gave %d, %v", probe, gb, okb, got, ok)
			}
		}
		_ = v
	}
	if _, ok := Get(tab, fmt.Sprint("a long key of more than eight bytes")); ok {
		t.Fatal("a key over MaxLen was stored")
	}
}

// A key given twice keeps its last value, in one slot.
func TestNewRepeatedKey(t *testing.T) {
	tab := New(func(yield func(string, uint32) bool) {
		for i, k := range []string{"ab", "abc", "ab"} {
			if !yield(k, uint32(i)) {
				return
			}
		}
	}, 2)
	if v, ok := Get(tab, "ab"); !ok || v != 2 {
		t.Errorf(`Get("ab") = %d, %v; want 2, true`, v, ok)
	}
	used := 0
	for _, s := range tab.slots {
		if s.n != 0 {
			used++
		}
	}
	if used != 2 {
		t.Errorf("%d slots used, want 2", used)
	}
}
