package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tuneprep/tuneprep/schemas"
)

// Plan is what to run: one source and the stages in order.
type Plan struct {
	Source Source
	Stages []Stage
	// Workers is the number of goroutines per parallel stage; 0 means GOMAXPROCS.
	Workers int
	// BatchSize is the number of records that travel together; 0 means 64.
	// Batching amortises channel operations; order and output do not depend on it.
	BatchSize int
	Logger    *slog.Logger
	// HoldMemory is how many bytes of records a holding stage that keeps
	// compact keys (a Replayer) may keep in memory until the input ends;
	// later records spill to a temporary file in the run's staging
	// directory, removed before the output is committed. It is a budget
	// per holding stage, from an estimate of each record's size. 0 means
	// DefaultHoldMemory; a negative value spills every batch. Output does
	// not depend on it.
	HoldMemory int64
	// Progress, when set, is called about twice a second with the records
	// read so far and those that have passed every stage, and once at the end.
	Progress func(read, done int64)
	// Excerpt, when set, gives the excerpt of a dropped record in its stage
	// report's samples (report.html). It is called once the input has ended,
	// at most schemas.MaxDropSamples times per stage and reason, with the
	// stage that dropped the record and the record as it was then (ID,
	// Source, Fields, Text, Example). What it returns is written to the
	// reports, so it must hold no raw sensitive value: a record dropped
	// before redaction still holds them. Without it samples have no excerpt.
	Excerpt func(stage string, d *schemas.Document) string

	// TaskStages is the number of leading stages whose Process a sharded
	// run runs in its tasks (see Sharder). Each must be a Processor whose
	// Process reads only what the source and the Processes before it wrote,
	// never what a Sequence writes.
	TaskStages int

	// restore is the number of leading stages that take what their Process
	// returned from the records' Memo (see MergePlan).
	restore int
}

// progress counts records for Plan.Progress; shared by the source and the sink.
type progress struct {
	read, done atomic.Int64
}

// report calls fn every interval until ctx ends, then once more.
func (p *progress) report(ctx context.Context, fn func(read, done int64)) {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			fn(p.read.Load(), p.done.Load())
		case <-ctx.Done():
			fn(p.read.Load(), p.done.Load())
			return
		}
	}
}

// batch is the unit that travels between stages. Dropped and rejected records
// travel on with it, so that their outcomes reach the sink in input order.
type batch struct {
	docs []*schemas.Document
}

// observed wraps a stage with its counters. Counters are updated only by the
// goroutine that sees the stage's results in order; busy is shared by workers.
type observed struct {
	stage   Stage
	in, out int64
	bytes   int64
	dropped map[string]int64
	// detail is the first drop's detail per reason (input order), for the
	// report and for the message of a run that emitted nothing.
	detail map[string]string
	busy   atomic.Int64
	// held is set by a holding stage's hold (read after the run).
	held *schemas.HeldReport
	// restore: the stage takes what its Process returned from the record's
	// Memo (the merge of a sharded run; see MergePlan).
	restore bool
	// samples are the first records dropped per reason, for the report.
	samples dropSamples
}

// dropSamples keeps, per reason, the schemas.MaxDropSamples dropped records
// with the smallest sequence numbers: the first in input order whichever
// goroutine dropped them, so the samples do not depend on the workers or on
// what a hold spilled. It is safe for concurrent use; a record it keeps
// holds on to its content (which the drop releases otherwise), so memory is
// bounded by MaxDropSamples records per reason.
type dropSamples struct {
	mu sync.Mutex
	by map[string][]*schemas.Document // reason -> ascending Seq
}

// add offers a record the stage is dropping (Drop set) or the source
// rejected (Reject set), before its content is released.
func (s *dropSamples) add(d *schemas.Document, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.by[reason]
	if len(list) == schemas.MaxDropSamples && list[len(list)-1].Seq < d.Seq {
		return
	}
	keep := &schemas.Document{Seq: d.Seq, ID: d.ID, Source: d.Source, Fields: d.Fields, Text: d.Text,
		Example: d.Example, Label: d.Label, Drop: d.Drop, Reject: d.Reject}
	i := sort.Search(len(list), func(i int) bool { return list[i].Seq > d.Seq })
	list = append(list, nil)
	copy(list[i+1:], list[i:])
	list[i] = keep
	if len(list) > schemas.MaxDropSamples {
		list = list[:schemas.MaxDropSamples]
	}
	if s.by == nil {
		s.by = map[string][]*schemas.Document{}
	}
	s.by[reason] = list
}

