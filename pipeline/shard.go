package pipeline

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/tuneprep/tuneprep/pipeline/binenc"
	"github.com/tuneprep/tuneprep/schemas"
)

// A sharded run gives the same bytes as a plain run, however many tasks
// it is cut into.
//
// Its first step, ShardTask, runs once per task: the source reads the
// task's share of the input (a Sharder: contiguous ranges of its files in
// their sorted order), and the plan's leading stages that are Processors
// (normalize to filter in tuneprep's plan) run Process on each record.
// Nothing runs Sequence there. Each record is written to the work
// directory as the last Process left it, with what each Process returned
// (its drop; its Stash, through StashCodec) in the record's Memo. A Process
// drop, or a Stash that StashDrops says Sequence will drop, ends the record's
// way through the task, as it ends it in a plain run.
//
// The merge (MergePlan) is a plain run whose source reads the tasks'
// records in task order, and whose leading stages take what their Process
// returned from Memo instead of running it. Their Sequence, and every
// later stage, run as in a plain run, on the records in the same order with
// the same sequence numbers: counts, reports and outputs are the same.
//
// The one thing a task cannot know is a drop that depends on earlier
// records: a holding stage's (Holder, Replayer: the duplicate filter). For
// such a stage the task also keeps the record as it was when it left that
// stage, which the merge works on until the record is past it; the first
// stage after it then takes the record as the last Process left it,
// keeping the Seq and Cluster set in the merge. Sequence methods of the
// leading stages may set Cluster and nothing else a later Process reads.

// Sharder is a Source that can read a share of its input.
type Sharder interface {
	Source
	// ReadShard reads what Read would, restricted to the i-th of n (from 0)
	// contiguous ranges of the input in Read's order.
	ReadShard(ctx context.Context, env *Env, i, n int, emit func(*schemas.Document) error) error
	// ShardStats returns the statistics of what ReadShard read.
	ShardStats() (json.RawMessage, error)
	// MergeStats makes Stats return the sum of the tasks' ShardStats, in
	// task order.
	MergeStats(parts []json.RawMessage) error
}

// ShardOptions say which task of a sharded run to run.
type ShardOptions struct {
	Plan Plan
	// Work is the work directory that the tasks and the merge share.
	Work string
	// Task is the task's number (from 0) of Tasks.
	Task, Tasks int
	// Fingerprint identifies the run's inputs, configuration and program:
	// a task's files are reused only by a task or merge with the same.
	Fingerprint string
}

// shardManifest is a finished task's record of itself: written last, it
// marks the task done.
type shardManifest struct {
	Fingerprint string          `json:"fingerprint"`
	Task        int             `json:"task"`
	Tasks       int             `json:"tasks"`
	Records     int64           `json:"records"`
	Inputs      schemas.Inputs  `json:"inputs"`
	SourceStats json.RawMessage `json:"source_stats"`
}

func (o ShardOptions) path(ext string) string {
	return filepath.Join(o.Work, fmt.Sprintf("prepare-%05d-of-%05d%s", o.Task, o.Tasks, ext))
}

// ShardDone reports whether the task has finished with the same
// fingerprint, so that a rerun can skip it.
func ShardDone(o ShardOptions) bool {
	m, err := readShardManifest(o)
	return err == nil && m.Fingerprint == o.Fingerprint
}

func readShardManifest(o ShardOptions) (*shardManifest, error) {
	b, err := os.ReadFile(o.path(".json"))
	if err != nil {
		return nil, err
	}
	var m shardManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", o.path(".json"), err)
	}
	return &m, nil
}

// taskStages returns the stages a task runs (Plan.TaskStages) and the
// first of them after the last holding one (where the merge takes the
// record as the task left it; 0 for none).
func taskStages(p Plan) (stages []Stage, swap int, err error) {
	if p.TaskStages < 1 || p.TaskStages > len(p.Stages) {
		return nil, 0, fmt.Errorf("the plan names no stages to run in tasks")
	}
	stages = p.Stages[:p.TaskStages]
	for i, s := range stages {
		if _, ok := s.(Processor); !ok {
			return nil, 0, fmt.Errorf("stage %s cannot run in a task: it is not a Processor", s.Name())
		}
		if holds(s) {
			swap = i + 1
		}
	}
	if swap == len(stages) {
		swap = 0
	}
	return stages, swap, nil
}

func holds(s Stage) bool {
	_, h := s.(Holder)
	_, r := s.(Replayer)
	return h || r
}

