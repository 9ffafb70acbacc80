package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/benchcorpus"
	"github.com/tuneprep/tuneprep/stages/ingest"
)

// genCorpus runs `tuneprep bench-corpus --builtin` in-process (no shared
// corpora needed) and returns the corpus directory.
func genCorpus(t *testing.T, dir string, args ...string) string {
	t.Helper()
	code, _, stderr := cli(t, append([]string{"bench-corpus", "--builtin", "--out", dir}, args...)...)
	if code != 0 {
		t.Fatalf("bench-corpus %v: exit %d\n%s", args, code, stderr)
	}
	return dir
}

// readLines decodes every line of a JSONL file into a new T.
func readLines[T any](t *testing.T, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<26)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, v)
	}
	return out
}

func idOf(s benchcorpus.Source) string { return ingest.RecordID(s.Path, s.Line) }

// TestGeneratedCorpusGroundTruth generates a support corpus with the
// default planting rates, runs the pipeline with the config bench-corpus
// writes, and checks the run against the ground truth: every planted
// duplicate removed by dedup in favour of its original (or a copy of it),
// every planted PII value redacted from every output, every planted leak
// that straddles train and validation/test in the leakage report, and
// nothing else removed or reported.
func TestGeneratedCorpusGroundTruth(t *testing.T) {
	tmp := t.TempDir()
	corpus := genCorpus(t, filepath.Join(tmp, "corpus"), "--kind", "support", "--records", "3000", "--seed", "7")
	out := filepath.Join(tmp, "out")
	runOK(t, "--config", filepath.Join(corpus, benchConfigFile), "--out", out)
	m := checkBalance(t, out)

	f, err := os.Open(filepath.Join(corpus, benchcorpus.GroundTruthFile))
	if err != nil {
		t.Fatal(err)
	}
	truth, err := benchcorpus.ReadTruth(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if m.Totals.Read != 3000 || m.Totals.Rejected != 0 {
		t.Fatalf("totals %+v: want 3000 read, none rejected", m.Totals)
	}
	checkDuplicates(t, out, truth)
	checkRedacted(t, out, truth)
	checkLeaks(t, out, truth)
}

// checkDuplicates: dropped.jsonl holds exactly the planted duplicates, each
// dropped by dedup for its kind, naming a kept record of its group.
func checkDuplicates(t *testing.T, out string, truth []benchcorpus.Truth) {
	t.Helper()
	group := map[string]string{} // member id -> the original's id
	planted := map[string]benchcorpus.Truth{}
	for _, tr := range truth {
		if tr.Kind == benchcorpus.KindExact || tr.Kind == benchcorpus.KindNear {
			orig := idOf(*tr.Original)
			group[orig], group[idOf(tr.Source)] = orig, orig
			planted[idOf(tr.Source)] = tr
		}
	}
	type drop struct{ ID, Stage, Reason, Detail string }
	dropped := map[string]drop{}
	for _, d := range readLines[drop](t, filepath.Join(out, "dropped.jsonl")) {
		dropped[d.ID] = d
		if _, ok := planted[d.ID]; !ok {
			t.Errorf("record %s dropped (%s/%s: %s) but not planted as a duplicate", d.ID, d.Stage, d.Reason, d.Detail)
		}
	}
	for id, tr := range planted {
		d, ok := dropped[id]
		if !ok {
			t.Errorf("planted %s %v (of %v, Jaccard %.3f) was not removed", tr.Kind, tr.Source, *tr.Original, tr.Jaccard)
			continue
		}
		kept, _, _ := strings.Cut(strings.TrimPrefix(d.Detail, "of "), ",")
		if d.Stage != "dedup" || d.Reason != tr.Kind || group[kept] != group[id] {
			t.Errorf("planted %s %v: dropped as %s/%s %q, want dedup/%s of %s or a copy of it", tr.Kind, tr.Source, d.Stage, d.Reason, d.Detail, tr.Kind, group[id])
		}
	}
	if len(planted) == 0 {
		t.Fatal("no duplicates planted")
	}
}

// checkRedacted: no planted value appears in any output file (the
// compressed corpus.parquet aside), each has its span in the audit, and the
// redact report counts at least the planted values of each type.
func checkRedacted(t *testing.T, out string, truth []benchcorpus.Truth) {
	t.Helper()
	var outputs []string
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Base(p) != "corpus.parquet" {
			outputs = append(outputs, p)
		}
		return err
	})
	contents := make([][]byte, len(outputs))
	for i, p := range outputs {
		contents[i], _ = os.ReadFile(p)
	}
	var pii []benchcorpus.Truth
	planted := map[string]int64{}
	for _, tr := range truth {
		if tr.Kind != benchcorpus.KindPII {
			continue
		}
		pii = append(pii, tr)
		v := tr.PII
		planted[v.Type]++
		for i, b := range contents {
			if bytes.Contains(b, []byte(v.Value)) {
				rel, _ := filepath.Rel(out, outputs[i])
				t.Errorf("planted %s %q of %v appears in %s", v.Type, v.Value, tr.Source, rel)
			}
		}
	}
	type span struct {
		ID, Field, Type string
		Start, End      int
	}
	spans := map[span]bool{}
	for _, s := range readLines[span](t, filepath.Join(out, "redact", "spans.jsonl")) {
		spans[s] = true
	}
	for _, tr := range pii {
		v := tr.PII
		if !spans[span{idOf(tr.Source), v.Field, v.Type, v.Start, v.End}] {
			t.Errorf("planted %s of %v at %s %d-%d has no span in redact/spans.jsonl", v.Type, tr.Source, v.Field, v.Start, v.End)
		}
	}
	var rep struct {
		Stats struct {
			ByType map[string]int64 `json:"by_type"`
		}
	}
	readReport(t, out, "redact", &rep)
	for typ, n := range planted {
		if rep.Stats.ByType[typ] < n {
			t.Errorf("redact report counts %d %s, %d were planted", rep.Stats.ByType[typ], typ, n)
		}
	}
	if len(planted) != 4 {
		t.Errorf("PII types planted: %v, want all four", planted)
	}
}