// report turns the kept records into the report's samples; excerpt (may be
// nil) gives a dropped record's excerpt. Rejected records have no text.
func (s *dropSamples) report(stage string, excerpt func(string, *schemas.Document) string) map[string][]schemas.DropSample {
	if len(s.by) == 0 {
		return nil
	}
	out := make(map[string][]schemas.DropSample, len(s.by))
	for reason, list := range s.by {
		samples := make([]schemas.DropSample, len(list))
		for i, d := range list {
			ds := schemas.DropSample{ID: d.ID, Source: d.Source}
			switch {
			case d.Reject != nil:
				ds.Detail = d.Reject.Detail
			case d.Drop != nil:
				ds.Detail = d.Drop.Detail
				if excerpt != nil {
					ds.Excerpt = excerpt(stage, d)
				}
			}
			samples[i] = ds
		}
		out[reason] = samples
	}
	return out
}

func (o *observed) count(b *batch) {
	for _, d := range b.docs {
		if d.Reject != nil || (d.Drop != nil && d.Drop.Stage != o.stage.Name()) {
			continue
		}
		o.in++
		o.bytes += int64(d.Bytes)
		if d.Drop != nil {
			o.dropped[d.Drop.Reason]++
			if _, ok := o.detail[d.Drop.Reason]; !ok && d.Drop.Detail != "" {
				if o.detail == nil {
					o.detail = map[string]string{}
				}
				o.detail[d.Drop.Reason] = d.Drop.Detail
			}
		} else {
			o.out++
		}
	}
}

// gates collects the failed quality gates of the plan's stages, after Finish.
func gates(p Plan) []schemas.Gate {
	out := []schemas.Gate{}
	for _, s := range append([]Stage{p.Source}, p.Stages...) {
		if g, ok := s.(Gater); ok {
			for _, m := range g.Gates() {
				out = append(out, schemas.Gate{Stage: s.Name(), Message: m})
			}
		}
	}
	return out
}

// warnings collects the plan's stages' warnings, after Finish.
func warnings(p Plan) []schemas.Gate {
	var out []schemas.Gate
	for _, s := range append([]Stage{p.Source}, p.Stages...) {
		if w, ok := s.(Warner); ok {
			for _, m := range w.Warnings() {
				out = append(out, schemas.Gate{Stage: s.Name(), Message: m})
			}
		}
	}
	return out
}

