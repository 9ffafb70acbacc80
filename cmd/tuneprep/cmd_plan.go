package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// planOptions are the flags of `tuneprep plan slurm|k8s`.
type planOptions struct {
	tasks                  int
	in, out, work, planDir string
	config, binary         string
	workers, cpus          int
	name                   string
	// Kubernetes: the image, and the claim of the shared volume and where it
	// is mounted (every path must lie under it).
	image, claim, mount string
}

// planCommand writes the scripts that run a sharded run on a cluster: a
// prepare step (one task per shard) and a merge step after it.
func planCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "slurm" && args[0] != "k8s") {
		if len(args) > 0 && strings.TrimLeft(args[0], "-") == "help" || len(args) > 0 && strings.TrimLeft(args[0], "-") == "h" {
			fmt.Fprintln(stderr, "Usage: tuneprep plan slurm|k8s --tasks N --in DIR --out DIR --work DIR --plan-dir PLAN [flags]")
			return errHelp
		}
		return usageError{"plan: want slurm or k8s, then --tasks N --in DIR --out DIR --work DIR --plan-dir PLAN"}
	}
	kind := args[0]
	var o planOptions
	fs := newFlags("plan", "plan "+kind+" --tasks N --in DIR --out DIR --work DIR --plan-dir PLAN [flags]", stderr)
	fs.IntVar(&o.tasks, "tasks", 0, "number of prepare tasks (array tasks, or Job indexes)")
	fs.StringVar(&o.in, "in", "", "input directory, on storage every node sees")
	fs.StringVar(&o.out, "out", "", "output directory, on storage every node sees")
	fs.StringVar(&o.work, "work", "", "work directory of the tasks and the merge, on storage every node sees")
	fs.StringVar(&o.planDir, "plan-dir", "", "where to write the scripts (created)")
	fs.StringVar(&o.config, "config", "", "config file (YAML)")
	fs.StringVar(&o.binary, "binary", "", "tuneprep on the nodes (default: this program's path)")
	fs.IntVar(&o.workers, "workers", 0, "goroutines per parallel stage in each task (default: --cpus-per-task, else one per CPU the node has)")
	fs.StringVar(&o.name, "name", "tuneprep", "job name prefix")
	if kind == "slurm" {
		fs.IntVar(&o.cpus, "cpus-per-task", 0, "CPUs each task asks Slurm for (#SBATCH --cpus-per-task); also the default --workers")
	}
	if kind == "k8s" {
		fs.StringVar(&o.image, "image", "", "container image holding tuneprep at --binary")
		fs.StringVar(&o.claim, "volume-claim", "", "PersistentVolumeClaim of the shared volume (ReadWriteMany)")
		fs.StringVar(&o.mount, "mount", "", "where the shared volume is mounted in the containers; every path lies under it")
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("plan takes no further arguments (got %q)", fs.Arg(0))}
	}
	if o.tasks < 1 {
		return usageError{"plan: --tasks N must be at least 1"}
	}
	paths := map[string]*string{"in": &o.in, "out": &o.out, "work": &o.work, "plan-dir": &o.planDir}
	if o.config != "" {
		paths["config"] = &o.config
	}
	if o.workers == 0 {
		o.workers = o.cpus
	}
	if kind == "k8s" && o.binary == "" {
		return usageError{"plan k8s: --binary is required: where tuneprep is in the image"}
	}
	if o.binary == "" {
		self, err := os.Executable()
		if err != nil {
			return err
		}
		o.binary = self
	}
	paths["binary"] = &o.binary
	if kind == "k8s" {
		if o.image == "" || o.claim == "" || o.mount == "" {
			return usageError{"plan k8s: --image, --volume-claim and --mount are required"}
		}
		if o.mount = filepath.Clean(o.mount); !filepath.IsAbs(o.mount) {
			return usageError{"plan k8s: --mount must be an absolute path"}
		}
	}
	for _, name := range sortedKeys(paths) {
		p := paths[name]
		if *p == "" {
			return usageError{"plan: --" + name + " is required"}
		}
		if kind == "slurm" || name == "plan-dir" {
			abs, err := filepath.Abs(*p) // the scripts run elsewhere: absolute paths only
			if err != nil {
				return err
			}
			*p = abs
		}
		if kind == "k8s" && name != "plan-dir" && name != "binary" {
			rel, err := filepath.Rel(o.mount, *p)
			if !filepath.IsAbs(*p) || err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
				return usageError{fmt.Sprintf("plan k8s: --%s %s is not under --mount %s", name, *p, o.mount)}
			}
		}
	}
	// sbatch reads its directives' values raw, and expands % in --output.
	if kind == "slurm" && strings.ContainsAny(o.planDir, " \t\n%\"'\\") {
		return usageError{fmt.Sprintf("plan slurm: --plan-dir %q: Slurm cannot name log files in a path with spaces, quotes or %%", o.planDir)}
	}
	if !validName(o.name) {
		return usageError{fmt.Sprintf("plan: --name %q: use lower-case letters, digits and '-'", o.name)}
	}
	files := planSlurm(o)
	if kind == "k8s" {
		files = planK8s(o)
	}
	for _, f := range files {
		p := filepath.Join(o.planDir, f.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(f.text), f.mode); err != nil {
			return err
		}
		fmt.Fprintln(stdout, p)
	}
	return nil
}

