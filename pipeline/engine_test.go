package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tuneprep/tuneprep/schemas"
)

// counter is a source of n records whose text is their number.
type counter struct {
	n      int
	reject int // every reject-th record is a reject (0: none)
}

func (c *counter) Name() string { return "count" }

func (c *counter) Read(ctx context.Context, _ *Env, emit func(*schemas.Document) error) error {
	for i := 0; i < c.n; i++ {
		d := &schemas.Document{ID: strconv.Itoa(i), Source: schemas.Source{Path: "n", Line: i + 1}, Text: strconv.Itoa(i), Bytes: 8}
		if c.reject > 0 && i%c.reject == c.reject-1 {
			d.Reject = &schemas.Reject{Reason: "bad"}
		}
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

// jitter sleeps a pseudo-random, record-dependent time, so that workers
// finish out of order, and drops every dropEvery-th record.
type jitter struct {
	name      string
	dropEvery int
	calls     atomic.Int64
}

func (j *jitter) Name() string { return j.name }

func (j *jitter) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	j.calls.Add(1)
	h := fnv.New32a()
	h.Write([]byte(j.name + d.ID))
	if h.Sum32()%7 == 0 {
		time.Sleep(time.Duration(h.Sum32()%50) * time.Microsecond)
	}
	num, _, _ := strings.Cut(d.Text, ",") // the record's number, before the stages' marks
	n, _ := strconv.Atoi(num)
	if j.dropEvery > 0 && n%j.dropEvery == 0 {
		return Dropf("every-"+strconv.Itoa(j.dropEvery), "detail "+d.ID), nil
	}
	d.Text += "," + j.name
	return nil, nil
}

// order records the sequence of records it sees; it must be input order.
type order struct {
	seen []string
}

func (o *order) Name() string { return "order" }

func (o *order) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	o.seen = append(o.seen, d.ID)
	return nil, nil
}

func runPlan(t testing.TB, p Plan) (*schemas.RunManifest, string, error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	m, err := Run(context.Background(), RunOptions{Plan: p, OutDir: out, Version: "test"})
	return m, out, err
}

func TestOrderAndOutcomesAtAnyWorkerCount(t *testing.T) {
	var want []string
	for _, workers := range []int{1, 2, 3, 8, 32} {
		for _, batch := range []int{1, 7, 64} {
			ord := &order{}
			p := Plan{
				Source:  &counter{n: 2000, reject: 97},
				Stages:  []Stage{&jitter{name: "a", dropEvery: 5}, &jitter{name: "b", dropEvery: 3}, ord},
				Workers: workers, BatchSize: batch,
			}
			m, out, err := runPlan(t, p)
			if err != nil {
				t.Fatal(err)
			}
			if want == nil {
				want = ord.seen
			}
			if strings.Join(ord.seen, " ") != strings.Join(want, " ") {
				t.Fatalf("workers %d batch %d: sequencer saw a different order", workers, batch)
			}
			for i := 1; i < len(ord.seen); i++ {
				a, _ := strconv.Atoi(ord.seen[i-1])
				b, _ := strconv.Atoi(ord.seen[i])
				if a >= b {
					t.Fatalf("not in input order: %s before %s", ord.seen[i-1], ord.seen[i])
				}
			}
			tot := m.Totals
			if tot.Read != 2000 || tot.Rejected != 20 || tot.Read != tot.Emitted+tot.Dropped+tot.Rejected {
				t.Fatalf("totals %+v", tot)
			}
			if int64(len(ord.seen)) != tot.Emitted {
				t.Fatalf("sequencer saw %d, emitted %d", len(ord.seen), tot.Emitted)
			}
			b, _ := os.ReadFile(filepath.Join(out, "dropped.jsonl"))
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			if int64(len(lines)) != tot.Dropped {
				t.Fatalf("%d dropped lines, %d dropped", len(lines), tot.Dropped)
			}
			var first schemas.DroppedRecord
			json.Unmarshal([]byte(lines[0]), &first)
			if first.ID != "0" || first.Stage != "a" || first.Reason != "every-5" {
				t.Fatalf("first dropped: %+v", first)
			}
			checkStages(t, m)
		}
	}
}

func checkStages(t *testing.T, m *schemas.RunManifest) {
	t.Helper()
	prev := int64(-1)
	for _, s := range m.Stages {
		var d int64
		for _, n := range s.Dropped {
			d += n
		}
		if s.In != s.Out+d {
			t.Fatalf("%s: in %d out %d dropped %d", s.Stage, s.In, s.Out, d)
		}
		if prev >= 0 && s.In != prev {
			t.Fatalf("%s: in %d after out %d", s.Stage, s.In, prev)
		}
		prev = s.Out
	}
}

// failing returns an error on one record.
type failing struct{ at string }

func (f failing) Name() string { return "failing" }

func (f failing) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if d.ID == f.at {
		return nil, errors.New("boom")
	}
	return nil, nil
}

