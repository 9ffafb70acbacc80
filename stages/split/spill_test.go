package split

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
)

// TestExactSpills: the exact and stable methods give every record the same
// split, and the report the same counts, whether the engine keeps the held
// records in memory or spills every batch to disk; groups (several records,
// several labels) never straddle splits.
func TestExactSpills(t *testing.T) {
	src := labelled{n: 5000, label: skewed,
		group: func(i int) string {
			if i%5 == 0 {
				return fmt.Sprintf("customer-%d", i%97) // 97 multi-record groups, mixed labels
			}
			return ""
		}}
	for _, method := range []string{"exact", "stable"} {
		t.Run(method, func(t *testing.T) {
			var want map[string]string
			var wantStats Stats
			for _, limit := range []int64{math.MaxInt64, -1} {
				cfg := Defaults()
				cfg.Method, cfg.GroupKey = method, "customer"
				st := mustNew(t, cfg)
				got := recorder{}
				plan := pipeline.Plan{Source: src, Stages: []pipeline.Stage{st, got}, Workers: 3, HoldMemory: limit}
				if _, err := pipeline.Run(context.Background(), pipeline.RunOptions{Plan: plan, OutDir: filepath.Join(t.TempDir(), "out")}); err != nil {
					t.Fatal(err)
				}
				stats := st.Stats().(Stats)
				if want == nil {
					want, wantStats = got, stats
					if len(got) != src.n {
						t.Fatalf("%d records came through, want %d", len(got), src.n)
					}
					continue
				}
				for id, sp := range want {
					if got[id] != sp {
						t.Fatalf("%s: %s spilled, %s in memory", id, got[id], sp)
					}
				}
				if fmt.Sprint(stats.Counts, stats.ByLabel) != fmt.Sprint(wantStats.Counts, wantStats.ByLabel) {
					t.Errorf("counts differ when spilled: %v vs %v", stats.Counts, wantStats.Counts)
				}
			}
			bySplit := map[string]string{}
			for i := 0; i < src.n; i += 5 {
				g, sp := src.group(i), want[fmt.Sprintf("r%05d", i)]
				if prev, ok := bySplit[g]; ok && prev != sp {
					t.Fatalf("group %s straddles %s and %s", g, prev, sp)
				}
				bySplit[g] = sp
			}
		})
	}
}

// BenchmarkExactRetained reports the bytes the exact method keeps per
// record once the records have gone (the engine holds or spills them):
// retained-B/record, for one-record groups with 20 labels.
func BenchmarkExactRetained(b *testing.B) {
	const n = 200000
	for b.Loop() {
		cfg := Defaults()
		cfg.Method = "exact"
		cfg.Leakage.Enabled = false
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		st, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		d := &schemas.Document{}
		for i := range n {
			d.ID = fmt.Sprintf("%016x", uint64(i)*0x9e3779b97f4a7c15)
			d.Label = fmt.Sprintf("intent-%d", i%20)
			if _, err := st.Sequence(context.Background(), d); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "retained-B/record")
		runtime.KeepAlive(st)
	}
}
