package pipeline

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/tuneprep/tuneprep/schemas"
)

// output is a run's output directory under construction: everything is
// written into a temporary sibling of the final directory, which commit swaps
// into place in one step. A failed or killed run leaves the previous output
// untouched.
type output struct {
	final string
	tmp   string
}

// manifestName marks a directory as a tuneprep output; only such a directory
// is ever replaced.
const manifestName = "run.json"

// openOutput creates the temporary directory beside final, after putting
// back a previous output that a killed commit left aside and removing
// temporaries left by runs that were killed.
func openOutput(final string) (*output, error) {
	abs, err := filepath.Abs(final)
	if err != nil {
		return nil, fmt.Errorf("output %s: %w", final, err)
	}
	parent, base := filepath.Dir(abs), filepath.Base(abs)
	if err := recoverPrevious(parent, base); err != nil {
		return nil, err
	}
	if err := checkReplaceable(abs); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	removeStaleTemps(parent, base)
	tmp, err := os.MkdirTemp(parent, tempPrefix(base)+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("output: %w", err)
	}
	return &output{final: abs, tmp: tmp}, nil
}

// abort removes the temporary directory: the run's output before commit,
// the previous output (if any) after it.
func (o *output) abort() error { return os.RemoveAll(o.tmp) }

// commit puts the finished output in place of the previous one at dest
// (the final directory, or a sibling of it): an atomic exchange where the
// platform has one, else two renames. The previous output, if any, is in
// o.tmp afterwards, for abort to remove. On error dest is as it was.
func (o *output) commit(dest string) error {
	parent := filepath.Dir(dest)
	if dest != o.final {
		if err := checkReplaceable(dest); err != nil {
			return err
		}
	}
	_, err := os.Lstat(dest)
	first := errors.Is(err, fs.ErrNotExist)
	if first {
		err = os.Rename(o.tmp, dest)
	} else {
		err = exchange(o.tmp, dest)
	}
	if err != nil {
		return fmt.Errorf("output: replace %s: %w", dest, err)
	}
	if err := syncDir(parent); err != nil {
		// The swap may not survive a crash: undo it, so that a failed run
		// leaves dest as it was.
		var undo error
		if first {
			undo = os.Rename(dest, o.tmp)
		} else {
			undo = exchange(o.tmp, dest)
		}
		if undo != nil {
			return fmt.Errorf("%w; the new output stays in %s (putting the previous one back: %v)", err, dest, undo)
		}
		return err
	}
	return nil
}

func tempPrefix(base string) string { return "." + base + ".tmp-" }

// oldSuffix marks where exchange keeps the previous output between its two
// renames on platforms without an atomic exchange: <tmp>.old.
const oldSuffix = ".old"

// tempOwner returns the process id in the name of one of our temporaries.
func tempOwner(name, base string) (int, bool) {
	rest, ok := strings.CutPrefix(name, tempPrefix(base))
	if !ok {
		return 0, false
	}
	pidText, _, _ := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(pidText)
	return pid, err == nil
}

// recoverPrevious puts back the previous output when a run was killed in the
// middle of a two-rename exchange (exchange_other.go): the output directory is
// missing and the previous output sits at <tmp>.old of a process that is gone.
// It must run before removeStaleTemps, which would delete it. The exchange
// never happened half-way on Linux, but the check is cheap and runs everywhere.
func recoverPrevious(parent, base string) error {
	final := filepath.Join(parent, base)
	if _, err := os.Lstat(final); !errors.Is(err, fs.ErrNotExist) {
		return nil // present (or unknowable: checkReplaceable reports it)
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		return nil // no parent: nothing to recover
	}
	for _, e := range entries { // sorted by name; one is expected at most
		name := e.Name()
		pid, ok := tempOwner(name, base)
		if !e.IsDir() || !ok || !strings.HasSuffix(name, oldSuffix) || processAlive(pid) {
			continue
		}
		if err := os.Rename(filepath.Join(parent, name), final); err != nil {
			return fmt.Errorf("output: recover the previous output from %s: %w", name, err)
		}
		return syncDir(parent)
	}
	return nil
}

// checkReplaceable refuses to replace a directory that tuneprep did not write.
func checkReplaceable(dir string) error {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output %s: %w", dir, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("output %s exists and is not a directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("output %s: %w", dir, err)
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, manifestName)); err != nil {
		return fmt.Errorf("output %s exists and is not a tuneprep output (no %s): refusing to replace it", dir, manifestName)
	}
	// Replacing it ends with removing it. A directory this process cannot
	// empty (another user's, on a read-only mount) fails the run now, not
	// once the new output is in place and the previous one half removed.
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			if err = writable(p); err != nil {
				err = fmt.Errorf("%s is not writable: %w", p, err)
			}
		}
		if err != nil {
			return fmt.Errorf("output %s cannot be replaced: %w", dir, err)
		}
		return nil
	})
}

