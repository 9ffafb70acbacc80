package shortkey

import (
	"encoding/binary"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
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

// Wide.Get agrees with the map it was built from, for every key and for
// strings a byte longer or shorter, or that differ in one byte.
func TestWideAgreesWithMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m := map[string]uint32{"short": 1, "a key of more than sixteen bytes": 2}
	for len(m) < 5000 {
		b := make([]byte, WideMin+rng.IntN(WideMax-WideMin+1))
		for i := range b {
			b[i] = byte(rng.IntN(3)) // few distinct bytes: shared prefixes and near-collisions, zeros included
		}
		m[string(b)] = rng.Uint32()
	}
	w := NewWide(maps.All(m), 2)
	for k := range m {
		probes := []string{k, k + "\x00", k + "q", k[:len(k)-1], "\x00" + k}
		for i := range len(k) {
			probes = append(probes, k[:i]+string(k[i]^1)+k[i+1:])
		}
		for _, probe := range probes {
			want, wok := m[probe]
			if len(probe) < WideMin || len(probe) > WideMax {
				want, wok = 0, false
			}
			if got, ok := w.Get(probe); got != want || ok != wok {
				t.Fatalf("Get(%q) = %d, %v; want %d, %v", probe, got, ok, want, wok)
			}
		}
	}
}

// BenchmarkWide compares a Wide with the Go map it replaces, both of
// 100,000 keys of 9 to 16 bytes (a vocabulary's long tokens), looked up in
// random order.
func BenchmarkWide(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	m := map[string]uint32{}
	for len(m) < 100_000 {
		buf := make([]byte, WideMin+rng.IntN(WideMax-WideMin+1))
		for i := range buf {
			buf[i] = 'a' + byte(rng.IntN(26))
		}
		m[string(buf)] = uint32(len(m))
	}
	// The keys in random order, cut from one text as a tokenizer's pieces
	// are: the lookups, not the reading of the keys, miss the caches.
	var text strings.Builder
	var lens []int
	for k := range m { // in the map's random order
		text.WriteString(k)
		lens = append(lens, len(k))
	}
	keys, rest := make([]string, 0, len(m)), text.String()
	for _, n := range lens {
		keys, rest = append(keys, rest[:n]), rest[n:]
	}
	w := NewWide(maps.All(m), 2)
	b.Run("wide", func(b *testing.B) {
		var sum uint32
		i := 0
		for b.Loop() {
			v, _ := w.Get(keys[i%len(keys)])
			sum += v
			i++
		}
		_ = sum
	})
	b.Run("map", func(b *testing.B) {
		var sum uint32
		i := 0
		for b.Loop() {
			sum += m[keys[i%len(keys)]]
			i++
		}
		_ = sum
	})
}

// Pack is the string's bytes, little-endian, zero above them: what an
// 8-byte load of the zero-padded string gives.
func TestPack(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for n := range MaxLen + 1 {
		for range 100 {
			var buf [8]byte
			for i := range n {
				buf[i] = byte(rng.Uint32())
			}
			want := binary.LittleEndian.Uint64(buf[:])
			if got := Pack(string(buf[:n])); got != want {
				t.Fatalf("Pack(%x) = %#x, want %#x", buf[:n], got, want)
			}
			if got := Pack(buf[:n]); got != want {
				t.Fatalf("Pack([]byte %x) = %#x, want %#x", buf[:n], got, want)
			}
		}
	}
}
