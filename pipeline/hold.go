package pipeline

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/tuneprep/tuneprep/schemas"
)

// DefaultHoldMemory is the memory a holding stage's records may take before
// the rest spill to disk (see Plan.HoldMemory).
const DefaultHoldMemory = 64 << 20

// spillDir is the directory of spill files inside the run's temporary
// output directory; execute removes it before the output is committed.
const spillDir = ".spill"

// hold keeps a holding stage's batches until the input ends. A nil *hold
// passes batches straight on.
//
// A Holder keeps Documents itself, so its batches stay in memory. A
// Replayer keeps compact keys: its batches stay in memory up to limit
// bytes (estimated by docSize) and every later batch goes to a spill file,
// so memory holds a prefix of the input and the file the rest, both in
// input order.
type hold struct {
	o        *observed
	holder   Holder
	replayer Replayer
	batches  []*batch
	size     int64  // estimated bytes of batches
	limit    int64  // bytes kept in memory before spilling
	dir      string // where spill files go; "" keeps everything in memory
	spill    *spillFile
}

// newHold returns the hold of a stage that holds this run, or nil; the
// stage's report then says what was held (o.held).
func newHold(o *observed, env *Env, limit int64) *hold {
	h := &hold{o: o, limit: limit}
	if r, ok := o.stage.(Replayer); ok && r.Holds() {
		h.replayer = r
		if env != nil && env.out != nil {
			h.dir = filepath.Join(env.out.tmp, spillDir)
		}
	} else if hd, ok := o.stage.(Holder); ok && hd.Holds() {
		h.holder = hd
	} else {
		return nil
	}
	o.held = &schemas.HeldReport{}
	return h
}

func (h *hold) pass(ctx context.Context, out chan<- *batch, b *batch) error {
	if h == nil {
		return send(ctx, out, b)
	}
	if h.spill == nil {
		var n int64
		for _, d := range b.docs {
			n += docSize(d)
		}
		if h.replayer == nil || h.dir == "" || h.size+n <= h.limit {
			h.batches = append(h.batches, b)
			h.size += n
			h.o.held.Records += alive(b)
			h.o.held.MemoryBytes += n
			return nil
		}
		f, err := newSpillFile(h.dir, h.o.stage.Name())
		if err != nil {
			return fmt.Errorf("%s: %w", h.o.stage.Name(), err)
		}
		h.spill = f
	}
	n, err := h.spill.write(b)
	if err != nil {
		return fmt.Errorf("%s: %w", h.o.stage.Name(), err)
	}
	h.o.held.Records += alive(b)
	h.o.held.SpilledRecords += alive(b)
	h.o.held.SpilledBytes += n
	return nil
}

// alive counts the batch's records that are neither dropped nor rejected.
func alive(b *batch) int64 {
	n := int64(0)
	for _, d := range b.docs {
		if d.Alive() {
			n++
		}
	}
	return n
}

// release lets the stage decide, then counts and sends the held batches in
// order: those in memory, then those in the spill file.
func (h *hold) release(ctx context.Context, out chan<- *batch) error {
	if err := ctx.Err(); err != nil || h == nil {
		return err
	}
	if h.holder != nil {
		err := h.holder.Release(ctx, func(d *schemas.Document, why *schemas.Drop) {
			if d.Alive() {
				markDropped(h.o, d, why)
			}
		})
		if err != nil {
			return fmt.Errorf("%s: %w", h.o.stage.Name(), err)
		}
		return h.sendHeld(ctx, out)
	}
	start := time.Now()
	err := h.replayer.Decide(ctx)
	h.o.busy.Add(int64(time.Since(start)))
	if err != nil {
		return fmt.Errorf("%s: %w", h.o.stage.Name(), err)
	}
	if err := h.sendHeld(ctx, out); err != nil {
		return err
	}
	if h.spill == nil {
		return nil
	}
	defer h.close()
	if err := h.spill.rewind(); err != nil {
		return fmt.Errorf("%s: %w", h.o.stage.Name(), err)
	}
	for {
		b, err := h.spill.read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", h.o.stage.Name(), err)
		}
		if err := h.replay(ctx, out, b); err != nil {
			return err
		}
	}
}

// close removes the spill file. It is safe on a nil *hold and twice.
func (h *hold) close() {
	if h != nil && h.spill != nil {
		h.spill.close()
		h.spill = nil
	}
}

// sendHeld replays (for a Replayer), counts and sends the batches in memory.
func (h *hold) sendHeld(ctx context.Context, out chan<- *batch) error {
	for i, b := range h.batches {
		h.batches[i] = nil
		if err := h.replay(ctx, out, b); err != nil {
			return err
		}
	}
	h.batches = nil
	return nil
}

