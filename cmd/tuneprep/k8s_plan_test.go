package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// decodeJob decodes a manifest of `tuneprep plan k8s` into a batch/v1 Job,
// refusing any field the Job type does not have.
func decodeJob(t *testing.T, path string) batchv1.Job {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	j, err := yaml.YAMLToJSON(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	var job batchv1.Job
	if err := dec.Decode(&job); err != nil {
		t.Fatalf("%s is not a batch/v1 Job: %v\n%s", path, err, b)
	}
	return job
}

// flagValues returns the --name value pairs of a command line's arguments,
// failing on anything else.
func flagValues(t *testing.T, args []string) map[string]string {
	t.Helper()
	m := map[string]string{}
	if len(args)%2 != 0 {
		t.Fatalf("arguments are not --flag value pairs: %q", args)
	}
	for i := 0; i < len(args); i += 2 {
		name, ok := strings.CutPrefix(args[i], "--")
		if !ok {
			t.Fatalf("argument %q is not a flag: %q", args[i], args)
		}
		if _, dup := m[name]; dup {
			t.Errorf("--%s given twice: %q", name, args)
		}
		m[name] = args[i+1]
	}
	return m
}

// TestK8sPlanManifests: `tuneprep plan k8s` writes Indexed Jobs that decode
// into batch/v1 Jobs field for field, run tuneprep step prepare (one index
// per task, the index from JOB_COMPLETION_INDEX) and merge on the shared
// volume, and refuses paths that are not on it. Run as written (with the
// volume mounted where the test's files are), the commands give a plain
// run's output.
func TestK8sPlanManifests(t *testing.T) {
	const (
		binary = "/usr/local/bin/tuneprep"
		image  = "registry.example.com/tuneprep:v1"
		claim  = "tuneprep-data"
	)
	plan := t.TempDir()
	code, stdout, stderr := cli(t, "plan", "k8s", "--tasks", "4", "--in", "/data/in", "--out", "/data/out",
		"--work", "/data/work", "--config", "/data/tuneprep.yaml", "--workers", "2", "--plan-dir", plan,
		"--image", image, "--volume-claim", claim, "--mount", "/data", "--binary", binary, "--name", "nightly")
	if code != 0 {
		t.Fatalf("plan k8s: exit %d\n%s", code, stderr)
	}
	for _, name := range []string{"jobs/01-prepare.yaml", "jobs/02-merge.yaml", "run.sh"} {
		if !strings.Contains(stdout, filepath.Join(plan, name)) {
			t.Errorf("plan k8s does not list %s:\n%s", name, stdout)
		}
	}
	if files, _ := filepath.Glob(filepath.Join(plan, "jobs", "*")); len(files) != 2 {
		t.Errorf("jobs/ holds %v, want the prepare and merge Jobs", files)
	}
	for _, tc := range []struct {
		file, step  string
		completions int32
	}{
		{"01-prepare.yaml", "prepare", 4},
		{"02-merge.yaml", "merge", 1},
	} {
		job := decodeJob(t, filepath.Join(plan, "jobs", tc.file))
		where := tc.file + ": "
		if job.APIVersion != "batch/v1" || job.Kind != "Job" {
			t.Errorf("%sapiVersion %q kind %q, want batch/v1 Job", where, job.APIVersion, job.Kind)
		}
		if want := "nightly-" + tc.step; job.Name != want {
			t.Errorf("%sname %q, want %q", where, job.Name, want)
		}
		s := job.Spec
		if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
			t.Errorf("%scompletionMode %v, want Indexed", where, s.CompletionMode)
		}
		if s.Completions == nil || *s.Completions != tc.completions {
			t.Errorf("%scompletions %v, want %d", where, s.Completions, tc.completions)
		}
		if s.Parallelism == nil || *s.Parallelism < 1 || *s.Parallelism > tc.completions {
			t.Errorf("%sparallelism %v, want 1 to %d", where, s.Parallelism, tc.completions)
		}
		if s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex < 0 {
			t.Errorf("%sbackoffLimitPerIndex %v, want it set", where, s.BackoffLimitPerIndex)
		}
		if s.MaxFailedIndexes != nil && (*s.MaxFailedIndexes < 0 || *s.MaxFailedIndexes > tc.completions) {
			t.Errorf("%smaxFailedIndexes %d: want 0 to completions", where, *s.MaxFailedIndexes)
		}
		pod := s.Template.Spec
		if pod.RestartPolicy != corev1.RestartPolicyNever {
			t.Errorf("%srestartPolicy %q, want Never", where, pod.RestartPolicy)
		}
		if len(pod.Containers) != 1 {
			t.Fatalf("%s%d containers, want 1", where, len(pod.Containers))
		}
		c := pod.Containers[0]
		if c.Image != image {
			t.Errorf("%simage %q, want %q", where, c.Image, image)
		}
		if len(c.Command) < 3 || c.Command[0] != binary || !filepath.IsAbs(c.Command[0]) ||
			c.Command[1] != "step" || c.Command[2] != tc.step {
			t.Fatalf("%scommand %q, want %s step %s ...", where, c.Command, binary, tc.step)
		}
		if len(c.Args) > 0 {
			t.Errorf("%sargs %q: the command holds them", where, c.Args)
		}
		flags := flagValues(t, c.Command[3:])
		want := map[string]string{"tasks": "4", "work": "/data/work", "in": "/data/in",
			"config": "/data/tuneprep.yaml", "workers": "2", "log-format": "json"}
		if tc.step == "merge" {
			want["out"] = "/data/out"
		}
		for name, v := range want {
			if flags[name] != v {
				t.Errorf("%s--%s %q, want %q (command %q)", where, name, flags[name], v, c.Command)
			}
		}
		for name := range flags {
			if _, ok := want[name]; !ok {
				t.Errorf("%sunexpected --%s in %q", where, name, c.Command) // --task: the index comes from JOB_COMPLETION_INDEX
			}
		}
		// Kubernetes sets JOB_COMPLETION_INDEX in an Indexed Job's pods:
		// nothing in the manifest passes the index.
		if len(c.Env) > 0 || len(c.EnvFrom) > 0 {
			t.Errorf("%senv %v %v: the task's index needs none", where, c.Env, c.EnvFrom)
		}
		if len(pod.Volumes) != 1 || pod.Volumes[0].PersistentVolumeClaim == nil ||
			pod.Volumes[0].PersistentVolumeClaim.ClaimName != claim {
			t.Fatalf("%svolumes %+v, want one of claim %s", where, pod.Volumes, claim)
		}
		if len(c.VolumeMounts) != 1 || c.VolumeMounts[0].Name != pod.Volumes[0].Name ||
			c.VolumeMounts[0].MountPath != "/data" || c.VolumeMounts[0].ReadOnly {
			t.Errorf("%svolumeMounts %+v, want volume %s read-write at /data", where, c.VolumeMounts, pod.Volumes[0].Name)
		}
	}

	// Paths off the volume, relative ones and a sibling sharing the mount's
	// prefix are refused.
	base := []string{"plan", "k8s", "--tasks", "4", "--plan-dir", t.TempDir(), "--image", image,
		"--volume-claim", claim, "--mount", "/data", "--binary", binary}
	for _, bad := range [][]string{
		{"--in", "/elsewhere/in", "--out", "/data/out", "--work", "/data/work"},
		{"--in", "/data/in", "--out", "/data2/out", "--work", "/data/work"},
		{"--in", "/data/in", "--out", "/data/out", "--work", "work"},
		{"--in", "/data/in", "--out", "/data/out", "--work", "/data/../tmp/work"},
		{"--in", "/data/in", "--out", "/data/out", "--work", "/data/work", "--config", "/etc/tuneprep.yaml"},
	} {
		code, _, stderr := cli(t, append(slices.Clone(base), bad...)...)
		if code != exitUsage || !strings.Contains(stderr, "is not under --mount /data") {
			t.Errorf("plan k8s %q: exit %d, want %d for a path off the volume\n%s", bad, code, exitUsage, stderr)
		}
	}

	// The commands as written, with the volume "mounted" at a temporary
	// directory: each prepare index with only JOB_COMPLETION_INDEX to tell
	// it which, then the merge, write what a plain run writes.
	mount := t.TempDir()
	in := filepath.Join(mount, "in")
	if err := os.CopyFS(in, os.DirFS(shardInput(t))); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(mount, "out") // one path for both runs: run.json names it
	runOK(t, "--in", in, "--out", out)
	want := snapshot(t, out)
	if err := os.RemoveAll(out); err != nil {
		t.Fatal(err)
	}
	plan = t.TempDir()
	code, _, stderr = cli(t, "plan", "k8s", "--tasks", "4", "--in", in, "--out", out, "--work", filepath.Join(mount, "work"),
		"--plan-dir", plan, "--image", image, "--volume-claim", claim, "--mount", mount, "--binary", binary)
	if code != 0 {
		t.Fatalf("plan k8s: exit %d\n%s", code, stderr)
	}
	if _, ok := os.LookupEnv("SLURM_ARRAY_TASK_ID"); ok { // it would come first
		t.Setenv("SLURM_ARRAY_TASK_ID", "")
		os.Unsetenv("SLURM_ARRAY_TASK_ID")
	}
	prepare := decodeJob(t, filepath.Join(plan, "jobs", "01-prepare.yaml"))
	for i := range *prepare.Spec.Completions {
		t.Setenv("JOB_COMPLETION_INDEX", strconv.Itoa(int(i)))
		if code, _, stderr := cli(t, prepare.Spec.Template.Spec.Containers[0].Command[1:]...); code != 0 {
			t.Fatalf("prepare index %d: exit %d\n%s", i, code, stderr)
		}
	}
	t.Setenv("JOB_COMPLETION_INDEX", "0") // the merge is an Indexed Job of one
	merge := decodeJob(t, filepath.Join(plan, "jobs", "02-merge.yaml"))
	if code, _, stderr := cli(t, merge.Spec.Template.Spec.Containers[0].Command[1:]...); code != 0 {
		t.Fatalf("merge: exit %d\n%s", code, stderr)
	}
	got := snapshot(t, out)
	if len(got) != len(want) {
		t.Errorf("the Jobs' commands wrote %d files, a plain run %d", len(got), len(want))
	}
	for name, content := range want {
		if got[name] != content {
			t.Errorf("%s differs from a plain run's", name)
		}
	}
}