// removeStaleTemps deletes temporary directories of runs whose process is gone.
func removeStaleTemps(parent, base string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if pid, ok := tempOwner(name, base); !e.IsDir() || !ok || processAlive(pid) {
			continue
		}
		os.RemoveAll(filepath.Join(parent, name))
	}
}

func processAlive(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("output: sync %s: %w", dir, err)
	}
	return nil
}

// OutFile is a file of the run's output. It hashes what is written and counts
// records (lines), so the manifest needs no second read.
type OutFile struct {
	rel     string
	f       *os.File
	w       *bufio.Writer
	h       hash.Hash
	bytes   int64
	records int64
	counted bool // records set explicitly rather than counted as lines
	closed  bool
	err     error         // of the first Close (the flush)
	synced  chan struct{} // closed once the file is synced and closed; nil until then
	syncErr error         // of the sync and close, once synced is closed
}

// Create opens a new output file at a slash-separated path relative to the
// output root. It is safe for concurrent use. An Env that Run did not make
// has no output directory, and Create returns an error.
func (e *Env) Create(rel string) (*OutFile, error) {
	if e.out == nil {
		return nil, fmt.Errorf("create %s: no output directory (only pipeline.Run gives an Env one)", rel)
	}
	path := filepath.Join(e.out.tmp, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", rel, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", rel, err)
	}
	of := &OutFile{rel: rel, f: f, w: bufio.NewWriterSize(f, 256<<10), h: sha256.New()}
	// Stages may create files while the run is under way (emit does when a
	// kind first appears), concurrently with the sink and other stages.
	e.mu.Lock()
	e.files = append(e.files, of)
	e.mu.Unlock()
	return of, nil
}

// Write writes p; it counts one record per newline unless SetRecords is used.
func (o *OutFile) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	o.h.Write(p[:n])
	o.bytes += int64(n)
	if !o.counted {
		o.records += int64(bytes.Count(p[:n], newline))
	}
	return n, err
}

var newline = []byte{'\n'}

// WriteString writes s like Write.
func (o *OutFile) WriteString(s string) (int, error) { return o.Write([]byte(s)) }

// SetRecords states the number of records for files that are not one record
// per line (a JSON array, Parquet).
func (o *OutFile) SetRecords(n int64) { o.counted, o.records = true, n }

// Path is the file's path relative to the output root.
func (o *OutFile) Path() string { return o.rel }

// Close flushes the file, then syncs and closes it on a goroutine of its
// own: the files a run ends with reach the disk together, not one after
// another (their syncs were a serial tenth of a second at the end of a
// run over 100k contracts). Close returns the flush's error; wait returns
// the sync's too, and Run waits for every file before it commits the
// output, so a file that did not reach the disk fails the run. Close is
// safe to call twice: the second call returns the first one's error.
func (o *OutFile) Close() error {
	if o.closed {
		return o.err
	}
	o.closed = true
	if err := o.w.Flush(); err != nil {
		o.f.Close()
		o.err = fmt.Errorf("write %s: %w", o.rel, err)
		return o.err
	}
	o.synced = make(chan struct{})
	go func() {
		defer close(o.synced)
		if err := syncFile(o.f); err != nil {
			o.f.Close()
			o.syncErr = fmt.Errorf("sync %s: %w", o.rel, err)
			return
		}
		if err := o.f.Close(); err != nil {
			o.syncErr = fmt.Errorf("close %s: %w", o.rel, err)
		}
	}()
	return nil
}

// syncFile syncs a closed output file (a test makes it fail).
var syncFile = (*os.File).Sync

// wait closes the file if Close was not called, waits until it is synced
// and closed, and returns the first error of its flush, sync or close.
func (o *OutFile) wait() error {
	if err := o.Close(); err != nil {
		return err
	}
	<-o.synced
	return o.syncErr
}

func (o *OutFile) entry() schemas.FileEntry {
	n := o.records
	return schemas.FileEntry{Path: o.rel, Bytes: o.bytes, SHA256: hex.EncodeToString(o.h.Sum(nil)), Records: &n}
}

// Previous is the final output directory, which holds the previous run's
// output (if any) until this run commits: a stage may read what it wrote
// last time there. It is "" when the Env has no output directory.
func (e *Env) Previous() string {
	if e.out == nil {
		return ""
	}
	return e.out.final
}

// AddInput records an input file in the manifest. It is safe for concurrent use.
func (e *Env) AddInput(f schemas.InputFile) {
	e.mu.Lock()
	e.inputs.Add(f)
	e.mu.Unlock()
}

func (e *Env) outputs() []schemas.FileEntry {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]schemas.FileEntry, 0, len(e.files))
	for _, f := range e.files {
		out = append(out, f.entry())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// closeAll closes every output file, waits until each is synced and
// closed, and returns the first error.
func (e *Env) closeAll() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, f := range e.files {
		f.Close() // each syncs on its own goroutine meanwhile
	}
	var first error
	for _, f := range e.files {
		if err := f.wait(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