type planFile struct {
	name string
	text string
	mode os.FileMode
}

// validName reports whether s can name Slurm jobs and Kubernetes Jobs.
func validName(s string) bool {
	if s == "" || len(s) > 40 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// stepArgs are the arguments of `tuneprep step NAME` in the plan.
func stepArgs(o planOptions, step string) []string {
	args := []string{o.binary, "step", step, "--tasks", strconv.Itoa(o.tasks), "--work", o.work, "--in", o.in, "--log-format", "json"}
	if o.config != "" {
		args = append(args, "--config", o.config)
	}
	if o.workers > 0 {
		args = append(args, "--workers", strconv.Itoa(o.workers))
	}
	if step == "merge" {
		args = append(args, "--out", o.out)
	}
	return args
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellLine(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

// planSlurm writes an sbatch script per step (prepare as a job array, merge
// after it) and submit.sh, which submits both and prints the merge's job ID.
func planSlurm(o planOptions) []planFile {
	logs := filepath.Join(o.planDir, "logs")
	script := func(step, extra string) string {
		if o.cpus > 0 {
			extra += fmt.Sprintf("#SBATCH --cpus-per-task=%d\n", o.cpus)
		}
		return "#!/bin/bash\n" +
			"#SBATCH --job-name=" + o.name + "-" + step + "\n" + extra +
			"#SBATCH --output=" + logs + "/" + step + map[bool]string{true: "-%a", false: ""}[step == "prepare"] + ".log\n" +
			"# Written by tuneprep plan slurm. A task's number comes from SLURM_ARRAY_TASK_ID.\n" +
			"set -eu\n" +
			"exec " + shellLine(stepArgs(o, step)) + "\n"
	}
	submit := `#!/bin/sh
# Written by tuneprep plan slurm: submits the prepare array and the merge,
# which starts once every prepare task has succeeded (and is cancelled if
# one fails), and prints the merge's job ID (wait for it with: squeue -j ID,
# or sacct -j ID).
set -eu
cd ` + shellQuote(o.planDir) + `
mkdir -p ` + shellQuote(logs) + `
prepare=$(sbatch --parsable prepare.sbatch)
prepare=${prepare%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$prepare" --kill-on-invalid-dep=yes merge.sbatch)
echo "${merge%%;*}"
`
	return []planFile{
		{"prepare.sbatch", script("prepare", fmt.Sprintf("#SBATCH --array=0-%d\n", o.tasks-1)), 0o755},
		{"merge.sbatch", script("merge", ""), 0o755},
		{"submit.sh", submit, 0o755},
	}
}

// planK8s writes an Indexed Job per step in jobs/ and run.sh, which applies
// each and waits for it to complete before the next.
func planK8s(o planOptions) []planFile {
	job := func(step string, n int) string {
		var b strings.Builder
		fmt.Fprintf(&b, "# Written by tuneprep plan k8s. A task's number comes from JOB_COMPLETION_INDEX.\n")
		fmt.Fprintf(&b, "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: %s\n  labels:\n    app.kubernetes.io/name: tuneprep\n", strconv.Quote(o.name+"-"+step))
		fmt.Fprintf(&b, "spec:\n  completionMode: Indexed\n  completions: %d\n  parallelism: %d\n  backoffLimitPerIndex: 2\n  maxFailedIndexes: 0\n", n, n)
		fmt.Fprintf(&b, "  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: tuneprep\n    spec:\n      restartPolicy: Never\n")
		fmt.Fprintf(&b, "      containers:\n        - name: tuneprep\n          image: %s\n          command:\n", strconv.Quote(o.image))
		for _, a := range stepArgs(o, step) {
			fmt.Fprintf(&b, "            - %s\n", strconv.Quote(a))
		}
		fmt.Fprintf(&b, "          volumeMounts:\n            - name: data\n              mountPath: %s\n", strconv.Quote(o.mount))
		fmt.Fprintf(&b, "      volumes:\n        - name: data\n          persistentVolumeClaim:\n            claimName: %s\n", strconv.Quote(o.claim))
		return b.String()
	}
	run := `#!/bin/sh
# Written by tuneprep plan k8s: applies each step's Indexed Job and waits
# until it completes (or fails) before the next. A Job of an earlier run of
# this plan is replaced; the tasks it finished stay done in the work
# directory, and are skipped.
set -eu
cd ` + shellQuote(o.planDir) + `
for step in prepare merge; do
	case $step in prepare) file=jobs/01-prepare.yaml ;; merge) file=jobs/02-merge.yaml ;; esac
	kubectl delete job ` + shellQuote(o.name) + `-"$step" --ignore-not-found --wait=true
	kubectl apply -f "$file"
	while :; do
		state=$(kubectl get job ` + shellQuote(o.name) + `-"$step" -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')
		case " $state " in
		*" Complete "*) break ;;
		*" Failed "*) echo "job ` + o.name + `-$step failed" >&2; exit 1 ;;
		esac
		sleep 10
	done
done
`
	return []planFile{
		{"jobs/01-prepare.yaml", job("prepare", o.tasks), 0o644},
		{"jobs/02-merge.yaml", job("merge", 1), 0o644},
		{"run.sh", run, 0o755},
	}
}
