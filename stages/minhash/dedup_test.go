package minhash

import (
	"fmt"
	"strings"
	"testing"
)

// shiftedDoc returns 200 distinct words starting at word `from`: two such
// documents shifted by k words share 198-k of their 198 word 3-grams.
func shiftedDoc(from int) string {
	var sb strings.Builder
	for i := from; i < from+200; i++ {
		fmt.Fprintf(&sb, "w%d ", i)
	}
	return sb.String()
}

// TestDeduperChain: A~B and B~C above the threshold, A~C below it. Inserting
// only kept documents removes B (duplicate of A) and keeps C, instead of
// chaining C to A through B.
func TestDeduperChain(t *testing.T) {
	mh := mustMinHasher(t, Config{})
	docs := []string{shiftedDoc(0), shiftedDoc(25), shiftedDoc(50)} // J(A,B)=J(B,C)=0.78, J(A,C)=0.60
	sigs := make([]Signature, len(docs))
	for i, d := range docs {
		sigs[i], _ = mh.Sign(d)
	}
	t.Logf("estimated J(A,B)=%.3f J(B,C)=%.3f J(A,C)=%.3f", Similarity(sigs[0], sigs[1]), Similarity(sigs[1], sigs[2]), Similarity(sigs[0], sigs[2]))
	if Similarity(sigs[0], sigs[1]) < DefaultThreshold || Similarity(sigs[1], sigs[2]) < DefaultThreshold || Similarity(sigs[0], sigs[2]) >= DefaultThreshold {
		t.Fatal("fixture does not have the chain shape")
	}
	sh := mh.Shingler()
	for _, exact := range []bool{false, true} {
		t.Run(fmt.Sprintf("exact=%v", exact), func(t *testing.T) {
			newDeduper := NewDeduper
			if exact {
				newDeduper = NewExactDeduper
			}
			d, err := newDeduper(defaultParams())
			if err != nil {
				t.Fatal(err)
			}
			var got []Verdict
			for i, sig := range sigs {
				var v Verdict
				if exact {
					v, err = d.CheckSet(uint64(i), sig, sh.AppendSet(nil, docs[i]))
				} else {
					v, err = d.Check(uint64(i), sig)
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, v)
			}
			if got[0].Duplicate || !got[1].Duplicate || got[1].DupOf != 0 || got[2].Duplicate {
				t.Errorf("verdicts %+v: want A kept, B duplicate of A, C kept", got)
			}
			if got[2].Similarity >= DefaultThreshold {
				t.Errorf("C's best kept match should be below the threshold: %+v", got[2])
			}
			if d.Index().Len() != 2 {
				t.Errorf("index holds %d documents, want 2 (A and C)", d.Index().Len())
			}
		})
	}
}

// TestDeduperPicksBestThenLowestID: with two kept matches the most similar
// wins, and equal similarity goes to the lower id.
func TestDeduperPicksBestThenLowestID(t *testing.T) {
	mh := mustMinHasher(t, Config{})
	d, err := NewDeduper(defaultParams())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := mh.Sign(shiftedDoc(0))
	b, _ := mh.Sign(shiftedDoc(45)) // J 0.63 against a: kept
	q, _ := mh.Sign(shiftedDoc(25)) // J 0.78 to a, 0.82 to b
	t.Logf("estimated J(q,a)=%.3f J(q,b)=%.3f", Similarity(q, a), Similarity(q, b))
	for i, s := range []Signature{a, b} {
		if v, err := d.Check(uint64(i+5), s); err != nil || v.Duplicate {
			t.Fatalf("setup doc %d: %+v %v", i, v, err)
		}
	}
	v, err := d.Check(9, q)
	if err != nil || !v.Duplicate || v.DupOf != 6 {
		t.Errorf("Check(q) = %+v, %v; want duplicate of 6 (the closer one)", v, err)
	}
	e, _ := NewDeduper(defaultParams())
	e.Check(3, a)
	e.Check(1, a) // identical signature, lower id: it is a duplicate of 3, never kept
	if v, _ := e.Check(2, a); v.DupOf != 3 {
		t.Errorf("DupOf = %d, want 3 (only kept documents are candidates)", v.DupOf)
	}
}

func TestDeduperErrors(t *testing.T) {
	if _, err := NewDeduper(Params{Threshold: 0, NumPerm: 128, Bands: 20, Rows: 6}); err == nil {
		t.Error("threshold 0 accepted")
	}
	if _, err := NewExactDeduper(Params{Threshold: 0.7, NumPerm: 128, Bands: 200, Rows: 6}); err == nil {
		t.Error("bands*rows > num_perm accepted")
	}
	d, _ := NewDeduper(defaultParams())
	if _, err := d.CheckSet(1, make(Signature, 128), nil); err == nil {
		t.Error("CheckSet on a plain deduper accepted")
	}
	if _, err := d.Check(1, make(Signature, 3)); err == nil {
		t.Error("wrong signature length accepted")
	}
	x, _ := NewExactDeduper(defaultParams())
	if _, err := x.Check(1, make(Signature, 128)); err == nil {
		t.Error("Check on an exact deduper accepted")
	}
}

func TestShingleStore(t *testing.T) {
	s := newShingleStore()
	s.add(1, []uint64{1, 2, 3, 4})
	s.add(2, nil)
	tests := []struct {
		id   uint64
		set  []uint64
		want float64
		ok   bool
	}{
		{1, []uint64{1, 2, 3, 4}, 1, true},
		{1, []uint64{3, 4, 5, 6}, 2.0 / 6, true},
		{1, nil, 0, true},
		{2, nil, 1, true},
		{3, []uint64{1}, 0, false},
	}
	for _, tt := range tests {
		got, ok := s.jaccard(tt.id, tt.set)
		if got != tt.want || ok != tt.ok {
			t.Errorf("jaccard(%d, %v) = %v, %v; want %v, %v", tt.id, tt.set, got, ok, tt.want, tt.ok)
		}
	}
}
