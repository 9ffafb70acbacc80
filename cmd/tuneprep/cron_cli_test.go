package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tuneprep/tuneprep/stages/report"
)

// TestDatasetCard: README.md in the output is a dataset card whose YAML
// header parses and whose split sizes are those of the files it names.
func TestDatasetCard(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if code, stderr := samplesRun(t, "", out, "--formats", "openai-chat,alpaca"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	head, body, ok := strings.Cut(strings.TrimPrefix(text, "---\n"), "\n---\n")
	if !strings.HasPrefix(text, "---\n") || !ok {
		t.Fatalf("no YAML header:\n%s", text)
	}
	var card struct {
		License        string   `yaml:"license"`
		TaskCategories []string `yaml:"task_categories"`
		SizeCategories []string `yaml:"size_categories"`
		Configs        []struct {
			Name      string `yaml:"config_name"`
			DataFiles []struct {
				Split string `yaml:"split"`
				Path  string `yaml:"path"`
			} `yaml:"data_files"`
		} `yaml:"configs"`
		Info []struct {
			Name   string `yaml:"config_name"`
			Splits []struct {
				Name     string `yaml:"name"`
				Bytes    int64  `yaml:"num_bytes"`
				Examples int64  `yaml:"num_examples"`
			} `yaml:"splits"`
		} `yaml:"dataset_info"`
	}
	dec := yaml.NewDecoder(strings.NewReader(head))
	dec.KnownFields(false)
	if err := dec.Decode(&card); err != nil {
		t.Fatalf("header: %v\n%s", err, head)
	}
	if card.License != "unknown" || len(card.TaskCategories) == 0 || len(card.SizeCategories) != 1 {
		t.Errorf("header %+v", card)
	}
	var names []string
	checked := 0
	for i, c := range card.Configs {
		names = append(names, c.Name)
		info := card.Info[i]
		if info.Name != c.Name || len(info.Splits) != len(c.DataFiles) {
			t.Fatalf("config %s: info %+v", c.Name, info)
		}
		for j, f := range c.DataFiles {
			s := info.Splits[j]
			data, err := os.ReadFile(filepath.Join(out, f.Path))
			if err != nil {
				t.Fatal(err)
			}
			n := int64(bytes.Count(data, []byte("\n")))
			if strings.HasSuffix(f.Path, ".json") {
				var arr []json.RawMessage
				if err := json.Unmarshal(data, &arr); err != nil {
					t.Fatal(err)
				}
				n = int64(len(arr))
			}
			if s.Name != f.Split || s.Examples != n || s.Bytes != int64(len(data)) || n == 0 {
				t.Errorf("%s %s: card says %d examples, %d bytes; the file has %d, %d", c.Name, f.Path, s.Examples, s.Bytes, n, len(data))
			}
			checked++
		}
	}
	if strings.Join(names, " ") != "openai-chat alpaca fewshot-banks" || checked != 7 {
		t.Errorf("configs %v, %d files", names, checked)
	}
	for _, want := range []string{"## How the data was made", "### Stages", "| dedup | 55 | 50 | exact-duplicate 4, near-duplicate 1 |",
		"### Sensitive values", "(EMAIL 2, PHONE 2, STREET_ADDRESS 2, CREDIT_CARD 1)", "### Tokens", "| train | 42 | 4,430 |", "## Licence"} {
		if !strings.Contains(body, want) {
			t.Errorf("the card lacks %q", want)
		}
	}
}

// TestMetricsFile: --metrics-file writes Prometheus text format (checked
// against the format's rules, and by promtool when it is installed) with
// the run's figures; a failed run says so and keeps the last success.
func TestMetricsFile(t *testing.T) {
	dir := t.TempDir()
	out, metrics := filepath.Join(dir, "out"), filepath.Join(dir, "m", "tuneprep.prom")
	os.MkdirAll(filepath.Dir(metrics), 0o755)
	if code, stderr := samplesRun(t, "", out, "--metrics-file", metrics); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	series := checkPromText(t, metrics)
	o := `output="` + out + `"`
	for key, want := range map[string]float64{
		`tuneprep_records{outcome="read",` + o + `}`:                                 58,
		`tuneprep_records{outcome="rejected",` + o + `}`:                             3,
		`tuneprep_dropped_records{` + o + `,reason="exact-duplicate",stage="dedup"}`: 4,
		`tuneprep_dropped_records{` + o + `,reason="malformed-json",stage="ingest"}`: 2,
		`tuneprep_pii_found{` + o + `,type="EMAIL"}`:                                 2,
		`tuneprep_split_examples{` + o + `,split="train"}`:                           42,
		`tuneprep_split_tokens{` + o + `,split="train"}`:                             4430,
		`tuneprep_split_example_tokens{` + o + `,split="train",stat="max"}`:          131,
		`tuneprep_gate_passed{gate="max_residual_pii",` + o + `}`:                    1,
		`tuneprep_run_success{` + o + `}`:                                            1,
		`tuneprep_run_exit_code{` + o + `}`:                                          0,
		`tuneprep_gates_failed{` + o + `}`:                                           0,
		`tuneprep_model_token_limit{model="gpt-4o-mini",` + o + `}`:                  65536,
	} {
		if got, ok := series[key]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", key, got, ok, want)
		}
	}
	success := series[`tuneprep_last_success_timestamp_seconds{`+o+`}`]
	if ts := series[`tuneprep_run_timestamp_seconds{`+o+`}`]; success != ts || math.Abs(ts-float64(time.Now().Unix())) > 120 {
		t.Errorf("run at %v, last success %v", ts, success)
	}
	// A failed gate: exit code 3, no success, the last success kept.
	if code, _ := samplesRun(t, "", out, "--metrics-file", metrics, "--gate", "min_examples=10"); code != exitGate {
		t.Fatalf("exit %d", code)
	}
	series = checkPromText(t, metrics)
	if series[`tuneprep_run_exit_code{`+o+`}`] != 3 || series[`tuneprep_run_success{`+o+`}`] != 0 ||
		series[`tuneprep_gate_passed{gate="min_examples",`+o+`}`] != 0 || series[`tuneprep_last_success_timestamp_seconds{`+o+`}`] != success {
		t.Errorf("after a failed gate: %v", series)
	}
	// A run that fails before it starts still reports, with exit code 2.
	if code, _ := samplesRun(t, "", out, "--metrics-file", metrics, "--gate", "nonsense=1"); code != exitUsage {
		t.Fatalf("exit %d", code)
	}
	series = checkPromText(t, metrics)
	if series[`tuneprep_run_exit_code{`+o+`}`] != 2 || len(series) != 5 {
		t.Errorf("after a usage error: %v", series)
	}
	if entries, _ := os.ReadDir(filepath.Dir(metrics)); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

var (
	promName  = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	promLabel = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
	promTypes = map[string]bool{"counter": true, "gauge": true, "histogram": true, "summary": true, "untyped": true}
)

// checkPromText checks a file against the rules of the Prometheus text
// exposition format (0.0.4) and returns its samples by series (name and
// sorted labels). It runs promtool check metrics too when promtool is
// installed.
func checkPromText(t *testing.T, path string) map[string]float64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 || b[len(b)-1] != '\n' {
		t.Fatal("the file does not end with a newline")
	}
	series := map[string]float64{}
	typed, helped, done := map[string]bool{}, map[string]bool{}, map[string]bool{}
	typeOf := map[string]string{}
	current := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		fail := func(why string) { t.Fatalf("%s:%d: %s: %q", path, n, why, line) }
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "# HELP "), strings.HasPrefix(line, "# TYPE "):
			f := strings.SplitN(line[7:], " ", 2)
			if len(f) != 2 || !promName.MatchString(f[0]) {
				fail("bad HELP or TYPE line")
			}
			seen := helped
			if line[2] == 'T' {
				seen = typed
				if !promTypes[f[1]] {
					fail("unknown type")
				}
				typeOf[f[0]] = f[1]
				if done[f[0]] {
					fail("TYPE after the metric's samples")
				}
			}
			if seen[f[0]] {
				fail("repeated HELP or TYPE")
			}
			seen[f[0]] = true
			continue
		case strings.HasPrefix(line, "#"):
			continue
		}
		name, labels, value := parseSample(line, fail)
		if name != current {
			if done[name] {
				fail("the metric's samples are not together")
			}
			if current != "" {
				done[current] = true
			}
			current = name
		}
		if !typed[name] {
			fail("a sample before its TYPE")
		}
		for _, l := range labels {
			if strings.HasPrefix(l, `quantile="`) && typeOf[name] != "summary" || strings.HasPrefix(l, `le="`) && typeOf[name] != "histogram" {
				fail("quantile or le label outside a summary or histogram")
			}
		}
		key := name + "{" + strings.Join(labels, ",") + "}"
		if _, dup := series[key]; dup {
			fail("a repeated series")
		}
		series[key] = value
	}
	if p, err := exec.LookPath("promtool"); err == nil {
		cmd := exec.Command(p, "check", "metrics")
		cmd.Stdin = bytes.NewReader(b)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	} else {
		t.Log("promtool not installed; checked against the format's rules only")
	}
	return series
}

