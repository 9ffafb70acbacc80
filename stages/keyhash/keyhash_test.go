package keyhash

import (
	"hash/fnv"
	"strconv"
	"testing"
)

// The definitions the split and few-shot stages used before this package:
// any change of value would move records to other splits and banks.
func refSum64(key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return h.Sum64()
}

func refSeeded(seed uint64, key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatUint(seed, 10) + "\x00" + key))
	return h.Sum64()
}

func refUnit(seed uint64, key string) float64 {
	x := refSeeded(seed, key)
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return float64((x^x>>31)>>11) / (1 << 53)
}

var keys = []string{"", "a", "src/a.jsonl:1", "field:customer 42", "é\x00\xff", "clinical/qa.jsonl#17"}
var seeds = []uint64{0, 1, 42, 1<<64 - 1}

func TestSameAsBefore(t *testing.T) {
	for _, k := range keys {
		if got, want := Sum64(k), refSum64(k); got != want {
			t.Errorf("Sum64(%q) = %d, want %d", k, got, want)
		}
		for _, s := range seeds {
			if got, want := Seeded(s, k), refSeeded(s, k); got != want {
				t.Errorf("Seeded(%d, %q) = %d, want %d", s, k, got, want)
			}
			if got, want := Unit(s, k), refUnit(s, k); got != want {
				t.Errorf("Unit(%d, %q) = %v, want %v", s, k, got, want)
			}
		}
	}
	// Pinned values, so that the reference above cannot drift with the code.
	if Sum64("a") != 0xaf63dc4c8601ec8c || Seeded(42, "src/a.jsonl:1") != 0x20ff920c883fa5a0 || Unit(42, "src/a.jsonl:1") != 0.8829430931281961 {
		t.Errorf("pinned values changed")
	}
}

func TestUnitRange(t *testing.T) {
	var below [4]int
	for i := range 4000 {
		u := Unit(7, strconv.Itoa(i))
		if u < 0 || u >= 1 {
			t.Fatalf("Unit = %v, not in [0, 1)", u)
		}
		below[int(u*4)]++
	}
	for q, n := range below {
		if n < 850 || n > 1150 {
			t.Errorf("quarter %d holds %d of 4000", q, n)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { Seeded(1<<63, "some key"); Sum64("k"); Unit(3, "k") }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

func BenchmarkSeeded(b *testing.B) {
	for b.Loop() {
		Seeded(42, "clinical/qa.jsonl:1234")
	}
}