// Memo entry kinds.
const (
	memoNone  = iota // Process returned nothing
	memoStash        // a Stash follows
	memoDrop         // Process dropped the record; reason and detail follow
	memoSwap         // the record as the task left it follows, then this stage's entry
)

// ShardTask runs one task of a sharded run's first step (see Sharder). Its
// files appear atomically, the manifest last; a task already done with
// the same fingerprint is not run again.
func ShardTask(ctx context.Context, o ShardOptions) error {
	src, ok := o.Plan.Source.(Sharder)
	if !ok {
		return fmt.Errorf("source %s cannot be sharded", o.Plan.Source.Name())
	}
	if o.Task < 0 || o.Task >= o.Tasks {
		return fmt.Errorf("task %d: want 0 to %d", o.Task, o.Tasks-1)
	}
	if ShardDone(o) {
		return nil
	}
	if err := os.MkdirAll(o.Work, 0o755); err != nil {
		return fmt.Errorf("work directory: %w", err)
	}
	stages, swap, err := taskStages(o.Plan)
	if err != nil {
		return err
	}
	env := &Env{Logger: logger(o.Plan)}
	f, err := createAtomic(o.path(".bin"))
	if err != nil {
		return fmt.Errorf("work directory: %w", err)
	}
	defer f.abort()
	var records int64
	err = prepare(ctx, o.Plan, stages, swap, func(emit func(*schemas.Document) error) error {
		if err := src.ReadShard(ctx, env, o.Task, o.Tasks, emit); err != nil {
			return fmt.Errorf("%s: %w", src.Name(), err)
		}
		return nil
	}, func(_ *schemas.Document, frame []byte) error {
		records++
		_, err := f.Write(frame)
		return err
	})
	if err != nil {
		return err
	}
	if err := f.commit(); err != nil {
		return fmt.Errorf("work directory: %w", err)
	}
	stats, err := src.ShardStats()
	if err != nil {
		return err
	}
	m := shardManifest{Fingerprint: o.Fingerprint, Task: o.Task, Tasks: o.Tasks, Records: records, Inputs: env.inputs, SourceStats: stats}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return writeFileAtomic(o.path(".json"), b)
}

// prepare runs the task stages' Process on the records read gives, on
// the plan's workers, and hands each record's frame (see shardRecord) to
// write in input order, with the record as the stages left it.
func prepare(ctx context.Context, p Plan, stages []Stage, swap int, read func(emit func(*schemas.Document) error) error, write func(d *schemas.Document, frame []byte) error) error {
	workers := p.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// Records go to the workers in batches and come back in order (as in
	// runStage): one slot per batch, read in the order the batches left.
	type job struct {
		docs []*schemas.Document
		out  [][]byte
		slot chan struct{}
	}
	jobs := make(chan *job)
	slots := make(chan *job, 2*workers)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(slots)
		defer close(jobs)
		var docs []*schemas.Document
		send := func() error {
			j := &job{docs: docs, slot: make(chan struct{})}
			docs = nil
			for _, ch := range []chan *job{slots, jobs} {
				select {
				case ch <- j:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			return nil
		}
		if err := read(func(d *schemas.Document) error {
			docs = append(docs, d)
			if len(docs) == 64 {
				return send()
			}
			return nil
		}); err != nil {
			return err
		}
		if len(docs) > 0 {
			return send()
		}
		return nil
	})
	for range workers {
		g.Go(func() error {
			for j := range jobs {
				for _, d := range j.docs {
					rec, err := shardRecord(gctx, stages, swap, d)
					if err != nil {
						return err
					}
					j.out = append(j.out, rec)
				}
				close(j.slot)
			}
			return nil
		})
	}
	g.Go(func() error {
		for j := range slots {
			select {
			case <-j.slot:
			case <-gctx.Done():
				return gctx.Err()
			}
			for k, rec := range j.out {
				if err := write(j.docs[k], rec); err != nil {
					return fmt.Errorf("work directory: %w", err)
				}
			}
		}
		return nil
	})
	return g.Wait()
}

// atomicFile is written under a temporary name and put in place by
// commit, after a flush and an fsync. abort, deferred, removes what a
// failed writer left.
type atomicFile struct {
	f    *os.File
	w    *bufio.Writer
	path string
	done bool
}

func createAtomic(path string) (*atomicFile, error) {
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return nil, err
	}
	return &atomicFile{f: f, w: bufio.NewWriterSize(f, 1<<20), path: path}, nil
}

func (a *atomicFile) Write(p []byte) (int, error) { return a.w.Write(p) }

