package split

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/keyhash"
)

// labelled is a source of records with a label, a group field and a text.
type labelled struct {
	n     int
	label func(i int) string
	group func(i int) string
	text  func(i int) string
}

func (l labelled) Name() string { return "src" }

func (l labelled) Read(_ context.Context, _ *pipeline.Env, emit func(*schemas.Document) error) error {
	for i := 0; i < l.n; i++ {
		d := &schemas.Document{ID: fmt.Sprintf("r%05d", i), Source: schemas.Source{Path: "t", Line: i + 1}, Label: l.label(i)}
		if l.group != nil {
			d.Fields = schemas.Fields{{Name: "customer", Value: l.group(i)}}
		}
		if l.text != nil {
			d.Text = l.text(i)
		} else {
			d.Text = fmt.Sprintf("record %d says something of its own %d", i, i*7919)
		}
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

// splits runs the stage over src and returns each record's split and the stats.
func splits(t *testing.T, cfg Config, src labelled) (map[string]string, Stats, *schemas.RunManifest, error) {
	t.Helper()
	st, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	out := filepath.Join(t.TempDir(), "out")
	m, err := pipeline.Run(context.Background(), pipeline.RunOptions{
		Plan: pipeline.Plan{Source: src, Stages: []pipeline.Stage{st, recorder(got)}, Workers: 4}, OutDir: out})
	return got, st.Stats().(Stats), m, err
}

type recorder map[string]string

func (r recorder) Name() string { return "rec" }

func (r recorder) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	r[d.ID] = d.Split
	return nil, nil
}

// skewed labels: sizes 1000, 300, 120, 37, 5.
func skewed(i int) string {
	switch {
	case i < 1000:
		return "billing"
	case i < 1300:
		return "refund"
	case i < 1420:
		return "shipping"
	case i < 1457:
		return "warranty"
	}
	return "rare"
}

func TestExactStratified(t *testing.T) {
	cfg := Defaults()
	cfg.Method = "exact"
	_, st, _, err := splits(t, cfg, labelled{n: 1462, label: skewed})
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]float64{Train: 0.8, Validation: 0.1, Test: 0.1}
	for label, counts := range st.ByLabel {
		total := counts[Train] + counts[Validation] + counts[Test]
		for sp, share := range targets {
			if d := math.Abs(float64(counts[sp]) - share*float64(total)); d > 1 {
				t.Errorf("%s/%s: %d of %d, target %.1f", label, sp, counts[sp], total, share*float64(total))
			}
		}
	}
}

func TestHashSharesPerLabel(t *testing.T) {
	_, st, _, err := splits(t, Defaults(), labelled{n: 1462, label: skewed})
	if err != nil {
		t.Fatal(err)
	}
	for label, counts := range st.ByLabel {
		total := counts[Train] + counts[Validation] + counts[Test]
		for sp, share := range map[string]float64{Train: 0.8, Validation: 0.1, Test: 0.1} {
			got := float64(counts[sp]) / float64(total)
			t.Logf("%-9s %-10s %5.1f%% of %d (target %.0f%%)", label, sp, 100*got, total, 100*share)
			// A per-record hash is binomial: at n records the share's standard
			// deviation is sqrt(p(1-p)/n). Labels of 1000 must be within 2
			// points; smaller ones within 3 standard deviations.
			tol := 3 * math.Sqrt(share*(1-share)/float64(total))
			if total >= 1000 {
				tol = 0.02
			}
			if total >= 100 && math.Abs(got-share) > tol {
				t.Errorf("%s/%s: %.3f, target %.2f ± %.3f", label, sp, got, share, tol)
			}
		}
	}
}

func TestGroupsNeverStraddle(t *testing.T) {
	for _, method := range []string{"hash", "exact"} {
		cfg := Defaults()
		cfg.Method, cfg.GroupKey = method, "customer"
		got, _, _, err := splits(t, cfg, labelled{n: 2000, label: skewed, group: func(i int) string { return "c" + strconv.Itoa(i%150) }})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]string{}
		for i := 0; i < 2000; i++ {
			c, sp := "c"+strconv.Itoa(i%150), got[fmt.Sprintf("r%05d", i)]
			if prev, ok := seen[c]; ok && prev != sp {
				t.Fatalf("%s: customer %s in %s and %s", method, c, prev, sp)
			}
			seen[c] = sp
		}
	}
}

func TestHashStableWhenDataIsAdded(t *testing.T) {
	before, _, _, _ := splits(t, Defaults(), labelled{n: 1000, label: skewed})
	after, _, _, _ := splits(t, Defaults(), labelled{n: 1200, label: skewed})
	for id, sp := range before {
		if after[id] != sp {
			t.Fatalf("%s moved from %s to %s", id, sp, after[id])
		}
	}
}