// parseSample splits `name{l="v",...} value [timestamp]`, checking the
// names, the quoting and escapes of label values, and the value.
func parseSample(line string, fail func(string)) (string, []string, float64) {
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		fail("no value")
	}
	name, rest := line[:i], line[i:]
	if !promName.MatchString(name) {
		fail("bad metric name")
	}
	var labels []string
	if rest[0] == '{' {
		rest = rest[1:]
		for rest != "" && rest[0] != '}' {
			eq := strings.IndexByte(rest, '=')
			if eq < 0 || !promLabel.MatchString(rest[:eq]) || strings.HasPrefix(rest[:eq], "__") || len(rest) < eq+2 || rest[eq+1] != '"' {
				fail("bad label")
			}
			label := rest[:eq]
			rest = rest[eq+2:]
			var v strings.Builder
			for {
				if rest == "" {
					fail("unterminated label value")
				}
				c := rest[0]
				rest = rest[1:]
				if c == '"' {
					break
				}
				if c == '\n' {
					fail("newline in a label value")
				}
				if c == '\\' {
					if rest == "" || !strings.ContainsRune(`\"n`, rune(rest[0])) {
						fail("bad escape in a label value")
					}
					c, rest = rest[0], rest[1:]
				}
				v.WriteByte(c)
			}
			labels = append(labels, label+`="`+v.String()+`"`)
			if strings.HasPrefix(rest, ",") {
				rest = rest[1:]
			}
		}
		if rest == "" {
			fail("unterminated labels")
		}
		rest = rest[1:]
	}
	f := strings.Fields(rest)
	if len(f) < 1 || len(f) > 2 || !strings.HasPrefix(rest, " ") {
		fail("bad value")
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		fail("bad value")
	}
	if len(f) == 2 {
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			fail("bad timestamp")
		}
	}
	sort.Strings(labels)
	return name, labels, v
}

