package minhash

import (
	"slices"
	"testing"
)

// dedupRun runs a Deduper over texts in order and returns every verdict;
// texts without shingles are marked with Candidates = -1.
func dedupRun(t *testing.T, texts []string) []Verdict {
	mh := mustMinHasher(t, Config{})
	d, err := NewDeduper(defaultParams())
	if err != nil {
		t.Fatal(err)
	}
	out := make([]Verdict, len(texts))
	for i, text := range texts {
		sig, n := mh.Sign(text)
		if n == 0 {
			out[i].Candidates = -1
			continue
		}
		if out[i], err = d.Check(uint64(i), sig); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestDeterministic runs the dedup of all MTS dialogues and a containment
// pass twice, with fresh objects, and requires identical results; the
// containment results must not depend on the order references were added.
func TestDeterministic(t *testing.T) {
	texts := dialogues(t)
	a, b := dedupRun(t, texts), dedupRun(t, texts)
	if !slices.Equal(a, b) {
		t.Fatal("two dedup runs over the same input differ")
	}
	removed := 0
	for i, v := range a {
		if v.Duplicate {
			removed++
			if removed <= 5 {
				t.Logf("dialogue %d is a near-duplicate of %d (similarity %.3f)", i, v.DupOf, v.Similarity)
			}
		}
	}
	t.Logf("MTS-Dialog train: %d of %d dialogues removed as near-duplicates", removed, len(texts))

	refs := texts[:300]
	query := func(order []int) [][]Match {
		c := mustContainment(t, 5)
		for _, i := range order {
			if _, err := c.Add(uint32(i), refs[i]); err != nil {
				t.Fatal(err)
			}
		}
		var out [][]Match
		for _, q := range texts[300:400] {
			out = append(out, c.query(q, 0.2, byQuery), c.query(q, 0.2, byReference))
		}
		return out
	}
	order := make([]int, len(refs))
	for i := range order {
		order[i] = i
	}
	fwd := query(order)
	slices.Reverse(order)
	rev := query(order)
	for i := range fwd {
		if !slices.Equal(fwd[i], rev[i]) {
			t.Fatalf("containment query %d depends on insertion order: %v vs %v", i, fwd[i], rev[i])
		}
	}
}
