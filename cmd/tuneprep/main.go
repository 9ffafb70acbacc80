// Command tuneprep turns a directory of raw domain documents into
// fine-tuning sets, few-shot banks and stage reports.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitGate        = 3
	exitInterrupted = 130
)

// command is one subcommand: its name, a one-line summary and its entry
// point. Each takes its arguments and returns an error that main maps to an
// exit code.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands is the table of subcommands, in help order.
var commands = []command{
	{"run", "run the pipeline over an input directory", runCommand},
	{"step", "one step of a sharded run: prepare (one task) or merge (the output)", stepCommand},
	{"plan", "write the scripts that run a sharded run on Slurm (sbatch) or Kubernetes (Indexed Jobs)", planCommand},
	{"validate", "check a fine-tuning file: format, roles, tokens, cost", validateCommand},
	{"tokens", "count tokens of a text, JSONL texts or a fine-tuning file", tokensCommand},
	{"report", "a run's report on one screen, or what changed between two runs", reportCommand},
	{"advise", "prompt or fine-tune? advice on a run's output, with the numbers and an evaluation kit", adviseCommand},
	{"redact", "redact sensitive values from text, a file or JSONL", redactCommand},
	{"init", "write a commented default config, or one guessed from --in DIR", initCommand},
	{"bench-corpus", "generate a corpus with planted duplicates, PII and leaks, and its ground truth", benchCorpusCommand},
	{"bench", "time tuneprep run on generated corpora of several sizes", benchCommand},
	{"version", "print the version", versionCommand},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := dispatch(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// gateError means the run completed but a quality gate failed: exit code 3.
type gateError struct{ msg string }

func (e gateError) Error() string { return e.msg }

// loggedError is an error already logged (as JSON log lines): main does not
// print it again, only maps it to its exit code.
type loggedError struct{ err error }

func (e loggedError) Error() string { return e.err.Error() }
func (e loggedError) Unwrap() error { return e.err }

// dispatch runs a subcommand and returns the exit code.
func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		return exitCode(ctx, err, stderr)
	}
	fmt.Fprintf(stderr, "tuneprep: unknown command %q\n\n", args[0])
	printUsage(stderr)
	return exitUsage
}

// exitCode prints err (one "tuneprep:" line per line of it) and returns
// the exit code it maps to.
func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	code := codeFor(ctx, err)
	var le loggedError
	switch {
	case err == nil || errors.Is(err, errHelp) || errors.As(err, &le):
	case code == exitInterrupted:
		fmt.Fprintln(stderr, "tuneprep: interrupted; the previous output is untouched")
	default:
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintln(stderr, "tuneprep:", line)
		}
	}
	return code
}

// codeFor maps an error to its exit code.
func codeFor(ctx context.Context, err error) int {
	var ue usageError
	var ce configError
	var ge gateError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return exitOK
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &ue), errors.As(err, &ce):
		return exitUsage
	case errors.As(err, &ge):
		return exitGate
	}
	return exitFailed
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "tuneprep turns raw domain documents into fine-tuning sets and few-shot banks.")
	fmt.Fprintln(w, "\nUsage: tuneprep <command> [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'tuneprep <command> --help' for a command's flags.")
	fmt.Fprintln(w, "Exit codes: 0 ok, 1 failed, 2 usage or config error, 3 quality gate failed, 130 interrupted.")
}
