package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Outcome is how a run ended, for its metrics: the exit code, when it
// started and finished, and the output it wrote into (a label on every
// metric, so several jobs can share node_exporter's textfile directory).
type Outcome struct {
	Output   string
	ExitCode int
	Started  time.Time
	Finished time.Time
	// LastSuccess is when a run into this output last exited 0 (zero:
	// never, as far as the previous metrics file says).
	LastSuccess time.Time
}

// metricFamily is one metric with its help text, type and samples.
type metricFamily struct {
	name, help, typ string
	samples         []sample
}

type sample struct {
	labels [][2]string
	value  float64
}

// Metrics writes the run in the Prometheus text exposition format (0.0.4),
// for node_exporter's textfile collector: the run's timestamp, duration,
// exit code and last success, records by outcome, drops by stage and
// reason, PII by type, examples and tokens per split, and gate results. r
// may be nil when the run failed before it had a manifest; then only the
// run's own metrics are written.
func Metrics(w io.Writer, r *Run, o Outcome) error {
	out := [2]string{"output", o.Output}
	fam := func(name, help, typ string) *metricFamily {
		return &metricFamily{name: "tuneprep_" + name, help: help, typ: typ}
	}
	var fams []*metricFamily
	add := func(f *metricFamily, value float64, labels ...[2]string) {
		f.samples = append(f.samples, sample{append([][2]string{out}, labels...), value})
	}
	unix := func(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

	ts := fam("run_timestamp_seconds", "When the last run finished, as a Unix time.", "gauge")
	add(ts, unix(o.Finished))
	dur := fam("run_duration_seconds", "How long the last run took, lock wait included.", "gauge")
	add(dur, o.Finished.Sub(o.Started).Seconds())
	code := fam("run_exit_code", "Exit code of the last run: 0 ok, 1 failed, 2 usage or config error, 3 a quality gate failed, 130 interrupted.", "gauge")
	add(code, float64(o.ExitCode))
	ok := fam("run_success", "1 when the last run exited 0, else 0.", "gauge")
	add(ok, boolValue(o.ExitCode == 0))
	fams = append(fams, ts, dur, code, ok)
	if !o.LastSuccess.IsZero() {
		last := fam("last_success_timestamp_seconds", "When a run last exited 0, as a Unix time.", "gauge")
		add(last, unix(o.LastSuccess))
		fams = append(fams, last)
	}
	if r == nil {
		return writeFamilies(w, fams)
	}

	recs := fam("records", "Records of the last run by outcome; read = emitted + dropped + rejected.", "gauge")
	for _, x := range []struct {
		name string
		n    int64
	}{{"read", r.Totals.Read}, {"emitted", r.Totals.Emitted}, {"dropped", r.Totals.Dropped}, {"rejected", r.Totals.Rejected}} {
		add(recs, float64(x.n), [2]string{"outcome", x.name})
	}
	drops := fam("dropped_records", "Records the last run dropped (at the source: rejected), by stage and reason.", "gauge")
	busy := fam("stage_busy_seconds", "Time each stage's workers spent on records in the last run.", "gauge")
	for _, s := range r.Stages {
		for _, c := range s.Dropped {
			add(drops, float64(c.N), [2]string{"stage", s.Name}, [2]string{"reason", c.Name})
		}
		add(busy, s.BusySeconds, [2]string{"stage", s.Name})
	}
	fams = append(fams, recs, drops, busy)
	if p := r.PII; p != nil {
		pii := fam("pii_found", "Sensitive values the last run found and replaced, by type.", "gauge")
		for _, c := range p.ByType {
			add(pii, float64(c.N), [2]string{"type", c.Name})
		}
		res := fam("pii_residual", "Sensitive values found again after replacement in the last run.", "gauge")
		add(res, float64(p.Residual))
		fams = append(fams, pii, res)
	}
	ex := fam("split_examples", "Examples the last run emitted, by split.", "gauge")
	tok := fam("split_tokens", "Tokens of the examples the last run emitted, by split.", "gauge")
	q := fam("split_example_tokens", "Tokens of one example by split: stat p50 and p95 (lower nearest rank), and max.", "gauge")
	for _, s := range r.Tokens.Splits {
		split := [2]string{"split", s.Split}
		add(ex, float64(s.Examples), split)
		if tc := s.Tokens; tc != nil {
			add(tok, float64(tc.Total), split)
			add(q, float64(tc.P50), split, [2]string{"stat", "p50"})
			add(q, float64(tc.P95), split, [2]string{"stat", "p95"})
			add(q, float64(tc.Max), split, [2]string{"stat", "max"})
		}
	}
	fams = append(fams, ex, tok, q)
	if r.Tokens.Limit > 0 {
		lim := fam("model_token_limit", "Training limit of the target model, in tokens per example.", "gauge")
		add(lim, float64(r.Tokens.Limit), [2]string{"model", r.Tokens.Model})
		fams = append(fams, lim)
	}
	gp := fam("gate_passed", "1 when the gate passed in the last run, 0 when it failed; built-in gates appear only when they failed.", "gauge")
	gv := fam("gate_value", "The figure each configured gate compared with its threshold in the last run.", "gauge")
	gt := fam("gate_threshold", "Each configured gate's threshold.", "gauge")
	for _, g := range r.Gates {
		name := [2]string{"gate", g.Gate}
		add(gp, boolValue(g.Passed), name)
		if g.Value != nil {
			add(gv, *g.Value, name)
		}
		add(gt, g.Threshold, name)
	}
	failedBuiltin := map[string]bool{}
	for _, g := range r.Failed {
		if g.Stage != "gates" && !failedBuiltin[g.Stage] {
			failedBuiltin[g.Stage] = true
			add(gp, 0, [2]string{"gate", "builtin." + g.Stage})
		}
	}
	gf := fam("gates_failed", "Quality gates the last run failed.", "gauge")
	add(gf, float64(len(r.Failed)))
	fams = append(fams, gp, gv, gt, gf)
	return writeFamilies(w, fams)
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// writeFamilies writes each family with samples: HELP, TYPE, then its
// samples sorted by labels, so identical runs write identical metrics.
func writeFamilies(w io.Writer, fams []*metricFamily) error {
	bw := bufio.NewWriter(w)
	for _, f := range fams {
		if len(f.samples) == 0 {
			continue
		}
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n", f.name, escapeHelp(f.help), f.name, f.typ)
		lines := make([]string, len(f.samples))
		for i, s := range f.samples {
			var b strings.Builder
			b.WriteString(f.name)
			b.WriteByte('{')
			for j, l := range s.labels {
				if j > 0 {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, "%s=\"%s\"", l[0], escapeLabel(l[1]))
			}
			b.WriteString("} ")
			b.WriteString(formatValue(s.value))
			lines[i] = b.String()
		}
		sort.Strings(lines)
		for _, l := range lines {
			bw.WriteString(l)
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}

// escapeLabel escapes a label value: backslash, double quote and newline.
func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// escapeHelp escapes help text: backslash and newline.
func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// LastSuccess reads tuneprep_last_success_timestamp_seconds (or, when the
// run it describes succeeded, its run timestamp) from a previous metrics
// file; zero when there is none.
func LastSuccess(prev []byte) time.Time {
	var last, runAt float64
	success := false
	sc := bufio.NewScanner(bytes.NewReader(prev))
	for sc.Scan() {
		line := sc.Text()
		name, rest, _ := strings.Cut(line, "{")
		_, value, found := strings.Cut(rest, "} ")
		if !found {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		switch name {
		case "tuneprep_last_success_timestamp_seconds":
			last = v
		case "tuneprep_run_timestamp_seconds":
			runAt = v
		case "tuneprep_run_success":
			success = v == 1
		}
	}
	if success && runAt > last {
		last = runAt
	}
	if last <= 0 {
		return time.Time{}
	}
	sec, frac := math.Modf(last)
	return time.Unix(int64(sec), int64(frac*1e9))
}
