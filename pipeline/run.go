package pipeline

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/tuneprep/tuneprep/schemas"
)

// RunOptions describe a whole run: the plan, where the output goes and what
// the manifest says about the run.
type RunOptions struct {
	Plan    Plan
	OutDir  string
	Version string
	// Config is the effective configuration, copied into run.json.
	Config any
	// RunID names the run in run.json (execution.run_id) and in the lock.
	RunID string
	// Wait is how long Run waits while another run holds the output's lock;
	// 0 returns a *LockedError at once.
	Wait time.Duration
	// Gates evaluates the run's quality gates once every stage has finished
	// and its report is made: the verdict of every configured gate, passed
	// or not (run.json's gate_results). A failed one fails the run as a
	// Gater's gate does.
	Gates func(f *Facts) []schemas.GateResult
	// BlockOutput keeps the previous output in place when a gate failed:
	// the run's output is committed beside it, as <OutDir>.failed, for a
	// person to look at, and its run.json has status "blocked".
	BlockOutput bool
	// Sections adds sections (with charts) to report.html, after the
	// drop reasons and before the stage timings.
	Sections func(f *Facts) []Section
	// Write writes further files into the output through env.Create (a
	// dataset card), after report.html and before run.json.
	Write func(env *Env, f *Facts) error
}

// Facts is a finished run as the RunOptions hooks see it. Gates sees the
// manifest before its gates are final; Sections and Write see it complete,
// but for the outputs written after report.html.
type Facts struct {
	Manifest *schemas.RunManifest
	// Reports are the stage reports, Stats as the stages returned them.
	Reports []schemas.StageReport
	// Labels counts the emitted examples per label ("" for none).
	Labels map[string]int64
}

// Run takes the output's lock, executes the plan into a temporary sibling
// of OutDir, writes the stage reports and run.json (last), and swaps the
// result into place. On error or cancellation the temporary directory is
// removed and OutDir is untouched. When quality gates failed, the output is
// committed (to <OutDir>.failed with BlockOutput) and Run returns the
// manifest together with a *GateError.
func Run(ctx context.Context, opts RunOptions) (*schemas.RunManifest, error) {
	abs, err := outputPath(opts.OutDir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	lock, err := lockOutput(ctx, abs, opts.Wait, opts.RunID, logger(opts.Plan))
	if err != nil {
		return nil, err
	}
	defer lock.release()
	if opts.BlockOutput { // fail now, not after the run, if it cannot go there
		if err := checkReplaceable(abs + FailedSuffix); err != nil {
			return nil, err
		}
	}
	started := time.Now()
	out, err := openOutput(abs)
	if err != nil {
		return nil, err
	}
	m, err := run(ctx, opts, out, started)
	if err != nil {
		out.abort()
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		out.abort()
		return nil, err
	}
	dest := out.final
	if m.Status == schemas.StatusBlocked {
		dest += FailedSuffix
	}
	if err := out.commit(dest); err != nil {
		out.abort()
		return nil, err
	}
	// The output is in place: a previous output that cannot be removed
	// (checkReplaceable makes it rare) does not fail the run. Its temporary
	// name lets the next run try again.
	if err := out.abort(); err != nil {
		logger(opts.Plan).Warn("the previous output could not be removed", "dir", out.tmp, "err", err)
	}
	if len(m.Gates) > 0 {
		return m, &GateError{Failed: m.Gates}
	}
	return m, nil
}

// FailedSuffix names where a blocked run's output goes: beside the output
// it did not replace (see RunOptions.BlockOutput).
const FailedSuffix = ".failed"

func logger(p Plan) *slog.Logger {
	if p.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Logger
}

func run(ctx context.Context, opts RunOptions, out *output, started time.Time) (*schemas.RunManifest, error) {
	env := &Env{out: out, Logger: logger(opts.Plan)}
	reports, totals, emitted, err := execute(ctx, opts.Plan, env)
	if cerr := env.closeAll(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if totals.Read != totals.Emitted+totals.Dropped+totals.Rejected {
		return nil, fmt.Errorf("internal: outcomes do not balance: %+v", totals)
	}
	summaries := make([]schemas.StageSummary, len(reports))
	for i, r := range reports {
		if err := writeJSON(env, reportName(r.Index, r.Stage), r); err != nil {
			return nil, err
		}
		summaries[i] = schemas.StageSummary{Stage: r.Stage, In: r.In, Out: r.Out, Dropped: r.Dropped}
	}
	env.inputs.Sort()
	finished := time.Now()
	m := &schemas.RunManifest{
		Tool: "tuneprep", Version: opts.Version, Config: opts.Config,
		Inputs: env.inputs, Outputs: env.outputs(), Totals: totals, Stages: summaries,
		Status:      schemas.StatusOK,
		Gates:       append(gates(opts.Plan), emptyRunGates(opts.Plan, reports, totals)...),
		GateResults: []schemas.GateResult{},
		Splits:      emitted.summaries(),
		Warnings:    warnings(opts.Plan),
		Execution: schemas.Execution{
			RunID:   opts.RunID,
			Workers: env.Workers, GoVersion: runtime.Version(),
			Started:  started.UTC().Format(time.RFC3339),
			Finished: finished.UTC().Format(time.RFC3339),
			Seconds:  round(finished.Sub(started).Seconds()),
		},
	}
	facts := &Facts{Manifest: m, Reports: reports, Labels: emitted.labels}
	if opts.Gates != nil {
		m.GateResults = opts.Gates(facts)
		for _, g := range m.GateResults {
			if !g.Passed {
				m.Gates = append(m.Gates, schemas.Gate{Stage: "gates", Message: g.Gate + ": " + g.Message})
			}
		}
	}
	switch {
	case len(m.Gates) == 0:
	case opts.BlockOutput:
		m.Status = schemas.StatusBlocked
	default:
		m.Status = schemas.StatusFailed
	}
	var sections []Section
	if opts.Sections != nil {
		sections = opts.Sections(facts)
	}
	// The page shows the manifest as it stands before the page itself and
	// run.json are written; neither is listed among the outputs it shows.
	if err := writeHTML(env, m, reports, sections); err != nil {
		return nil, err
	}
	if opts.Write != nil {
		m.Outputs = env.outputs()
		if err := opts.Write(env, facts); err != nil {
			return nil, err
		}
		// What the hook left open is flushed, and what failed to close
		// fails the run, before run.json lists it.
		if err := env.closeAll(); err != nil {
			return nil, err
		}
	}
	m.Outputs = env.outputs()
	// run.json is written last and is not listed among the outputs it lists.
	if err := writeManifest(env, m); err != nil {
		return nil, err
	}
	// Every file is on the disk before the output is committed.
	if err := env.closeAll(); err != nil {
		return nil, err
	}
	return m, nil
}

// reportName is the path of a stage's report; the source is stage 1.
func reportName(index int, stage string) string {
	return fmt.Sprintf("reports/%02d-%s.json", index, stage)
}

// outputPath is dir made absolute. When dir is a symbolic link, it is the
// link's target: the output replaces the directory the link leads to and
// the link stays, as a user who points out/current at a volume expects.
func outputPath(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("output %s: %w", dir, err)
	}
	if st, err := os.Lstat(abs); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		if abs, err = filepath.EvalSymlinks(abs); err != nil {
			return "", fmt.Errorf("output %s is a symbolic link: %w", dir, err)
		}
	}
	return abs, nil
}

