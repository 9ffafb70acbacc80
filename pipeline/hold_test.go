package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/tuneprep/tuneprep/schemas"
)

// rich is a source of records with every part a Document can have: fields
// (raw, inherited), an example with messages, weights and tool calls,
// redactions, token counts; every 97th record is a reject.
type rich struct{ n int }

func (r rich) Name() string { return "rich" }

func (r rich) Read(_ context.Context, _ *Env, emit func(*schemas.Document) error) error {
	one := 1
	for i := range r.n {
		d := &schemas.Document{ID: fmt.Sprintf("%016x", i*2654435761), Source: schemas.Source{Path: "dir/f" + strconv.Itoa(i/1000) + ".jsonl", Line: i + 1, Item: i % 3},
			Bytes: 100 + i%50, Label: "l" + strconv.Itoa(i%5), Cluster: "c" + strconv.Itoa(i%17), Split: "s" + strconv.Itoa(i%3)}
		if i%97 == 96 {
			d.Reject = &schemas.Reject{Reason: "bad-json", Detail: "line " + strconv.Itoa(i)}
			if err := emit(d); err != nil {
				return err
			}
			continue
		}
		text := strings.Repeat("word"+strconv.Itoa(i%13)+" ", 1+i%40)
		d.Fields = schemas.Fields{{Name: "q", Value: text}, {Name: "meta", Value: `{"k":` + strconv.Itoa(i) + `}`, Raw: true}, {Name: "ctx", Value: "shared", Inherited: i%2 == 0}}
		d.Text = text
		if i%4 != 0 {
			d.Example = &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{
				{Role: "user", Content: text},
				{Role: "assistant", Content: "answer " + strconv.Itoa(i), Weight: &one},
			}}
			if i%10 == 3 {
				d.Example.Messages[1].ToolCalls = json.RawMessage(`[{"id":"c1"}]`)
				d.Example.Tools = json.RawMessage(`[]`)
			}
			d.Tokens = &schemas.TokenCounts{Encoding: "o200k_base", Total: 10 + i%30, Trained: 3}
		}
		if i%6 == 0 {
			d.Redactions = []schemas.TypeCount{{Type: "EMAIL", Count: 1 + i%3}}
		}
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

// longest is a Replayer: of the records with equal Label and text length
// class it keeps the longest (ties: the first), as a survivor rule does. It
// keeps one small entry per record and counts replayed records that are not
// the Documents it saw in Sequence (copies read back from a spill file).
type longest struct {
	seen     map[int64]*schemas.Document // test only: to tell copies
	best     map[string]int64            // group -> seq of the longest so far
	length   map[int64]int
	keep     map[int64]bool // after Decide
	copies   int
	replays  int
	onDecide func() error
	failAt   int64 // Replay fails at this seq (-1: never)
}

func newLongest() *longest {
	return &longest{seen: map[int64]*schemas.Document{}, best: map[string]int64{}, length: map[int64]int{}, failAt: -1}
}

func (l *longest) Name() string { return "longest" }
func (l *longest) Holds() bool  { return true }

func (l *longest) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	d.Stash = len(d.Text) // cleared by the engine after Sequence
	return nil, nil
}

func (l *longest) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if d.Seq%11 == 5 {
		return Dropf("eleven", "at once"), nil // a drop in Sequence travels held too
	}
	l.seen[d.Seq] = d
	n := d.Stash.(int)
	g := d.Label + "/" + strconv.Itoa(n%7)
	l.length[d.Seq] = n
	if b, ok := l.best[g]; !ok || n > l.length[b] {
		l.best[g] = d.Seq
	}
	return nil, nil
}

func (l *longest) Decide(context.Context) error {
	l.keep = map[int64]bool{}
	for _, s := range l.best {
		l.keep[s] = true
	}
	if l.onDecide != nil {
		return l.onDecide()
	}
	return nil
}

