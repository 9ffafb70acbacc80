package ingest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"time"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
)

// readFile opens, hashes and parses one file, through one open handle:
// records are cut from the bytes read, and run.json lists those bytes and
// their sha256. A file that vanished since the walk, cannot be opened or
// read, or passes a limit becomes a reject; only downstream errors, a file
// that cannot be hashed to its end and an input directory that is gone stop
// the walk.
//
// A file written while it is read (its size or modification time at the end
// of the read differ from those at open, or more or fewer bytes were read
// than it had at open) may end in a record cut short: that last record
// becomes a reject (changed-while-read); the records before it were read
// whole. Each document is held back until the next one, or the end of the
// file, for that.
func (g *Ingest) readFile(ctx context.Context, env *pipeline.Env, p string, emit func(*schemas.Document) error) error {
	rd, format, codec, whole := readerFor(p)
	if rd == nil {
		g.stats.Skipped["unsupported-format"]++
		env.Logger.Info("unsupported file type skipped", "path", p)
		return nil
	}
	e := &emitter{g: g, path: p, format: format, emit: emit, env: env}
	changed, err := g.read(env, e, rd, codec, whole)
	if err == nil {
		err = e.flush(changed)
	}
	if e.parsed {
		g.stats.RecordsByFmt[format] += e.records
	}
	return unwrapEmit(err)
}

// read opens, parses and hashes e's file; changed says how the file changed
// while it was read ("" when it did not).
func (g *Ingest) read(env *pipeline.Env, e *emitter, rd readFunc, codec string, whole bool) (changed string, err error) {
	p := e.path
	if testHookBeforeOpen != nil {
		testHookBeforeOpen(p)
	}
	f, err := g.open(p)
	if err != nil {
		if gone := g.rootGone(); gone != nil {
			return "", gone
		}
		return "", e.reject(0, "unreadable", err.Error())
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", e.reject(0, "unreadable", err.Error())
	}
	g.stats.Files++
	g.stats.FilesByType[e.format]++
	if st.Size() > g.cfg.MaxFileBytes {
		// Rejected unread: not hashed, and not listed in run.json.
		return "", e.reject(0, "file-too-large", fmt.Sprintf("%d bytes, limit %d (max_file_bytes)", st.Size(), g.cfg.MaxFileBytes))
	}
	if testHookAfterOpen != nil {
		testHookAfterOpen(p)
	}
	h := sha256.New()
	hashed := &countingReader{r: io.TeeReader(f, h)}
	s := &source{limit: g.cfg.MaxFileBytes, recordLimit: g.cfg.MaxRecordBytes, size: st.Size(),
		file: &fileLimiter{r: hashed, limit: g.cfg.MaxFileBytes}}
	if ras, ok := f.(readerAtSeeker); ok && codec == "" {
		s.seeker = ras
		if m, ok := f.(*memFile); ok {
			s.size = m.Size() // the bytes read, which random access sees
		}
	}
	e.src = s
	if err := g.parse(s, e, rd, codec, whole, hashed); err != nil {
		return "", err
	}
	if err := g.hashRest(env, p, f, h, hashed, s); err != nil {
		return "", err
	}
	return changedWhileRead(f, st, hashed.n), nil
}

// parse runs the reader over the file; the error that stops it becomes a
// reject after the records it made. Only downstream errors are returned.
func (g *Ingest) parse(s *source, e *emitter, rd readFunc, codec string, whole bool, hashed *countingReader) error {
	e.parsed = true
	s.r = s.file
	if codec != "" {
		z, release, err := decompress(codec, s.file)
		if err != nil {
			reason, detail := classify(s, err, "corrupt-"+codec)
			return e.reject(0, reason, detail)
		}
		defer release()
		s.inflate = &inflateLimiter{r: z, in: hashed, limit: g.cfg.MaxFileBytes, ratio: g.cfg.MaxCompressionRatio}
		s.r = s.inflate
	}
	err := rd(s, e)
	if err == nil {
		return nil
	}
	var ee emitError
	if errors.As(err, &ee) {
		return err
	}
	line := e.last + 1
	if whole {
		line = 0
	}
	fallback := "unreadable"
	if s.inflate != nil && s.inflate.broken {
		// A compressed stream that fails mid-way is cut short or corrupt;
		// the decoders' errors do not tell the two apart reliably. A
		// reader's error on a whole stream is the content's, as in a
		// plain file.
		fallback = "truncated-" + codec
	}
	reason, detail := classify(s, err, fallback)
	return e.reject(line, reason, detail)
}

// hashRest hashes what the reader did not read (all of a file it read at
// random) and records the input: the bytes read through the file's handle,
// up to max_file_bytes. An error here stops the run: run.json must not list
// a wrong sha256, and the file's records are already on their way, so a
// reject could not take them back. Such errors come from the file system
// (a failing disk, a file cut short while read), not from the data.
func (g *Ingest) hashRest(env *pipeline.Env, p string, f fs.File, h hash.Hash, hashed *countingReader, s *source) error {
	rest := io.Reader(s.file)
	if s.randomRead {
		h.Reset()
		hashed.n = 0
		if _, err := f.(io.Seeker).Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("input %q: hashing: %w", p, err)
		}
		rest = &fileLimiter{r: hashed, limit: g.cfg.MaxFileBytes}
	}
	var se *sizeError
	if _, err := io.Copy(io.Discard, rest); err != nil && !errors.As(err, &se) { // past the limit: the bytes read are hashed
		return fmt.Errorf("input %q: hashing: %w", p, err)
	}
	var sum [sha256.Size]byte
	env.AddInput(schemas.InputFile{Path: p, Bytes: hashed.n, SHA256: [sha256.Size]byte(h.Sum(sum[:0]))})
	g.stats.InputBytes += hashed.n
	return nil
}

// changedWhileRead says how file f, of which read bytes were read, changed
// since st was taken at its opening; "" when it did not seem to.
func changedWhileRead(f fs.File, st fs.FileInfo, read int64) string {
	if read != st.Size() {
		return fmt.Sprintf("%d bytes when opened, %d read", st.Size(), read)
	}
	if _, ok := f.(*memFile); ok {
		return "" // read whole when opened
	}
	now, err := f.Stat()
	if err != nil || now.Size() == st.Size() && now.ModTime().Equal(st.ModTime()) {
		return ""
	}
	return fmt.Sprintf("%d bytes modified %s when opened, %d bytes modified %s after reading",
		st.Size(), st.ModTime().Format(time.RFC3339Nano), now.Size(), now.ModTime().Format(time.RFC3339Nano))
}

func unwrapEmit(err error) error {
	var ee emitError
	if errors.As(err, &ee) {
		return ee.err
	}
	return err
}

// classify names the reason for a file that stopped being readable, and
// its detail; fallback is the reason of an error it does not know.
func classify(s *source, err error, fallback string) (reason, detail string) {
	if se := s.sizeErr(); se != nil { // whatever the reader made of it
		return se.reason, se.detail
	}
	var be binaryError
	var tl tooLargeError
	switch {
	case errors.As(err, &be):
		return "binary-file", err.Error()
	case errors.As(err, &tl):
		return "record-too-large", err.Error()
	}
	return fallback, err.Error()
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
