package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// snapshot reads every file of an output directory, with the parts that
// legitimately vary between identical runs (timings, the execution block, and
// the hashes of the reports that hold timings) removed.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, _ := os.ReadFile(p)
		if rel == filepath.Join("reports", "report.html") {
			out[rel] = "(lists report sizes, which vary with timings)"
			return nil
		}
		if rel == "run.json" || strings.HasPrefix(rel, "reports"+string(filepath.Separator)) {
			var v map[string]any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatal(err)
			}
			delete(v, "timing")
			delete(v, "execution")
			if outs, ok := v["outputs"].([]any); ok {
				for _, o := range outs {
					if m := o.(map[string]any); strings.HasPrefix(m["path"].(string), "reports/") {
						delete(m, "sha256")
						delete(m, "bytes")
					}
				}
			}
			b, _ = json.MarshalIndent(v, "", " ")
		}
		out[rel] = string(b)
		return nil
	})
	return out
}

func TestDeterministicAcrossWorkers(t *testing.T) {
	in := writeMixedInput(t, 3000)
	var base map[string]string
	out := filepath.Join(t.TempDir(), "out") // one path: it is part of the config in run.json
	for _, w := range []string{"1", "2", "8"} {
		runOK(t, "--in", in, "--out", out, "--workers", w)
		m := checkBalance(t, out)
		dedup := stageSummary(t, m, "dedup")
		if dedup.Dropped["near-duplicate"] == 0 || dedup.Dropped["exact-duplicate"] == 0 {
			t.Fatalf("the input should have exact and near duplicates: %v", dedup.Dropped)
		}
		snap := snapshot(t, out)
		if base == nil {
			base = snap
			continue
		}
		if len(snap) != len(base) {
			t.Fatalf("workers %s: %d files, want %d", w, len(snap), len(base))
		}
		for name, content := range base {
			if snap[name] != content {
				t.Errorf("workers %s: %s differs", w, name)
			}
		}
	}
}

// writeMixedInput writes n support-style records as CSV and JSONL: every
// seventh record repeats an earlier one exactly and every eleventh is a near
// variant (one word changed) of an earlier one, so that every stage has work.
func writeMixedInput(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	phrase := func(k, words int) string {
		var b strings.Builder
		for j := 0; j < words; j++ {
			fmt.Fprintf(&b, " w%d", (k*7919+j*104729)%5003)
		}
		return b.String()
	}
	var c, j bytes.Buffer
	w := csv.NewWriter(&c)
	w.Write([]string{"instruction", "response", "category"})
	for i := 0; i < n; i++ {
		k := i
		if i%7 == 6 {
			k = i - 2 // same parity: the same file, so the same field order
		}
		q := fmt.Sprintf("Question about order %d:%s?", 1000+k, phrase(k, 12))
		a := fmt.Sprintf("Your order %d:%s.\r\n\nThanks!  ", 1000+k, phrase(k+n, 20))
		if i%11 == 10 && i%7 != 6 {
			q = fmt.Sprintf("Question about order %d:%s?", 1000+i-4, phrase(i-4, 12))
			a = fmt.Sprintf("Your order %d:%s changed.\r\n\nThanks!  ", 1000+i-4, phrase(i-4+n, 20))
		}
		if i%2 == 0 {
			w.Write([]string{q, a, fmt.Sprint("cat", k%4)})
		} else {
			line, _ := json.Marshal(map[string]string{"instruction": q, "response": a, "category": fmt.Sprint("cat", k%4)})
			j.Write(append(line, '\n'))
		}
	}
	w.Flush()
	os.WriteFile(filepath.Join(dir, "a.csv"), c.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, "b.jsonl"), j.Bytes(), 0o644)
	return dir
}