// readReport decodes reports/NN-<stage>.json.
func readReport(t *testing.T, out, stage string, v any) {
	t.Helper()
	if err := json.Unmarshal(reportBytes(t, out, stage), v); err != nil {
		t.Fatal(err)
	}
}

// reportBytes returns reports/NN-<stage>.json, whatever the stage's number.
func reportBytes(t *testing.T, out, stage string) []byte {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(out, "reports", "*-"+stage+".json"))
	if len(paths) != 1 {
		t.Fatalf("reports for %s: %v", stage, paths)
	}
	b, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stageSummary returns run.json's summary of the named stage.
func stageSummary(t *testing.T, m schemas.RunManifest, stage string) schemas.StageSummary {
	t.Helper()
	for _, s := range m.Stages {
		if s.Stage == stage {
			return s
		}
	}
	t.Fatalf("no %s stage in run.json", stage)
	return schemas.StageSummary{}
}

// checkLeaks: every planted leak whose two records landed on either side of
// train | validation+test is a leaking pair in the split report, and the
// report lists no other pair.
func checkLeaks(t *testing.T, out string, truth []benchcorpus.Truth) {
	t.Helper()
	split := map[string]string{}
	sidecars, _ := filepath.Glob(filepath.Join(out, "finetune", "*.ids.jsonl"))
	for _, p := range sidecars {
		name := strings.TrimSuffix(filepath.Base(p), ".ids.jsonl")
		for _, r := range readLines[struct{ ID string }](t, p) {
			split[r.ID] = name
		}
	}
	type pair struct{ train, other string }
	straddling := map[pair]benchcorpus.Truth{}
	planted := map[pair]bool{}
	leaks := 0
	for _, tr := range truth {
		if tr.Kind != benchcorpus.KindLeak {
			continue
		}
		leaks++
		l, o := idOf(tr.Source), idOf(*tr.Original)
		if split[l] == "" || split[o] == "" {
			t.Errorf("leak %v or its original %v was not emitted", tr.Source, *tr.Original)
		}
		planted[pair{l, o}], planted[pair{o, l}] = true, true
		eval := func(s string) bool { return s == "validation" || s == "test" }
		switch {
		case split[l] == "train" && eval(split[o]):
			straddling[pair{l, o}] = tr
		case split[o] == "train" && eval(split[l]):
			straddling[pair{o, l}] = tr
		}
	}
	var rep struct {
		Stats struct {
			Leakage struct {
				Pairs int64 `json:"leaking_pairs"`
				Worst []struct {
					Train, Other string
				} `json:"worst"`
			} `json:"leakage"`
		} `json:"stats"`
	}
	readReport(t, out, "split", &rep)
	lk := rep.Stats.Leakage
	reported := map[pair]bool{}
	for _, w := range lk.Worst {
		reported[pair{w.Train, w.Other}] = true
		if !planted[pair{w.Train, w.Other}] {
			t.Errorf("leakage report lists %s / %s, which is not a planted leak", w.Train, w.Other)
		}
	}
	if lk.Pairs < int64(len(straddling)) {
		t.Errorf("leakage report counts %d pairs; %d planted leaks straddle the splits", lk.Pairs, len(straddling))
	}
	if len(straddling) <= len(lk.Worst) || len(lk.Worst) < 20 { // the report lists the 20 worst
		for p, tr := range straddling {
			if !reported[p] {
				t.Errorf("planted leak %v (of %v, prompt containment %.3f, containment %.3f) straddles the splits but is not reported",
					tr.Source, *tr.Original, tr.PromptContainment, tr.Containment)
			}
		}
	}
	if len(straddling) == 0 {
		t.Fatalf("none of the %d planted leaks straddles train and validation/test with this seed: the check checks nothing", leaks)
	}
	t.Logf("%d planted leaks, %d straddle train and validation/test; the report counts %d leaking pairs", leaks, len(straddling), lk.Pairs)
}

