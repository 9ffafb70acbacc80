package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tuneprep/tuneprep/schemas"
)

var update = flag.Bool("update", false, "rewrite generated files (config schema, README reference)")

// TestMain lets tests run the real binary: the test binary re-executes
// itself as tuneprep when TUNEPREP_TEST_MAIN is set.
func TestMain(m *testing.M) {
	if os.Getenv("TUNEPREP_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// cli runs a command in-process and returns its exit code and output.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := dispatch(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// runOK runs `tuneprep run` with args and fails the test unless it exits 0.
func runOK(t *testing.T, args ...string) {
	t.Helper()
	code, _, stderr := cli(t, append([]string{"run", "--quiet"}, args...)...)
	if code != 0 {
		t.Fatalf("run %v: exit %d\n%s", args, code, stderr)
	}
}

func readManifest(t *testing.T, dir string) schemas.RunManifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	validateRunJSON(t, b)
	var m schemas.RunManifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// validateRunJSON checks a run.json against the embedded schema; every test
// that reads a manifest goes through it.
func validateRunJSON(t *testing.T, b []byte) {
	t.Helper()
	validateAgainst(t, "run.schema.json", schemas.RunSchema, b)
}

func validateAgainst(t *testing.T, name string, schema, doc []byte) {
	t.Helper()
	s, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(name, s); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(name)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// checkBalance verifies that every stage report and the run's totals balance.
func checkBalance(t *testing.T, dir string) schemas.RunManifest {
	t.Helper()
	m := readManifest(t, dir)
	tot := m.Totals
	if tot.Read != tot.Emitted+tot.Dropped+tot.Rejected {
		t.Errorf("totals do not balance: %+v", tot)
	}
	reports, _ := filepath.Glob(filepath.Join(dir, "reports", "*.json"))
	if len(reports) != len(m.Stages) || len(reports) == 0 {
		t.Fatalf("%d reports for %d stages", len(reports), len(m.Stages))
	}
	var dropped, prevOut int64 = 0, -1
	for i, p := range reports {
		b, _ := os.ReadFile(p)
		var r schemas.StageReport
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, n := range r.Dropped {
			sum += n
		}
		if r.In != r.Out+sum {
			t.Errorf("%s: in %d != out %d + dropped %d", r.Stage, r.In, r.Out, sum)
		}
		if prevOut >= 0 && r.In != prevOut {
			t.Errorf("%s: in %d, previous stage's out %d", r.Stage, r.In, prevOut)
		}
		if i > 0 {
			dropped += sum
		} else if sum != tot.Rejected || r.In != tot.Read {
			t.Errorf("ingest: in %d rejected %d; totals %+v", r.In, sum, tot)
		}
		prevOut = r.Out
	}
	if dropped != tot.Dropped || prevOut != tot.Emitted {
		t.Errorf("stages dropped %d and emitted %d; totals %+v", dropped, prevOut, tot)
	}
	lines := func(name string) int64 {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		return int64(bytes.Count(b, []byte("\n")))
	}
	if lines("dropped.jsonl") != tot.Dropped || lines("rejects.jsonl") != tot.Rejected {
		t.Errorf("dropped.jsonl/rejects.jsonl lines do not match totals %+v", tot)
	}
	// Every emitted record is in a training file (its sidecar names it), and
	// no record is both emitted and dropped: counted from the files, not
	// from the totals the engine already checks.
	emitted := map[string]bool{}
	sidecars, _ := filepath.Glob(filepath.Join(dir, "finetune", "*.ids.jsonl"))
	nested, _ := filepath.Glob(filepath.Join(dir, "finetune", "*", "*.ids.jsonl"))
	for _, p := range append(sidecars, nested...) {
		b, _ := os.ReadFile(p)
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var r struct{ ID string }
			if l != "" && json.Unmarshal([]byte(l), &r) == nil {
				emitted[r.ID] = true
			}
		}
	}
	if int64(len(emitted)) != tot.Emitted {
		t.Errorf("%d distinct records in the training files, %d emitted", len(emitted), tot.Emitted)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "dropped.jsonl"))
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r struct{ ID string }
		if l != "" && json.Unmarshal([]byte(l), &r) == nil && emitted[r.ID] {
			t.Errorf("record %s is both emitted and dropped", r.ID)
		}
	}
	return m
}

func TestRunSamples(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := cli(t, "run", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "emitted") {
		t.Errorf("no summary on stdout: %q", stdout)
	}
	for _, f := range []string{"finetune/train.jsonl", "finetune/validation.jsonl", "finetune/test.jsonl",
		"rejects.jsonl", "dropped.jsonl", "run.json", "reports/01-ingest.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	m := checkBalance(t, out)
	if m.Totals.Rejected == 0 || m.Totals.Dropped == 0 || m.Totals.Emitted < 30 {
		t.Errorf("samples should have rejects, drops and emitted records: %+v", m.Totals)
	}
	// Every chat line has a user and an assistant turn.
	b, _ := os.ReadFile(filepath.Join(out, "finetune/train.jsonl"))
	for i, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var ex struct{ Messages []schemas.Message }
		if err := json.Unmarshal(line, &ex); err != nil || len(ex.Messages) < 2 || ex.Messages[len(ex.Messages)-1].Role != "assistant" {
			t.Fatalf("train line %d: %s", i+1, line)
		}
	}
	// Running again replaces the output; a directory that is not ours is refused.
	runOK(t, "--out", out)
	foreign := t.TempDir()
	os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("mine"), 0o644)
	if code, _, _ := cli(t, "run", "--quiet", "--out", foreign); code != exitFailed {
		t.Errorf("replacing a foreign directory: exit %d, want %d", code, exitFailed)
	}
	if _, err := os.Stat(filepath.Join(foreign, "notes.txt")); err != nil {
		t.Error("foreign directory was touched")
	}
}

func TestGeneratedDocsUpToDate(t *testing.T) {
	schema, err := configJSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	ref := configReference()
	if *update {
		os.WriteFile("../../schemas/config.schema.json", schema, 0o644)
		readme, _ := os.ReadFile("../../README.md")
		os.WriteFile("../../README.md", replaceBetween(readme, ref), 0o644)
	}
	if got, _ := os.ReadFile("../../schemas/config.schema.json"); !bytes.Equal(got, schema) {
		t.Error("schemas/config.schema.json is stale: go test ./cmd/tuneprep -run Generated -update")
	}
	readme, _ := os.ReadFile("../../README.md")
	if !bytes.Contains(readme, []byte(ref)) {
		t.Error("README.md config reference is stale: go test ./cmd/tuneprep -run Generated -update")
	}
	// The sample config and the commented default both satisfy the schema.
	text, err := commentedConfig(defaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var cfg Config
	if err := decodeConfig("init", []byte(text), &cfg); err != nil {
		t.Fatalf("init output does not load: %v", err)
	}
	asJSON, _ := asJSONable(cfg)
	b, _ := json.Marshal(asJSON)
	validateAgainst(t, "config.schema.json", schema, b)
}

const refBegin, refEnd = "<!-- config-reference:begin -->\n", "<!-- config-reference:end -->"

func replaceBetween(doc []byte, ref string) []byte {
	s := string(doc)
	i, j := strings.Index(s, refBegin), strings.Index(s, refEnd)
	if i < 0 || j < i {
		return doc
	}
	return []byte(s[:i+len(refBegin)] + ref + s[j:])
}