func TestBadInput(t *testing.T) {
	in := t.TempDir()
	write := func(name string, b []byte) {
		os.MkdirAll(filepath.Dir(filepath.Join(in, name)), 0o755)
		if err := os.WriteFile(filepath.Join(in, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("lines.jsonl", []byte(`{"prompt":"a","completion":"b"}
{"prompt": "broken"
{"prompt":"c","completion":"d"}
[1,2]

{"prompt":"e","completion":"f"} trailing
{"prompt":"g","completion":"h"}
`))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(zw, "{\"prompt\":\"p%d\",\"completion\":\"c%d\"}\n", i, i)
	}
	zw.Close()
	write("cut.jsonl.gz", gz.Bytes()[:gz.Len()/2])
	write("image.txt", []byte("GIF89a\x00\x01\x02binary"))
	write("latin1.txt", []byte("caf\xe9 au lait"))
	write("utf8.jsonl", []byte("{\"prompt\":\"ok\",\"completion\":\"fine\"}\n{\"prompt\":\"bad \xff\xfe\",\"completion\":\"x\"}\n"))
	write("table.csv", []byte("prompt,completion\nq1,a1\nq2,a2,extra\n\"q3\nmulti-line\",a3\nq4\n"))
	write("photo.jpg", []byte("\xff\xd8\xff"))
	write(".hidden.jsonl", []byte(`{"prompt":"x","completion":"y"}`+"\n"))
	write("notes.md", []byte("# Notes\n\nPlain text for pre-training.\n"))

	out := filepath.Join(t.TempDir(), "out")
	runOK(t, "--in", in, "--out", out)
	m := checkBalance(t, out)

	b, _ := os.ReadFile(filepath.Join(out, "rejects.jsonl"))
	var rejects []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r struct {
			Source struct {
				Path string
				Line int
			}
			Reason string
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		rejects = append(rejects, fmt.Sprintf("%s:%d %s", r.Source.Path, r.Source.Line, r.Reason))
	}
	want := []string{
		"image.txt:0 binary-file",
		"latin1.txt:0 invalid-utf8",
		"lines.jsonl:2 malformed-json",
		"lines.jsonl:4 malformed-json",
		"lines.jsonl:6 malformed-json",
		"table.csv:2 ragged-row",
		"table.csv:4 ragged-row",
		"utf8.jsonl:2 invalid-utf8",
	}
	got := strings.Join(rejects, "\n")
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("missing reject %q in\n%s", w, got)
		}
	}
	if !strings.Contains(got, "cut.jsonl.gz:") || !strings.Contains(got, "truncated-gz") {
		t.Errorf("no truncated-gz reject in\n%s", got)
	}
	// Good records: 4 in lines.jsonl, 1 in utf8.jsonl, 2 in table.csv, the
	// markdown note, and every whole line of the truncated gzip before the cut.
	rep, _ := os.ReadFile(filepath.Join(out, "reports/01-ingest.json"))
	var ing struct {
		Stats struct {
			Skipped map[string]int64 `json:"skipped_files"`
			ByFmt   map[string]int64 `json:"records_by_format"`
		}
	}
	json.Unmarshal(rep, &ing)
	cutRecords := m.Totals.Read - int64(len(rejects)) - 4 - 1 - 2 - 1
	if cutRecords < 500 {
		t.Errorf("only %d records read before the gzip cut", cutRecords)
	}
	if ing.Stats.Skipped["hidden"] != 1 || ing.Stats.Skipped["unsupported-format"] != 1 {
		t.Errorf("skipped files: %v", ing.Stats.Skipped)
	}
	checkBalance(t, out) // outcomes counted from the files
}

func TestRepairInvalidUTF8(t *testing.T) {
	in := t.TempDir()
	os.WriteFile(filepath.Join(in, "latin1.txt"), []byte("caf\xe9 au lait"), 0o644)
	out := filepath.Join(t.TempDir(), "out")
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(cfg, []byte("input:\n  invalid_utf8: repair\nemit:\n  formats: [trl-text]\n"), 0o644)
	runOK(t, "--config", cfg, "--in", in, "--out", out)
	m := checkBalance(t, out)
	if m.Totals.Emitted != 1 {
		t.Fatalf("totals %+v", m.Totals)
	}
	all := snapshot(t, out)
	text := all["finetune/train.jsonl"] + all["finetune/validation.jsonl"] + all["finetune/test.jsonl"]
	if !strings.Contains(text, "caf\uFFFD au lait") {
		t.Errorf("not repaired: %q", text)
	}
}

