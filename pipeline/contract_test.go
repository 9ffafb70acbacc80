package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

// auditing decides in Process to drop every third record, and drops it in
// Sequence after counting it, as a stage with an audit does.
type auditing struct {
	hold    bool
	audited int
}

func (a *auditing) Name() string { return "auditing" }
func (a *auditing) Holds() bool  { return a.hold }

func (a *auditing) Release(context.Context, func(*schemas.Document, *schemas.Drop)) error {
	return nil
}

func (a *auditing) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	n, _ := strconv.Atoi(d.ID)
	d.Stash = n%3 == 0
	return nil, nil
}

func (a *auditing) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if d.Stash != true {
		return nil, nil
	}
	a.audited++
	return Dropf("audited", "id "+d.ID), nil
}

func TestSequenceDropCountedOnce(t *testing.T) {
	for _, hold := range []bool{false, true} {
		for _, workers := range []int{1, 4} {
			a := &auditing{hold: hold}
			m, out, err := runPlan(t, Plan{Source: &counter{n: 300, reject: 10}, Stages: []Stage{a, &order{}}, Workers: workers, BatchSize: 7})
			if err != nil {
				t.Fatal(err)
			}
			checkStages(t, m)
			// 0, 3, ... 297 are dropped, except the rejects 9, 39, ... 279.
			const want = 100 - 10
			st := m.Stages[1]
			if a.audited != want || st.In != 270 || st.Out != 270-want || st.Dropped["audited"] != want || len(st.Dropped) != 1 {
				t.Fatalf("hold %v workers %d: audited %d, report %+v", hold, workers, a.audited, st)
			}
			if m.Totals.Dropped != want {
				t.Fatalf("totals %+v", m.Totals)
			}
			b, _ := os.ReadFile(filepath.Join(out, DroppedFile))
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			var first schemas.DroppedRecord
			json.Unmarshal([]byte(lines[0]), &first)
			if len(lines) != want || first.ID != "0" || first.Stage != "auditing" || first.Reason != "audited" {
				t.Fatalf("dropped.jsonl: %d lines, first %+v", len(lines), first)
			}
		}
	}
}

func TestRerunReplacesOutput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	for _, n := range []int{5, 7} {
		m, err := Run(context.Background(), RunOptions{Plan: Plan{Source: &counter{n: n}}, OutDir: out})
		if err != nil {
			t.Fatal(err)
		}
		var got schemas.RunManifest
		if err := json.Unmarshal([]byte(readFile(t, filepath.Join(out, manifestName))), &got); err != nil {
			t.Fatal(err)
		}
		if got.Totals.Read != int64(n) || m.Totals.Read != int64(n) {
			t.Fatalf("run of %d: run.json has %+v", n, got.Totals)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		t.Fatalf("beside the output: %v", entries)
	}
}

func TestStaleTemps(t *testing.T) {
	parent := t.TempDir()
	final := filepath.Join(parent, "out")
	writeFile(t, filepath.Join(final, manifestName), "{}")
	dead := strconv.Itoa(deadPID(t))
	mine := strconv.Itoa(os.Getpid())
	names := map[string]bool{ // name -> still there after openOutput
		tempPrefix("out") + dead + "-1":             false, // a killed run's output
		tempPrefix("out") + dead + "-2" + oldSuffix: false, // a previous output already replaced
		tempPrefix("out") + mine + "-3":             true,  // a live run's
		tempPrefix("out") + mine + "-4" + oldSuffix: true,
		tempPrefix("out") + "x-5":                   true, // not ours
		tempPrefix("other") + dead + "-6":           true,
	}
	for name := range names {
		writeFile(t, filepath.Join(parent, name, "f"), name)
	}
	o, err := openOutput(final)
	if err != nil {
		t.Fatal(err)
	}
	defer o.abort()
	for name, keep := range names {
		if _, err := os.Stat(filepath.Join(parent, name)); (err == nil) != keep {
			t.Errorf("%s: kept %v, want %v", name, err == nil, keep)
		}
	}
	if readFile(t, filepath.Join(final, manifestName)) != "{}" {
		t.Error("the output changed")
	}
}

