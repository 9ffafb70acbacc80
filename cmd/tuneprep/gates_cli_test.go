package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

// gateValues runs and returns each gate's figure from run.json.
func gateValues(t *testing.T, in, out string, args ...string) map[string]float64 {
	t.Helper()
	code, stderr := samplesRun(t, in, out, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	values := map[string]float64{}
	for _, g := range readManifest(t, out).GateResults {
		if g.Value == nil {
			t.Fatalf("%s has no value: %s", g.Gate, g.Message)
		}
		values[g.Gate] = *g.Value
	}
	return values
}

// checkGate runs with one gate at a threshold and checks the exit code and
// that stderr has one line for the failed gate.
func checkGate(t *testing.T, in, out, gate, threshold string, pass bool, args ...string) {
	t.Helper()
	code, stderr := samplesRun(t, in, out, append(args, "--gate", gate+"="+threshold)...)
	want := exitGate
	if pass {
		want = exitOK
	}
	if code != want {
		t.Fatalf("%s=%s: exit %d, want %d\n%s", gate, threshold, code, want, stderr)
	}
	lines := strings.Count(stderr, "tuneprep: quality gate failed: "+gate+": ")
	if (pass && lines != 0) || (!pass && lines != 1) {
		t.Errorf("%s=%s: stderr:\n%s", gate, threshold, stderr)
	}
	if m := readManifest(t, out); !pass && (m.Status != schemas.StatusFailed || len(m.Gates) != 1) {
		t.Errorf("%s=%s: run.json status %s, gates %v", gate, threshold, m.Status, m.Gates)
	}
}

// TestGatesExitCodes: every gate fails (exit 3, one line, output written
// and marked failed) when its threshold is crossed and passes (exit 0) at
// its figure.
func TestGatesExitCodes(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	rates := []string{"max_reject_rate", "max_drop_rate", "max_drop_rate.dedup"}
	counts := []string{"min_examples", "min_examples.train", "min_examples_per_label", "min_bank_examples"}
	var all []string
	for _, g := range append(rates, counts...) {
		threshold := "1"
		all = append(all, "--gate", g+"="+threshold)
	}
	values := gateValues(t, "", out, all...)
	if len(values) != len(rates)+len(counts)+1 { // and max_residual_pii, on by default
		t.Fatalf("gate results %v", values)
	}
	for _, g := range rates {
		v := values[g]
		if v <= 0 {
			t.Fatalf("%s: the samples give %v", g, v)
		}
		checkGate(t, "", out, g, strconv.FormatFloat(v+0.0001, 'f', -1, 64), true)
		checkGate(t, "", out, g, strconv.FormatFloat(v-0.0001, 'f', -1, 64), false)
	}
	for _, g := range counts {
		v := int(values[g])
		checkGate(t, "", out, g, strconv.Itoa(v), true)
		checkGate(t, "", out, g, strconv.Itoa(v+1), false)
	}

	// Residual values, leakage and conflicts need data that has them.
	in, cfg := countGatesInput(t)
	args := []string{"--config", cfg, "--gate", "max_residual_pii=1000", "--gate", "max_leakage_pairs=1000", "--gate", "max_conflicts=1000"}
	code, _, stderr := cli(t, append([]string{"run", "--quiet", "--in", in, "--out", out}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	values = map[string]float64{}
	for _, g := range readManifest(t, out).GateResults {
		values[g.Gate] = *g.Value
	}
	for _, g := range []string{"max_residual_pii", "max_leakage_pairs", "max_conflicts"} {
		v := int(values[g])
		if v < 1 {
			t.Fatalf("%s: the input gives %d", g, v)
		}
		run := func(threshold int, pass bool) {
			t.Helper()
			code, _, stderr := cli(t, append([]string{"run", "--quiet", "--in", in, "--out", out}, append(args, "--gate", g+"="+strconv.Itoa(threshold))...)...)
			if (code == exitOK) != pass || (!pass && code != exitGate) || strings.Count(stderr, "quality gate failed: "+g+": ") != map[bool]int{true: 0, false: 1}[pass] {
				t.Errorf("%s=%d: exit %d\n%s", g, threshold, code, stderr)
			}
		}
		run(v, true)
		run(v-1, false)
	}
	// The default max_residual_pii of 0 fails this input.
	if code, _, _ := cli(t, "run", "--quiet", "--in", in, "--out", out, "--config", cfg); code != exitGate {
		t.Errorf("default max_residual_pii: exit %d", code)
	}
}

// countGatesInput writes records with residual sensitive values (a custom
// detector whose tag it finds again), training prompts contained in
// evaluation prompts (leakage) and duplicate questions with different
// answers (conflicts), and the config to run them.
func countGatesInput(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.MkdirAll(in, 0o755)
	words := strings.Fields("amber basil cedar delta ember fjord garnet harbor indigo juniper kestrel lilac maple nectar onyx pepper quartz raven sierra tundra umber violet willow xenon yarrow zephyr " +
		"anchor bramble canyon dune estuary falcon glacier heron island jasmine kelp lagoon meadow nimbus orchid prairie quill reef savanna thistle upland valley walnut")
	phrase := func(seed, n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = words[(seed*31+i*17+i*i*7)%len(words)]
		}
		return strings.Join(parts, " ")
	}
	var b strings.Builder
	line := func(q, a, label string) {
		rec, _ := json.Marshal(map[string]string{"instruction": q, "response": a, "category": label})
		b.Write(rec)
		b.WriteByte('\n')
	}
	for i := range 40 {
		short := fmt.Sprintf("ticket %d: %s", i, phrase(i, 8))
		line(short, "answer "+phrase(i+100, 6), "l"+strconv.Itoa(i%2))
		line(short+" and also "+phrase(i+300, 24), "answer "+phrase(i+200, 6), "l"+strconv.Itoa(i%2))
	}
	line("my email is jane.planted@example.org, what now", "we will write to you", "l0")
	line("is the shop open on sunday morning", "yes, from nine", "l1")
	line("is the shop open on sunday morning", "no, it is closed", "l1")
	os.WriteFile(filepath.Join(in, "tickets.jsonl"), []byte(b.String()), 0o644)
	cfg := filepath.Join(dir, "tuneprep.yaml")
	os.WriteFile(cfg, []byte(`input:
  label_fields: [category]
dedup:
  key: [instruction]
  conflict_fields: [response]
  conflicts: keep-and-report
redact:
  detectors:
    custom:
      - name: TAGGED
        regex: '\[(EMAIL|TAGGED)\]'
template:
  rules:
    - user: "{{.instruction}}"
      assistant: "{{.response}}"
`), 0o644)
	return in, cfg
}

// TestGatesFromConfigEnvAndAlias: gates come from the config file, the
// environment and flags, in that order of precedence; split.min_per_split
// is min_examples when that is not set; an unknown or impossible gate is a
// usage or config error.
func TestGatesFromConfigEnvAndAlias(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	t.Setenv("TUNEPREP_SPLIT_MIN_PER_SPLIT", "4") // validation and test have 3
	code, stderr := samplesRun(t, "", out)
	if code != exitGate || !strings.Contains(stderr, "quality gate failed: min_examples: validation, test below 4") {
		t.Fatalf("min_per_split 4: exit %d\n%s", code, stderr)
	}
	if code, stderr := samplesRun(t, "", out, "--gate", "min_examples=2"); code != exitOK {
		t.Fatalf("min_examples set: exit %d\n%s", code, stderr)
	}
	t.Setenv("TUNEPREP_GATES_MIN_EXAMPLES", "50")
	if code, _ := samplesRun(t, "", out); code != exitGate {
		t.Fatalf("TUNEPREP_GATES_MIN_EXAMPLES: exit %d", code)
	}
	if code, _ := samplesRun(t, "", out, "--gate", "min_examples=1"); code != exitOK {
		t.Fatalf("the flag does not win over the environment: exit %d", code)
	}
	os.Unsetenv("TUNEPREP_SPLIT_MIN_PER_SPLIT")
	os.Unsetenv("TUNEPREP_GATES_MIN_EXAMPLES")

	cfg := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(cfg, []byte("gates:\n  max_drop_rate.dedup: 1%\n"), 0o644)
	code, _, stderr = cli(t, "run", "--quiet", "--config", cfg, "--in", "../../samples/data", "--out", out)
	if code != exitGate || !strings.Contains(stderr, "max_drop_rate.dedup: dedup dropped") {
		t.Fatalf("config gates: exit %d\n%s", code, stderr)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--gate", "max_dropped=1"}, exitUsage, `unknown gate "max_dropped"`},
		{[]string{"--gate", "min_examples"}, exitUsage, "want name=value"},
		{[]string{"--gate", "max_drop_rate.nosuch=0.1"}, exitUsage, `this run has no stage "nosuch"`},
		{[]string{"--gate", "min_bank_examples=2", "--gate", "block_output=true"}, exitGate, "output blocked"},
	} {
		code, stderr := samplesRun(t, "", out, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d\n%s", c.args, code, stderr)
		}
	}
	os.WriteFile(cfg, []byte("fewshot:\n  enabled: false\ngates:\n  min_bank_examples: 2\n"), 0o644)
	if code, _, stderr := cli(t, "run", "--quiet", "--config", cfg, "--in", "../../samples/data", "--out", out); code != exitUsage ||
		!strings.Contains(stderr, "gates.min_bank_examples needs fewshot.enabled") {
		t.Errorf("a gate without its stage: exit %d\n%s", code, stderr)
	}
	os.WriteFile(cfg, []byte("gates:\n  min_examples: 2\n  max_leak: 1\n"), 0o644)
	if code, _, stderr := cli(t, "run", "--quiet", "--config", cfg, "--in", "../../samples/data", "--out", out); code != exitUsage ||
		!strings.Contains(stderr, "line 3: gates.max_leak: unknown gate") {
		t.Errorf("unknown key: exit %d\n%s", code, stderr)
	}
}

// TestBlockOutputKeepsPrevious: with gates.block_output a failed gate keeps
// the previous output byte for byte; the failed run's output is beside it.
func TestBlockOutputKeepsPrevious(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if code, stderr := samplesRun(t, "", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	before := snapshot(t, out)
	raw, _ := os.ReadFile(filepath.Join(out, "run.json"))
	code, stderr := samplesRun(t, "", out, "--gate", "min_examples=10", "--gate", "block_output=true")
	if code != exitGate || !strings.Contains(stderr, "output blocked: "+out+" still holds the previous output") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	after, _ := os.ReadFile(filepath.Join(out, "run.json"))
	if string(after) != string(raw) || len(snapshot(t, out)) != len(before) {
		t.Fatal("the blocked run changed the output")
	}
	m := readManifest(t, out+".failed")
	if m.Status != schemas.StatusBlocked || len(m.Gates) != 1 {
		t.Errorf("set-aside run.json: status %s, gates %v", m.Status, m.Gates)
	}
	if code, out2, _ := cli(t, "report", out+".failed"); code != 0 || !strings.Contains(out2, "output blocked") {
		t.Errorf("report of the blocked run: %d\n%s", code, out2)
	}
}

// TestJSONLogsCarryRunID: with --log-format json every line on stderr is a
// JSON object with the run's ID, failed gates included.
func TestJSONLogsCarryRunID(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := cli(t, "run", "--log-format", "json", "--out", out, "--gate", "min_examples=10", "--gate", "max_drop_rate=0.01")
	if code != exitGate {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	id, gates := "", 0
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		rid, _ := rec["run_id"].(string)
		if id == "" {
			id = rid
		}
		if rid == "" || rid != id {
			t.Errorf("run_id %q in %q", rid, l)
		}
		if msg, _ := rec["msg"].(string); strings.HasPrefix(msg, "quality gate failed: ") {
			gates++
		}
	}
	if gates != 2 || len(lines) < 4 {
		t.Errorf("%d gate lines:\n%s", gates, stderr)
	}
	if m := readManifest(t, out); m.Execution.RunID != id {
		t.Errorf("run.json run_id %q, logs %q", m.Execution.RunID, id)
	}
}
