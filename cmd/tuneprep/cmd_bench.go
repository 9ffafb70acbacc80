package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/tuneprep/tuneprep/stages/benchcorpus"
)

// benchCorpusCommand generates a corpus with planted duplicates, PII and
// leaks, its ground truth, and the config `tuneprep bench` runs on it.
func benchCorpusCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench-corpus", "bench-corpus --out DIR [--kind support|contracts|mixed] [--records N] [--seed S] [flags]", stderr)
	cfg := benchcorpus.Defaults()
	out := fs.String("out", "", "directory to write the corpus to (replaced if it holds a previous corpus)")
	addCorpusFlags(fs, &cfg)
	fs.IntVar(&cfg.Records, "records", cfg.Records, "number of records, planted ones included")
	src := addSourceFlags(fs)
	asJSON := fs.Bool("json", false, "print ground_truth_summary.json instead of a text summary")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("bench-corpus takes no arguments (got %q); use --out", fs.Arg(0))}
	}
	if *out == "" {
		return usageError{"bench-corpus: --out DIR is required"}
	}
	root, err := src.resolve(fs)
	if err != nil {
		return err
	}
	cfg.Corpora = root
	if err := cfg.Validate(); err != nil {
		return usageError{"bench-corpus: " + err.Error()}
	}
	sum, err := generateCorpus(ctx, cfg, *out)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSONLine(stdout, sum)
	}
	printCorpusSummary(stdout, sum, *out, cfg.Corpora)
	return nil
}

// addCorpusFlags adds the generator's flags other than --records.
func addCorpusFlags(fs *flag.FlagSet, cfg *benchcorpus.Config) {
	fs.StringVar(&cfg.Kind, "kind", cfg.Kind, "support (JSONL tickets), contracts (.txt clauses in folders by type) or mixed (half each)")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed: the same flags give byte-identical files")
	fs.Float64Var(&cfg.DupRate, "dup-rate", cfg.DupRate, "share of records that are exact duplicates of an earlier one (another ticket_id or file name)")
	fs.Float64Var(&cfg.NearRate, "near-rate", cfg.NearRate, "share of records that are near-duplicates (a few words changed, word 3-gram Jaccard >= 0.88)")
	fs.Float64Var(&cfg.PIIRate, "pii-rate", cfg.PIIRate, "share of records carrying one PII value (e-mail, US phone, card, SSN in turn)")
	fs.Float64Var(&cfg.LeakRate, "leak-rate", cfg.LeakRate, "share of records that repeat an earlier record's prompt near-verbatim with another answer")
	fs.IntVar(&cfg.ShardRecords, "shard-records", cfg.ShardRecords, "support records per JSONL file")
}

// sourceFlags choose where the corpus text comes from.
type sourceFlags struct {
	builtin bool
	corpora string
}

func addSourceFlags(fs *flag.FlagSet) *sourceFlags {
	s := &sourceFlags{}
	fs.BoolVar(&s.builtin, "builtin", false, "use the built-in vocabulary even when the shared corpora are present")
	fs.StringVar(&s.corpora, "corpora", "", "root of the shared corpora (support/bitext_customer_support.csv, legal/contracts/); default: ../shared/corpora when present")
	return s
}

// resolve returns the corpora root to build from, "" for the built-in
// vocabulary. An explicit --corpora must exist.
func (s *sourceFlags) resolve(fs *flag.FlagSet) (string, error) {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "corpora" })
	switch {
	case s.builtin && set:
		return "", usageError{"--builtin and --corpora exclude each other"}
	case s.builtin:
		return "", nil
	case set:
		if fi, err := os.Stat(s.corpora); err != nil || !fi.IsDir() {
			return "", usageError{fmt.Sprintf("--corpora: %s is not a directory", s.corpora)}
		}
		return s.corpora, nil
	}
	return findCorpora(), nil
}

// findCorpora returns ../shared/corpora beside the module root above the
// working directory (where the workspace keeps the corpora), or beside the
// working directory when no go.mod is above it, if it holds both corpora;
// else "".
func findCorpora() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := dir; ; {
		if fileExists(filepath.Join(d, "go.mod")) {
			dir = d
			break
		}
		up := filepath.Dir(d)
		if up == d {
			break
		}
		d = up
	}
	p := filepath.Join(dir, "..", "shared", "corpora")
	if fileExists(filepath.Join(p, "support", "bitext_customer_support.csv")) && fileExists(filepath.Join(p, "legal", "contracts")) {
		return p
	}
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// benchConfigFile is the config bench-corpus writes into a corpus.
const benchConfigFile = "tuneprep.yaml"