func TestProgressEndsWithTotals(t *testing.T) {
	var mu sync.Mutex
	var last [2]int64
	p := Plan{Source: &counter{n: 321}, Stages: []Stage{&jitter{name: "a"}}, Progress: func(read, done int64) {
		mu.Lock()
		last = [2]int64{read, done}
		mu.Unlock()
	}}
	if _, _, err := runPlan(t, p); err != nil {
		t.Fatal(err)
	}
	if last != [2]int64{321, 321} {
		t.Fatalf("last progress %v", last)
	}
}

// writer is a stage with an output file, gates, warnings and an input.
type writer struct {
	f    *OutFile
	many bool // create one more file per record, from the workers
	env  *Env
}

func (w *writer) Name() string       { return "writer" }
func (w *writer) Gates() []string    { return []string{"too few"} }
func (w *writer) Warnings() []string { return []string{"look at this"} }
func (w *writer) Stats() any         { return map[string]int{"n": 1} }

func (w *writer) Open(_ context.Context, env *Env) error {
	env.AddInput(schemas.InputFile{Path: "b.txt"})
	env.AddInput(schemas.InputFile{Path: "a.txt"})
	w.env = env
	var err error
	w.f, err = env.Create("w/ids.txt")
	return err
}

func (w *writer) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if !w.many {
		return nil, nil
	}
	f, err := w.env.Create("w/each/" + d.ID)
	if err != nil {
		return nil, err
	}
	f.WriteString(d.ID)
	f.SetRecords(1)
	return nil, f.Close()
}

func (w *writer) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	_, err := w.f.WriteString(d.ID + "\n")
	return nil, err
}

func (w *writer) Finish(context.Context) error { return w.f.Close() }

func TestManifest(t *testing.T) {
	w := &writer{many: true}
	m, out, err := runPlan(t, Plan{Source: &counter{n: 50}, Stages: []Stage{w}, Workers: 4, BatchSize: 3})
	if _, ok := err.(*GateError); !ok {
		t.Fatalf("err = %v", err)
	}
	if len(m.Gates) != 1 || m.Gates[0] != (schemas.Gate{Stage: "writer", Message: "too few"}) ||
		len(m.Warnings) != 1 || m.Warnings[0] != (schemas.Gate{Stage: "writer", Message: "look at this"}) {
		t.Errorf("gates %v warnings %v", m.Gates, m.Warnings)
	}
	if in := slices.Collect(m.Inputs.All()); len(in) != 2 || in[0].Path != "a.txt" || in[1].Path != "b.txt" {
		t.Errorf("inputs %v", in)
	}
	files := map[string]schemas.FileEntry{}
	for i, f := range m.Outputs {
		if i > 0 && m.Outputs[i-1].Path >= f.Path {
			t.Errorf("outputs not sorted: %s before %s", m.Outputs[i-1].Path, f.Path)
		}
		files[f.Path] = f
	}
	if len(files) != 50+6 { // w/each/*, w/ids.txt, dropped, rejects, the report page and 2 reports
		t.Errorf("%d outputs", len(files))
	}
	for _, rel := range []string{"w/ids.txt", "w/each/7", DroppedFile, "reports/02-writer.json"} {
		f, ok := files[rel]
		b, err := os.ReadFile(filepath.Join(out, rel))
		if !ok || err != nil {
			t.Fatalf("%s: listed %v, %v", rel, ok, err)
		}
		sum := sha256.Sum256(b)
		if f.SHA256 != hex.EncodeToString(sum[:]) || f.Bytes != int64(len(b)) {
			t.Errorf("%s: manifest %+v, file %d bytes", rel, f, len(b))
		}
	}
	if n := files["w/ids.txt"].Records; n == nil || *n != 50 {
		t.Errorf("w/ids.txt records %v", n)
	}
	if n := files["w/each/7"].Records; n == nil || *n != 1 {
		t.Errorf("w/each/7 records %v", n)
	}
	if n := files[DroppedFile].Records; n == nil || *n != 0 {
		t.Errorf("dropped records %v", n)
	}
	if !strings.Contains(readFile(t, filepath.Join(out, "reports/report.html")), "too few") {
		t.Error("report.html does not show the failed gate")
	}
}
