package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/stages/ingest"
	"github.com/tuneprep/tuneprep/stages/redact"
)

// shardFlags are --tasks, --executor and --work of run and step, and the
// step command's step and --task.
type shardFlags struct {
	state    string // --state: an incremental run's state directory
	tasks    int
	executor string
	work     string
	step     string // "", prepare or merge
	task     int
}

// executors run a sharded run's prepare tasks.
var executors = []string{"goroutines", "processes"}

func (s *shardFlags) add(fs *flag.FlagSet) {
	if s.step == "" {
		fs.StringVar(&s.state, "state", "", "incremental run: keep what the record stages computed per input file in this directory, and read only new and changed files next time (the output is a full run's)")
	}
	fs.IntVar(&s.tasks, "tasks", 0, "cut the run into N tasks: each prepares a share of the input files, then one merge writes the output, byte-identical to a plain run")
	fs.StringVar(&s.executor, "executor", "goroutines", "how run --tasks runs its tasks: goroutines (in this process) or processes (one tuneprep step prepare each)")
	fs.StringVar(&s.work, "work", "", "work directory of a sharded run, shared by its tasks and merge; a rerun skips the tasks done there (default with run --tasks: a temporary folder beside the output, removed after)")
	if s.step != "" {
		fs.IntVar(&s.task, "task", -1, "the task to run, from 0 (default: $SLURM_ARRAY_TASK_ID, else $JOB_COMPLETION_INDEX)")
	}
}

// check validates the flags; a step's task may come from the scheduler's
// environment (a Slurm array job or a Kubernetes Indexed Job).
func (s *shardFlags) check(lookup func(string) (string, bool)) error {
	if s.tasks < 0 {
		return usageError{"--tasks: N must be positive"}
	}
	if !slices.Contains(executors, s.executor) {
		return usageError{fmt.Sprintf("--executor: %q is not %s", s.executor, strings.Join(executors, " or "))}
	}
	if s.state != "" && s.tasks > 0 {
		return usageError{"--state and --tasks do not go together: run the incremental run without --tasks"}
	}
	if s.step == "" {
		return nil
	}
	if s.tasks == 0 || s.work == "" {
		return usageError{"step " + s.step + ": --tasks and --work are required"}
	}
	if s.step != "prepare" {
		return nil
	}
	if s.task < 0 {
		for _, name := range []string{"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"} {
			if v, ok := lookup(name); ok {
				n, err := strconv.Atoi(v)
				if err != nil {
					return usageError{fmt.Sprintf("$%s: %q is not a task number", name, v)}
				}
				s.task = n
				break
			}
		}
	}
	if s.task < 0 || s.task >= s.tasks {
		return usageError{fmt.Sprintf("step prepare: --task %d: want 0 to %d (or $SLURM_ARRAY_TASK_ID, $JOB_COMPLETION_INDEX)", s.task, s.tasks-1)}
	}
	return nil
}

// run runs what the flags ask of a sharded run: one prepare task (step
// prepare: it returns an empty plan), or every prepare task not done yet
// (run --tasks); then it returns the merge's plan. Call done once the merge
// has run: it removes a temporary work directory.
func (s *shardFlags) run(ctx context.Context, o runOptions, cfg Config, fsys fs.FS, lookup func(string) (string, bool), logger *slog.Logger, plan pipeline.Plan, cfgJSON any) (merge pipeline.Plan, done func(), err error) {
	done = func() {}
	work := s.work
	if work == "" {
		out, err := filepath.Abs(cfg.Output.Dir)
		if err != nil {
			return pipeline.Plan{}, done, err
		}
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return pipeline.Plan{}, done, fmt.Errorf("output: %w", err)
		}
		if work, err = os.MkdirTemp(filepath.Dir(out), ".tuneprep-work-"); err != nil {
			return pipeline.Plan{}, done, fmt.Errorf("work directory: %w", err)
		}
		done = func() { os.RemoveAll(work) }
		defer func() {
			if err != nil {
				done()
			}
		}()
	}
	fp, err := fingerprint(cfgJSON, keyDigest(cfg.Redact, lookup), fsys, s.tasks)
	if err != nil {
		return pipeline.Plan{}, done, err
	}
	so := pipeline.ShardOptions{Plan: plan, Work: work, Tasks: s.tasks, Fingerprint: fp}
	switch s.step {
	case "prepare":
		so.Task = s.task
		logger.Info("task started", "step", "prepare", "task", s.task, "tasks", s.tasks, "work", work)
		if err := pipeline.ShardTask(ctx, so); err != nil {
			return pipeline.Plan{}, done, fmt.Errorf("task %d: %w", s.task, err)
		}
		return pipeline.Plan{}, done, nil
	case "":
		if err := s.prepareAll(ctx, o, cfg, fsys, lookup, logger, so); err != nil {
			return pipeline.Plan{}, done, err
		}
	}
	merge, err = pipeline.MergePlan(so)
	return merge, done, err
}

