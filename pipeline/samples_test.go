package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

// TestDropSamples: each stage's report keeps, per reason, the first five
// records it dropped in input order, whatever the workers, with the
// excerpt of the text each had when it was dropped; rejects are sampled at
// the source, without an excerpt.
func TestDropSamples(t *testing.T) {
	var want map[string]map[string][]schemas.DropSample
	for _, workers := range []int{1, 2, 8} {
		var calls atomic.Int64
		p := Plan{Source: &counter{n: 2000, reject: 97},
			Stages:  []Stage{&jitter{name: "a", dropEvery: 5}, &jitter{name: "b", dropEvery: 3}},
			Workers: workers,
			Excerpt: func(stage string, d *schemas.Document) string {
				calls.Add(1)
				return stage + ":" + d.Text
			}}
		m, out, err := runPlan(t, p)
		if err != nil {
			t.Fatal(err)
		}
		if m.Totals.Dropped == 0 {
			t.Fatal("nothing dropped")
		}
		got := readSamples(t, m, out)
		if n := calls.Load(); n != 10 { // two stages, one reason each, five samples
			t.Errorf("workers %d: Excerpt called %d times, want 10", workers, n)
		}
		if want == nil {
			want = got
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("workers %d: samples differ:\n%v\n%v", workers, got, want)
		}
	}
	check := func(stage, reason string, ids []int, excerpt func(int) string) {
		t.Helper()
		s := want[stage][reason]
		if len(s) != len(ids) {
			t.Fatalf("%s/%s: %d samples, want %d: %v", stage, reason, len(s), len(ids), s)
		}
		for i, id := range ids {
			if s[i].ID != strconv.Itoa(id) || s[i].Source.Line != id+1 || s[i].Excerpt != excerpt(id) {
				t.Errorf("%s/%s sample %d = %+v, want record %d", stage, reason, i, s[i], id)
			}
		}
	}
	check("a", "every-5", []int{0, 5, 10, 15, 20}, func(n int) string { return "a:" + strconv.Itoa(n) })
	check("b", "every-3", []int{3, 6, 9, 12, 18}, func(n int) string { return "b:" + strconv.Itoa(n) + ",a" })
	check("count", "bad", []int{96, 193, 290, 387, 484}, func(int) string { return "" })
	if d := want["a"]["every-5"][0].Detail; d != "detail 0" {
		t.Errorf("detail %q", d)
	}
}

// readSamples reads the samples of every stage report from disk.
func readSamples(t *testing.T, m *schemas.RunManifest, dir string) map[string]map[string][]schemas.DropSample {
	t.Helper()
	out := map[string]map[string][]schemas.DropSample{}
	for i, s := range m.Stages {
		var r schemas.StageReport
		readJSONFile(t, filepath.Join(dir, reportName(i+1, s.Stage)), &r)
		out[s.Stage] = r.Samples
	}
	return out
}

// TestDropSamplesThroughHolds: the samples of a holding stage do not depend
// on how much of the held records spilled to disk.
func TestDropSamplesThroughHolds(t *testing.T) {
	var want map[string][]schemas.DropSample
	for _, limit := range []int64{math.MaxInt64, -1, 64 << 10} {
		l := newLongest()
		p := Plan{Source: rich{3000}, Stages: []Stage{&jitter{name: "a"}, l}, Workers: 3, HoldMemory: limit,
			Excerpt: func(stage string, d *schemas.Document) string { return stage + " " + d.Text[:min(len(d.Text), 12)] }}
		m, out, err := runPlan(t, p)
		if err != nil {
			t.Fatal(err)
		}
		var r schemas.StageReport
		readJSONFile(t, filepath.Join(out, reportName(3, l.Name())), &r)
		if len(r.Dropped) == 0 || len(r.Samples) != len(r.Dropped) {
			t.Fatalf("limit %d: dropped %v, samples for %d reasons", limit, r.Dropped, len(r.Samples))
		}
		for why, s := range r.Samples {
			if len(s) != min(schemas.MaxDropSamples, int(r.Dropped[why])) || !strings.HasPrefix(s[0].Excerpt, l.Name()+" word") {
				t.Fatalf("limit %d: %s: %+v", limit, why, s)
			}
		}
		if m.Totals.Dropped == 0 {
			t.Fatal("nothing dropped")
		}
		if want == nil {
			want = r.Samples
		} else if !reflect.DeepEqual(r.Samples, want) {
			t.Fatalf("limit %d: samples differ", limit)
		}
	}
}