// TestBenchCorpusDeterministic: the same flags give byte-identical corpora
// (and configs); another seed gives other files.
func TestBenchCorpusDeterministic(t *testing.T) {
	tmp := t.TempDir()
	args := []string{"--kind", "mixed", "--records", "600", "--shard-records", "100"}
	a := genCorpus(t, filepath.Join(tmp, "a"), append(args, "--seed", "3")...)
	b := genCorpus(t, filepath.Join(tmp, "b"), append(args, "--seed", "3")...)
	c := genCorpus(t, filepath.Join(tmp, "c"), append(args, "--seed", "4")...)
	fa, fb, fc := readFiles(t, a), readFiles(t, b), readFiles(t, c)
	if len(fa) != len(fb) || len(fa) < 300 {
		t.Fatalf("%d files, then %d", len(fa), len(fb))
	}
	differ := 0
	for p, x := range fa {
		if !bytes.Equal(x, fb[p]) {
			t.Errorf("%s differs between two runs with the same flags", p)
		}
		if !bytes.Equal(x, fc[p]) {
			differ++
		}
	}
	if differ < len(fa)/2 {
		t.Errorf("seed 4 changed only %d of %d files", differ, len(fa))
	}
}

func readFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[rel], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestBenchCommand runs `tuneprep bench` end to end on two tiny corpora:
// the test binary stands in for tuneprep as the child (see TestMain).
func TestBenchCommand(t *testing.T) {
	t.Setenv("TUNEPREP_TEST_MAIN", "1")
	list, sizes := "200,400", []int64{200, 400}
	if testing.Short() {
		list, sizes = "200", sizes[:1]
	}
	code, stdout, stderr := cli(t, "bench", "--kind", "mixed", "--records", list, "--builtin", "--workers", "1", "--json", "--tmpdir", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var res []benchResult
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if len(res) != len(sizes) {
		t.Fatalf("results %+v, want %d", res, len(sizes))
	}
	for i, r := range res {
		if r.Records != sizes[i] || r.Kind != "mixed" {
			t.Errorf("result %d: %d %s records, want %d mixed", i, r.Records, r.Kind, sizes[i])
		}
		share := 0.0
		for _, s := range r.Stages {
			share += s.Share
		}
		if r.WallSeconds <= 0 || r.MB <= 0 || r.MBPerSecond <= 0 || len(r.Stages) < 10 || share < 0.99 || share > 1.01 || r.Workers != 1 {
			t.Errorf("result %+v: stage shares sum to %.3f", r, share)
		}
		if runtime.GOOS == "linux" && (r.PeakRSSMB == nil || *r.PeakRSSMB <= 1 || r.DiskReadMB == nil) {
			t.Errorf("no peak RSS or disk reads: %+v", r)
		}
		if r.CPUSeconds <= 0 {
			t.Errorf("no CPU time: %+v", r)
		}
		if r.PeakLiveMB <= 0 || r.LiveBytesPerRecord <= 0 || r.StateBytesPerRecord < r.LiveBytesPerRecord {
			t.Errorf("no live heap from the GC trace: %+v", r)
		}
		if r.Emitted+r.Dropped+r.Rejected != r.Records {
			t.Errorf("result %+v does not balance", r)
		}
	}
	if testing.Short() {
		return
	}
	// The GC trace is the parent's to read, not the user's.
	if strings.Contains(stderr, "gc 1 @") {
		t.Errorf("GC trace lines passed on to stderr:\n%s", stderr)
	}
	// The text table: a header and a row per size.
	code, stdout, stderr = cli(t, "bench", "--kind", "contracts", "--records", "150", "--builtin", "--tmpdir", t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "peak RSS MB") || !strings.Contains(lines[0], "CPU s") || !strings.Contains(lines[0], "disk MB") || !strings.Contains(lines[0], "dedup") || !strings.HasPrefix(strings.TrimSpace(lines[1]), "150 ") {
		t.Errorf("table:\n%s", stdout)
	}
}

// TestWarmFiles: every regular file under the folder is read once, in
// nested folders too; a symlink is not followed.
func TestWarmFiles(t *testing.T) {
	dir := t.TempDir()
	want := int64(0)
	for i, rel := range []string{"a.txt", "x/b.jsonl", "x/y/c.txt", "x/y/z/d"} {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		body := strings.Repeat("w", 100_000*i+7)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		want += int64(len(body))
	}
	if err := os.Symlink(filepath.Join(dir, "x"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 3} {
		files, bytes, err := warmFiles(context.Background(), dir, workers)
		if err != nil || files != 4 || bytes != want {
			t.Errorf("workers %d: %d files, %d bytes, %v; want 4, %d", workers, files, bytes, err, want)
		}
	}
	if _, _, err := warmFiles(context.Background(), filepath.Join(dir, "none"), 2); err == nil {
		t.Error("a missing folder: no error")
	}
}

// TestDiskWarning: a run that read more than 1% of its input from disk
// is named; one that read from the page cache, or on a platform that does
// not say, is not.
func TestDiskWarning(t *testing.T) {
	mb := func(v float64) *float64 { return &v }
	for _, c := range []struct {
		disk *float64
		warn bool
	}{{nil, false}, {mb(0), false}, {mb(25), false}, {mb(26), true}, {mb(505), true}} {
		got := diskWarning(benchResult{MB: 2551.4, DiskReadMB: c.disk})
		if (got != "") != c.warn || c.warn && !strings.Contains(got, "from disk") {
			t.Errorf("disk %v: %q", c.disk, got)
		}
	}
}

func TestBenchUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"bench-corpus", "--records", "10"},
		{"bench-corpus", "--out", t.TempDir(), "--kind", "medical"},
		{"bench-corpus", "--out", t.TempDir(), "--builtin", "--corpora", t.TempDir()},
		{"bench-corpus", "--out", t.TempDir(), "--corpora", filepath.Join(t.TempDir(), "none")},
		{"bench-corpus", "--out", t.TempDir(), "--pii-rate", "0.4", "--leak-rate", "0.2"},
		{"bench", "--records", "100,ten"},
		{"bench", "--workers", "-1"},
	} {
		if code, _, stderr := cli(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d\n%s", args, code, exitUsage, stderr)
		}
	}
}

