package dedup

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
)

// ticketSource reads n synthetic tickets (see tickets) with a priority and
// an answer field; every seventh ID is not in ingest's hex form.
type ticketSource struct{ n int }

func (g ticketSource) Name() string { return "tickets" }

func (g ticketSource) Read(_ context.Context, _ *pipeline.Env, emit func(*schemas.Document) error) error {
	t := newTickets()
	for i := range g.n {
		d := t.next(i)
		if i%7 == 3 {
			d.ID = "ticket-" + strconv.Itoa(i)
		}
		d.Fields = schemas.Fields{{Name: "text", Value: d.Text}, {Name: "p", Value: strconv.Itoa(i % 13)}, {Name: "a", Value: strconv.Itoa(i % 3 / 2)}}
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

// dumpRecords writes every record it sees to records.jsonl.
type dumpRecords struct{ f *pipeline.OutFile }

func (w *dumpRecords) Name() string { return "dump" }

func (w *dumpRecords) Open(_ context.Context, env *pipeline.Env) error {
	var err error
	w.f, err = env.Create("records.jsonl")
	return err
}

func (w *dumpRecords) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	_, err = w.f.Write(append(b, '\n'))
	return nil, err
}

// TestHoldingRulesSpill: the holding rules give the same records, drops and
// clusters whether the engine keeps the held records in memory or spills
// every batch to disk.
func TestHoldingRulesSpill(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 3000
	}
	for name, mut := range map[string]func(*Config){
		"longest":       func(c *Config) { c.Survivor = "longest" },
		"priority":      func(c *Config) { c.Survivor, c.PriorityField = "priority", "p" },
		"drop-all":      func(c *Config) { c.ConflictFields, c.Conflicts = []string{"a"}, "drop-all" },
		"longest-exact": func(c *Config) { c.Survivor, c.Near.Verify = "longest", "exact" },
	} {
		t.Run(name, func(t *testing.T) {
			var want [3][]byte
			for i, limit := range []int64{math.MaxInt64, -1} {
				cfg := Defaults()
				mut(&cfg)
				out := filepath.Join(t.TempDir(), "out")
				plan := pipeline.Plan{Source: ticketSource{n}, Stages: []pipeline.Stage{mustNew(t, cfg), &dumpRecords{}}, Workers: 2, HoldMemory: limit}
				if _, err := pipeline.Run(context.Background(), pipeline.RunOptions{Plan: plan, OutDir: out}); err != nil {
					t.Fatal(err)
				}
				for j, f := range []string{"records.jsonl", "dropped.jsonl", "dedup/clusters.jsonl"} {
					b, err := os.ReadFile(filepath.Join(out, f))
					if err != nil {
						t.Fatal(err)
					}
					if i == 0 {
						want[j] = b
						if f == "dropped.jsonl" && bytes.Count(b, []byte("\n")) < n/20 {
							t.Fatalf("only %d drops", bytes.Count(b, []byte("\n")))
						}
					} else if !bytes.Equal(b, want[j]) {
						t.Errorf("%s differs when held records spill", f)
					}
				}
			}
		})
	}
}

// TestClustersInOrderOfFirstRecord: clusters.jsonl lists clusters by their
// first record, not by when their first duplicate came.
func TestClustersInOrderOfFirstRecord(t *testing.T) {
	a, b := text(words(60)), text(words(120)[60:])
	recs := records{{"text", a}, {"text", b}, {"text", b}, {"text", a}}
	for _, survivor := range []string{"first", "longest"} {
		cfg := exactOnly()
		cfg.Survivor = survivor
		out := filepath.Join(t.TempDir(), "out")
		plan := pipeline.Plan{Source: recs, Stages: []pipeline.Stage{mustNew(t, cfg)}}
		if _, err := pipeline.Run(context.Background(), pipeline.RunOptions{Plan: plan, OutDir: out}); err != nil {
			t.Fatal(err)
		}
		f, err := os.ReadFile(filepath.Join(out, "dedup/clusters.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, line := range bytes.Split(bytes.TrimSpace(f), []byte("\n")) {
			var c ClusterRecord
			if err := json.Unmarshal(line, &c); err != nil {
				t.Fatal(err)
			}
			got = append(got, c.Cluster)
		}
		if len(got) != 2 || got[0] != "r0" || got[1] != "r1" {
			t.Errorf("%s: clusters %v, want [r0 r1]", survivor, got)
		}
	}
}
