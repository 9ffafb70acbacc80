package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/samples"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/corpus"
	"github.com/tuneprep/tuneprep/stages/dedup"
	"github.com/tuneprep/tuneprep/stages/emit"
	"github.com/tuneprep/tuneprep/stages/fewshot"
	"github.com/tuneprep/tuneprep/stages/filter"
	"github.com/tuneprep/tuneprep/stages/ingest"
	"github.com/tuneprep/tuneprep/stages/minhash"
	"github.com/tuneprep/tuneprep/stages/normalize"
	"github.com/tuneprep/tuneprep/stages/quality"
	"github.com/tuneprep/tuneprep/stages/redact"
	"github.com/tuneprep/tuneprep/stages/report"
	"github.com/tuneprep/tuneprep/stages/split"
	"github.com/tuneprep/tuneprep/stages/template"
	"github.com/tuneprep/tuneprep/stages/tokens"
)

// errHelp is returned after --help has been printed.
var errHelp = errors.New("help shown")

// runOptions are the flags of `tuneprep run`.
type runOptions struct {
	config    string
	in        string
	out       string
	workers   int
	logFormat string
	quiet     bool
	formats   string
	profile   string
	memprof   string
	preview   int
	// memLimit and holdMemory are --memory-limit and --hold-memory.
	memLimit   string
	holdMemory string
	// gates are the --gate name=value flags, over the config's gates.
	gates gateFlags
	// wait is how long to wait for another run that holds the output's lock.
	wait time.Duration
	// metrics is --metrics-file: Prometheus text metrics of the run.
	metrics string
	// runID names the run on every log line and in run.json.
	runID string
	// status prints live counts; set only when stdin and stderr are terminals.
	status *statusLine
	// set records which flags were given, for precedence over env and file.
	set map[string]bool
	// shard says how to cut the run into tasks (--tasks, --executor, --work;
	// the step command's step and task).
	shard shardFlags
}

// newFlags returns a flag set that reports errors as usage errors.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: tuneprep %s\n\nFlags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and maps flag errors to usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usageError{err.Error()}
	}
	return nil
}

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	return runOrStep(ctx, "", args, stdout, stderr)
}