// writeManifest writes run.json as writeJSON would, byte for byte, but
// marshals its inputs one at a time: a run over two million files lists two
// million inputs, which marshalled and indented at once took about three
// times run.json's 350 MB in memory.
func writeManifest(env *Env, m *schemas.RunManifest) error {
	shell := *m
	shell.Inputs = schemas.Inputs{}
	b, err := json.MarshalIndent(&shell, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", manifestName, err)
	}
	// Top-level keys are the only lines indented by two spaces (strings in
	// the config cannot hold a raw newline), so this is where inputs go.
	const open = "\n  \"inputs\": ["
	at := bytes.Index(b, []byte(open+"],\n"))
	if at < 0 || m.Inputs.Len() == 0 {
		return writeJSON(env, manifestName, m)
	}
	f, err := env.Create(manifestName)
	if err != nil {
		return err
	}
	at += len(open)
	f.Write(b[:at])
	var e []byte
	i := 0
	for in := range m.Inputs.All() {
		e = e[:0]
		if i++; i > 1 {
			e = append(e, ',')
		}
		e = appendInput(append(e, "\n    "...), in)
		f.Write(e)
	}
	f.Write([]byte("\n  "))
	f.Write(b[at:])
	f.Write([]byte{'\n'})
	f.SetRecords(1)
	return f.Close()
}

// appendInput appends in as json.MarshalIndent(in, "    ", "  ") writes
// it, at a tenth of the cost: run.json lists every input file, and
// marshalling, compacting and indenting each was a serial 0.3 s at the end
// of a run over 100k files.
func appendInput(dst []byte, in schemas.InputFile) []byte {
	path, _ := json.Marshal(in.Path) // a string always marshals
	dst = append(dst, "{\n      \"path\": "...)
	dst = append(dst, path...)
	dst = append(dst, ",\n      \"bytes\": "...)
	dst = strconv.AppendInt(dst, in.Bytes, 10)
	dst = append(dst, ",\n      \"sha256\": \""...)
	dst = hex.AppendEncode(dst, in.SHA256[:])
	return append(dst, "\"\n    }"...)
}

// writeJSON writes v as indented JSON to a new output file.
func writeJSON(env *Env, rel string, v any) error {
	f, err := env.Create(rel)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", rel, err)
	}
	f.Write(append(b, '\n'))
	f.SetRecords(1)
	return f.Close()
}
