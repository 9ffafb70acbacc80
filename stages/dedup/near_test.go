package dedup

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
)

// records is a source of records with given fields, IDs r0, r1, ...
type records [][]string // name, value, name, value, ...

func (r records) Name() string { return "src" }

func (r records) Read(_ context.Context, _ *pipeline.Env, emit func(*schemas.Document) error) error {
	for i, kv := range r {
		d := &schemas.Document{ID: "r" + strconv.Itoa(i), Source: schemas.Source{Path: "t", Line: i + 1}}
		for j := 0; j+1 < len(kv); j += 2 {
			d.Fields = append(d.Fields, schemas.Field{Name: kv[j], Value: kv[j+1]})
		}
		d.Text = d.Fields.MainText(nil)
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

// outcome runs the stage over recs and returns, per record ID, "kept <cluster>"
// or "<reason>", plus the stage's stats.
func outcome(t *testing.T, cfg Config, recs records) (map[string]string, Stats) {
	t.Helper()
	st, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	sink := &collector{got: got}
	out := filepath.Join(t.TempDir(), "out")
	if _, err := pipeline.Run(context.Background(), pipeline.RunOptions{
		Plan: pipeline.Plan{Source: recs, Stages: []pipeline.Stage{st, sink}, Workers: 3}, OutDir: out}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(out, "dropped.jsonl"))
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		var r schemas.DroppedRecord
		json.Unmarshal([]byte(line), &r)
		got[r.ID] = r.Reason
	}
	return got, st.Stats().(Stats)
}

type collector struct{ got map[string]string }

func (c *collector) Name() string { return "collect" }

func (c *collector) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	c.got[d.ID] = "kept " + d.Cluster
	return nil, nil
}

// words returns n distinct words; edit replaces the words at the positions.
func words(n int) []string {
	w := make([]string, n)
	for i := range w {
		w[i] = "w" + strconv.Itoa(i*7919%10007)
	}
	return w
}

func edit(w []string, tag string, at ...int) []string {
	c := append([]string(nil), w...)
	for _, i := range at {
		c[i] = tag + strconv.Itoa(i)
	}
	return c
}

func text(w []string) string { return strings.Join(w, " ") }

func exactVerify() Config {
	c := Defaults()
	c.Near.Verify = "exact" // exact Jaccard: the test controls similarities precisely
	return c
}

// TestChain: A~B and B~C above the threshold, A and C below. B goes as a
// duplicate of A; C is compared only with kept records, so it stays.
func TestChain(t *testing.T) {
	a := words(100)
	b := edit(a, "b", 5, 15, 25, 35, 45)  // 3-gram Jaccard(A,B) = 83/113 = 0.73
	c := edit(b, "c", 55, 65, 75, 85, 95) // Jaccard(B,C) = 0.73, Jaccard(A,C) = 68/128 = 0.53
	cfg := exactVerify()
	cfg.Near.GroupThreshold = 0
	got, st := outcome(t, cfg, records{{"text", text(a)}, {"text", text(b)}, {"text", text(c)}})
	if got["r0"] != "kept r0" || got["r1"] != "near-duplicate" || got["r2"] != "kept r2" {
		t.Fatalf("got %v", got)
	}
	if st.counts.Near != 1 || st.Clusters != 1 {
		t.Errorf("stats %+v", st.counts)
	}
}

func TestGroupedVariantsShareCluster(t *testing.T) {
	a := words(100)
	// Jaccard 77/119 = 0.65: below 0.7, above 0.5. Grouping applies to LSH
	// candidates; at 0.65 a pair is one with probability 0.78 (20 x 6), and
	// this pair is, deterministically, for the default seed.
	c := edit(a, "c", 5, 15, 25, 35, 45, 55, 65)
	got, st := outcome(t, exactVerify(), records{{"text", text(a)}, {"text", text(c)}, {"text", text(words(100)[:50])}})
	if got["r0"] != "kept r0" || got["r1"] != "kept r0" || got["r2"] != "kept r2" {
		t.Fatalf("got %v", got)
	}
	if st.Grouped != 1 {
		t.Errorf("grouped %d", st.Grouped)
	}
}