func (l *longest) Replay(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	l.replays++
	if l.seen[d.Seq] != d {
		l.copies++
	}
	if d.Stash != nil {
		return nil, fmt.Errorf("replayed record %d has a Stash", d.Seq)
	}
	if d.Seq == l.failAt {
		return nil, errors.New("replay failed")
	}
	if !l.keep[d.Seq] {
		return Dropf("shorter", "than another of "+d.Label), nil
	}
	d.Cluster = "kept-" + d.ID // an annotation made at replay
	return nil, nil
}

// dump writes every record it sees, all of it, to records.jsonl.
type dump struct{ f *OutFile }

func (w *dump) Name() string { return "dump" }

func (w *dump) Open(_ context.Context, env *Env) error {
	var err error
	w.f, err = env.Create("records.jsonl")
	return err
}

func (w *dump) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	_, err = w.f.Write(append(b, '\n'))
	return nil, err
}

// TestSpillKeepsOutput runs a plan with a Replayer over 50k records with
// every batch spilled, some spilled and none spilled: the output files are
// byte-identical, the stage saw copies exactly when batches spilled, and
// no spill file is left in the output.
func TestSpillKeepsOutput(t *testing.T) {
	n := 50000
	if testing.Short() {
		n = 5000
	}
	var want map[string][]byte
	for _, c := range []struct {
		name   string
		limit  int64
		copies string // none, some, all
	}{
		{"never", math.MaxInt64, "none"},
		{"always", -1, "all"},
		{"past 1MB", 1 << 20, "some"},
		{"default", 0, "none"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLongest()
			m, out, err := runPlan(t, Plan{Source: rich{n}, Stages: []Stage{&jitter{name: "a"}, l, &dump{}}, Workers: 3, HoldMemory: c.limit})
			if err != nil {
				t.Fatal(err)
			}
			checkStages(t, m)
			switch {
			case l.replays == 0,
				c.copies == "none" && l.copies != 0,
				c.copies == "all" && l.copies != l.replays,
				c.copies == "some" && (l.copies == 0 || l.copies == l.replays):
				t.Fatalf("%d of %d replayed records were copies, want %s", l.copies, l.replays, c.copies)
			}
			got := readTree(t, out)
			if _, ok := got["records.jsonl"]; !ok {
				t.Fatalf("no records.jsonl in %v", keys(got))
			}
			for name := range got {
				if strings.Contains(name, spillDir) {
					t.Fatalf("%s left in the output", name)
				}
			}
			delete(got, manifestName) // timings
			delete(got, "report.html")
			for name := range got {
				if strings.HasPrefix(name, "reports/") {
					delete(got, name)
				}
			}
			if want == nil {
				want = got
				return
			}
			for name, b := range want {
				if !bytes.Equal(got[name], b) {
					t.Errorf("%s differs from the run without spilling", name)
				}
			}
			if len(got) != len(want) {
				t.Errorf("files %v, want %v", keys(got), keys(want))
			}
		})
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestSpillStaysInStagingDir: while records are spilled, the only spill
// file open is inside the run's temporary output directory (on Linux the
// file is unlinked at once; /proc still names it).
func TestSpillStaysInStagingDir(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc/self/fd")
	}
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	l := newLongest()
	var spills []string
	l.onDecide = func() error {
		fds, _ := os.ReadDir("/proc/self/fd")
		for _, fd := range fds {
			target, _ := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
			if strings.Contains(target, "/"+spillDir+"/") {
				spills = append(spills, target)
			}
		}
		return nil
	}
	_, err := Run(context.Background(), RunOptions{Plan: Plan{Source: rich{2000}, Stages: []Stage{l}, HoldMemory: -1}, OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	prefix := filepath.Join(parent, tempPrefix("out"))
	if len(spills) != 1 || !strings.HasPrefix(spills[0], prefix) {
		t.Fatalf("spill files %q, want one under %s*", spills, prefix)
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 || entries[0].Name() != "out" {
		t.Fatalf("left beside the output: %v", entries)
	}
}

// TestSpillFailureLeavesNothing: a Replay error while reading spilled
// records stops the run; the output is not created and nothing is left.
func TestSpillFailureLeavesNothing(t *testing.T) {
	parent := t.TempDir()
	l := newLongest()
	l.failAt = 1500
	_, err := Run(context.Background(), RunOptions{Plan: Plan{Source: rich{3000}, Stages: []Stage{l}, HoldMemory: 64 << 10}, OutDir: filepath.Join(parent, "out")})
	var se *StageError
	if !errors.As(err, &se) || se.Stage != "longest" || se.Source.Line != 1501 {
		t.Fatalf("error %v, want the stage error at line 1501", err)
	}
	if l.copies == 0 {
		t.Fatal("the failing record was not read back from the spill file")
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 0 {
		t.Fatalf("left behind: %v", entries)
	}
}

// TestCodecCoversEveryField sets every field of a Document (recursively,
// except Stash) to a value of its own and checks the round trip, so a new
// field without a line in codec.go fails here. It also checks that nil and
// empty slices stay apart.
func TestCodecCoversEveryField(t *testing.T) {
	d := &schemas.Document{}
	n := 0
	fill(reflect.ValueOf(d).Elem(), &n)
	d.Stash = nil
	roundTrip(t, d)

	empty := &schemas.Document{Fields: schemas.Fields{}, Redactions: []schemas.TypeCount{},
		Example: &schemas.Example{Messages: []schemas.Message{{ToolCalls: json.RawMessage{}}}, Tools: json.RawMessage{}}}
	roundTrip(t, empty)
	roundTrip(t, &schemas.Document{Seq: -1, Source: schemas.Source{Line: -5}})
}

func roundTrip(t *testing.T, d *schemas.Document) {
	t.Helper()
	b, err := appendDoc(nil, d)
	if err != nil {
		t.Fatal(err)
	}
	r := docReader{b: b}
	got := r.doc()
	if r.err != nil || len(r.b) != 0 {
		t.Fatalf("decode: %v, %d bytes left", r.err, len(r.b))
	}
	if !reflect.DeepEqual(got, d) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, d)
	}
}

// fill gives every settable field a distinct non-zero value.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + strconv.Itoa(*n))
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(*n) * 1000003)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Float64:
		v.SetFloat(float64(*n) + 0.5)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 { // json.RawMessage
			v.SetBytes([]byte(`"raw` + strconv.Itoa(*n) + `"`))
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(v.Index(i), n)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n)
			}
		}
	case reflect.Interface: // Stash: not encoded
	default:
		panic("fill: add a case for " + v.Kind().String())
	}
}