func TestErrorStopsRunAndKeepsPreviousOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	ok := Plan{Source: &counter{n: 10}, Stages: []Stage{&jitter{name: "a"}}}
	if _, err := Run(context.Background(), RunOptions{Plan: ok, OutDir: out}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(out, "run.json"))
	bad := Plan{Source: &counter{n: 5000}, Stages: []Stage{failing{at: "1234"}}, Workers: 4}
	_, err := Run(context.Background(), RunOptions{Plan: bad, OutDir: out})
	var se *StageError
	if !errors.As(err, &se) || se.Stage != "failing" || se.Source.Line != 1235 || err.Error() != "failing: n:1235: boom" || errors.Unwrap(se).Error() != "boom" {
		t.Fatalf("err = %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(out, "run.json"))
	if string(before) != string(after) {
		t.Fatal("a failed run changed the output")
	}
	if temps, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".out.tmp-*")); len(temps) > 0 {
		t.Fatalf("temporary left: %v", temps)
	}
}

// endless emits records until cancelled.
type endless struct{ started chan struct{} }

func (e *endless) Name() string { return "endless" }

func (e *endless) Read(ctx context.Context, _ *Env, emit func(*schemas.Document) error) error {
	for i := 0; ; i++ {
		if i == 1000 {
			close(e.started)
		}
		if err := emit(&schemas.Document{ID: strconv.Itoa(i), Text: "x"}); err != nil {
			return err
		}
	}
}

func TestCancelStopsEverything(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	src := &endless{started: make(chan struct{})}
	go func() { <-src.started; cancel() }()
	out := filepath.Join(t.TempDir(), "out")
	_, err := Run(ctx, RunOptions{Plan: Plan{Source: src, Stages: []Stage{&jitter{name: "a"}, &order{}}, Workers: 4}, OutDir: out})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatal("a cancelled run created the output")
	}
}

func TestRefusesForeignDirectory(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("x"), 0o644)
	_, err := Run(context.Background(), RunOptions{Plan: Plan{Source: &counter{n: 1}}, OutDir: dir})
	if err == nil || !strings.Contains(err.Error(), "not a tuneprep output") {
		t.Fatalf("err = %v", err)
	}
}

// nop passes records through untouched: the engine's own cost.
type nop struct{ name string }

func (n nop) Name() string { return n.name }

func (n nop) Process(context.Context, *schemas.Document) (*schemas.Drop, error) { return nil, nil }

// spin burns about the given time per record, standing in for real work.
type spin struct{ d time.Duration }

func (s spin) Name() string { return "spin" }

func (s spin) Process(context.Context, *schemas.Document) (*schemas.Drop, error) {
	for end := time.Now().Add(s.d); time.Now().Before(end); {
	}
	return nil, nil
}

// BenchmarkEngineOverhead measures the engine's cost per record per stage
// with stages that do nothing: ns/record-stage is the figure to keep under 2µs.
func BenchmarkEngineOverhead(b *testing.B) {
	const records, stages = 200000, 5
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			var st []Stage
			for i := 0; i < stages; i++ {
				st = append(st, nop{name: "nop" + strconv.Itoa(i)})
			}
			for b.Loop() {
				if _, _, err := runPlan(b, Plan{Source: &counter{n: records}, Stages: st, Workers: workers}); err != nil {
					b.Fatal(err)
				}
			}
			perRecordStage := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / records / stages
			b.ReportMetric(perRecordStage, "ns/record-stage")
			b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkEngineScaling runs one stage of about 10µs of work per record:
// throughput should rise with workers up to the number of cores. (With
// several busy stages, stages already run in parallel with each other.)
func BenchmarkEngineScaling(b *testing.B) {
	const records = 20000
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			st := []Stage{spin{10 * time.Microsecond}}
			for b.Loop() {
				if _, _, err := runPlan(b, Plan{Source: &counter{n: records}, Stages: st, Workers: workers}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// holder sees every record before any leaves, then drops the first one.
type holder struct {
	first *schemas.Document
	n     int
}

func (h *holder) Name() string { return "holder" }
func (h *holder) Holds() bool  { return true }

func (h *holder) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if h.first == nil {
		h.first = d
	}
	h.n++
	return nil, nil
}

func (h *holder) Release(_ context.Context, drop func(*schemas.Document, *schemas.Drop)) error {
	drop(h.first, Dropf("late", "decided after "+strconv.Itoa(h.n)))
	return nil
}

func TestHolderDecidesAfterInput(t *testing.T) {
	for _, workers := range []int{1, 4} {
		ord := &order{}
		h := &holder{}
		m, out, err := runPlan(t, Plan{Source: &counter{n: 500, reject: 50}, Stages: []Stage{&jitter{name: "a", dropEvery: 7}, h, ord}, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		checkStages(t, m)
		if len(ord.seen) == 0 || ord.seen[0] == h.first.ID || int64(len(ord.seen)) != m.Totals.Emitted {
			t.Fatalf("after the holder: %d records, first %v", len(ord.seen), ord.seen[:1])
		}
		b, _ := os.ReadFile(filepath.Join(out, "dropped.jsonl"))
		if !strings.Contains(string(b), `"reason":"late","detail":"decided after 420"`) {
			t.Fatalf("dropped.jsonl: %s", b[:200])
		}
	}
}
