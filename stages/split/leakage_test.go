package split

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/minhash"
	"github.com/tuneprep/tuneprep/stages/pricing"
)

// runDocs runs the split stage over docs and returns the stage.
func runDocs(t *testing.T, cfg Config, docs []*schemas.Document) *Stage {
	t.Helper()
	st, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	if _, err := pipeline.Run(context.Background(), pipeline.RunOptions{
		Plan: pipeline.Plan{Source: docSource(docs), Stages: []pipeline.Stage{st}, Workers: 2}, OutDir: out}); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestLeakageTemplatedPromptSide: on support tickets where every intent has
// one canned answer, the leakage report compares the questions (the prompt
// side) and lists exactly the 5 planted question copies across train and
// test; comparing everything (fields: all) would flag nearly every
// training record through the shared answers.
func TestLeakageTemplatedPromptSide(t *testing.T) {
	cfg := Defaults()
	cfg.GroupKey = "g"
	docs, planted := plantedTickets(t, cfg)
	st := runDocs(t, cfg, docs).Stats().(Stats)
	lk := st.Leakage
	if lk.Fields != "prompt" || lk.Records != 5 || lk.Pairs != 5 {
		b, _ := json.MarshalIndent(lk, "", "  ")
		t.Fatalf("leakage on the prompt side: want the 5 planted pairs only\n%s", b)
	}
	for _, p := range lk.Worst {
		if planted[p.Train] != p.Other || p.Split != Test || p.Containment < 0.8 {
			t.Errorf("reported %+v: not a planted pair", p)
		}
	}
	if lk.Index.Visited > int64(lk.Index.MaxRefs)*lk.Index.QueryNgrams {
		t.Errorf("work: %d postings visited for %d query n-grams, bound %d per n-gram", lk.Index.Visited, lk.Index.QueryNgrams, lk.Index.MaxRefs)
	}

	cfg.Leakage.Fields = "all"
	all := runDocs(t, cfg, docs).Stats().(Stats).Leakage
	if all.Records < st.Counts[Train]*9/10 || all.Index.Boilerplate == 0 || len(all.Index.Top) == 0 {
		t.Errorf("fields all: %d of %d training records leak, %d boilerplate n-grams; want nearly all, through the canned answers, and the answers' shared phrasing as boilerplate",
			all.Records, st.Counts[Train], all.Index.Boilerplate)
	}
	b, _ := json.Marshal(all.Index)
	t.Logf("fields all: %d pairs, %d records; index %s", all.Pairs, all.Records, b)
}

// TestLeakageShare: with a Share the validation/test index is offered when
// the stage is built and sealed when it finishes, also with the report off;
// it holds the configured side of every validation and test record.
func TestLeakageShare(t *testing.T) {
	for _, enabled := range []bool{true, false} {
		cfg := Defaults()
		cfg.GroupKey = "g"
		cfg.Leakage.Enabled = enabled
		cfg.Leakage.Fields = "completion"
		docs, _ := plantedTickets(t, cfg)
		h := &minhash.Handoff{}
		cfg.Leakage.Share = h
		st, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if side, ok := h.Offered(); !ok || side != minhash.SideCompletion {
			t.Fatalf("report %v: offered %q %v", enabled, side, ok)
		}
		if _, err := h.Index(); err == nil {
			t.Fatal("index complete before the run")
		}
		if _, err := pipeline.Run(context.Background(), pipeline.RunOptions{
			Plan: pipeline.Plan{Source: docSource(docs), Stages: []pipeline.Stage{st}}, OutDir: filepath.Join(t.TempDir(), "out")}); err != nil {
			t.Fatal(err)
		}
		idx, err := h.Index()
		if err != nil {
			t.Fatal(err)
		}
		stats := st.Stats().(Stats)
		if got := idx.Stats().References; got != int(stats.Counts[Validation]+stats.Counts[Test]) {
			t.Errorf("report %v: index of %d records, validation+test %d", enabled, got, stats.Counts[Validation]+stats.Counts[Test])
		}
		// The answers of the intents are in it: a canned answer matches.
		if ms := idx.QueryEither(templatedAnswer(3), 0.9); len(ms) == 0 {
			t.Errorf("report %v: the completion side was not indexed", enabled)
		}
		if (stats.Leakage != nil) != enabled {
			t.Errorf("report %v: leakage stats %+v", enabled, stats.Leakage)
		}
	}
	cfg := Defaults()
	cfg.Leakage.Fields = "answers"
	if _, err := New(cfg); err == nil {
		t.Error("fields: answers accepted")
	}
	cfg = Defaults()
	cfg.DecontaminateSide = "answers"
	cfg.Decontaminate = []string{"x.jsonl"}
	if _, err := New(cfg); err == nil {
		t.Error("decontaminate_side: answers accepted")
	}
}

// TestFineTuneFromTotals: the cost estimate from the count and the capped
// sum equals pricing.FineTune over every length.
func TestFineTuneFromTotals(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, m := range []pricing.Model{{Name: "capped", TrainLimit: 1000, Train: 3}, {Name: "open", Train: 25}, {Name: "free"}} {
		for _, n := range []int{0, 1, 7, 9999, 30000} {
			lengths := make([]int, n)
			var billed int64
			for i := range lengths {
				lengths[i] = 1 + r.IntN(1500)
				c := lengths[i]
				if limit, capped := m.Limit(); capped {
					c = min(c, limit)
				}
				billed += int64(c)
			}
			if got, want := pricing.FineTuneTotals(m, n, billed), pricing.FineTune(m, lengths); !reflect.DeepEqual(got, want) {
				t.Errorf("%s, %d examples: %+v, want %+v", m.Name, n, got, want)
			}
		}
	}
}

// BenchmarkLeakageTemplated checks templated support tickets (20 intents,
// one canned answer each) for leakage, at two sizes: the time per record
// should not grow with the data. fields=all compares the answers too, where
// boilerplate keeps the work bounded.
func BenchmarkLeakageTemplated(b *testing.B) {
	for _, fields := range []string{"prompt", "all"} {
		for _, n := range []int{20000, 80000} {
			docs := templatedTickets(n, 20)
			b.Run(fmt.Sprintf("fields=%s/n=%d", fields, n), func(b *testing.B) {
				var st LeakStats
				cpu0, ok := processCPU()
				for b.Loop() {
					l, err := newLeakage(LeakageConfig{Enabled: true, N: 5, Threshold: 0.5, Fields: fields})
					if err != nil {
						b.Fatal(err)
					}
					for i, d := range docs {
						d.Split = [...]string{Train, Train, Train, Train, Validation, Train, Train, Train, Train, Test}[(i/20)%10]
						if err := l.add(d); err != nil {
							b.Fatal(err)
						}
					}
					if err := l.finish(); err != nil {
						b.Fatal(err)
					}
					st = l.st
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/record")
				// Other jobs share the cores: CPU time of this process per record too.
				if cpu1, ok1 := processCPU(); ok && ok1 {
					b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/record")
				}
				b.ReportMetric(float64(st.Index.Visited)/float64(st.Index.Queries), "postings/query")
				b.ReportMetric(float64(st.Pairs), "pairs")
			})
		}
	}
}

// TestLeakageWorkers: the training records are checked on several
// goroutines, and the report is the same at any number of them; a bad
// spool line is an error, not a silent skip.
func TestLeakageWorkers(t *testing.T) {
	cfg := Defaults()
	cfg.GroupKey = "g"
	cfg.Leakage.Fields = "all"
	docs, _ := plantedTickets(t, cfg)
	st := runDocs(t, cfg, docs)
	l := st.leak
	spool := func() io.Reader {
		var b bytes.Buffer
		for _, d := range docs {
			if d.Split == "" {
				d.Split = st.assign(st.groupKey(d))
			}
			if d.Split == Train {
				b.Write(spooled{d.ID, l.side.Text(d.Example, d.Text)}.append(nil))
			}
		}
		return &b
	}
	var want []byte
	for _, workers := range []int{1, 2, 7} {
		l.st.Checked, l.st.Records, l.st.Pairs, l.st.Worst, l.full = 0, 0, 0, nil, false
		if err := l.check(spool(), workers); err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(l.st)
		if l.st.Records == 0 || l.st.Checked == 0 {
			t.Fatalf("%d workers: nothing found: %s", workers, got)
		}
		if want == nil {
			want = got
		} else if !bytes.Equal(got, want) {
			t.Errorf("%d workers: %s\nwant %s", workers, got, want)
		}
	}
	if err := l.check(strings.NewReader("{\"i\":\"x\",\"t\":\"a b c\"}\nnot json\n"), 2); err == nil {
		t.Error("a bad spool line passed")
	}
}

// TestLeakageWorstPairs: the report's 20 worst pairs are those of a sort of
// every pair, with containments that tie at three decimals, pairs that tie
// on the training ID and IDs in no set order, however many pairs pass after
// the list fills.
func TestLeakageWorstPairs(t *testing.T) {
	// Two containments (most pairs tie) and a hundred (the 20th pair's rises).
	for _, levels := range []int{2, 100} {
		t.Run(fmt.Sprint(levels), func(t *testing.T) { testWorstPairs(t, levels) })
	}
}

func testWorstPairs(t *testing.T, levels int) {
	rng := rand.New(rand.NewPCG(3, uint64(levels)))
	l := &leakage{st: LeakStats{Worst: []LeakPair{}}}
	names := rng.Perm(10000)
	for i := range 3000 {
		split := Validation
		if i%3 == 0 {
			split = Test
		}
		l.other.add(fmt.Sprintf("e%04d", names[i]), split)
	}
	// Ten training IDs, each checked about 600 times (IDs are unique in a
	// run, but the order must not depend on it), never matching an item
	// twice, so that pairs tie on containment and training ID and only the
	// other ID orders them.
	unused := make([][]int, 10)
	for k := range unused {
		unused[k] = rng.Perm(3000)
	}
	var all []LeakPair
	for r := range 6000 {
		k := rng.IntN(10)
		train := fmt.Sprintf("t%02d", 9-k)
		n := min(rng.IntN(6), len(unused[k]))
		var ms []minhash.Match
		for _, id := range unused[k][:n] {
			m := minhash.Match{ID: uint32(id), Containment: 1 - float64(rng.IntN(levels))/1000 - rng.Float64()/5000, RefContainment: rng.Float64() / 2}
			ms = append(ms, m)
			c := float64(int(max(m.Containment, m.RefContainment)*1000+0.5)) / 1000
			all = append(all, LeakPair{Train: train, Other: l.other.id(m.ID), Split: l.other.split(m.ID), Containment: c})
		}
		unused[k] = unused[k][n:]
		l.count(train, ms)
		if r == 100 && !l.full {
			t.Fatal("the list never filled")
		}
	}
	l.trim()
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.Containment != b.Containment {
			return a.Containment > b.Containment
		}
		if a.Train != b.Train {
			return a.Train < b.Train
		}
		return a.Other < b.Other
	})
	if l.st.Pairs != int64(len(all)) || !reflect.DeepEqual(l.st.Worst, all[:maxWorst]) {
		t.Errorf("%d pairs, worst:\n%v\nwant %d,\n%v", l.st.Pairs, l.st.Worst, len(all), all[:maxWorst])
	}
}

// TestSpoolRoundTrip reads back what the spool writes, texts with newlines
// and any bytes included, and reports a cut spool as an error, never as a
// shorter one.
func TestSpoolRoundTrip(t *testing.T) {
	recs := []spooled{{"a", "one line"}, {"", ""}, {"id\n2", "two\nlines\x00\xff"}, {"long", strings.Repeat("word ", 40000)}}
	var b []byte
	for _, r := range recs {
		b = r.append(b)
	}
	br := bufio.NewReader(bytes.NewReader(b))
	for i, want := range recs {
		got, err := readSpooled(br)
		if err != nil || got != want {
			t.Fatalf("record %d: %q, %v; want %q", i, got, err, want)
		}
	}
	if _, err := readSpooled(br); err != io.EOF {
		t.Fatalf("after the last record: %v, want io.EOF", err)
	}
	for _, cut := range []int{1, 2, len(b) - 1} {
		l := &leakage{}
		err := l.check(bytes.NewReader(b[:cut]), 2)
		if err == nil {
			t.Errorf("a spool cut at %d of %d bytes was read without an error", cut, len(b))
		}
	}
}
