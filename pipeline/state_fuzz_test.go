package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

// fuzzCodec is a task stage whose Stash is the record's ID, written as its
// bytes; a Stash starting with 0xff does not read.
type fuzzCodec struct{}

func (fuzzCodec) Name() string { return "fuzz-codec" }

func (fuzzCodec) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if strings.HasPrefix(d.ID, "drop") {
		return Dropf("fuzz", d.ID), nil
	}
	d.Stash = d.ID
	return nil, nil
}

func (fuzzCodec) AppendStash(dst []byte, stash any) ([]byte, error) {
	return append(dst, stash.(string)...), nil
}

func (fuzzCodec) ReadStash(b []byte) (any, error) {
	if len(b) > 0 && b[0] == 0xff {
		return nil, errors.New("bad fuzz stash")
	}
	return string(b), nil
}

func (fuzzCodec) StashDrops(any) bool { return false }

// fuzzFrames is a segment of n records as two fuzzCodec stages write them
// in a task, one in three dropped.
func fuzzFrames(tb testing.TB, n int) []byte {
	var seg []byte
	stages := []Stage{fuzzCodec{}, fuzzCodec{}}
	for i := range n {
		id := "r" + string(rune('a'+i))
		if i%3 == 2 {
			id = "drop" + id
		}
		d := &schemas.Document{ID: id, Source: schemas.Source{Path: "a.jsonl", Line: i + 1}, Text: "text of " + id,
			Fields: schemas.Fields{{Name: "text", Value: "text of " + id}}}
		frame, err := shardRecord(context.Background(), stages, 0, d)
		if err != nil {
			tb.Fatal(err)
		}
		seg = append(seg, frame...)
	}
	return seg
}

// readSegment reads a segment as the merge does: each record, then what
// each of up to three stages left in its memo.
func readSegment(r *bytes.Reader, want int64) (n int64, err error) {
	err = readShard(context.Background(), r, "seg", want, func(d *schemas.Document) error {
		n++
		for range 3 {
			if d.Memo == nil {
				break
			}
			if _, err := restore(fuzzCodec{}, d); err != nil {
				break
			}
		}
		return nil
	})
	return n, err
}

// FuzzReadShard: a segment of a shard task or an incremental state, however
// damaged, reads as an error or as exactly the records the task says it
// wrote, with their memos; never a panic.
func FuzzReadShard(f *testing.F) {
	f.Add(fuzzFrames(f, 5), int64(5))
	f.Add(fuzzFrames(f, 1), int64(1))
	f.Add(fuzzFrames(f, 3)[:20], int64(3))
	f.Add([]byte{}, int64(0))
	f.Fuzz(func(t *testing.T, seg []byte, want int64) {
		n, err := readSegment(bytes.NewReader(seg), want)
		if err == nil && n != want {
			t.Fatalf("read %d records without an error, want %d", n, want)
		}
	})
}

// fuzzFiles is a FileSource whose files are read from a state only.
type fuzzFiles struct{}

func (fuzzFiles) Name() string                                                    { return "fuzz-files" }
func (fuzzFiles) Read(context.Context, *Env, func(*schemas.Document) error) error { return nil }
func (fuzzFiles) ReadShard(context.Context, *Env, int, int, func(*schemas.Document) error) error {
	return nil
}
func (fuzzFiles) ShardStats() (json.RawMessage, error)     { return nil, nil }
func (fuzzFiles) MergeStats(parts []json.RawMessage) error { return nil }
func (fuzzFiles) Files(context.Context, *Env) ([]FileStat, json.RawMessage, error) {
	return nil, nil, nil
}
func (fuzzFiles) ReadFile(context.Context, *Env, string, func(*schemas.Document) error) (json.RawMessage, error) {
	return nil, nil
}

// FuzzLoadState: a state directory's index (files.jsonl) and segment,
// however damaged, load as an error or as entries whose records read as an
// error or as exactly the records the entries count; never a panic.
func FuzzLoadState(f *testing.F) {
	seg := fuzzFrames(f, 4)
	index := func(entries ...stateEntry) []byte {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.Encode(stateHeader{Fingerprint: "fp"})
		for _, e := range entries {
			enc.Encode(e)
		}
		return b.Bytes()
	}
	whole := stateEntry{Path: "a.jsonl", Size: 9, ModTime: 1, Segment: "seg-00000000.bin", Length: int64(len(seg)), Records: 4,
		Input: &schemas.InputFile{Path: "a.jsonl"}, Stats: json.RawMessage(`{}`)}
	f.Add(index(whole), seg)
	half := whole
	half.Length, half.Records = int64(len(fuzzFrames(f, 2))), 2
	rest := half
	rest.Path, rest.Offset, rest.Length = "b.jsonl", half.Length, int64(len(seg))-half.Length
	f.Add(index(half, rest), seg)
	f.Add(index(), []byte{})
	f.Add([]byte(`{"fingerprint":"other"}`+"\n"), seg)
	f.Add([]byte(`{"fingerprint":"fp"}`+"\n"+`{"path":"a","segment":"../x","offset":-1,"length":-5,"records":1}`+"\n"), seg)
	f.Fuzz(func(t *testing.T, idx, seg []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, stateIndex), idx, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "seg-00000000.bin"), seg, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := loadState(StateOptions{Dir: dir, Fingerprint: "fp"})
		if err != nil || m == nil {
			return
		}
		var entries []*stateEntry
		want := int64(0)
		for _, e := range m {
			// A segment name is the state's own: one naming another
			// file would read outside the state, which no run writes.
			if e.Segment != "seg-00000000.bin" {
				return
			}
			entries = append(entries, e)
			if e.Records > 0 {
				want += e.Records
			}
		}
		slices.SortFunc(entries, func(a, b *stateEntry) int { return strings.Compare(a.Path, b.Path) })
		src := &stateSource{FileSource: fuzzFiles{}, dir: dir, entries: entries}
		n := int64(0)
		err = src.Read(context.Background(), &Env{}, func(*schemas.Document) error { n++; return nil })
		if err == nil && n != want {
			t.Fatalf("read %d records without an error, the index counts %d", n, want)
		}
	})
}