// TestReportCommand: tuneprep report shows a run on one screen or as JSON,
// and what changed between two runs.
func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if code, stderr := samplesRun(t, "", a); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	t.Setenv("TUNEPREP_DEDUP_NEAR_ENABLED", "false")
	if code, stderr := samplesRun(t, "", b, "--gate", "min_examples=5"); code != exitGate {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code, text, _ := cli(t, "report", a)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"tuneprep run " + a + ": ok", "58 read: 48 emitted, 7 dropped, 3 rejected",
		"dedup      55   50", "exact-duplicate 4, near-duplicate 1", "PII (tag): 7 found in 3 records: EMAIL 2, PHONE 2, STREET_ADDRESS 2, CREDIT_CARD 1; 0 left",
		"duplicates: 4 exact, 1 near, 0 conflicts; 5 clusters", "tokens (o200k_base, gpt-4o-mini, training limit 65,536):",
		"train             42   4,430", "few-shot banks (gpt-4o-mini, prices as of", "$ per 1,000 requests", "gates: 1 passed, 0 failed"} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
	if lines := strings.Count(text, "\n"); lines > 50 {
		t.Errorf("%d lines: more than a screen", lines)
	}
	code, js, _ := cli(t, "report", "--json", a)
	var r report.Run
	if err := json.Unmarshal([]byte(js), &r); code != 0 || err != nil || r.Totals.Read != 58 || r.PII == nil || r.Banks == nil || len(r.Tokens.Splits) != 3 {
		t.Fatalf("--json: %d %v %+v", code, err, r)
	}

	code, diff, _ := cli(t, "report", a, b)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{a + " -> " + b + ": ", "status", "ok -> failed", "dedup dropped near-duplicate", "-1 (-100.0%)",
		"emitted", "+1 (+2.1%)", "gate min_examples", "not configured -> FAILED"} {
		if !strings.Contains(diff, want) {
			t.Errorf("comparison lacks %q:\n%s", want, diff)
		}
	}
	if strings.Contains(diff, "PII EMAIL") || strings.Contains(diff, "records read") {
		t.Errorf("the comparison lists unchanged figures:\n%s", diff)
	}
	if _, same, _ := cli(t, "report", a, a); !strings.Contains(same, ": 0 of ") {
		t.Errorf("a run against itself:\n%s", same)
	}
	code, js, _ = cli(t, "report", "--json", a, b)
	var c report.Comparison
	if err := json.Unmarshal([]byte(js), &c); code != 0 || err != nil || len(c.Changes) == 0 || c.Compared < len(c.Changes) {
		t.Fatalf("--json comparison: %d %v %+v", code, err, c)
	}
	if code, _, stderr := cli(t, "report", dir); code != exitFailed || !strings.Contains(stderr, "not a tuneprep output") {
		t.Errorf("not an output: %d %s", code, stderr)
	}
	if code, _, _ := cli(t, "report"); code != exitUsage {
		t.Errorf("no arguments: %d", code)
	}
}