func TestCodecRefusesStash(t *testing.T) {
	if _, err := appendDoc(nil, &schemas.Document{ID: "x", Stash: 1}); err == nil {
		t.Fatal("a record with a Stash was encoded")
	}
}

// FuzzDecodeDoc: a corrupt spill record is an error, never a panic or a
// huge allocation.
func FuzzDecodeDoc(f *testing.F) {
	d := &schemas.Document{}
	n := 0
	fill(reflect.ValueOf(d).Elem(), &n)
	d.Stash = nil
	b, _ := appendDoc(nil, d)
	f.Add(b)
	f.Add([]byte{0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := docReader{b: b}
		r.doc()
	})
}

// tickets is a source of n records of about 425 bytes of text each, like
// support tickets.
type tickets struct{ n int }

func (s tickets) Name() string { return "tickets" }

func (s tickets) Read(_ context.Context, _ *Env, emit func(*schemas.Document) error) error {
	body := strings.Repeat("My order has not arrived and the tracking page shows no update. ", 7)[:410]
	for i := range s.n {
		id := fmt.Sprintf("%016x", uint64(i)*0x9e3779b97f4a7c15)
		text := body + strconv.Itoa(i)
		d := &schemas.Document{ID: id, Source: schemas.Source{Path: "tickets.csv", Line: i + 1}, Text: text, Bytes: len(text),
			Fields: schemas.Fields{{Name: "ticket_id", Value: id}, {Name: "text", Value: text}}}
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

// everyTenth is a Replayer that keeps nothing per record and drops every
// tenth record at Replay; Decide measures the live heap.
type everyTenth struct {
	base, held uint64
}

func (e *everyTenth) Name() string { return "every-tenth" }
func (e *everyTenth) Holds() bool  { return true }

func (e *everyTenth) Sequence(context.Context, *schemas.Document) (*schemas.Drop, error) {
	return nil, nil
}

func (e *everyTenth) Decide(context.Context) error {
	e.held = liveHeap()
	return nil
}

func (e *everyTenth) Replay(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if d.Seq%10 == 0 {
		return Dropf("tenth", ""), nil
	}
	return nil, nil
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkHold runs 200k records of about 425 bytes through a holding
// stage that keeps nothing itself, with every batch in memory, the default
// budget (64 MiB) and every batch spilled: B/record-held is the live heap
// when the input has ended (after GC) per record, ns/record the whole run.
func BenchmarkHold(b *testing.B) {
	const n = 200000
	for _, c := range []struct {
		name  string
		limit int64
	}{{"memory", math.MaxInt64}, {"default", 0}, {"spill", -1}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				e := &everyTenth{base: liveHeap()}
				if _, _, err := runPlan(b, Plan{Source: tickets{n}, Stages: []Stage{e}, HoldMemory: c.limit}); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric((float64(e.held)-float64(e.base))/n, "B/record-held")
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/record")
		})
	}
}

// spooler spools the records it sees to a temporary file from Env.TempFile
// and checks them at Finish.
type spooler struct {
	env *Env
	f   *os.File
	n   int
}

func (s *spooler) Name() string { return "spooler" }

func (s *spooler) Open(_ context.Context, env *Env) error {
	s.env = env
	return nil
}

func (s *spooler) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if s.f == nil {
		f, err := s.env.TempFile("spool-*.txt")
		if err != nil {
			return nil, err
		}
		s.f = f
	}
	_, err := fmt.Fprintln(s.f, d.ID)
	return nil, err
}