// prepareAll runs the prepare tasks that are not done, at most GOMAXPROCS
// at a time, with the workers shared among them.
func (s *shardFlags) prepareAll(ctx context.Context, o runOptions, cfg Config, fsys fs.FS, lookup func(string) (string, bool), logger *slog.Logger, so pipeline.ShardOptions) error {
	procs := runtime.GOMAXPROCS(0)
	workers := cfg.Workers
	if workers <= 0 {
		workers = procs
	}
	at := min(s.tasks, procs)
	perTask := max(1, workers/at)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(at)
	for i := range s.tasks {
		t := so
		t.Task = i
		if pipeline.ShardDone(t) {
			logger.Info("task already done", "task", i, "work", so.Work)
			continue
		}
		g.Go(func() error {
			if s.executor == "processes" {
				return s.prepareProcess(gctx, o, t, perTask)
			}
			// A task's own source (it counts what it read) on its own view of
			// the input directory (which keeps the folder it is reading).
			taskFS := fsys
			if cfg.Input.Dir != "" {
				var err error
				if taskFS, err = ingest.OpenDir(cfg.Input.Dir); err != nil {
					return err
				}
			}
			plan, err := buildPlan(cfg, taskFS, lookup)
			if err != nil {
				return err
			}
			plan.Logger, plan.Workers = logger, perTask
			t.Plan = plan
			if err := pipeline.ShardTask(gctx, t); err != nil {
				return fmt.Errorf("task %d: %w", i, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// prepareProcess runs a prepare task as `tuneprep step prepare`, with the
// flags that shape the records (the config, input, formats and workers).
func (s *shardFlags) prepareProcess(ctx context.Context, o runOptions, t pipeline.ShardOptions, workers int) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	args := []string{"step", "prepare", "--task", strconv.Itoa(t.Task), "--tasks", strconv.Itoa(t.Tasks), "--work", t.Work,
		"--workers", strconv.Itoa(workers), "--log-format", o.logFormat}
	if o.quiet {
		args = append(args, "--quiet")
	}
	for name, v := range map[string]string{"config": o.config, "in": o.in, "formats": o.formats, "memory-limit": o.memLimit} {
		if o.set[name] {
			args = append(args, "--"+name, v)
		}
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.SysProcAttr = childProcAttr()
	cmd.Stderr = os.Stderr
	if out, err := cmd.Output(); err != nil {
		return fmt.Errorf("task %d (%s %s): %w %s", t.Task, self, strings.Join(args, " "), err, out)
	}
	return nil
}

// incremental prepares the files an incremental run has not seen and
// returns the merge's plan and the function that records the new state.
func (s *shardFlags) incremental(ctx context.Context, plan pipeline.Plan, cfgJSON any, key string, logger *slog.Logger) (pipeline.Plan, func() error, error) {
	fp, err := fingerprint(cfgJSON, key, nil, 0)
	if err != nil {
		return pipeline.Plan{}, nil, err
	}
	merge, ch, commit, err := pipeline.Incremental(ctx, pipeline.StateOptions{Plan: plan, Dir: s.state, Fingerprint: fp})
	if err != nil {
		return pipeline.Plan{}, nil, err
	}
	if ch.Reset {
		logger.Info("incremental state is empty or was made with another program or config: every file is read", "state", s.state)
	}
	logger.Info("incremental run", "state", s.state, "files_reused", ch.Reused, "files_read", ch.Read,
		"files_changed", len(ch.Changed), "files_removed", len(ch.Removed))
	for _, p := range ch.Changed {
		logger.Info("input file changed: its old records are replaced", "path", p)
	}
	for _, p := range ch.Removed {
		logger.Info("input file removed: its records are gone from the output", "path", p)
	}
	return merge, commit, nil
}

// keyDigest stands for the redaction key in a fingerprint: records
// prepared with another key hold other pseudonyms and hashes. It is an HMAC
// of a constant, so that what is stored reveals nothing of the key; "" when
// the key is not set.
func keyDigest(cfg redact.Config, lookup func(string) (string, bool)) string {
	k, ok := lookup(cfg.KeyEnv)
	if !ok || k == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(k))
	m.Write([]byte("tuneprep fingerprint"))
	return hex.EncodeToString(m.Sum(nil))
}

// fingerprint identifies a sharded run's inputs, configuration, redaction
// key (key, from keyDigest) and program: a task's files are reused only by
// a run with the same. The inputs are named by path, size and modification
// time; without fsys, only the configuration, key and program.
func fingerprint(cfgJSON any, key string, fsys fs.FS, tasks int) (string, error) {
	h := sha256.New()
	cfg, err := json.Marshal(cfgJSON)
	if err != nil {
		return "", err
	}
	var m map[string]any
	if err := json.Unmarshal(cfg, &m); err == nil {
		if out, ok := m["output"].(map[string]any); ok {
			delete(out, "dir") // where the output goes does not change a task's records
		}
		cfg, _ = json.Marshal(m)
	}
	fmt.Fprintf(h, "%s\x00%d\x00%s\x00%s\x00", version(), tasks, cfg, key)
	if fsys == nil {
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00", p, info.Size(), info.ModTime().UnixNano())
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// stepCommand runs one step of a sharded run: `tuneprep step prepare` (one
// task) or `tuneprep step merge` (the output), each with run's flags.
func stepCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "prepare" && args[0] != "merge") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			fmt.Fprintln(stderr, "Usage: tuneprep step prepare|merge --tasks N --work DIR [--task I] [run flags]")
			return errHelp
		}
		return usageError{"step: want prepare or merge, then run's flags with --tasks N and --work DIR"}
	}
	return runOrStep(ctx, args[0], args[1:], stdout, stderr)
}