// bigInput writes n JSONL records, enough for a run to take a while.
func bigInput(t *testing.T, n int) string {
	t.Helper()
	in := t.TempDir()
	f, _ := os.Create(filepath.Join(in, "big.jsonl"))
	w := bufio.NewWriter(f)
	for i := range n {
		fmt.Fprintf(w, "{\"prompt\":\"question number %d with some padding text to make it longer\",\"completion\":\"answer %d with more text\"}\n", i, i)
	}
	w.Flush()
	f.Close()
	return in
}

// startRun starts the real binary (see TestMain).
func startRun(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"run"}, args...)...)
	cmd.Env = append(os.Environ(), "TUNEPREP_TEST_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stderr
}

// waitForLock waits until the process pid holds the output's lock.
func waitForLock(t *testing.T, out string, pid int) {
	t.Helper()
	lock := filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".lock")
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, _ := os.ReadFile(lock)
		if bytes.Contains(b, []byte(fmt.Sprintf(`"pid":%d,`, pid))) {
			return
		}
	}
	t.Fatal("the run never took the lock")
}

// TestTwoRunsOneOutput runs the real binary twice on one output: the
// second exits 1 naming the first's PID and start time, or with --wait
// runs after it, never while it runs.
func TestTwoRunsOneOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a large input")
	}
	in := bigInput(t, 25000)
	out := filepath.Join(t.TempDir(), "out")
	first, firstErr := startRun(t, "--log-format", "json", "--in", in, "--out", out, "--workers", "2")
	waitForLock(t, out, first.Process.Pid)

	metrics := filepath.Join(t.TempDir(), "m.prom")
	code, _, stderr := cli(t, "run", "--quiet", "--in", in, "--out", out, "--metrics-file", metrics)
	if code != exitFailed || !strings.Contains(stderr, fmt.Sprintf("is in use by tuneprep run pid %d", first.Process.Pid)) ||
		!strings.Contains(stderr, ", started 20") || !strings.Contains(stderr, "--wait") {
		t.Errorf("second run: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(metrics); err == nil {
		t.Error("a run refused by the lock wrote metrics")
	}
	second, secondErr := startRun(t, "--quiet", "--in", in, "--out", out, "--workers", "2", "--wait", "2m")
	if err := first.Wait(); err != nil {
		t.Fatalf("first run: %v\n%s", err, firstErr)
	}
	var firstDone string
	for _, l := range strings.Split(firstErr.String(), "\n") {
		var rec struct {
			Msg   string `json:"msg"`
			RunID string `json:"run_id"`
		}
		if json.Unmarshal([]byte(l), &rec) == nil && rec.Msg == "run finished" {
			firstDone = rec.RunID
		}
	}
	m := readManifest(t, out) // the first run's: the second is still running
	if firstDone == "" || m.Execution.RunID != firstDone {
		t.Fatalf("run.json is run %s's, the first run was %s", m.Execution.RunID, firstDone)
	}
	if err := second.Wait(); err != nil {
		t.Fatalf("second run: %v\n%s", err, secondErr)
	}
	m2 := checkBalance(t, out)
	if m2.Execution.RunID == firstDone || m2.Execution.Started < m.Execution.Finished {
		t.Errorf("the runs overlapped: the first finished at %s, the second started at %s", m.Execution.Finished, m2.Execution.Started)
	}
	if temps, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".out.*")); len(temps) != 0 {
		t.Errorf("left behind: %v", temps)
	}
}

// TestKilledRunLockTakenOver: the lock a SIGKILLed run leaves is taken
// over by the next run, which says so.
func TestKilledRunLockTakenOver(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a large input")
	}
	in := bigInput(t, 60000)
	out := filepath.Join(t.TempDir(), "out")
	first, _ := startRun(t, "--quiet", "--in", in, "--out", out, "--workers", "2")
	waitForLock(t, out, first.Process.Pid)
	first.Process.Signal(syscall.SIGKILL)
	first.Wait()
	code, _, stderr := cli(t, "run", "--in", "../../samples/data", "--config", "../../samples/tuneprep.yaml", "--out", out)
	if code != exitOK || !strings.Contains(stderr, "took over the output lock") || !strings.Contains(stderr, "pid="+strconv.Itoa(first.Process.Pid)) {
		t.Errorf("exit %d\n%s", code, stderr)
	}
	checkBalance(t, out)
}