// generateCorpus writes the corpus and its config.
func generateCorpus(ctx context.Context, cfg benchcorpus.Config, dir string) (*benchcorpus.Summary, error) {
	sum, err := benchcorpus.Generate(ctx, cfg, dir)
	if err != nil {
		return nil, fmt.Errorf("bench-corpus: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, benchConfigFile), []byte(benchConfig(cfg.Kind, ".")), 0o644); err != nil {
		return nil, err
	}
	return sum, nil
}

// benchConfig is the run config for a generated corpus of a kind: support
// tickets as chat examples (instruction -> response, labelled by intent),
// clauses as text examples (labelled by folder) in trl-text; the rest are
// the defaults, so the run measures the default stages. dir is the input
// directory, relative to the config file.
func benchConfig(kind, dir string) string {
	var include []string
	var rules []string
	if kind != "contracts" {
		include = append(include, `"support/**"`)
		rules = append(rules, `    - match: ["support/**"]
      kind: chat
      system: "You are a helpful support agent for an outdoor-gear shop. Be concise and concrete about the next steps."
      user: "{{.instruction}}"
      assistant: "{{.response}}"`)
	}
	if kind != "support" {
		include = append(include, `"contracts/**"`)
		rules = append(rules, `    - match: ["contracts/**"]
      kind: text`)
	}
	emit := ""
	if kind == "contracts" {
		emit = "\nemit:\n  formats: [trl-text]\n"
	}
	return fmt.Sprintf(`# Written by tuneprep bench-corpus: the config tuneprep bench runs on this corpus.
#   tuneprep run --config %s --out OUT
input:
  dir: %s
  include: [%s]
  text_fields: [instruction, response, text]
  label_fields: [intent, folder]

template:
  rules:
%s
%s`, benchConfigFile, strconv.Quote(dir), strings.Join(include, ", "), strings.Join(rules, "\n"), emit)
}

func printCorpusSummary(w io.Writer, s *benchcorpus.Summary, dir, corpora string) {
	var parts []string
	for _, st := range s.Streams {
		files := "files"
		if st.Files == 1 {
			files = "file"
		}
		parts = append(parts, fmt.Sprintf("%d %s records from %s text (%d %s, %.1f MB)", st.Records, st.Kind, st.Text, st.Files, files, float64(st.Bytes)/1e6))
	}
	fmt.Fprintf(w, "wrote %s to %s\n", strings.Join(parts, " and "), dir)
	if corpora != "" {
		fmt.Fprintf(w, "real text from %s\n", corpora)
	}
	p, t := s.Planted, s.PIIByType
	fmt.Fprintf(w, "planted: %d exact duplicates, %d near-duplicates, %d PII values (EMAIL %d, PHONE %d, CREDIT_CARD %d, US_SSN %d), %d leaks (%d also over the main text)\n",
		p.ExactDuplicate, p.NearDuplicate, p.PII, t.Email, t.Phone, t.CreditCard, t.USSSN, p.Leak, s.LeaksFullText)
	fmt.Fprintf(w, "ground truth: %s; run: tuneprep run --config %s --out OUT\n",
		filepath.Join(dir, benchcorpus.GroundTruthFile), filepath.Join(dir, benchConfigFile))
}

// benchOptions are the flags of `tuneprep bench`.
type benchOptions struct {
	cfg     benchcorpus.Config
	sizes   []int
	workers int
	keep    bool
	corpus  string
	json    bool
	tmpdir  string
	warm    bool
}

// benchCommand generates corpora of several sizes and times `tuneprep run`
// on each as a child process.
func benchCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", "bench [--kind K] [--records 100000,500000,2000000] [--workers N] [--keep] [--corpus DIR] [--json]", stderr)
	o := benchOptions{cfg: benchcorpus.Defaults()}
	addCorpusFlags(fs, &o.cfg)
	sizes := fs.String("records", "100000,500000,2000000", "corpus sizes, comma-separated (k and M suffixes allowed)")
	fs.IntVar(&o.workers, "workers", 0, "passed to tuneprep run --workers (default: one per CPU)")
	fs.BoolVar(&o.keep, "keep", false, "keep the generated corpora and run outputs (their folder is printed)")
	fs.StringVar(&o.corpus, "corpus", "", "run on this generated corpus (its tuneprep.yaml) instead of generating; --records is ignored")
	fs.BoolVar(&o.json, "json", false, "print the results as JSON")
	fs.StringVar(&o.tmpdir, "tmpdir", "", "folder for the temporary corpora and outputs (default: the system's)")
	fs.BoolVar(&o.warm, "warm", true, "read the corpus once before each run, so that the run reads it from the page cache (--warm=false: time whatever the cache holds)")
	src := addSourceFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("bench takes no arguments (got %q)", fs.Arg(0))}
	}
	var err error
	if o.sizes, err = parseSizes(*sizes); err != nil {
		return err
	}
	if o.workers < 0 {
		return usageError{"--workers: N must not be negative"}
	}
	if o.cfg.Corpora, err = src.resolve(fs); err != nil {
		return err
	}
	if o.corpus == "" {
		if err := o.cfg.Validate(); err != nil {
			return usageError{"bench: " + err.Error()}
		}
	}
	results, err := runBench(ctx, o, stderr)
	if len(results) > 0 {
		if o.json {
			if werr := writeJSONLine(stdout, results); err == nil {
				err = werr
			}
		} else {
			printBenchTable(stdout, results)
		}
	}
	return err
}

