package split

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"unsafe"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/pipeline/binenc"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/minhash"
	"golang.org/x/sync/errgroup"
)

// LeakStats is the leakage report: training records whose n-grams overlap
// a validation or test record (containment either way) at the threshold,
// on the configured side of each example, boilerplate left out.
type LeakStats struct {
	N         int        `json:"n"`
	Threshold float64    `json:"threshold"`
	Fields    string     `json:"fields"`
	Checked   int64      `json:"train_records_checked"`
	Pairs     int64      `json:"leaking_pairs"`
	Records   int64      `json:"leaking_train_records"`
	Worst     []LeakPair `json:"worst"`
	// Index says what the validation/test index held, what it treated as
	// boilerplate and what the checks cost.
	Index minhash.IndexStats `json:"index"`
}

// LeakPair is one train record and the evaluation record it overlaps.
type LeakPair struct {
	Train       string  `json:"train"`
	Other       string  `json:"other"`
	Split       string  `json:"other_split"`
	Containment float64 `json:"containment"`
}

// leakage indexes the configured side of validation and test records and
// spools that of training records to a temporary file, so that each
// training record is checked against every evaluation record at the end,
// whatever their order. Memory per evaluation record is its ID plus 9
// bytes (5 here, 4 for its size in the index) and its share of the index:
// 4 bytes per n-gram that is not boilerplate, 16-20 per distinct n-gram.
// Nothing per training record.
//
// With a Share the index is offered to a later stage (the few-shot
// exclusion) and sealed at Finish; it is then built even when the report
// is off.
type leakage struct {
	report bool
	thr    float64
	side   minhash.Side
	idx    *minhash.ContainmentIndex
	share  *minhash.Handoff
	other  evalRecords
	spool  *os.File
	w      *bufio.Writer
	buf    []byte // the spooled record being written
	// temp creates the spool: Env.TempFile, in the run's staging directory.
	temp func(pattern string) (*os.File, error)
	st   LeakStats
	// full: st.Worst held maxWorst pairs at the last trim, the first
	// maxWorst in order (see count).
	full bool
}

// evalRecords are the IDs and splits of the indexed records, by index id,
// in one byte slice: 5 bytes per record plus its ID.
type evalRecords struct {
	ids   []byte
	ends  []uint32 // ids[ends[i-1]:ends[i]] is record i's ID
	tests []bool   // record i is in test (else validation)
}

func (e *evalRecords) add(id, split string) uint32 {
	e.ids = append(e.ids, id...)
	e.ends = append(e.ends, uint32(len(e.ids)))
	e.tests = append(e.tests, split == Test)
	return uint32(len(e.ends) - 1)
}

func (e *evalRecords) id(i uint32) string { return string(e.idBytes(i)) }

// idBytes is record i's ID in place.
func (e *evalRecords) idBytes(i uint32) []byte {
	start := uint32(0)
	if i > 0 {
		start = e.ends[i-1]
	}
	return e.ids[start:e.ends[i]]
}

func (e *evalRecords) split(i uint32) string {
	if e.tests[i] {
		return Test
	}
	return Validation
}

// newLeakage returns nil when neither the report nor a later stage needs
// the index.
func newLeakage(cfg LeakageConfig) (*leakage, error) {
	if !cfg.Enabled && cfg.Share == nil {
		return nil, nil
	}
	n := cfg.N
	if n <= 0 {
		n = 5
	}
	if cfg.Enabled && (cfg.Threshold <= 0 || cfg.Threshold > 1) {
		return nil, fmt.Errorf("threshold: %v is not in (0, 1]", cfg.Threshold)
	}
	side, err := minhash.ParseSide(cfg.Fields)
	if err != nil {
		return nil, fmt.Errorf("fields: %w", err)
	}
	idx, err := newIndex(n, cfg.Boilerplate)
	if err != nil {
		return nil, fmt.Errorf("boilerplate: %w", err)
	}
	if cfg.Share != nil {
		if err := cfg.Share.Offer(idx, side); err != nil {
			return nil, err
		}
	}
	return &leakage{report: cfg.Enabled, thr: cfg.Threshold, side: side, idx: idx, share: cfg.Share,
		st: LeakStats{N: n, Threshold: cfg.Threshold, Fields: string(side), Worst: []LeakPair{}}}, nil
}

// newIndex is a containment index of word n-grams with the boilerplate
// bound maxRefs (0: the default).
func newIndex(n, maxRefs int) (*minhash.ContainmentIndex, error) {
	idx, err := minhash.NewContainmentIndex(n, wordNgrams(n))
	if err != nil {
		return nil, err
	}
	if maxRefs != 0 {
		if err := idx.SetMaxRefs(maxRefs); err != nil {
			return nil, fmt.Errorf("%d must be at least 1", maxRefs)
		}
	}
	return idx, nil
}

// spooled is a training record waiting for the check: its ID and the side
// of its example that is compared. In the spool each is a uvarint length
// and its bytes (JSON cost a fifth of the check's time to decode).
type spooled struct {
	ID, Text string
}

func (r spooled) append(dst []byte) []byte {
	return binenc.AppendString(binenc.AppendString(dst, r.ID), r.Text)
}

// maxSpooled bounds a spooled string, so that a damaged spool cannot ask
// for an absurd buffer.
const maxSpooled = 256 << 20

// readSpooled reads the next record of a spool; io.EOF at a record's start
// is the end.
func readSpooled(br *bufio.Reader) (spooled, error) {
	id, err := readSpooledString(br)
	if err != nil {
		return spooled{}, err
	}
	text, err := readSpooledString(br)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return spooled{id, text}, err
}