func (s *spooler) Finish(context.Context) error {
	defer s.f.Close()
	if _, err := s.f.Seek(0, 0); err != nil {
		return err
	}
	b, err := io.ReadAll(s.f)
	s.n = bytes.Count(b, []byte("\n"))
	return err
}

// TestTempFile: a stage's temporary file lives in the staging directory and
// is gone from the committed output.
func TestTempFile(t *testing.T) {
	s := &spooler{}
	_, out, err := runPlan(t, Plan{Source: &counter{n: 100}, Stages: []Stage{s}})
	if err != nil {
		t.Fatal(err)
	}
	if s.n != 100 {
		t.Fatalf("spooled %d records, want 100", s.n)
	}
	for name := range readTree(t, out) {
		if strings.HasPrefix(name, "spool") || strings.Contains(name, spillDir) {
			t.Fatalf("%s left in the output", name)
		}
	}
	// A caller-made Env (a preview) spools to the system's temporary
	// directory, and leaves nothing there.
	t.Setenv("TMPDIR", t.TempDir())
	f, err := (&Env{}).TempFile("x-*")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("spooled"); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(os.TempDir()); runtime.GOOS != "windows" && len(left) != 0 {
		t.Errorf("%d files left in the temporary directory", len(left))
	}
}

// TestCodecSharesEqualStrings: a text a record holds several times is
// written once and read back as one string.
func TestCodecSharesEqualStrings(t *testing.T) {
	text := strings.Repeat("the same long text ", 10)
	copyOf := strings.Clone(text)
	d := &schemas.Document{ID: "x", Text: text, Fields: schemas.Fields{{Name: "text", Value: copyOf}},
		Example: &schemas.Example{Kind: schemas.KindText, Text: text}}
	b, err := appendDoc(nil, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > len(text)+40 {
		t.Fatalf("%d bytes for a record with one %d-byte text", len(b), len(text))
	}
	r := docReader{b: b}
	got := r.doc()
	if r.err != nil || !reflect.DeepEqual(got, d) {
		t.Fatalf("round trip: %v %+v", r.err, got)
	}
	if unsafe.StringData(got.Text) != unsafe.StringData(got.Fields[0].Value) || unsafe.StringData(got.Text) != unsafe.StringData(got.Example.Text) {
		t.Fatal("equal texts decoded as separate strings")
	}
}
