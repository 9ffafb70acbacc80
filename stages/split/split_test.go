package split

import (
	"context"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

func mustNew(t testing.TB, cfg Config) *Stage {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return s
}

// place runs Process and Sequence on d, as the engine does.
func place(t testing.TB, s *Stage, d *schemas.Document) string {
	t.Helper()
	ctx := context.Background()
	if drop, err := s.Process(ctx, d); err != nil || drop != nil {
		t.Fatalf("Process: %v %v", drop, err)
	}
	if drop, err := s.Sequence(ctx, d); err != nil || drop != nil {
		t.Fatalf("Sequence: %v %v", drop, err)
	}
	return d.Split
}

func key(i int) string { return "docs/file-" + strconv.Itoa(i/7) + ".jsonl#" + strconv.Itoa(i%7) }

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"defaults", Defaults(), ""},
		{"all train", Config{Train: 1}, ""},
		{"all test", Config{Test: 1}, ""},
		{"sum with rounding", Config{Train: 0.7, Validation: 0.2, Test: 0.1}, ""},
		{"thirds", Config{Train: 1.0 / 3, Validation: 1.0 / 3, Test: 1.0 / 3}, ""},
		{"negative train", Config{Train: -0.1, Validation: 0.6, Test: 0.5}, "train"},
		{"negative validation", Config{Train: 0.9, Validation: -0.1, Test: 0.2}, "validation"},
		{"negative test", Config{Train: 0.6, Validation: 0.5, Test: -0.1}, "test"},
		{"NaN", Config{Train: math.NaN(), Validation: 0.5, Test: 0.5}, "train"},
		{"infinite", Config{Train: math.Inf(1), Validation: 0, Test: 0}, "not a non-negative number"},
		{"sum below 1", Config{Train: 0.8, Validation: 0.1, Test: 0.05}, "must be 1"},
		{"sum above 1", Config{Train: 0.8, Validation: 0.2, Test: 0.1}, "must be 1"},
		{"all zero", Config{}, "must be 1"},
		{"percentages", Config{Train: 80, Validation: 10, Test: 10}, "must be 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	a, b := mustNew(t, Defaults()), mustNew(t, Defaults())
	other := Defaults()
	other.Seed = 7
	c := mustNew(t, other)
	differ := 0
	for i := range 2000 {
		k := key(i)
		if a.assign(k) != b.assign(k) {
			t.Fatalf("key %q: %s in one stage, %s in another", k, a.assign(k), b.assign(k))
		}
		if a.assign(k) != a.assign(k) {
			t.Fatalf("key %q: assignment changes between calls", k)
		}
		if a.assign(k) != c.assign(k) {
			differ++
		}
	}
	// With 80/10/10 two independent draws differ about 34% of the time.
	if differ < 400 {
		t.Errorf("another seed changed only %d of 2000 assignments", differ)
	}
}

func TestShares(t *testing.T) {
	const n = 100_000
	for _, cfg := range []Config{
		Defaults(),
		{Train: 0.5, Validation: 0.25, Test: 0.25, Seed: 1},
		{Train: 0.9, Validation: 0, Test: 0.1, Seed: 2},
		{Train: 0.7, Validation: 0.3, Test: 0, Seed: 3},
		{Train: 0, Validation: 0, Test: 1, Seed: 4},
	} {
		s := mustNew(t, cfg)
		ctx := context.Background()
		var d schemas.Document
		for i := range n {
			d.ID = key(i)
			s.Process(ctx, &d)
			s.Sequence(ctx, &d)
		}
		st := s.Stats().(Stats)
		for _, name := range Names() {
			got := float64(st.Counts[name]) / n
			want := st.Targets[name]
			if math.Abs(got-want) >= 0.01 {
				t.Errorf("%+v: %s share %.4f, want %.2f ± 0.01", cfg, name, got, want)
			}
			if want == 0 && st.Counts[name] != 0 {
				t.Errorf("%+v: %d records in %s, whose share is 0", cfg, st.Counts[name], name)
			}
		}
	}
}

