package minhash

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/tuneprep/tuneprep/stages/testcorpora"
)

func mustContainment(t testing.TB, n int) *ContainmentIndex {
	t.Helper()
	c, err := NewContainmentIndex(n, ShingleConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestContainmentQuery(t *testing.T) {
	long := "the parties agree that this agreement shall be governed by the laws of the state of new york without regard to conflict of laws"
	c := mustContainment(t, 5)
	refs := map[uint32]string{
		7: long,
		3: "an unrelated reference about patients and their blood pressure medicine refills at the clinic today",
		5: "this agreement shall be governed by the laws of the state of delaware and nothing else at all",
	}
	for _, id := range []uint32{7, 3, 5} { // fixed order: map iteration must not decide ids
		if _, err := c.Add(id, refs[id]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Add(7, "again"); err == nil {
		t.Error("repeated id accepted")
	}
	if n, _ := c.Add(9, "too short"); n != 0 {
		t.Errorf("short reference has %d n-grams, want 0", n)
	}
	// A short passage cut out of the long reference: fully contained,
	// although its Jaccard with the reference is small.
	q := "This agreement shall be governed by the laws of the State of New York."
	got := c.query(q, 0.5, byQuery)
	if len(got) != 2 || got[0].ID != 7 || got[0].Containment != 1 || got[1].ID != 5 {
		t.Fatalf("query = %+v, want 7 (containment 1) then 5", got)
	}
	if got[0].RefContainment != 0.5 {
		t.Errorf("reverse containment %v: want 10 of the reference's 20 5-grams", got[0].RefContainment)
	}
	// Reverse direction: which references sit inside a long query?
	rev := c.query("preamble words here and then "+long+" and some trailing words too", 0.9, byReference)
	if len(rev) != 1 || rev[0].ID != 7 || rev[0].RefContainment != 1 {
		t.Errorf("by reference: %+v, want only 7 fully contained", rev)
	}
	if got := c.query("no overlap with anything indexed here at all", 0.1, byQuery); len(got) != 0 {
		t.Errorf("unrelated query matched %+v", got)
	}
	if got := c.query("too short", 0, byQuery); got != nil {
		t.Errorf("short query matched %+v", got)
	}
	if c.nrefs != 4 {
		t.Errorf("%d references, want 4", c.nrefs)
	}
	// Adding after a query rebuilds; ties are broken by ascending id.
	c.Add(1, long)
	got = c.query(q, 1, byQuery)
	if len(got) != 2 || got[0].ID != 1 || got[1].ID != 7 {
		t.Errorf("after a later Add: %+v, want ids 1 and 7 tied at 1.0", got)
	}
	if _, err := NewContainmentIndex(0, ShingleConfig{}); err == nil {
		t.Error("n=0 accepted")
	}
}

// naiveNgrams is an independent reference implementation of the word n-gram
// set: lowercase, split on anything but letters and digits, join n words.
func naiveNgrams(text string, n int) map[string]bool {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	})
	set := map[string]bool{}
	for i := 0; i+n <= len(words); i++ {
		set[strings.Join(words[i:i+n], " ")] = true
	}
	return set
}

func naiveContainment(a, b map[string]bool) float64 {
	if len(a) == 0 {
		return 0
	}
	in := 0
	for g := range a {
		if b[g] {
			in++
		}
	}
	return float64(in) / float64(len(a))
}

// TestContainmentPlagiarismCorpus runs the overlap check on the Clough &
// Stevenson corpus: the five task originals are the references, the 95
// answers the queries, 5-grams at threshold 0.5. Every `cut` answer whose
// true containment (computed independently, on strings) is at least 0.5 must
// be flagged against its own task, and no `non` answer may be flagged.
// Files that are not UTF-8 are Windows-1252 and decoded as Latin-1.
func TestContainmentPlagiarismCorpus(t *testing.T) {
	info := testcorpora.Path(t, "neardup/file_information.csv")
	dir := filepath.Dir(info)
	f, err := os.Open(info)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return decodeText(b)
	}
	const n, threshold = 5, 0.5
	c := mustContainment(t, n)
	origs := map[string]map[string]bool{}
	for i, task := range []string{"a", "b", "c", "d", "e"} {
		text := read("orig_task" + task + ".txt")
		origs[task] = naiveNgrams(text, n)
		if _, err := c.Add(uint32(i), text); err != nil {
			t.Fatal(err)
		}
	}
	type answer struct {
		name, cat string
		own       float64 // containment in its own task's original
		other     float64 // best containment in another task's original
	}
	var answers []answer
	for _, r := range rows[1:] {
		name, task, cat := r[0], r[1], r[2]
		if cat == "orig" {
			continue
		}
		text := read(name)
		truth := naiveContainment(naiveNgrams(text, n), origs[task])
		a := answer{name: name, cat: cat}
		for _, m := range c.query(text, 0, byQuery) {
			if m.ID == uint32(task[0]-'a') {
				a.own = m.Containment
			} else {
				a.other = max(a.other, m.Containment)
			}
		}
		if abs(a.own-truth) > 1e-9 {
			t.Errorf("%s: containment %.4f, independent computation %.4f", name, a.own, truth)
		}
		flagged := len(c.query(text, threshold, byQuery)) > 0
		if cat == "cut" && truth >= threshold && a.own < threshold {
			t.Errorf("%s (cut, true containment %.2f) not flagged", name, truth)
		}
		if cat == "non" && flagged {
			t.Errorf("%s (non) flagged: own %.2f other %.2f", name, a.own, a.other)
		}
		answers = append(answers, a)
	}
	// A flag is correct when it is against the answer's own task and the
	// answer is derived (cut, light, heavy); any flag of a non answer, or
	// against another task, is a false positive.
	for _, th := range []float64{0.2, 0.3, threshold} {
		var line strings.Builder
		tp, fp, pos := 0, 0, 0
		for _, cat := range []string{"cut", "light", "heavy", "non"} {
			total, ok, bad := 0, 0, 0
			for _, a := range answers {
				if a.cat != cat {
					continue
				}
				total++
				if cat != "non" && a.own >= th {
					ok++
				}
				if cat == "non" && (a.own >= th || a.other >= th) || cat != "non" && a.other >= th {
					bad++
				}
			}
			if cat == "non" {
				fmt.Fprintf(&line, " non: %d/%d flagged (precision -, recall of 'not flagged' %.2f)", bad, total, 1-float64(bad)/float64(total))
			} else {
				fmt.Fprintf(&line, " %s: precision %.2f recall %.2f (%d/%d) |", cat, float64(ok)/float64(max(ok+bad, 1)), float64(ok)/float64(total), ok, total)
				pos += total
			}
			tp, fp = tp+ok, fp+bad
		}
		t.Logf("threshold %.1f:%s; all derived: precision %.3f recall %.3f", th, line.String(), float64(tp)/float64(max(tp+fp, 1)), float64(tp)/float64(pos))
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestContainmentEmpty: an index with no references, or only references
// too short for an n-gram, answers every query with nothing.
func TestContainmentEmpty(t *testing.T) {
	c := mustContainment(t, 5)
	if ms := c.QueryEither("one two three four five six seven", 0.5); ms != nil {
		t.Fatalf("empty index: %v", ms)
	}
	c.Add(0, "too short")
	if ms := c.QueryEither("one two three four five six seven", 0.5); ms != nil {
		t.Fatalf("index of a short reference: %v", ms)
	}
}

// TestContainmentDirectory checks find against the sorted keys it indexes:
// keys crowded into a few buckets, keys at both ends of the hash range,
// and hashes that fall between keys or into empty buckets; and bpRank
// against a count of the boilerplate keys (those without postings).
func TestContainmentDirectory(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 2, 3, 100, 5000} {
		keys := []uint64{0, 1<<64 - 1}
		for len(keys) < n+2 {
			h := r.Uint64()
			if r.IntN(3) == 0 { // crowd: the same top bits as another key
				h = keys[r.IntN(len(keys))]&^0xffff | h&0xffff
			}
			keys = append(keys, h)
		}
		slices.Sort(keys)
		keys = slices.Compact(keys)
		offs := make([]uint32, len(keys)+1)
		for k := range keys {
			offs[k+1] = offs[k] + uint32(r.IntN(3)) // 0: boilerplate
		}
		c := &ContainmentIndex{keys: keys, offs: offs}
		c.buildLookup()
		rank := uint32(0)
		for k := range keys {
			if offs[k] == offs[k+1] {
				if got := c.bpRank(uint32(k)); got != rank {
					t.Fatalf("%d keys: bpRank(%d) = %d, want %d", len(keys), k, got, rank)
				}
				rank++
			}
		}
		if len(c.dir)-1 < len(keys) || len(c.dir)-1 >= 2*max(len(keys), 2) {
			t.Errorf("%d keys: %d buckets, want 1-2 per key", len(keys), len(c.dir)-1)
		}
		for i, h := range keys {
			if got, ok := c.find(h); !ok || got != i {
				t.Fatalf("%d keys: find(%#x) = %d, %v; want %d", len(keys), h, got, ok, i)
			}
		}
		for range 10_000 {
			h := r.Uint64()
			if h&1 == 0 {
				h = keys[r.IntN(len(keys))] ^ 1<<r.IntN(20) // near a key
			}
			_, want := slices.BinarySearch(keys, h)
			if _, ok := c.find(h); ok != want {
				t.Fatalf("%d keys: find(%#x) found %v, want %v", len(keys), h, ok, want)
			}
		}
	}
}