// TestEmittedSplits: run.json's splits count the emitted records of each
// split, with exact percentiles and a power-of-two histogram of their
// token counts.
func TestEmittedSplits(t *testing.T) {
	m, _, err := runPlan(t, Plan{Source: rich{1000}, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	lengths := map[string][]int{}
	labels := map[string]map[string]bool{}
	emitted := map[string]int64{}
	for i := range 1000 {
		split := "s" + strconv.Itoa(i%3)
		if i%97 == 96 {
			continue
		}
		emitted[split]++
		if labels[split] == nil {
			labels[split] = map[string]bool{}
		}
		labels[split]["l"+strconv.Itoa(i%5)] = true
		if i%4 != 0 {
			lengths[split] = append(lengths[split], 10+i%30)
		}
	}
	if len(m.Splits) != 3 {
		t.Fatalf("splits %+v", m.Splits)
	}
	for i, s := range m.Splits {
		name := "s" + strconv.Itoa(i) // other names sort by name
		if s.Split != name || s.Examples != emitted[name] || s.Labels != len(labels[name]) || s.Tokens == nil {
			t.Fatalf("split %d: %+v", i, s)
		}
		xs := lengths[name]
		slices.Sort(xs)
		var total int64
		for _, x := range xs {
			total += int64(x)
		}
		tk := s.Tokens
		if tk.Encoding != "o200k_base" || tk.Total != total || tk.Min != xs[0] || tk.Max != xs[len(xs)-1] ||
			tk.P50 != xs[(len(xs)-1)*50/100] || tk.P95 != xs[(len(xs)-1)*95/100] || tk.Mean != int(total/int64(len(xs))) {
			t.Errorf("%s tokens %+v", name, tk)
		}
		var binned int64
		for j, b := range tk.Histogram {
			if b.UpTo != 16<<j {
				t.Errorf("%s bin %d up to %d", name, j, b.UpTo)
			}
			binned += b.Examples
		}
		if last := tk.Histogram[len(tk.Histogram)-1]; binned != int64(len(xs)) || last.UpTo < tk.Max || last.UpTo/2 >= tk.Max {
			t.Errorf("%s histogram %+v", name, tk.Histogram)
		}
	}
}

// failGate is a gate hook that fails one gate.
func failGate(*Facts) []schemas.GateResult {
	v := 3.0
	return []schemas.GateResult{{Gate: "min_things", Threshold: 5, Value: &v, Message: "3 things"},
		{Gate: "other", Threshold: 1, Value: &v, Passed: true, Message: "fine"}}
}

// TestGateHookAndBlockOutput: a failed gate from RunOptions.Gates fails the
// run and marks run.json; with BlockOutput the previous output stays and
// the new one goes to <out>.failed.
func TestGateHookAndBlockOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	ctx := context.Background()
	if _, err := Run(ctx, RunOptions{Plan: Plan{Source: &counter{n: 10}}, OutDir: out, Version: "first"}); err != nil {
		t.Fatal(err)
	}
	before := readFile(t, filepath.Join(out, manifestName))

	var facts *Facts
	hook := func(f *Facts) []schemas.GateResult { facts = f; return failGate(f) }
	m, err := Run(ctx, RunOptions{Plan: Plan{Source: &counter{n: 10}}, OutDir: out, Version: "second", Gates: hook})
	var ge *GateError
	if !errors.As(err, &ge) || len(ge.Failed) != 1 || ge.Failed[0].Message != "min_things: 3 things" {
		t.Fatalf("err %v", err)
	}
	if facts == nil || facts.Manifest.Totals.Read != 10 || facts.Labels[""] != 10 || len(facts.Reports) != 1 {
		t.Fatalf("facts %+v", facts)
	}
	var disk schemas.RunManifest
	readJSONFile(t, filepath.Join(out, manifestName), &disk)
	if disk.Version != "second" || disk.Status != schemas.StatusFailed || len(disk.GateResults) != 2 || m.Status != schemas.StatusFailed {
		t.Fatalf("committed run.json: %+v", disk)
	}
	before = readFile(t, filepath.Join(out, manifestName))

	_, err = Run(ctx, RunOptions{Plan: Plan{Source: &counter{n: 10}}, OutDir: out, Version: "third", Gates: failGate, BlockOutput: true})
	if !errors.As(err, &ge) {
		t.Fatalf("err %v", err)
	}
	if after := readFile(t, filepath.Join(out, manifestName)); after != before {
		t.Error("a blocked run changed the output")
	}
	var aside schemas.RunManifest
	readJSONFile(t, filepath.Join(out+FailedSuffix, manifestName), &aside)
	if aside.Version != "third" || aside.Status != schemas.StatusBlocked {
		t.Errorf("set-aside run.json: %+v", aside)
	}
	if !strings.Contains(readFile(t, filepath.Join(out+FailedSuffix, "reports/report.html")), "min_things") {
		t.Error("the set-aside report does not show the gate")
	}
	// A later blocked run replaces the set-aside output.
	if _, err := Run(ctx, RunOptions{Plan: Plan{Source: &counter{n: 10}}, OutDir: out, Version: "fourth", Gates: failGate, BlockOutput: true}); !errors.As(err, &ge) {
		t.Fatal(err)
	}
	readJSONFile(t, filepath.Join(out+FailedSuffix, manifestName), &aside)
	if aside.Version != "fourth" {
		t.Errorf("set-aside version %s", aside.Version)
	}
	// A passing run with BlockOutput commits as usual.
	if _, err := Run(ctx, RunOptions{Plan: Plan{Source: &counter{n: 10}}, OutDir: out, Version: "fifth", BlockOutput: true}); err != nil {
		t.Fatal(err)
	}
	readJSONFile(t, filepath.Join(out, manifestName), &disk)
	if disk.Version != "fifth" || disk.Status != schemas.StatusOK {
		t.Errorf("run.json %+v", disk)
	}
}

func readJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// BenchmarkDropSamplesAdd is the cost of offering a dropped record to the
// samples, from every core at once (a Processor that drops most records).
func BenchmarkDropSamplesAdd(b *testing.B) {
	var s dropSamples
	var seq atomic.Int64
	reasons := []string{"too-long", "too-short", "no-rule"}
	b.RunParallel(func(pb *testing.PB) {
		d := &schemas.Document{ID: "x", Drop: &schemas.Drop{Reason: "too-long"}}
		for pb.Next() {
			n := seq.Add(1)
			d.Seq = n
			s.add(d, reasons[n%3])
		}
	})
}