func (h *hold) replay(ctx context.Context, out chan<- *batch, b *batch) error {
	if h.replayer != nil {
		start := time.Now()
		for _, d := range b.docs {
			if !d.Alive() {
				continue
			}
			drop, err := h.replayer.Replay(ctx, d)
			if err != nil {
				return wrap(h.o.stage, d, err)
			}
			markDropped(h.o, d, drop)
		}
		h.o.busy.Add(int64(time.Since(start)))
	}
	h.o.count(b)
	return send(ctx, out, b)
}

// spillFile is a temporary file of encoded batches: each a uvarint length,
// then the number of records and the records (codec.go). The file is
// removed from the directory as soon as it is created where the platform
// allows it, so that nothing is left behind even by a killed run; else on
// close, and with the whole staging directory in any case.
type spillFile struct {
	f    *os.File
	name string
	w    *bufio.Writer
	r    *bufio.Reader
	buf  []byte
	dec  docReader
}

func newSpillFile(dir, stage string) (*spillFile, error) {
	f, name, err := createTemp(dir, stage+"-*.bin")
	if err != nil {
		return nil, fmt.Errorf("spill: %w", err)
	}
	return &spillFile{f: f, name: name, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

// createTemp creates a temporary file in dir and unlinks it where the
// platform allows an open file to be; name is "" then, else the path to
// remove after closing.
func createTemp(dir, pattern string) (f *os.File, name string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", err
	}
	f, err = os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, "", err
	}
	if os.Remove(f.Name()) == nil {
		return f, "", nil
	}
	return f, f.Name(), nil
}

// TempFile creates a temporary file for a stage's own spool (records
// checked once the input ends, say) in the run's staging directory rather
// than the system's temporary directory, which is often in memory (tmpfs)
// and is not where the user pointed the output. Where the platform allows,
// the file is unlinked at once, so nothing outlives the process; else it
// goes with the staging directory when the run ends. The caller closes it,
// by Finish at the latest. An Env that Run did not make (a preview, a
// sampler) has no staging directory: the file goes to the system's
// temporary directory then, unlinked where the platform allows.
func (e *Env) TempFile(pattern string) (*os.File, error) {
	dir := os.TempDir()
	if e.out != nil {
		dir = filepath.Join(e.out.tmp, spillDir)
	} else {
		pattern = "tuneprep-" + pattern
	}
	f, _, err := createTemp(dir, pattern)
	if err != nil {
		return nil, fmt.Errorf("temporary file: %w", err)
	}
	return f, nil
}

// write appends a batch and returns the bytes written.
func (s *spillFile) write(b *batch) (int64, error) {
	p := binary.AppendUvarint(s.buf[:0], uint64(len(b.docs)))
	for _, d := range b.docs {
		var err error
		if p, err = appendDoc(p, d); err != nil {
			return 0, err
		}
	}
	s.buf = p
	var n [binary.MaxVarintLen64]byte
	head := n[:binary.PutUvarint(n[:], uint64(len(p)))]
	if _, err := s.w.Write(head); err != nil {
		return 0, fmt.Errorf("spill: %w", err)
	}
	if _, err := s.w.Write(p); err != nil {
		return 0, fmt.Errorf("spill: %w", err)
	}
	return int64(len(head) + len(p)), nil
}

// rewind ends writing and starts reading from the beginning.
func (s *spillFile) rewind() error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	s.r = bufio.NewReaderSize(s.f, 1<<20)
	return nil
}

// read returns the next batch, or io.EOF after the last.
func (s *spillFile) read() (*batch, error) {
	size, err := binary.ReadUvarint(s.r)
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil || size > 1<<40 {
		return nil, fmt.Errorf("spill: %w", errCorrupt)
	}
	if uint64(cap(s.buf)) < size {
		s.buf = make([]byte, size)
	}
	p := s.buf[:size]
	if _, err := io.ReadFull(s.r, p); err != nil {
		return nil, fmt.Errorf("spill: %w", err)
	}
	s.dec.b, s.dec.err = p, nil
	n := s.dec.uvarint()
	if n > uint64(len(s.dec.b)) { // a record takes more than a byte
		return nil, fmt.Errorf("spill: %w", errCorrupt)
	}
	b := &batch{docs: make([]*schemas.Document, 0, n)}
	for range n {
		b.docs = append(b.docs, s.dec.doc())
	}
	if s.dec.err != nil || len(s.dec.b) != 0 {
		return nil, fmt.Errorf("spill: %w", errCorrupt)
	}
	return b, nil
}

func (s *spillFile) close() {
	s.f.Close()
	if s.name != "" {
		os.Remove(s.name)
	}
}
