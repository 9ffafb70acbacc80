package pipeline

import (
	"context"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tuneprep/tuneprep/schemas"
)

// runStage starts the goroutines of one stage. A Processor runs on workers
// goroutines: the dispatcher hands each batch to a worker and, in the same
// order, its result slot to the collector, which waits for the slots one by
// one, so batches leave in the order they came (the pgzip pattern; no sort,
// and at most 2*workers batches in flight). A Sequencer then sees the records
// in that order on the collector's goroutine. A holding stage's batches
// wait in h until the input ends.
func runStage(ctx context.Context, g *errgroup.Group, o *observed, h *hold, workers int, in <-chan *batch, out chan<- *batch) {
	proc, _ := o.stage.(Processor)
	seqr, _ := o.stage.(Sequencer)
	if proc == nil {
		g.Go(func() error {
			defer close(out)
			defer h.close()
			for b := range in {
				if err := sequence(ctx, seqr, o, b, h == nil); err != nil {
					return err
				}
				if err := h.pass(ctx, out, b); err != nil {
					return err
				}
			}
			return h.release(ctx, out)
		})
		return
	}

	type job struct {
		b    *batch
		slot chan *batch
	}
	jobs := make(chan job)
	slots := make(chan chan *batch, 2*workers)
	g.Go(func() error { // dispatcher
		defer close(slots)
		defer close(jobs)
		for b := range in {
			j := job{b: b, slot: make(chan *batch, 1)}
			select {
			case slots <- j.slot:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	for range workers {
		g.Go(func() error {
			for j := range jobs {
				if err := process(ctx, proc, o, j.b); err != nil {
					return err
				}
				j.slot <- j.b // buffered: never blocks
			}
			return nil
		})
	}
	g.Go(func() error { // collector
		defer close(out)
		defer h.close()
		for slot := range slots {
			var b *batch
			select {
			case b = <-slot:
			case <-ctx.Done():
				return ctx.Err()
			}
			if seqr != nil {
				if err := sequence(ctx, seqr, o, b, h == nil); err != nil {
					return err
				}
			} else {
				o.count(b)
			}
			if err := h.pass(ctx, out, b); err != nil {
				return err
			}
		}
		return h.release(ctx, out)
	})
}

func send(ctx context.Context, out chan<- *batch, b *batch) error {
	select {
	case out <- b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func process(ctx context.Context, p Processor, o *observed, b *batch) error {
	start := time.Now()
	defer func() { o.busy.Add(int64(time.Since(start))) }()
	for _, d := range b.docs {
		if !d.Alive() {
			continue
		}
		var drop *schemas.Drop
		var err error
		if o.restore {
			drop, err = restore(o.stage, d)
		} else {
			drop, err = p.Process(ctx, d)
		}
		if err != nil {
			return wrap(o.stage, d, err)
		}
		markDropped(o, d, drop)
	}
	return nil
}

// sequence runs a Sequencer over a batch in order; count is false while a
// Holder keeps the batch (it is counted on release).
func sequence(ctx context.Context, s Sequencer, o *observed, b *batch, count bool) error {
	start := time.Now()
	for _, d := range b.docs {
		if !d.Alive() {
			continue
		}
		drop, err := s.Sequence(ctx, d)
		if err != nil {
			return wrap(o.stage, d, err)
		}
		d.Stash = nil
		markDropped(o, d, drop)
	}
	o.busy.Add(int64(time.Since(start)))
	if count {
		o.count(b)
	}
	return nil
}

// markDropped records a drop, offers the record to the stage's samples and
// releases its content: only its ID, source and the reason travel on.
func markDropped(o *observed, d *schemas.Document, drop *schemas.Drop) {
	if drop == nil {
		return
	}
	drop.Stage = o.stage.Name()
	d.Drop = drop
	o.samples.add(d, drop.Reason)
	d.Fields, d.Text, d.Example, d.Stash, d.Memo = nil, "", nil, nil, nil
}

func wrap(s Stage, d *schemas.Document, err error) error {
	return &StageError{Stage: s.Name(), Source: d.Source, Err: err}
}

// StageError is an error that stopped the run, with the record it happened on.
type StageError struct {
	Stage  string
	Source schemas.Source
	Err    error
}

func (e *StageError) Error() string {
	return e.Stage + ": " + e.Source.Path + ":" + strconv.Itoa(e.Source.Line) + ": " + e.Err.Error()
}

func (e *StageError) Unwrap() error { return e.Err }