// parseSizes reads "100000,500k,2M".
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range splitList(s) {
		mult := 1
		switch {
		case strings.HasSuffix(f, "k"), strings.HasSuffix(f, "K"):
			mult, f = 1000, f[:len(f)-1]
		case strings.HasSuffix(f, "m"), strings.HasSuffix(f, "M"):
			mult, f = 1000000, f[:len(f)-1]
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, usageError{fmt.Sprintf("--records: %q is not a positive number", f)}
		}
		out = append(out, n*mult)
	}
	if len(out) == 0 {
		return nil, usageError{"--records: no sizes"}
	}
	return out, nil
}

// runBench measures each size in turn; results so far are returned with an
// error.
func runBench(ctx context.Context, o benchOptions, stderr io.Writer) ([]benchResult, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp(o.tmpdir, "tuneprep-bench-")
	if err != nil {
		return nil, err
	}
	if o.keep {
		fmt.Fprintf(stderr, "bench: corpora and outputs are kept in %s\n", work)
	} else {
		defer os.RemoveAll(work)
	}
	if o.corpus != "" {
		o.sizes = []int{0}
	}
	var results []benchResult
	for _, n := range o.sizes {
		res, err := benchOne(ctx, o, exe, work, n, stderr)
		if err != nil {
			return results, err
		}
		results = append(results, res)
	}
	return results, nil
}

// benchOne generates (unless --corpus) and runs one corpus.
func benchOne(ctx context.Context, o benchOptions, exe, work string, n int, stderr io.Writer) (benchResult, error) {
	var res benchResult
	corpus, cfgPath := o.corpus, filepath.Join(o.corpus, benchConfigFile)
	if corpus == "" {
		corpus = filepath.Join(work, fmt.Sprintf("corpus-%d", n))
		cfg := o.cfg
		cfg.Records = n
		fmt.Fprintf(stderr, "bench: generating %d %s records\n", n, cfg.Kind)
		start := time.Now()
		if _, err := generateCorpus(ctx, cfg, corpus); err != nil {
			return res, err
		}
		res.GenerateSeconds = round2(time.Since(start).Seconds())
		cfgPath = filepath.Join(corpus, benchConfigFile)
		if !o.keep {
			defer os.RemoveAll(corpus)
		}
	} else if !fileExists(cfgPath) { // a corpus from elsewhere: a config for --kind
		cfgPath = filepath.Join(work, benchConfigFile)
		abs, err := filepath.Abs(corpus)
		if err != nil {
			return res, err
		}
		if err := os.WriteFile(cfgPath, []byte(benchConfig(o.cfg.Kind, abs)), 0o644); err != nil {
			return res, err
		}
	}
	out := filepath.Join(work, "out-"+filepath.Base(corpus))
	if !o.keep {
		defer os.RemoveAll(out)
	}
	args := []string{"run", "--config", cfgPath, "--out", out, "--quiet"}
	if o.workers > 0 {
		args = append(args, "--workers", strconv.Itoa(o.workers))
	}
	if o.warm {
		start := time.Now()
		files, bytes, err := warmFiles(ctx, corpus, runtime.NumCPU())
		if err != nil {
			return res, fmt.Errorf("bench: reading the corpus before the run: %w", err)
		}
		res.WarmSeconds = round2(time.Since(start).Seconds())
		fmt.Fprintf(stderr, "bench: read %d files (%.1f MB) of %s in %.1f s before the run\n", files, float64(bytes)/1e6, corpus, res.WarmSeconds)
	}
	fmt.Fprintf(stderr, "bench: tuneprep %s\n", strings.Join(args, " "))
	m, err := measureRun(ctx, exe, args, stderr)
	if err != nil {
		return res, err
	}
	if err := m.fill(&res, out); err != nil {
		return res, err
	}
	if w := diskWarning(res); w != "" {
		fmt.Fprintln(stderr, w)
	}
	res.Kind = o.cfg.Kind
	if b, err := os.ReadFile(filepath.Join(corpus, benchcorpus.SummaryFile)); err == nil {
		var sum benchcorpus.Summary
		if json.Unmarshal(b, &sum) == nil && sum.Kind != "" {
			res.Kind = sum.Kind // a corpus given with --corpus says what it is
		}
	}
	if o.keep {
		res.Corpus, res.Out = corpus, out
	}
	return res, nil
}

