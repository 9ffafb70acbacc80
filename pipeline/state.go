package pipeline

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tuneprep/tuneprep/schemas"
)

// An incremental run keeps, in a state directory, what the task stages
// computed for each input file (its records with their Process results,
// as a shard task writes them; see Sharder), keyed by the file's path, size
// and modification time. The next run reads only the files that are new or
// changed; the merge then runs over every file's records in input order,
// as the merge of a sharded run does, so the output is byte for byte a full
// run's over the same files: new records are checked for duplicates against
// everything kept, splits depend only on IDs, and the records of a deleted
// or changed file are gone with it.

// FileSource is a Sharder that lists its input files and reads them one at
// a time.
type FileSource interface {
	Sharder
	// Files lists the files Read reads, in its order, with their sizes and
	// modification times, and returns the statistics of the entries it
	// skips (as ShardStats gives them).
	Files(ctx context.Context, env *Env) ([]FileStat, json.RawMessage, error)
	// ReadFile reads one file as Read would and returns the statistics of
	// what it read (as ShardStats gives them).
	ReadFile(ctx context.Context, env *Env, path string, emit func(*schemas.Document) error) (json.RawMessage, error)
}

// FileStat names an input file and its version.
type FileStat struct {
	Path    string
	Size    int64
	ModTime int64 // nanoseconds since the epoch
}

// StateOptions say where an incremental run keeps its state.
type StateOptions struct {
	Plan Plan
	Dir  string
	// Fingerprint identifies the configuration and program: a state made
	// with another is not used.
	Fingerprint string
}

// StateChange says what an incremental run found.
type StateChange struct {
	Reused, Read     int      // files taken from the state, files read
	Removed, Changed []string // files gone since the last run, files changed
	Reset            bool     // the state was made with another configuration or program
}

// stateEntry is one input file in the state's index (files.jsonl).
type stateEntry struct {
	Path    string             `json:"path"`
	Size    int64              `json:"size"`
	ModTime int64              `json:"mtime"`
	Segment string             `json:"segment"`
	Offset  int64              `json:"offset"`
	Length  int64              `json:"length"`
	Records int64              `json:"records"`
	Input   *schemas.InputFile `json:"input,omitempty"`
	Stats   json.RawMessage    `json:"stats"`
}

// stateHeader is the first line of files.jsonl.
type stateHeader struct {
	Fingerprint string `json:"fingerprint"`
}

const stateIndex = "files.jsonl"

// Incremental reads the files of o.Plan's source that the state does not
// hold (new, or changed in size or modification time) through the task
// stages into a new segment of the state, and returns the plan of the
// merge over every file, what changed, and commit, which records the new
// state: call it once the merge's output is in place, so that a failed run
// leaves the state as it was.
func Incremental(ctx context.Context, o StateOptions) (Plan, StateChange, func() error, error) {
	var ch StateChange
	src, ok := o.Plan.Source.(FileSource)
	if !ok {
		return Plan{}, ch, nil, fmt.Errorf("source %s cannot run incrementally", o.Plan.Source.Name())
	}
	stages, swap, err := taskStages(o.Plan)
	if err != nil {
		return Plan{}, ch, nil, err
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return Plan{}, ch, nil, fmt.Errorf("state: %w", err)
	}
	env := &Env{Logger: logger(o.Plan)}
	files, walkStats, err := src.Files(ctx, env)
	if err != nil {
		return Plan{}, ch, nil, fmt.Errorf("%s: %w", src.Name(), err)
	}
	old, err := loadState(o)
	if err != nil {
		return Plan{}, ch, nil, err
	}
	if old == nil {
		ch.Reset = true
		old = map[string]*stateEntry{}
	}
	entries := make([]*stateEntry, len(files))
	var todo []int
	seen := make(map[string]bool, len(files))
	for i, f := range files {
		seen[f.Path] = true
		if e := old[f.Path]; e != nil && e.Size == f.Size && e.ModTime == f.ModTime {
			entries[i] = e
			ch.Reused++
			continue
		} else if e != nil {
			ch.Changed = append(ch.Changed, f.Path)
		}
		todo = append(todo, i)
	}
	for p := range old {
		if !seen[p] {
			ch.Removed = append(ch.Removed, p)
		}
	}
	slices.Sort(ch.Removed)
	ch.Read = len(todo)
	if len(todo) > 0 {
		if err := readNew(ctx, o, src, env, stages, swap, files, todo, entries); err != nil {
			return Plan{}, ch, nil, err
		}
	}
	p := o.Plan
	p.Source = &stateSource{FileSource: src, reportsAs: reportsAs{src}, dir: o.Dir, entries: entries, walk: walkStats}
	p.restore = p.TaskStages
	commit := func() error { return writeState(o, entries) }
	return p, ch, commit, nil
}

