package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/tuneprep/tuneprep/stages/advise"
	"github.com/tuneprep/tuneprep/stages/pricing"
	"github.com/tuneprep/tuneprep/stages/tokens"
)

// adviseOptions are the flags of `tuneprep advise`.
type adviseOptions struct {
	dir          string
	requests     int64
	model        string
	inputTokens  int
	outputTokens int
	asJSON       bool
	kit          string
	ftModel      string
	set          map[string]bool
}

// adviseOutput is the --json output: the advice, and the evaluation kit
// when one was written.
type adviseOutput struct {
	advise.Advice
	EvalKit *advise.Kit `json:"eval_kit,omitempty"`
}

func adviseCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o adviseOptions
	fs := newFlags("advise", "advise OUT_DIR [--requests-per-month N] [--model M] [--input-tokens N] [--output-tokens N] [--json] [--eval-kit DIR [--ft-model M]]", stderr)
	fs.Int64Var(&o.requests, "requests-per-month", 0, "expected requests per month (overrides advise.requests_per_month)")
	fs.StringVar(&o.model, "model", "", "price the advice for this model (default: the run's tokens.model); tokens stay in the run's encoding")
	fs.IntVar(&o.inputTokens, "input-tokens", 0, "a request's own input tokens (default: the mean over the examples)")
	fs.IntVar(&o.outputTokens, "output-tokens", 0, "a request's output tokens (default: the mean of the examples' answers)")
	fs.BoolVar(&o.asJSON, "json", false, "print the advice as JSON")
	fs.StringVar(&o.kit, "eval-kit", "", "write the test split as Batch API requests into this directory: "+advise.KitPrompt+", "+advise.KitFineTuned+", "+advise.KitExpected)
	fs.StringVar(&o.ftModel, "ft-model", "", "the fine-tuned model "+advise.KitFineTuned+" names (default: "+advise.FTPlaceholder+")")
	// Flags may come before and after the directory: `advise --json out --model M`.
	dirs, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(dirs) != 1 {
		return usageError{"advise takes exactly one output directory (of tuneprep run)"}
	}
	o.dir = dirs[0]
	o.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	if o.ftModel != "" && o.kit == "" {
		return usageError{"--ft-model names the model of the evaluation kit: give --eval-kit DIR too"}
	}
	if o.set["model"] && o.model == "" {
		return usageError{"--model: empty model name"}
	}
	a, kit, err := runAdvise(ctx, o, os.LookupEnv)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(stdout)
	if o.asJSON {
		err = writeJSONLine(w, adviseOutput{a, kit})
	} else {
		err = a.WriteText(w)
		if err == nil && kit != nil {
			fmt.Fprintln(w)
			err = kit.WriteText(w)
		}
	}
	return flushOutput(w, err)
}

// parseInterspersed parses flags placed before, between and after the
// positional arguments, and returns those.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// runAdvise reads the run in o.dir and gives its advice, and writes the
// evaluation kit when asked. The thresholds are the run's advise section
// (as run.json records it), then TUNEPREP_ADVISE_* variables, then flags.
func runAdvise(ctx context.Context, o adviseOptions, lookup func(string) (string, bool)) (advise.Advice, *advise.Kit, error) {
	cfg, err := readRunConfig(o.dir)
	if err != nil {
		return advise.Advice{}, nil, err
	}
	env := Config{Advise: cfg.Advise} // only the advise section is taken from the environment
	if err := applyEnv(&env, lookup); err != nil {
		return advise.Advice{}, nil, err
	}
	cfg.Advise = env.Advise
	if o.set["requests-per-month"] {
		cfg.Advise.RequestsPerMonth = o.requests
	}
	if o.set["input-tokens"] {
		cfg.Advise.InputTokens = o.inputTokens
	}
	if o.set["output-tokens"] {
		cfg.Advise.OutputTokens = o.outputTokens
	}
	if err := cfg.Advise.Validate(); err != nil {
		return advise.Advice{}, nil, configError{fmt.Errorf("advise: %w (flags: --requests-per-month, --input-tokens, --output-tokens)", err)}
	}
	tok, err := tokens.Resolve(cfg.Tokens)
	if err != nil {
		return advise.Advice{}, nil, fmt.Errorf("%s: the run's tokens section: %w", filepath.Join(o.dir, "run.json"), err)
	}
	name := cfg.Tokens.Model
	if o.set["model"] {
		name = o.model
	}
	m := priced(tok.Table, name)
	hint := singleFormat(cfg.Emit.Formats)
	facts, err := advise.Load(ctx, o.dir, hint, tok.Tokenizer)
	if err != nil {
		return advise.Advice{}, nil, err
	}
	a := advise.Compute(facts, m, cfg.Advise)
	if o.kit == "" {
		return a, nil, nil
	}
	kit, err := advise.WriteKit(ctx, o.dir, o.kit, tok.Tokenizer, m, advise.KitOptions{Model: name, FTModel: o.ftModel, Hint: hint})
	if err != nil {
		return a, nil, fmt.Errorf("--eval-kit %s: %w", o.kit, err)
	}
	return a, &kit, nil
}

// priced is the table's figures for a model, under the name asked for (a
// dated snapshot keeps its name); a model the table does not know has
// every figure unknown.
func priced(table pricing.Table, name string) pricing.Model {
	m, ok := table.Lookup(name)
	if !ok {
		m = pricing.Model{}
	}
	m.Name = name
	return m
}

// singleFormat is the format of split files written directly under
// finetune/: the one format the run wrote, if it names one.
func singleFormat(names []string) string {
	if len(names) == 1 && names[0] != "auto" && names[0] != "all" {
		return names[0]
	}
	return ""
}

// readRunConfig reads the effective config a run recorded in run.json;
// sections it does not record (an older run) keep their defaults.
func readRunConfig(dir string) (Config, error) {
	cfg := defaultConfig()
	if err := advise.CheckOutput(dir); err != nil {
		return cfg, err
	}
	path := filepath.Join(dir, "run.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return cfg, err
	}
	var m struct {
		Tool   string          `json:"tool"`
		Config json.RawMessage `json:"config"`
	}
	if err := json.Unmarshal(b, &m); err != nil || m.Tool != "tuneprep" {
		return cfg, &advise.NotOutputError{Dir: dir, Missing: "run.json is not a tuneprep run manifest"}
	}
	// JSON is YAML: the config decodes with the keys the config file uses.
	if err := yaml.Unmarshal(m.Config, &cfg); err != nil {
		return cfg, fmt.Errorf("%s: config: %w", path, err)
	}
	return cfg, nil
}