func TestLeakageFindsPlantedCopies(t *testing.T) {
	words := func(i, n int) string {
		var b strings.Builder
		for j := 0; j < n; j++ {
			fmt.Fprintf(&b, "w%d ", keyhash.Seeded(uint64(i), strconv.Itoa(j))%9973)
		}
		return b.String()
	}
	// Records 0..599 are distinct; 600..629 copy record i-600 with a long
	// prefix, so whichever lands in train contains the other.
	text := func(i int) string {
		if i >= 600 {
			return "As noted before: " + words(i-600, 40) + " and more words " + words(i+5000, 30)
		}
		return words(i, 40)
	}
	got, st, _, err := splits(t, Defaults(), labelled{n: 630, label: func(int) string { return "" }, text: text})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for i := 600; i < 630; i++ {
		a, b := got[fmt.Sprintf("r%05d", i)], got[fmt.Sprintf("r%05d", i-600)]
		if (a == Train) != (b == Train) {
			want++
		}
	}
	if want == 0 || st.Leakage.Pairs != int64(want) {
		t.Fatalf("leakage pairs %d, planted across splits %d: %+v", st.Leakage.Pairs, want, st.Leakage.Worst)
	}
	b, _ := json.Marshal(st.Leakage)
	t.Logf("%s", b)
}

func TestDecontaminationAndGate(t *testing.T) {
	eval := filepath.Join(t.TempDir(), "eval.jsonl")
	q := "what is the boiling point of water at sea level in degrees celsius on a normal day asked the teacher"
	os.WriteFile(eval, []byte(`{"question":"`+q+`","answer":"100"}`+"\n"), 0o644)
	cfg := Defaults()
	cfg.Decontaminate = []string{eval}
	cfg.MinPerSplit = 50
	text := func(i int) string {
		if i%10 == 3 {
			return "Quiz: " + q + "? Answer: one hundred."
		}
		return fmt.Sprintf("record %d says something of its own %d", i, i*7919)
	}
	_, st, m, err := splits(t, cfg, labelled{n: 300, label: func(int) string { return "" }, text: text})
	var ge *pipeline.GateError
	if !errorsAs(err, &ge) || len(m.Gates) != 2 { // validation and test have about 30 records
		t.Fatalf("gates: %v %+v", err, m.Gates)
	}
	trainCopies := st.Decontaminated.Dropped
	if trainCopies == 0 || trainCopies > 30 || m.Stages[1].Dropped["decontaminated"] != trainCopies {
		t.Fatalf("decontaminated %d: %+v", trainCopies, m.Stages)
	}
}

func errorsAs(err error, target **pipeline.GateError) bool {
	ge, ok := err.(*pipeline.GateError)
	if ok {
		*target = ge
	}
	return ok
}

// TestStableMethod: exact shares per label on the first run; on a second
// run into the same output with 20% more records (placed first in input
// order), every earlier record keeps its split and the shares still hold.
func TestStableMethod(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	run := func(src pipeline.Source) (map[string]string, Stats) {
		cfg := Defaults()
		cfg.Method = "stable"
		st, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		if _, err := pipeline.Run(context.Background(), pipeline.RunOptions{
			Plan: pipeline.Plan{Source: src, Stages: []pipeline.Stage{st, recorder(got)}, Workers: 3}, OutDir: out}); err != nil {
			t.Fatal(err)
		}
		return got, st.Stats().(Stats)
	}
	first, st1 := run(labelled{n: 1462, label: skewed})
	// 20% more records, read before the old ones.
	more := prepend{extra: 292, inner: labelled{n: 1462, label: skewed}}
	second, st2 := run(more)
	for id, sp := range first {
		if second[id] != sp {
			t.Fatalf("%s moved from %s to %s", id, sp, second[id])
		}
	}
	if st2.Ledger == nil || st2.Ledger.Known != 1462 || st2.Ledger.New != 292 || st1.Ledger.Known != 0 {
		t.Fatalf("ledger: first %+v, second %+v", st1.Ledger, st2.Ledger)
	}
	for _, st := range []Stats{st1, st2} {
		for label, c := range st.ByLabel {
			total := c[Train] + c[Validation] + c[Test]
			for sp, share := range map[string]float64{Train: 0.8, Validation: 0.1, Test: 0.1} {
				if total >= 100 && math.Abs(float64(c[sp])/float64(total)-share) > 0.02 {
					t.Errorf("%s/%s: %d of %d", label, sp, c[sp], total)
				}
				if math.Abs(float64(c[sp])-share*float64(total)) > 2 {
					t.Errorf("%s/%s: %d of %d, more than 2 records off", label, sp, c[sp], total)
				}
			}
		}
	}
	// A new seed asks for a new draw: the ledger is ignored.
	cfg := Defaults()
	cfg.Method, cfg.Seed = "stable", 7
	st, _ := New(cfg)
	pipeline.Run(context.Background(), pipeline.RunOptions{Plan: pipeline.Plan{Source: more, Stages: []pipeline.Stage{st}}, OutDir: out})
	if l := st.Stats().(Stats).Ledger; l.Known != 0 || l.IgnoredWhy == "" {
		t.Errorf("ledger with another seed: %+v", l)
	}
}

// prepend emits extra new records, then the inner source's.
type prepend struct {
	extra int
	inner labelled
}

func (p prepend) Name() string { return "src" }

func (p prepend) Read(ctx context.Context, env *pipeline.Env, emit func(*schemas.Document) error) error {
	for i := 0; i < p.extra; i++ {
		d := &schemas.Document{ID: fmt.Sprintf("new%05d", i), Label: skewed(i * 5), Text: fmt.Sprintf("new record %d", i)}
		if err := emit(d); err != nil {
			return err
		}
	}
	return p.inner.Read(ctx, env, emit)
}