// execute runs the plan into env and returns the stage reports, the
// outcome totals and what was emitted. Every goroutine belongs to one
// errgroup; the first error or a cancelled ctx stops them all, and execute
// returns only once all of them have. Finish gets ctx itself: the
// errgroup's context is cancelled as soon as the group is done.
func execute(ctx context.Context, p Plan, env *Env) ([]schemas.StageReport, schemas.Totals, *emitted, error) {
	var totals schemas.Totals
	workers := p.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	size := p.BatchSize
	if size <= 0 {
		size = 64
	}
	env.Workers = workers
	if env.Logger == nil {
		env.Logger = p.Logger
	}
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	src := &observed{stage: p.Source, dropped: map[string]int64{}}
	obs := make([]*observed, len(p.Stages))
	for i, s := range p.Stages {
		obs[i] = &observed{stage: s, dropped: map[string]int64{}, restore: i < p.restore}
		if op, ok := s.(Opener); ok {
			if err := op.Open(ctx, env); err != nil {
				return nil, totals, nil, fmt.Errorf("%s: %w", s.Name(), err)
			}
		}
	}
	if op, ok := p.Source.(Opener); ok {
		if err := op.Open(ctx, env); err != nil {
			return nil, totals, nil, fmt.Errorf("%s: %w", p.Source.Name(), err)
		}
	}
	// Everything that can fail before the records flow fails before any
	// goroutine starts.
	sink, err := newSink(env)
	if err != nil {
		return nil, totals, nil, err
	}

	prog := &progress{}
	if p.Progress != nil {
		pctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { prog.report(pctx, p.Progress); close(done) }()
		defer func() { stop(); <-done }()
	}
	limit := p.HoldMemory
	if limit == 0 {
		limit = DefaultHoldMemory
	}
	if env.out != nil {
		defer os.RemoveAll(filepath.Join(env.out.tmp, spillDir))
	}
	g, gctx := errgroup.WithContext(ctx)
	// The source's channel; each stage reads one channel and writes the next.
	first := make(chan *batch, 2)
	g.Go(func() error { return runSource(gctx, p.Source, env, src, size, first, &prog.read) })
	ch := first
	for _, o := range obs {
		next := make(chan *batch, 2)
		runStage(gctx, g, o, newHold(o, env, limit), workers, ch, next)
		ch = next
	}
	g.Go(func() error { return sink.drain(gctx, ch, &totals, &prog.done) })
	if err := g.Wait(); err != nil {
		return nil, totals, nil, err
	}
	if err := sink.close(); err != nil {
		return nil, totals, nil, err
	}
	for _, s := range append([]Stage{p.Source}, p.Stages...) {
		if f, ok := s.(Finisher); ok {
			if err := f.Finish(ctx); err != nil {
				return nil, totals, nil, fmt.Errorf("%s: %w", s.Name(), err)
			}
		}
	}
	reports := make([]schemas.StageReport, 0, len(obs)+1)
	for i, o := range append([]*observed{src}, obs...) {
		reports = append(reports, o.report(i+1, p.Excerpt))
	}
	return reports, totals, &sink.emitted, nil
}

// runSource reads the source into batches and counts what it read.
func runSource(ctx context.Context, s Source, env *Env, o *observed, size int, out chan<- *batch, read *atomic.Int64) error {
	defer close(out)
	var seq int64
	b := &batch{docs: make([]*schemas.Document, 0, size)}
	// blocked is the time spent waiting for the next stage to take a
	// batch: not the source's work, so not in its busy time.
	var blocked time.Duration
	send := func() error {
		o.countSource(b)
		read.Add(int64(len(b.docs)))
		wait := time.Now()
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
		blocked += time.Since(wait)
		b = &batch{docs: make([]*schemas.Document, 0, size)}
		return nil
	}
	start := time.Now()
	err := s.Read(ctx, env, func(d *schemas.Document) error {
		d.Seq = seq
		seq++
		b.docs = append(b.docs, d)
		if len(b.docs) == size {
			return send()
		}
		return nil
	})
	o.busy.Add(int64(time.Since(start) - blocked))
	if err != nil {
		return fmt.Errorf("%s: %w", s.Name(), err)
	}
	if len(b.docs) > 0 {
		return send()
	}
	return nil
}

// countSource counts a source batch: every record read is "in"; rejects are
// the source's drops.
func (o *observed) countSource(b *batch) {
	for _, d := range b.docs {
		o.in++
		o.bytes += int64(d.Bytes)
		if d.Reject != nil {
			o.dropped[d.Reject.Reason]++
			o.samples.add(d, d.Reject.Reason)
		} else {
			o.out++
		}
	}
}

func (o *observed) report(index int, excerpt func(string, *schemas.Document) string) schemas.StageReport {
	busy := time.Duration(o.busy.Load()).Seconds()
	r := schemas.StageReport{
		Stage: o.stage.Name(), Index: index, In: o.in, Out: o.out,
		Dropped: o.dropped, FirstDetail: o.detail, BytesIn: o.bytes,
		Timing:  schemas.StageTiming{BusySeconds: round(busy)},
		Held:    o.held,
		Samples: o.samples.report(o.stage.Name(), excerpt),
	}
	if busy > 0 {
		r.Timing.RecordsPerSecond = round(float64(o.in) / busy)
		r.Timing.MBPerSecond = round(float64(o.bytes) / 1e6 / busy)
	}
	if rep, ok := o.stage.(Reporter); ok {
		r.Stats = rep.Stats()
	}
	return r
}

func round(x float64) float64 { return math.Round(x*1e4) / 1e4 }