func TestExactAndShort(t *testing.T) {
	got, st := outcome(t, Defaults(), records{{"text", "too short"}, {"text", "too short"}, {"text", "short, too"}})
	if got["r1"] != "exact-duplicate" || got["r2"] != "kept r2" || st.TooShort != 2 {
		t.Fatalf("got %v, stats %+v", got, st.counts)
	}
	off := Defaults()
	off.Exact, off.Near.Enabled = false, false
	got, _ = outcome(t, off, records{{"text", "same"}, {"text", "same"}})
	if got["r1"] != "kept r1" {
		t.Fatalf("dedup off: %v", got)
	}
}

func TestSurvivorRules(t *testing.T) {
	a := words(100)
	long := append(edit(a, "x", 50), "extra", "words", "at", "the", "end")
	recs := records{{"text", text(a), "p", "1"}, {"text", text(long), "p", "0"}}
	cfg := exactVerify()
	cfg.Survivor = "longest"
	got, _ := outcome(t, cfg, recs)
	if got["r0"] != "survivor" || got["r1"] != "kept r0" {
		t.Fatalf("longest: %v", got)
	}
	cfg.Survivor, cfg.PriorityField = "priority", "p"
	got, _ = outcome(t, cfg, recs)
	if got["r0"] != "kept r0" || got["r1"] != "near-duplicate" {
		t.Fatalf("priority: %v", got)
	}
	cfg.Survivor = "first"
	got, _ = outcome(t, cfg, recs)
	if got["r0"] != "kept r0" || got["r1"] != "near-duplicate" {
		t.Fatalf("first: %v", got)
	}
}

func TestConflicts(t *testing.T) {
	recs := records{
		{"q", "How do I reset my password?", "a", "Use the reset link."},
		{"q", "How do I reset my password?", "a", "Call support."},
		{"q", "Where is my order?", "a", "Tracking page."},
		{"q", "Where is my order?", "a", "Tracking page."},
	}
	for _, c := range []struct{ policy, r0, r1, r3 string }{
		{"keep-first", "kept r0", "conflicting-duplicate", "exact-duplicate"},
		{"keep-and-report", "kept r0", "kept r0", "exact-duplicate"},
		{"drop-all", "conflict", "conflict", "exact-duplicate"},
	} {
		cfg := Defaults()
		cfg.Key, cfg.ConflictFields, cfg.Conflicts = []string{"q"}, []string{"a"}, c.policy
		got, st := outcome(t, cfg, recs)
		if got["r0"] != c.r0 || got["r1"] != c.r1 || got["r2"] != "kept r2" || got["r3"] != c.r3 || st.Conflicts != 1 {
			t.Errorf("%s: got %v, conflicts %d", c.policy, got, st.Conflicts)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, mut := range []func(*Config){
		func(c *Config) { c.Survivor = "best" },
		func(c *Config) { c.Survivor = "priority" },
		func(c *Config) { c.Conflicts = "panic" },
		func(c *Config) { c.Near.Threshold = 1.5 },
		func(c *Config) { c.Near.Shingle = "bytes" },
		func(c *Config) { c.Near.Verify = "maybe" },
		func(c *Config) { c.Near.GroupThreshold = 0.9 },
	} {
		c := Defaults()
		mut(&c)
		if _, err := New(c); err == nil {
			t.Errorf("no error for %+v", c)
		}
	}
}

// BenchmarkStage measures the stage per record: signatures (parallel part)
// and the index (serial part), on 2 KB texts of random words from a 20,000
// word vocabulary (Zipf-distributed, like natural text), one near copy in ten.
func BenchmarkStage(b *testing.B) {
	const n = 20000
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, 1.1, 2, 19999)
	texts := make([]string, n)
	var total int64
	for i := range texts {
		if i%10 == 9 {
			texts[i] = texts[i-1][:len(texts[i-1])-8] + " changed"
		} else {
			w := make([]string, 330)
			for j := range w {
				w[j] = "w" + strconv.FormatUint(zipf.Uint64(), 36)
			}
			texts[i] = text(w)
		}
		total += int64(len(texts[i]))
	}
	b.SetBytes(total / n)
	b.ResetTimer()
	for i := 0; i < b.N; {
		st, _ := New(Defaults())
		for j := 0; j < n && i < b.N; j, i = j+1, i+1 {
			d := &schemas.Document{ID: strconv.Itoa(j), Seq: int64(j), Text: texts[j]}
			st.Process(context.Background(), d)
			st.Sequence(context.Background(), d)
		}
	}
}