func readSpooledString(br *bufio.Reader) (string, error) {
	n, err := binary.ReadUvarint(br)
	if err != nil {
		return "", err
	}
	if n > maxSpooled {
		return "", fmt.Errorf("a spooled string of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(br, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	return unsafe.String(unsafe.SliceData(b), len(b)), nil // b is not used again
}

func (l *leakage) add(d *schemas.Document) error {
	if d.Split == Validation || d.Split == Test {
		_, err := l.idx.Add(l.other.add(d.ID, d.Split), l.side.Text(d.Example, d.Text))
		return err
	}
	if d.Split != Train || !l.report {
		return nil // the bank is neither trained on nor evaluated
	}
	if l.spool == nil {
		temp := l.temp
		if temp == nil {
			temp = (&pipeline.Env{}).TempFile // outside a run: the system's
		}
		f, err := temp("leakage-*.jsonl")
		if err != nil {
			return fmt.Errorf("leakage spool: %w", err)
		}
		l.spool, l.w = f, bufio.NewWriterSize(f, 1<<20)
	}
	l.buf = spooled{d.ID, l.side.Text(d.Example, d.Text)}.append(l.buf[:0])
	l.w.Write(l.buf) // a write error stays in l.w until finish flushes it
	return nil
}

// finish seals the index for a later stage and checks the spooled
// training records against it.
func (l *leakage) finish() error {
	if l.share != nil {
		l.share.Seal()
	}
	defer func() { l.st.Index = l.idx.Stats() }() // before a later stage queries too
	if l.spool == nil {
		return nil
	}
	defer l.spool.Close()
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("leakage spool: %w", err)
	}
	if _, err := l.spool.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return l.check(l.spool, runtime.GOMAXPROCS(0))
}

// checkBatch is a run of spooled training records and, once a worker has
// queried them, their matches.
type checkBatch struct {
	recs    []spooled // a worker drops each text once it has queried it
	matches [][]minhash.Match
	done    chan struct{}
}

// check queries every spooled training record against the index, on
// workers goroutines, and counts the results in spool order: the report
// does not depend on the number of workers.
func (l *leakage) check(r io.Reader, workers int) error {
	const batchRecords = 512
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	jobs := make(chan *checkBatch, workers)
	order := make(chan *checkBatch, 2*workers)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { // read: batches to the workers, in order to the counter
		defer close(jobs)
		defer close(order)
		br := bufio.NewReaderSize(r, 1<<20)
		b := &checkBatch{done: make(chan struct{})}
		send := func() error {
			for _, ch := range []chan *checkBatch{order, jobs} {
				select {
				case ch <- b:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			b = &checkBatch{done: make(chan struct{})}
			return nil
		}
		for {
			rec, err := readSpooled(br)
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("leakage spool: %w", err)
			}
			b.recs = append(b.recs, rec)
			if len(b.recs) == batchRecords {
				if err := send(); err != nil {
					return err
				}
			}
		}
		if len(b.recs) > 0 {
			return send()
		}
		return nil
	})
	for range workers {
		g.Go(func() error {
			for b := range jobs {
				for k := range b.recs {
					b.matches = append(b.matches, l.idx.QueryEither(b.recs[k].Text, l.thr))
					b.recs[k].Text = ""
				}
				close(b.done)
			}
			return nil
		})
	}
	g.Go(func() error { // count, in spool order
		for b := range order {
			select {
			case <-b.done:
			case <-gctx.Done():
				return gctx.Err()
			}
			for k, ms := range b.matches {
				l.count(b.recs[k].ID, ms)
			}
		}
		return nil
	})
	err := g.Wait()
	l.trim()
	return err
}

// count adds one training record's matches to the report. Once the report
// holds its 20 worst pairs, a pair that would not displace the 20th is
// only counted: at 2M tickets, millions of pairs each made a string and
// took part in a sort (3.4% of the run's CPU, at its end).
func (l *leakage) count(id string, ms []minhash.Match) {
	l.st.Checked++
	if len(ms) > 0 {
		l.st.Records++
	}
	for _, m := range ms {
		c := max(m.Containment, m.RefContainment)
		c = float64(int(c*1000+0.5)) / 1000
		l.st.Pairs++
		if l.full && !l.beatsWorst(c, id, m.ID) {
			continue
		}
		l.st.Worst = append(l.st.Worst, LeakPair{Train: id, Other: l.other.id(m.ID), Split: l.other.split(m.ID), Containment: c})
	}
	if len(l.st.Worst) > 200 {
		l.trim()
	}
}

// beatsWorst reports whether the pair (train, other) at containment c
// comes before the 20th worst pair kept at the last trim, in trim's order.
// The 20 worst of all pairs never include one that does not. The other
// record's ID is read in place, not copied.
func (l *leakage) beatsWorst(c float64, train string, other uint32) bool {
	id := l.other.idBytes(other)
	pair := LeakPair{Train: train, Other: unsafe.String(unsafe.SliceData(id), len(id)), Containment: c}
	return before(pair, l.st.Worst[maxWorst-1])
}

// trim keeps the maxWorst worst pairs, in the order of before.
func (l *leakage) trim() {
	w := l.st.Worst
	sort.Slice(w, func(i, j int) bool { return before(w[i], w[j]) })
	if len(w) >= maxWorst {
		l.st.Worst, l.full = w[:maxWorst], true
	}
}

// before orders the report's worst pairs: highest containment first, then
// by training ID, then by the other record's ID.
func before(a, b LeakPair) bool {
	if a.Containment != b.Containment {
		return a.Containment > b.Containment
	}
	if a.Train != b.Train {
		return a.Train < b.Train
	}
	return a.Other < b.Other
}

// maxWorst is how many pairs the report lists.
const maxWorst = 20