func TestConfigErrorsAndPrecedence(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("split:\n  train: 0.8\n  validaton: 0.2\n"), 0o644)
	code, _, stderr := cli(t, "run", "--config", bad)
	if code != exitUsage || !strings.Contains(stderr, "line 3") || !strings.Contains(stderr, "validaton") {
		t.Errorf("unknown key: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = cli(t, "run", "--workers", "x")
	if code != exitUsage {
		t.Errorf("bad flag: exit %d %q", code, stderr)
	}
	code, _, _ = cli(t, "frobnicate")
	if code != exitUsage {
		t.Errorf("unknown command: exit %d", code)
	}

	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("output:\n  dir: from-file\nsplit:\n  seed: 7\n"), 0o644)
	env := map[string]string{"TUNEPREP_OUTPUT_DIR": "from-env", "TUNEPREP_SPLIT_SEED": "9"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	o := runOptions{config: good, in: "../../samples/data", set: map[string]bool{"in": true}}
	cfg, _, err := resolveConfig(o, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Output.Dir != "from-env" || cfg.Split.Seed != 9 {
		t.Errorf("env should beat the file: %q %d", cfg.Output.Dir, cfg.Split.Seed)
	}
	o.out, o.set["out"] = "from-flag", true
	cfg, _, _ = resolveConfig(o, lookup)
	if cfg.Output.Dir != "from-flag" {
		t.Errorf("flag should beat env: %q", cfg.Output.Dir)
	}
	env["TUNEPREP_SPLIT_SEED"] = "nine"
	if _, _, err := resolveConfig(o, lookup); err == nil || !strings.Contains(err.Error(), "TUNEPREP_SPLIT_SEED") {
		t.Errorf("bad env value: %v", err)
	}
}

func TestInitWritesLoadableConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tuneprep.yaml")
	if code, _, stderr := cli(t, "init", path); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, _ := cli(t, "init", path); code != exitUsage {
		t.Errorf("init over an existing file: exit %d", code)
	}
	b, _ := os.ReadFile(path)
	if !bytes.Contains(b, []byte("# ")) {
		t.Error("init config has no comments")
	}
	var cfg Config
	if err := loadConfigFile(path, &cfg); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := cli(t, "version"); code != 0 || !strings.HasPrefix(out, "tuneprep ") {
		t.Errorf("version: %d %q", code, out)
	}
}

// TestInterruptLeavesPreviousOutput runs the real binary: SIGINT midway
// exits 130, leaves the previous output byte-identical and removes the
// temporary directory. SIGKILL is TestKillTrials'.
func TestInterruptLeavesPreviousOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a large input")
	}
	in := t.TempDir()
	f, _ := os.Create(filepath.Join(in, "big.jsonl"))
	w := bufio.NewWriter(f)
	for i := 0; i < 400000; i++ {
		fmt.Fprintf(w, "{\"prompt\":\"question number %d with some padding text to make it longer\",\"completion\":\"answer %d with some more padding text\"}\n", i, i)
	}
	w.Flush()
	f.Close()
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	runOK(t, "--in", "../../samples/data", "--out", out, "--config", "../../samples/tuneprep.yaml")
	before := snapshot(t, out)
	rawBefore, _ := os.ReadFile(filepath.Join(out, "run.json"))

	cmd := exec.Command(os.Args[0], "run", "--quiet", "--in", in, "--out", out, "--workers", "2")
	cmd.Env = append(os.Environ(), "TUNEPREP_TEST_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForTemp(t, parent, cmd.Process.Pid)
	time.Sleep(100 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Errorf("SIGINT: exit %d (%v), want 130", code, err)
	}
	if temps, _ := filepath.Glob(filepath.Join(parent, ".out.tmp-*")); len(temps) != 0 {
		t.Errorf("SIGINT left %v", temps)
	}
	after := snapshot(t, out)
	rawAfter, _ := os.ReadFile(filepath.Join(out, "run.json"))
	if !bytes.Equal(rawBefore, rawAfter) || len(after) != len(before) {
		t.Fatal("SIGINT changed the previous output")
	}
	for k, v := range before {
		if after[k] != v {
			t.Fatalf("SIGINT changed %s", k)
		}
	}
	// The next run cleans what the interrupted run left behind.
	runOK(t, "--in", "../../samples/data", "--out", out, "--config", "../../samples/tuneprep.yaml")
	if temps, _ := filepath.Glob(filepath.Join(parent, ".out.tmp-*")); len(temps) != 0 {
		t.Errorf("stale temporaries not cleaned: %v", temps)
	}
}

// waitForTemp waits until the process pid has its temporary output (the
// killed run before it left one too, so the pid matters).
func waitForTemp(t *testing.T, parent string, pid int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if temps, _ := filepath.Glob(filepath.Join(parent, fmt.Sprintf(".out.tmp-%d-*", pid), "dropped.jsonl")); len(temps) > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the run never started writing")
}
