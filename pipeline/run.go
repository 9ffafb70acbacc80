package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"sort"
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
}

// Run executes the plan into a temporary sibling of OutDir, writes the stage
// reports and run.json (last), and swaps the result into place. On error or
// cancellation the temporary directory is removed and OutDir is untouched.
// When quality gates failed, the output is committed and Run returns the
// manifest together with a *GateError.
func Run(ctx context.Context, opts RunOptions) (*schemas.RunManifest, error) {
	started := time.Now()
	out, err := openOutput(opts.OutDir)
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
	if err := out.commit(); err != nil {
		out.abort()
		return nil, err
	}
	if len(m.Gates) > 0 {
		return m, &GateError{Failed: m.Gates}
	}
	return m, nil
}

func run(ctx context.Context, opts RunOptions, out *output, started time.Time) (*schemas.RunManifest, error) {
	logger := opts.Plan.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	env := &Env{out: out, Logger: logger}
	reports, totals, err := execute(ctx, opts.Plan, env)
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
	inputs := append([]schemas.FileEntry(nil), env.inputs...)
	sort.Slice(inputs, func(i, j int) bool { return inputs[i].Path < inputs[j].Path })
	finished := time.Now()
	m := &schemas.RunManifest{
		Tool: "tuneprep", Version: opts.Version, Config: opts.Config,
		Inputs: inputs, Outputs: env.outputs(), Totals: totals, Stages: summaries,
		Gates:    append(gates(opts.Plan), emptyRunGates(opts.Plan, reports, totals)...),
		Warnings: warnings(opts.Plan),
		Execution: schemas.Execution{
			Workers: env.Workers, GoVersion: runtime.Version(),
			Started:  started.UTC().Format(time.RFC3339),
			Finished: finished.UTC().Format(time.RFC3339),
			Seconds:  round(finished.Sub(started).Seconds()),
		},
	}
	if m.Inputs == nil {
		m.Inputs = []schemas.FileEntry{}
	}
	// The page shows the manifest as it stands before the page itself and
	// run.json are written; neither is listed among the outputs it shows.
	if err := writeHTML(env, m, reports); err != nil {
		return nil, err
	}
	m.Outputs = env.outputs()
	// run.json is written last and is not listed among the outputs it lists.
	if err := writeJSON(env, manifestName, m); err != nil {
		return nil, err
	}
	return m, nil
}

// reportName is the path of a stage's report; the source is stage 1.
func reportName(index int, stage string) string {
	return fmt.Sprintf("reports/%02d-%s.json", index, stage)
}

// writeJSON writes v as indented JSON to a new output file.
func writeJSON(env *Env, rel string, v any) error {
	f, err := env.Create(rel)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	f.Write(append(b, '\n'))
	f.SetRecords(1)
	return f.Close()
}