func TestGroupKey(t *testing.T) {
	cfg := Defaults()
	cfg.GroupKey = "customer"
	s := mustNew(t, cfg)
	bySplit := map[string]string{} // customer -> split
	seen := map[string]bool{}
	for i := range 3000 {
		cust := "c" + strconv.Itoa(i%150)
		d := &schemas.Document{ID: key(i), Cluster: key(i)}
		d.Fields.Set("customer", cust)
		sp := place(t, s, d)
		if prev, ok := bySplit[cust]; ok && prev != sp {
			t.Fatalf("customer %s in %s and %s", cust, prev, sp)
		}
		bySplit[cust] = sp
		seen[sp] = true
	}
	if len(seen) < 2 {
		t.Errorf("150 customers all landed in %v", seen)
	}

	// A record without the field falls back to its cluster, then its ID.
	d := &schemas.Document{ID: "x", Cluster: "cluster-9"}
	if got, want := place(t, s, d), s.assign("cluster-9"); got != want {
		t.Errorf("no group field: split %s, want the cluster's %s", got, want)
	}
	// A field value never collides with an ID of the same spelling.
	withField, plain := 0, 0
	for i := range 400 {
		v := "v" + strconv.Itoa(i)
		d := &schemas.Document{ID: v}
		d.Fields.Set("customer", v)
		if place(t, s, d) == s.assign(v) {
			withField++
		}
		plain++
	}
	if withField == plain {
		t.Errorf("group values are hashed like IDs")
	}
}

// A blank group field (an empty CSV cell) says nothing about the group:
// such records fall back to their cluster or ID.
func TestEmptyGroupValueIsNotAGroup(t *testing.T) {
	cfg := Defaults()
	cfg.GroupKey = "customer"
	s := mustNew(t, cfg)
	seen := map[string]bool{}
	for i := range 200 {
		d := &schemas.Document{ID: key(i)}
		d.Fields.Set("customer", "")
		seen[place(t, s, d)] = true
	}
	if len(seen) == 1 {
		t.Errorf("200 records with a blank group field all went to %v", seen)
	}
}

func TestClusterUsed(t *testing.T) {
	s := mustNew(t, Defaults())
	seen := map[string]bool{}
	for c := range 300 {
		cluster := "rep-" + strconv.Itoa(c)
		want := ""
		for m := range 5 {
			d := &schemas.Document{ID: cluster + "/member-" + strconv.Itoa(m), Cluster: cluster}
			sp := place(t, s, d)
			if want == "" {
				want = sp
			}
			if sp != want {
				t.Fatalf("cluster %s split over %s and %s", cluster, want, sp)
			}
		}
		seen[want] = true
	}
	if len(seen) != 3 {
		t.Errorf("300 clusters landed in %v only", seen)
	}
	// Without a cluster the ID is the key.
	d := &schemas.Document{ID: "solo"}
	if got := place(t, s, d); got != s.assign("solo") {
		t.Errorf("no cluster: %s, want the ID's split %s", got, s.assign("solo"))
	}
}

// Adding records (in any order) leaves the split of earlier records alone.
func TestStableWhenDataIsAdded(t *testing.T) {
	const n = 5000
	first := mustNew(t, Defaults())
	before := make([]string, n)
	for i := range n {
		before[i] = place(t, first, &schemas.Document{ID: key(i)})
	}
	second := mustNew(t, Defaults())
	for i := 3*n - 1; i >= 0; i-- { // more data, reversed order
		got := place(t, second, &schemas.Document{ID: key(i)})
		if i < n && got != before[i] {
			t.Fatalf("key %q moved from %s to %s when data was added", key(i), before[i], got)
		}
	}
}

func TestStats(t *testing.T) {
	s := mustNew(t, Defaults())
	labels := []string{"", "billing", "tech"}
	want := map[string]int64{}
	wantBy := map[string]map[string]int64{}
	for i := range 600 {
		d := &schemas.Document{ID: key(i), Label: labels[i%3]}
		sp := place(t, s, d)
		want[sp]++
		if d.Label != "" {
			if wantBy[d.Label] == nil {
				wantBy[d.Label] = map[string]int64{}
			}
			wantBy[d.Label][sp]++
		}
	}
	st := s.Stats().(Stats)
	if st.Method != "hash" || st.Seed != 42 || st.Targets[Train] != 0.8 {
		t.Errorf("stats header = %+v", st)
	}
	for _, n := range Names() {
		if st.Counts[n] != want[n] {
			t.Errorf("Counts[%s] = %d, want %d", n, st.Counts[n], want[n])
		}
	}
	for l, m := range wantBy {
		for sp, c := range m {
			if st.ByLabel[l][sp] != c {
				t.Errorf("ByLabel[%s][%s] = %d, want %d", l, sp, st.ByLabel[l][sp], c)
			}
		}
	}
	if _, ok := st.ByLabel[""]; ok {
		t.Error("records without a label are counted under the empty label")
	}
	if st := mustNew(t, Defaults()).Stats().(Stats); st.ByLabel != nil || len(st.Counts) != 3 {
		t.Errorf("stats of an unused stage = %+v", st)
	}
}

var sinkSplit string

func BenchmarkAssign(b *testing.B) {
	s := mustNew(b, Defaults())
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = key(i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		sinkSplit = s.assign(keys[i&1023])
		i++
	}
}
