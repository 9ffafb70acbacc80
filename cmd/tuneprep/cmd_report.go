package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/tuneprep/tuneprep/stages/report"
)

// reportCommand is `tuneprep report OUT [--json]`, a run on one screen, and
// `tuneprep report OLD NEW [--json]`, what changed from one run to another.
// It reads the output only: run.json and reports/NN-<stage>.json.
func reportCommand(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", "report OUT [--json] | report OLD NEW [--json]", stderr)
	asJSON := fs.Bool("json", false, "print the report (or the comparison) as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		return usageError{"report takes an output directory, or two to compare (OLD NEW)"}
	}
	runs := make([]*report.Run, fs.NArg())
	for i, dir := range fs.Args() {
		r, err := report.Load(dir)
		if errors.Is(err, report.ErrNotOutput) {
			return fmt.Errorf("%w: run tuneprep run --out %s first", err, dir)
		}
		if err != nil {
			return err
		}
		runs[i] = r
	}
	if len(runs) == 2 {
		c := report.Compare(runs[0], runs[1])
		if *asJSON {
			return writeJSONTo(stdout, c)
		}
		return report.WriteCompare(stdout, c)
	}
	if *asJSON {
		return writeJSONTo(stdout, runs[0])
	}
	return report.WriteText(stdout, runs[0])
}

func writeJSONTo(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