func (a *atomicFile) commit() error {
	err := a.w.Flush()
	if err == nil {
		err = a.f.Sync()
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(a.f.Name(), a.path)
	}
	a.done = err == nil
	return err
}

func (a *atomicFile) abort() {
	if !a.done {
		a.f.Close()
		os.Remove(a.f.Name())
	}
}

// writeFileAtomic writes b to path as an atomicFile.
func writeFileAtomic(path string, b []byte) error {
	f, err := createAtomic(path)
	if err != nil {
		return fmt.Errorf("work directory: %w", err)
	}
	defer f.abort()
	f.Write(b)
	if err := f.commit(); err != nil {
		return fmt.Errorf("work directory: %w", err)
	}
	return nil
}

// shardRecord runs the task's stages on d and returns its frame: the
// record, then its memo, each with a uvarint length. The record is d as it
// left the holding stage if the task has one and d got past it, else as
// the last Process left it.
func shardRecord(ctx context.Context, stages []Stage, swap int, d *schemas.Document) ([]byte, error) {
	var before, after []byte // memo entries of the stages before swap, and from it
	var kept []byte          // d as it left the holding stage
	for k, s := range stages {
		if !d.Alive() {
			break
		}
		if k == swap && swap > 0 {
			var err error
			if kept, err = appendDoc(nil, d); err != nil {
				return nil, err
			}
		}
		memo := &before
		if kept != nil {
			memo = &after
		}
		drop, err := s.(Processor).Process(ctx, d)
		if err != nil {
			return nil, wrap(s, d, err)
		}
		if drop != nil {
			*memo = binenc.AppendString(binenc.AppendString(append(*memo, memoDrop), drop.Reason), drop.Detail)
			break
		}
		if d.Stash == nil {
			*memo = append(*memo, memoNone)
			continue
		}
		c, ok := s.(StashCodec)
		if !ok {
			return nil, fmt.Errorf("%s keeps per-record data (%T) that it cannot write: it cannot run sharded", s.Name(), d.Stash)
		}
		b, err := c.AppendStash(nil, d.Stash)
		if err != nil {
			return nil, wrap(s, d, err)
		}
		*memo = binenc.AppendBytes(append(*memo, memoStash), b)
		stop := c.StashDrops(d.Stash)
		d.Stash = nil
		if stop {
			break
		}
	}
	if kept == nil {
		var err error
		if kept, err = appendDoc(nil, d); err != nil {
			return nil, err
		}
	} else { // the merge takes d as it ends here when it reaches stage swap
		last, err := appendDoc(nil, d)
		if err != nil {
			return nil, err
		}
		before = append(binenc.AppendBytes(append(before, memoSwap), last), after...)
	}
	return binenc.AppendBytes(binenc.AppendBytes(nil, kept), before), nil
}

// MergePlan returns the plan of a sharded run's merge (see Sharder): o.Plan
// with a source that reads the tasks' records in task order, and leading
// stages that take what their Process returned from each record's Memo.
// o.Task is not used. Run it with Run, as a plain plan.
func MergePlan(o ShardOptions) (Plan, error) {
	src, ok := o.Plan.Source.(Sharder)
	if !ok {
		return Plan{}, fmt.Errorf("source %s cannot be sharded", o.Plan.Source.Name())
	}
	if _, _, err := taskStages(o.Plan); err != nil {
		return Plan{}, err
	}
	p := o.Plan
	p.Source = &mergeSource{Sharder: src, reportsAs: reportsAs{src}, o: o}
	p.restore = p.TaskStages
	return p, nil
}

// mergeSource reads the records of a sharded run's tasks, in task order.
// It reports as the source it wraps.
type mergeSource struct {
	Sharder
	reportsAs
	o ShardOptions
}

// reportsAs makes a source that wraps src report as src does.
type reportsAs struct{ src Source }

func (r reportsAs) Stats() any {
	if rep, ok := r.src.(Reporter); ok {
		return rep.Stats()
	}
	return nil
}

func (r reportsAs) Warnings() []string {
	if w, ok := r.src.(Warner); ok {
		return w.Warnings()
	}
	return nil
}

func (r reportsAs) Gates() []string {
	if g, ok := r.src.(Gater); ok {
		return g.Gates()
	}
	return nil
}

func (r reportsAs) Hint(reason string) string {
	if h, ok := r.src.(Hinter); ok {
		return h.Hint(reason)
	}
	return ""
}