// TestGCTrace: the trace's live heaps are read and the other lines passed
// on, however the writes split them.
func TestGCTrace(t *testing.T) {
	in := "time=x level=INFO msg=\"run started\"\n" +
		"gc 1 @0.012s 1%: 0.01+1.2+0.02 ms clock, 0.02+0.1/0.5/0+0.04 ms cpu, 4->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P\n" +
		"gc 2 @0.5s 2%: 0.01+1.2+0.02 ms clock, 0.02+0.1/0.5/0+0.04 ms cpu, 900->910->612 MB, 920 MB goal, 0 MB stacks, 0 MB globals, 2 P\n" +
		"gc 3 @0.9s 2%: 0.01+1.2+0.02 ms clock, 0.02+0.1/0.5/0+0.04 ms cpu, 700->701->300 MB, 918 MB goal, 0 MB stacks, 0 MB globals, 2 P\n" +
		"last line without a newline"
	var out bytes.Buffer
	g := &gcTrace{w: &out}
	for i := 0; i < len(in); i += 7 {
		g.Write([]byte(in[i:min(i+7, len(in))]))
	}
	g.flush()
	if g.peakLive != 612<<20 {
		t.Errorf("peak live %d MiB, want 612", g.peakLive>>20)
	}
	if want := "time=x level=INFO msg=\"run started\"\nlast line without a newline"; out.String() != want {
		t.Errorf("passed on %q, want %q", out.String(), want)
	}
}