// diskWarning says when a run read more than 1% of its input's size from
// storage: its time then includes waiting for the disk, which a run over
// cached files does not (the corpus, in whole file pages, did not stay in
// the page cache beside everything else).
func diskWarning(r benchResult) string {
	if r.DiskReadMB == nil || *r.DiskReadMB <= r.MB/100 {
		return ""
	}
	return fmt.Sprintf("bench: the run read %.0f MB from disk, not from the page cache (input %.0f MB): its time includes disk reads", *r.DiskReadMB, r.MB)
}

// measured is what the parent sees of the child run.
type measured struct {
	wall      time.Duration
	peakRSS   int64 // bytes; 0 when the platform does not report it
	peakLive  int64 // bytes: the largest heap a collection left live
	cpu       time.Duration
	diskRead  int64 // bytes read from storage, when diskKnown
	diskKnown bool
	exitCode  int
}

// gcTrace passes the child's stderr on, less the runtime's GC trace lines
// (GODEBUG=gctrace=1), from which it keeps the largest live heap: "gc 12
// @3.1s 2%: ..., 410->415->202 MB, ..." says 202 MB were live after
// collection 12.
type gcTrace struct {
	w        io.Writer
	line     []byte
	peakLive int64
}

func (g *gcTrace) Write(p []byte) (int, error) {
	for _, c := range p {
		g.line = append(g.line, c)
		if c == '\n' {
			if err := g.flush(); err != nil {
				return 0, err
			}
		}
	}
	return len(p), nil
}

// flush handles one line (or a last line without a newline).
func (g *gcTrace) flush() error {
	line := g.line
	g.line = g.line[:0]
	if !bytes.HasPrefix(line, []byte("gc ")) || !bytes.Contains(line, []byte(" MB, ")) {
		_, err := g.w.Write(line)
		return err
	}
	for _, f := range strings.Split(string(line), ", ") {
		heap, ok := strings.CutSuffix(f, " MB")
		parts := strings.Split(heap, "->")
		if !ok || len(parts) != 3 {
			continue
		}
		if live, err := strconv.ParseInt(parts[2], 10, 64); err == nil {
			g.peakLive = max(g.peakLive, live<<20)
		}
	}
	return nil
}

// measureRun runs tuneprep as a child process: the wall time includes
// process start, and the peak RSS is the child's alone. An interrupt is
// passed on as SIGINT, so the child removes its partial output.
func measureRun(ctx context.Context, exe string, args []string, stderr io.Writer) (measured, error) {
	cmd := exec.CommandContext(ctx, exe, args...)
	trace := &gcTrace{w: stderr}
	cmd.Stdout, cmd.Stderr = io.Discard, trace
	cmd.Env = append(os.Environ(), "GODEBUG="+strings.TrimPrefix(os.Getenv("GODEBUG")+",gctrace=1", ","))
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 30 * time.Second
	start := time.Now()
	err := cmd.Run()
	m := measured{wall: time.Since(start)}
	if len(trace.line) > 0 {
		trace.flush()
	}
	m.peakLive = trace.peakLive
	if cmd.ProcessState != nil {
		m.peakRSS = peakRSS(cmd.ProcessState)
		m.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		m.diskRead, m.diskKnown = diskRead(cmd.ProcessState)
		m.exitCode = cmd.ProcessState.ExitCode()
	}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return m, ctx.Err()
	case errors.As(err, &ee) && m.exitCode == exitGate:
		fmt.Fprintln(stderr, "bench: the run completed but a quality gate failed (exit 3); timings are kept")
		return m, nil
	case err != nil:
		return m, fmt.Errorf("bench: tuneprep %s: %w", strings.Join(args, " "), err)
	}
	return m, nil
}