func (m *mergeSource) Read(ctx context.Context, env *Env, emit func(*schemas.Document) error) error {
	parts := make([]json.RawMessage, m.o.Tasks)
	for i := range m.o.Tasks {
		t := m.o
		t.Task = i
		man, err := readShardManifest(t)
		if err != nil {
			return fmt.Errorf("task %d of %d has not finished: %w", i, t.Tasks, err)
		}
		if man.Fingerprint != t.Fingerprint || man.Task != i || man.Tasks != t.Tasks {
			return fmt.Errorf("task %d of %d in %s ran with other inputs, configuration or program: run it again", i, t.Tasks, t.Work)
		}
		for in := range man.Inputs.All() {
			env.AddInput(in)
		}
		parts[i] = man.SourceStats
		f, err := os.Open(t.path(".bin"))
		if err != nil {
			return err
		}
		err = readShard(ctx, f, f.Name(), man.Records, emit)
		f.Close()
		if err != nil {
			return err
		}
	}
	return m.MergeStats(parts)
}

// readShard reads records (see shardRecord) from r, which reads the file
// path, and checks that there are as many as the task wrote.
func readShard(ctx context.Context, r io.Reader, path string, want int64, emit func(*schemas.Document) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	corrupt := func(err error) error { return fmt.Errorf("%s is corrupt: %w", path, err) }
	var n int64
	var buf []byte
	dr := &docReader{}
	for ; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		size, err := binary.ReadUvarint(br)
		if err == io.EOF {
			break
		}
		if err != nil {
			return corrupt(err)
		}
		if buf, err = readN(br, buf, size); err != nil {
			return corrupt(err)
		}
		dr.b, dr.err = buf, nil
		d := dr.doc()
		if dr.err != nil || len(dr.b) != 0 {
			return corrupt(errCorrupt)
		}
		size, err = binary.ReadUvarint(br)
		if err != nil {
			return corrupt(err)
		}
		if size > 0 {
			if d.Memo, err = readN(br, nil, size); err != nil {
				return corrupt(err)
			}
		}
		if err := emit(d); err != nil {
			return err
		}
	}
	if n != want {
		return fmt.Errorf("%s holds %d records, its task wrote %d", path, n, want)
	}
	return nil
}

// readN reads n bytes into buf's storage (or a new slice). The buffer grows
// at most 1 MiB ahead of the bytes read, so that a damaged length (16 GiB
// in five bytes) fails at the end of the data instead of allocating first.
func readN(r io.Reader, buf []byte, n uint64) ([]byte, error) {
	if n > 1<<34 {
		return nil, errCorrupt
	}
	buf = buf[:0]
	for uint64(len(buf)) < n {
		chunk := int(min(n-uint64(len(buf)), 1<<20))
		buf = slices.Grow(buf, chunk)
		k, err := io.ReadFull(r, buf[len(buf):len(buf)+chunk])
		buf = buf[:len(buf)+k]
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return buf, nil
}

// restore gives the record what stage s's Process returned in its shard
// task (see shardRecord), instead of running it: its drop, or its Stash.
func restore(s Stage, d *schemas.Document) (*schemas.Drop, error) {
	r := binenc.NewReader(d.Memo, "shard memo")
	kind := r.Byte()
	if kind == memoSwap {
		dr := &docReader{b: r.Bytes()}
		last := dr.doc()
		if dr.err != nil || len(dr.b) != 0 || r.Err() != nil {
			return nil, errors.New("internal: a shard task's record is corrupt")
		}
		seq, cluster := d.Seq, d.Cluster // set in the merge
		*d = *last
		d.Seq, d.Cluster = seq, cluster
		kind = r.Byte()
	}
	if r.Err() != nil || kind > memoDrop { // no entry left, or a second swap
		return nil, fmt.Errorf("internal: a shard task left no result for %s", s.Name())
	}
	var drop *schemas.Drop
	switch kind {
	case memoStash:
		c, ok := s.(StashCodec)
		b := r.Bytes()
		if !ok || r.Err() != nil {
			return nil, errors.New("internal: a shard task's record is corrupt")
		}
		st, err := c.ReadStash(b)
		if err != nil {
			return nil, err
		}
		d.Stash = st
	case memoDrop:
		drop = &schemas.Drop{Reason: r.String(), Detail: r.String()}
	}
	if r.Err() != nil {
		return nil, errors.New("internal: a shard task's record is corrupt")
	}
	d.Memo = nil
	if rest := r.Rest(); len(rest) > 0 {
		d.Memo = rest
	}
	return drop, nil
}
