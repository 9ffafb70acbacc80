package schemas

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// randomInputs returns n files in folders whose names sort differently
// from their paths ("a-b/x" before "a/y", though a walk visits a/ first),
// with repeated folders, the top folder, long names and every byte.
func randomInputs(rng *rand.Rand, n int) []InputFile {
	parts := []string{"a", "a-b", "a.b", "b", "ü", "x y", "\x00", "\xff", strings.Repeat("long", 300)}
	files := make([]InputFile, n)
	for i := range files {
		var p []string
		for range rng.IntN(4) {
			p = append(p, parts[rng.IntN(len(parts))])
		}
		p = append(p, fmt.Sprintf("%s%d.txt", parts[rng.IntN(len(parts))], rng.IntN(50)))
		f := InputFile{Path: strings.Join(p, "/"), Bytes: rng.Int64N(1 << uint(rng.IntN(63)))}
		for j := range f.SHA256 {
			f.SHA256[j] = byte(rng.Uint32())
		}
		files[i] = f
	}
	return files
}

func TestInputsKeepsAndSorts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 7, 1000, 30000} {
		files := randomInputs(rng, n)
		var l Inputs
		for _, f := range files {
			l.Add(f)
		}
		if l.Len() != n {
			t.Fatalf("Len %d, want %d", l.Len(), n)
		}
		if got := slices.Collect(l.All()); !slices.Equal(got, files) && n > 0 {
			t.Fatalf("%d files: All before Sort differs from the files added", n)
		}
		l.Sort()
		want := slices.Clone(files)
		slices.SortStableFunc(want, func(a, b InputFile) int { return strings.Compare(a.Path, b.Path) })
		got := slices.Collect(l.All())
		if !slices.Equal(got, want) && n > 0 {
			t.Fatalf("%d files: sorted order differs", n)
		}
		// run.json's bytes are those of the slice it replaced.
		b, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = []InputFile{}
		}
		old, _ := json.Marshal(want)
		if string(b) != string(old) {
			t.Fatalf("%d files: JSON differs from a []InputFile's:\n%.300s\n%.300s", n, b, old)
		}
		var back Inputs
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		var wantBack []InputFile // JSON turns bytes that are not UTF-8 into U+FFFD
		json.Unmarshal(old, &wantBack)
		if again := slices.Collect(back.All()); !slices.Equal(again, wantBack) && n > 0 {
			t.Fatalf("%d files: JSON round trip differs", n)
		}
		// An Add after Sort lists the files as added again.
		l.Add(InputFile{Path: "0"})
		if last := slices.Collect(l.All()); last[len(last)-1].Path != "0" {
			t.Fatalf("Add after Sort: last file %q", last[len(last)-1].Path)
		}
	}
}

// TestInputsCompact holds the bytes per file the type exists for: two
// million contract files took about 100 bytes each as a []InputFile.
func TestInputsCompact(t *testing.T) {
	var l Inputs
	const n = 200000
	for i := range n {
		l.Add(InputFile{Path: fmt.Sprintf("contracts/%s/c%09d.txt", []string{"termination", "payment", "liability"}[i%3], i), Bytes: 4000})
	}
	held := 0
	for _, c := range l.chunks {
		held += cap(c)
	}
	// 1 folder + 1 length + 14 name + 2 size + 32 digest = 50 bytes, plus
	// the unused part of the last chunk.
	if per := float64(held) / n; per > 55 {
		t.Errorf("%.1f bytes per file, want at most 55", per)
	}
}

func BenchmarkInputs(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	files := make([]InputFile, 1_000_000)
	for i := range files {
		files[i] = InputFile{Path: fmt.Sprintf("contracts/t%02d/c%09d.txt", i/20000, rng.IntN(1e9)), Bytes: 4000}
	}
	b.Run("add", func(b *testing.B) {
		for b.Loop() {
			var l Inputs
			for _, f := range files {
				l.Add(f)
			}
		}
	})
	b.Run("sort", func(b *testing.B) {
		var l Inputs
		for _, f := range files {
			l.Add(f)
		}
		for b.Loop() {
			l.Sort()
		}
	})
}