// readNew prepares the files files[todo] into a new segment and fills
// their entries.
func readNew(ctx context.Context, o StateOptions, src FileSource, env *Env, stages []Stage, swap int, files []FileStat, todo []int, entries []*stateEntry) error {
	seg := segmentName(o.Dir)
	w, err := createAtomic(filepath.Join(o.Dir, seg))
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	defer w.abort()
	byPath := make(map[string]*stateEntry, len(todo))
	for _, i := range todo {
		e := &stateEntry{Path: files[i].Path, Size: files[i].Size, ModTime: files[i].ModTime, Segment: seg}
		entries[i], byPath[e.Path] = e, e
	}
	var at int64 // bytes written
	var cur *stateEntry
	err = prepare(ctx, o.Plan, stages, swap, func(emit func(*schemas.Document) error) error {
		for _, i := range todo {
			st, err := src.ReadFile(ctx, env, files[i].Path, emit)
			if err != nil {
				return fmt.Errorf("%s: %w", src.Name(), err)
			}
			entries[i].Stats = st
		}
		return nil
	}, func(d *schemas.Document, frame []byte) error {
		if cur == nil || cur.Path != d.Source.Path {
			if cur = byPath[d.Source.Path]; cur == nil {
				return fmt.Errorf("internal: a record of %s, which was not read", d.Source.Path)
			}
			cur.Offset = at
		}
		cur.Length += int64(len(frame))
		cur.Records++
		at += int64(len(frame))
		_, err := w.Write(frame)
		return err
	})
	if err != nil {
		return err
	}
	for in := range env.inputs.All() {
		if e := byPath[in.Path]; e != nil {
			e.Input = &in
		}
	}
	if err := w.commit(); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return nil
}

// segmentName returns the name of a new segment: one past the highest.
func segmentName(dir string) string {
	n := 0
	names, _ := filepath.Glob(filepath.Join(dir, "seg-*.bin"))
	for _, p := range names {
		var k int
		if _, err := fmt.Sscanf(filepath.Base(p), "seg-%08d.bin", &k); err == nil && k >= n {
			n = k + 1
		}
	}
	return fmt.Sprintf("seg-%08d.bin", n)
}

// loadState reads the state's index; nil when there is none or it was
// made with another fingerprint.
func loadState(o StateOptions) (map[string]*stateEntry, error) {
	f, err := os.Open(filepath.Join(o.Dir, stateIndex))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	defer f.Close()
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	var h stateHeader
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("state %s: %w", f.Name(), err)
	}
	if h.Fingerprint != o.Fingerprint {
		return nil, nil
	}
	out := map[string]*stateEntry{}
	for {
		var e stateEntry
		if err := dec.Decode(&e); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("state %s: %w", f.Name(), err)
		}
		out[e.Path] = &e
	}
}

// writeState writes the index of entries atomically and removes the
// segments it no longer names.
func writeState(o StateOptions, entries []*stateEntry) error {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.Encode(stateHeader{Fingerprint: o.Fingerprint})
	used := map[string]bool{}
	for _, e := range entries {
		if err := enc.Encode(e); err != nil {
			return err
		}
		used[e.Segment] = true
	}
	if err := writeFileAtomic(filepath.Join(o.Dir, stateIndex), []byte(b.String())); err != nil {
		return err
	}
	names, _ := filepath.Glob(filepath.Join(o.Dir, "seg-*.bin"))
	for _, p := range names {
		if !used[filepath.Base(p)] {
			os.Remove(p)
		}
	}
	return nil
}

// stateSource reads every file's records from the state, in input order.
type stateSource struct {
	FileSource
	reportsAs
	dir     string
	entries []*stateEntry
	walk    json.RawMessage
}

func (s *stateSource) Read(ctx context.Context, env *Env, emit func(*schemas.Document) error) error {
	parts := []json.RawMessage{s.walk}
	open := map[string]*os.File{}
	defer func() {
		for _, f := range open {
			f.Close()
		}
	}()
	for _, e := range s.entries {
		if e.Input != nil {
			env.AddInput(*e.Input)
		}
		parts = append(parts, e.Stats)
		if e.Records == 0 {
			continue
		}
		f := open[e.Segment]
		if f == nil {
			var err error
			if f, err = os.Open(filepath.Join(s.dir, e.Segment)); err != nil {
				return fmt.Errorf("state: %w", err)
			}
			open[e.Segment] = f
		}
		if err := readShard(ctx, io.NewSectionReader(f, e.Offset, e.Length), f.Name(), e.Records, emit); err != nil {
			return err
		}
	}
	return s.MergeStats(parts)
}