// runOrStep runs the pipeline, or one step of a sharded run (prepare or
// merge; see cmd_shard.go) with the same flags.
func runOrStep(ctx context.Context, step string, args []string, stdout, stderr io.Writer) (err error) {
	var o runOptions
	o.shard.step = step
	fs := newFlags("run", "run [flags]", stderr)
	if step != "" {
		fs = newFlags("step", "step prepare|merge --tasks N --work DIR [--task I] [run flags]", stderr)
	}
	o.shard.add(fs)
	fs.StringVar(&o.config, "config", "", "config file (YAML); default: the embedded sample config when --in is not given either")
	fs.StringVar(&o.in, "in", "", "input directory (overrides input.dir)")
	fs.StringVar(&o.out, "out", "", "output directory (overrides output.dir; default out)")
	fs.IntVar(&o.workers, "workers", 0, "goroutines per parallel stage (default: one per CPU)")
	fs.StringVar(&o.logFormat, "log-format", "text", "log format on stderr: text or json")
	fs.BoolVar(&o.quiet, "quiet", false, "log only warnings and errors; print no summary")
	fs.StringVar(&o.formats, "formats", "", "output formats, comma-separated, or all (overrides emit.formats)")
	fs.StringVar(&o.profile, "cpuprofile", "", "write a CPU profile of the run to this file (for go tool pprof)")
	fs.StringVar(&o.memprof, "memprofile", "", "write a heap profile to this file, taken when the live heap was largest (for go tool pprof)")
	fs.IntVar(&o.preview, "preview", 0, "render the first N examples of each template rule to stdout and write nothing")
	fs.StringVar(&o.memLimit, "memory-limit", "", "soft limit of the Go heap, e.g. 1.5GiB, or auto (the live heap + 25%, followed as it grows: less memory, more time): the garbage collector works harder near it (default: GOMEMLIMIT, else 90% of the container's memory limit, else none)")
	fs.StringVar(&o.holdMemory, "hold-memory", "", "records a holding stage (exact split, survivor rules) keeps in memory before spilling the rest to the staging directory, e.g. 256MiB (default 64MiB)")
	fs.Var(&o.gates, "gate", "a quality gate, name=value (repeatable; over the config's gates:), e.g. max_drop_rate=0.3, min_examples.train=100")
	fs.DurationVar(&o.wait, "wait", 0, "wait this long (e.g. 10m) for another run that holds the output's lock, instead of exiting 1")
	fs.StringVar(&o.metrics, "metrics-file", "", "write Prometheus text metrics of the run to this file, atomically (for node_exporter's textfile collector)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("run takes no arguments (got %q); use --in", fs.Arg(0))}
	}
	if err := o.shard.check(os.LookupEnv); err != nil {
		return err
	}
	o.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	logger, err := newLogger(o.logFormat, o.quiet, stderr)
	if err != nil {
		return err
	}
	o.runID = newRunID()
	logger = logger.With("run_id", o.runID)
	if !o.quiet && o.logFormat == "text" && isTerminal(stderr) && isTerminal(os.Stdin) {
		o.status = &statusLine{w: stderr, start: time.Now()}
	}
	if o.preview < 0 {
		return usageError{"--preview: N must be positive"}
	}
	if o.preview > 0 {
		cfg, fsys, err := resolveConfig(o, os.LookupEnv)
		if err != nil {
			return err
		}
		plan, err := buildPlan(cfg, fsys, os.LookupEnv)
		if err != nil {
			return err
		}
		return preview(ctx, plan, o.preview, stdout)
	}
	restore, err := tuneMemory(o.memLimit, os.LookupEnv)
	if err != nil {
		return err
	}
	defer restore()
	if o.profile != "" {
		stop, err := startProfile(o.profile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if o.memprof != "" {
		write, perr := startHeapProfile(o.memprof)
		if perr != nil {
			return perr
		}
		defer func() {
			live, werr := write()
			if werr != nil && err == nil {
				err = werr
			}
			if werr == nil {
				logger.Info("heap profile written", "file", o.memprof, "live_heap_mb", live>>20)
			}
		}()
	}
	started := time.Now()
	m, out, err := runPipeline(ctx, o, os.LookupEnv, logger)
	if m != nil && !o.quiet {
		printSummary(stdout, m)
		if m.Status == schemas.StatusBlocked { // its report is not in output.dir
		} else if aerr := printRunAdvice(stdout, m); aerr != nil {
			logger.Warn("advice not shown", "err", aerr)
		}
	}
	var ge *pipeline.GateError
	if errors.As(err, &ge) {
		lines := make([]string, len(ge.Failed))
		for i, g := range ge.Failed {
			lines[i] = "quality gate failed: " + gateText(g)
		}
		if m.Status == schemas.StatusBlocked {
			kept := out + " still holds the previous output"
			if _, serr := os.Stat(filepath.Join(out, "run.json")); serr != nil {
				kept = "nothing was written to " + out
			}
			lines = append(lines, "output blocked: "+kept+"; this run's output is in "+out+pipeline.FailedSuffix)
		}
		err = gateError{strings.Join(lines, "\n")}
	}
	var le *pipeline.LockedError
	locked := errors.As(err, &le)
	if locked {
		err = lockMessage(err)
	}
	// A run refused by another's lock did not run: the metrics stay those
	// of the run that holds it.
	if o.metrics != "" && !locked {
		if out == "" { // the config did not resolve: name the output as given
			out, _ = filepath.Abs(cmp.Or(o.out, "out"))
		}
		oc := report.Outcome{Output: out, ExitCode: codeFor(ctx, err), Started: started, Finished: time.Now()}
		if merr := writeMetricsFile(o.metrics, m, oc); merr != nil {
			logger.Error("metrics file not written", "path", o.metrics, "err", merr)
			if err == nil {
				err = fmt.Errorf("--metrics-file: %w", merr)
			}
		}
	}
	if err != nil && o.logFormat == "json" && !errors.Is(err, errHelp) {
		// JSON logs stay JSON to the last line, each with the run ID.
		code, msg := codeFor(ctx, err), err.Error()
		if code == exitInterrupted {
			msg = "interrupted; the previous output is untouched"
		}
		for _, line := range strings.Split(msg, "\n") {
			logger.Error(line, "exit_code", code)
		}
		return loggedError{err}
	}
	return err
}

// logHandlers are the --log-format choices.
var logHandlers = map[string]func(io.Writer, *slog.HandlerOptions) slog.Handler{
	"text": func(w io.Writer, o *slog.HandlerOptions) slog.Handler { return slog.NewTextHandler(w, o) },
	"json": func(w io.Writer, o *slog.HandlerOptions) slog.Handler { return slog.NewJSONHandler(w, o) },
}

func newLogger(format string, quiet bool, w io.Writer) (*slog.Logger, error) {
	level := slog.LevelInfo
	if quiet {
		level = slog.LevelWarn
	}
	h, ok := logHandlers[format]
	if !ok {
		return nil, usageError{fmt.Sprintf("--log-format: %q is not text or json", format)}
	}
	return slog.New(h(w, &slog.HandlerOptions{Level: level})), nil
}

// resolveConfig builds the effective config: defaults, then the file, then
// TUNEPREP_* variables, then flags. With neither a config file nor an input
// directory anywhere, the embedded samples and their config are used.
func resolveConfig(o runOptions, lookup func(string) (string, bool)) (Config, fs.FS, error) {
	cfg := defaultConfig()
	path := o.config
	if path == "" {
		path, _ = lookup("TUNEPREP_CONFIG")
	}
	_, envIn := lookup("TUNEPREP_INPUT_DIR")
	useSamples := path == "" && o.in == "" && !envIn
	switch {
	case path != "":
		if err := loadConfigFile(path, &cfg); err != nil {
			return cfg, nil, err
		}
	case useSamples:
		if err := decodeConfig("samples/tuneprep.yaml", samples.Config, &cfg); err != nil {
			return cfg, nil, err
		}
	}
	if err := applyEnv(&cfg, lookup); err != nil {
		return cfg, nil, err
	}
	if o.set["in"] {
		cfg.Input.Dir = o.in
	}
	if o.set["out"] {
		cfg.Output.Dir = o.out
	}
	if o.set["workers"] {
		cfg.Workers = o.workers
	}
	if o.set["formats"] {
		cfg.Emit.Formats = splitList(o.formats)
	}
	if err := applyGateFlags(&cfg, o.gates); err != nil {
		return cfg, nil, err
	}
	if cfg.Workers < 0 {
		return cfg, nil, configError{fmt.Errorf("workers: %d is negative", cfg.Workers)}
	}
	if cfg.Output.Dir == "" {
		return cfg, nil, configError{fmt.Errorf("output.dir is empty")}
	}
	if cfg.Input.Dir == "" {
		if !useSamples && path != "" {
			return cfg, nil, configError{fmt.Errorf("input.dir: not set in %s; use --in", path)}
		}
		return cfg, samples.Data(), nil
	}
	fsys, err := ingest.OpenDir(cfg.Input.Dir)
	if err != nil {
		return cfg, nil, configError{err}
	}
	if err := guardPaths(&cfg, o.shard.work, o.shard.state); err != nil {
		return cfg, nil, err
	}
	return cfg, fsys, nil
}

// buildPlan constructs the stages in order; a stage that rejects its config
// is a config error naming the section.
func buildPlan(cfg Config, fsys fs.FS, lookup func(string) (string, bool)) (pipeline.Plan, error) {
	var p pipeline.Plan
	src, err := ingest.New(cfg.Input.Config, fsys)
	if err != nil {
		return p, configError{fmt.Errorf("input: %w", err)}
	}
	p.Source = src
	ncfg := cfg.Normalize
	ncfg.TextFields = cfg.Input.TextFields
	rcfg := cfg.Redact
	rcfg.TextFields = cfg.Input.TextFields
	tok, err := tokens.Resolve(cfg.Tokens)
	if err != nil {
		return p, configError{fmt.Errorf("tokens: %w", err)}
	}
	scfg := cfg.Split
	scfg.CostModel = &tok.Model
	scfg.MinPerSplit = 0 // an alias of gates.min_examples, which the run's gates check
	fcfg := cfg.Fewshot
	if fcfg.Enabled {
		// split indexes validation and test once; fewshot reads that index
		fcfg.EvalIndex = new(minhash.Handoff)
		scfg.Leakage.Share = fcfg.EvalIndex
	}
	tcfg := cfg.Template
	tcfg.TextFields = cfg.Input.TextFields
	ecfg := cfg.Emit
	ecfg.Splits = split.Active(cfg.Split)
	ecfg.Kinds = tcfg.Kinds()
	if cfg.Fewshot.Enabled && cfg.Fewshot.From == "bank" && cfg.Split.Bank == 0 {
		return p, configError{fmt.Errorf("fewshot.from: bank needs a split.bank share")}
	}
	var banks *fewshot.Stage // the advice reads the banks it built
	steps := []struct {
		section string
		build   func() (pipeline.Stage, error)
	}{
		{"normalize", func() (pipeline.Stage, error) { return normalize.New(ncfg) }},
		{"quality", func() (pipeline.Stage, error) {
			if !cfg.Quality.Enabled {
				return nil, nil
			}
			q, err := quality.New(cfg.Quality)
			if err != nil {
				return nil, err
			}
			q.OnLanguage(func(d *schemas.Document, code string, conf float64) { d.Language, d.LanguageConfidence = code, conf })
			return q, nil
		}},
		{"dedup", func() (pipeline.Stage, error) { return dedup.New(cfg.Dedup) }},
		{"redact", func() (pipeline.Stage, error) {
			if !rcfg.Enabled {
				return nil, nil
			}
			return redact.New(rcfg, lookup)
		}},
		{"template", func() (pipeline.Stage, error) { return template.New(tcfg) }},
		{"tokens", func() (pipeline.Stage, error) { return tokens.New(tok), nil }},
		{"filter", func() (pipeline.Stage, error) { return filter.New(cfg.Filter, tok) }},
		{"split", func() (pipeline.Stage, error) { return split.New(scfg) }},
		{"emit", func() (pipeline.Stage, error) { return emit.New(ecfg) }},
		{"corpus", func() (pipeline.Stage, error) {
			if !cfg.Corpus.Enabled {
				return nil, nil
			}
			return corpus.New(cfg.Corpus)
		}},
		{"fewshot", func() (pipeline.Stage, error) {
			if !cfg.Fewshot.Enabled {
				return nil, nil
			}
			var err error
			banks, err = fewshot.New(fcfg, tok.Tokenizer, tok.Model)
			return banks, err
		}},
		{"advise", func() (pipeline.Stage, error) { return adviseStage(cfg.Advise, cfg.Tokens.Model, tok, banks) }},
	}
	for _, s := range steps {
		st, err := s.build()
		if err != nil {
			return p, configError{fmt.Errorf("%s: %w", s.section, err)}
		}
		if st != nil { // switched off
			p.Stages = append(p.Stages, st)
		}
	}
	p.Workers = cfg.Workers
	// A sharded run's tasks run normalize to filter, whose Process reads
	// only what ingest and the Processes before it wrote; split's reads the
	// duplicate cluster that dedup's Sequence sets.
	p.TaskStages = slices.IndexFunc(p.Stages, func(s pipeline.Stage) bool { return s.Name() == "split" })
	return p, nil
}

// runPipeline resolves the config, builds the plan and runs it. It returns
// the manifest (nil when the run did not complete) and the absolute output
// directory ("" when the config did not resolve).
func runPipeline(ctx context.Context, o runOptions, lookup func(string) (string, bool), logger *slog.Logger) (*schemas.RunManifest, string, error) {
	cfg, fsys, err := resolveConfig(o, lookup)
	if err != nil {
		return nil, "", err
	}
	out, err := filepath.Abs(cfg.Output.Dir)
	if err != nil {
		return nil, "", configError{fmt.Errorf("output.dir: %w", err)}
	}
	m, err := runResolved(ctx, o, cfg, fsys, lookup, logger)
	return m, out, err
}

// runResolved builds the plan of a resolved config and runs it.
func runResolved(ctx context.Context, o runOptions, cfg Config, fsys fs.FS, lookup func(string) (string, bool), logger *slog.Logger) (*schemas.RunManifest, error) {
	plan, err := buildPlan(cfg, fsys, lookup)
	if err != nil {
		return nil, err
	}
	if err := checkGates(cfg, plan); err != nil {
		return nil, err
	}
	if plan.Excerpt, err = newExcerpter(cfg, plan, lookup); err != nil {
		return nil, err
	}
	plan.Logger = logger
	if o.holdMemory != "" {
		n, err := parseSize(o.holdMemory)
		if err != nil {
			return nil, usageError{"--hold-memory: " + err.Error()}
		}
		if n == 0 {
			n = -1 // spill every batch (Plan.HoldMemory 0 is the default)
		}
		plan.HoldMemory = n
	}
	if o.status != nil {
		plan.Progress = o.status.update
	}
	effective := cfg
	effective.Workers = 0 // recorded under execution: outputs do not depend on it
	effective.Template = cfg.Template.Effective()
	effective.Emit.Kinds = cfg.Template.Kinds()
	effective.Emit = effective.Emit.Effective()
	cfgJSON, err := asJSONable(effective)
	if err != nil {
		return nil, err
	}
	if o.shard.tasks > 0 {
		var done func()
		plan, done, err = o.shard.run(ctx, o, cfg, fsys, lookup, logger, plan, cfgJSON)
		defer done()
		if err != nil || plan.Source == nil { // failed, or a step that writes no output
			return nil, err
		}
	}
	var commitState func() error
	if o.shard.state != "" {
		if plan, commitState, err = o.shard.incremental(ctx, plan, cfgJSON, keyDigest(cfg.Redact, lookup), logger); err != nil {
			return nil, err
		}
	}
	logger.Info("run started", "in", inputName(cfg), "out", cfg.Output.Dir)
	opts := pipeline.RunOptions{Plan: plan, OutDir: cfg.Output.Dir, Version: version(), Config: cfgJSON, RunID: o.runID, Wait: o.wait}
	runHooks(&opts, cfg.Gates)
	m, err := pipeline.Run(ctx, opts)
	o.status.clear()
	if m != nil && commitState != nil { // the output is in place: the state may follow
		if serr := commitState(); serr != nil && err == nil {
			err = fmt.Errorf("--state: %w", serr)
		}
	}
	if m == nil {
		return nil, err
	}
	logger.Info("run finished", "read", m.Totals.Read, "emitted", m.Totals.Emitted,
		"dropped", m.Totals.Dropped, "rejected", m.Totals.Rejected, "seconds", m.Execution.Seconds)
	return m, err
}

func inputName(cfg Config) string {
	if cfg.Input.Dir == "" {
		return "(embedded samples)"
	}
	return cfg.Input.Dir
}

// printSummary prints the outcome totals and the output files.
func printSummary(w io.Writer, m *schemas.RunManifest) {
	t := m.Totals
	fmt.Fprintf(w, "read %d records: %d emitted, %d dropped, %d rejected (%.2fs)\n", t.Read, t.Emitted, t.Dropped, t.Rejected, m.Execution.Seconds)
	for _, s := range m.Stages {
		var parts []string
		for _, r := range sortedKeys(s.Dropped) {
			parts = append(parts, fmt.Sprintf("%s %d", r, s.Dropped[r]))
		}
		extra := ""
		if len(parts) > 0 {
			extra = "  (" + strings.Join(parts, ", ") + ")"
		}
		fmt.Fprintf(w, "  %-10s in %-7d out %-7d%s\n", s.Stage, s.In, s.Out, extra)
	}
	for _, f := range m.Outputs {
		if f.Records != nil && isExampleFile(f.Path) {
			fmt.Fprintf(w, "  %-32s %d records\n", f.Path, *f.Records)
		}
	}
	for _, g := range m.Warnings {
		fmt.Fprintf(w, "  WARNING  %s: %s\n", g.Stage, g.Message)
	}
	passed := 0
	for _, g := range m.GateResults {
		if g.Passed {
			passed++
		}
	}
	if passed > 0 {
		fmt.Fprintf(w, "  gates: %d passed, %d failed\n", passed, len(m.Gates))
	}
	for _, g := range m.Gates {
		fmt.Fprintf(w, "  GATE FAILED  %s\n", gateText(g))
	}
}

// gateText is a failed gate on one line: a configured gate's message starts
// with its name; a built-in one's is prefixed with its stage.
func gateText(g schemas.Gate) string {
	if g.Stage == "gates" {
		return g.Message
	}
	return g.Stage + ": " + g.Message
}

// isExampleFile reports whether an output holds training or bank examples
// (not a sidecar such as train.ids.jsonl or dataset_info.json).
func isExampleFile(p string) bool {
	switch {
	case strings.HasSuffix(p, ".ids.jsonl"):
		return false
	case strings.HasPrefix(p, "finetune/"):
		return strings.HasSuffix(p, ".jsonl") || strings.HasSuffix(p, ".json") && !strings.HasSuffix(p, "dataset_info.json")
	}
	return p == "fewshot/bank.jsonl"
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// startProfile starts a CPU profile; the returned function ends it.
func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// statusLine rewrites one line of live counts on the terminal.
type statusLine struct {
	w     io.Writer
	start time.Time
}

func (s *statusLine) update(read, done int64) {
	rate := float64(done) / max(time.Since(s.start).Seconds(), 1e-9)
	fmt.Fprintf(s.w, "\r\033[K%d records read, %d through every stage (%.0f/s)", read, done, rate)
}

// clear erases the line; a nil status line does nothing.
func (s *statusLine) clear() {
	if s != nil {
		fmt.Fprint(s.w, "\r\033[K")
	}
}
