package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tuneprep/tuneprep/stages/advise"
	"github.com/tuneprep/tuneprep/stages/corpus"
	"github.com/tuneprep/tuneprep/stages/dedup"
	"github.com/tuneprep/tuneprep/stages/emit"
	"github.com/tuneprep/tuneprep/stages/fewshot"
	"github.com/tuneprep/tuneprep/stages/filter"
	"github.com/tuneprep/tuneprep/stages/gates"
	"github.com/tuneprep/tuneprep/stages/ingest"
	"github.com/tuneprep/tuneprep/stages/normalize"
	"github.com/tuneprep/tuneprep/stages/quality"
	"github.com/tuneprep/tuneprep/stages/redact"
	"github.com/tuneprep/tuneprep/stages/split"
	"github.com/tuneprep/tuneprep/stages/template"
	"github.com/tuneprep/tuneprep/stages/tokens"
)

// Config is the whole configuration of a run. Each stage owns its section;
// the yaml and doc tags are the single source of the config reference
// (`tuneprep init` and README.md are generated from them).
type Config struct {
	Input     InputConfig      `yaml:"input" doc:"where records come from and how they are read"`
	Output    OutputConfig     `yaml:"output" doc:"where the results go"`
	Workers   int              `yaml:"workers" doc:"goroutines per parallel stage (0: one per CPU); outputs do not depend on it"`
	Normalize normalize.Config `yaml:"normalize" doc:"Unicode and whitespace normalization"`
	Quality   quality.Config   `yaml:"quality" doc:"quality and language filters: junk, wrong-language and repetitive records are dropped with the reason"`
	Dedup     dedup.Config     `yaml:"dedup" doc:"duplicate removal"`
	Redact    redact.Config    `yaml:"redact" doc:"removal of sensitive values (PII, secrets)"`
	Template  template.Config  `yaml:"template" doc:"how records become training examples"`
	Tokens    tokens.Config    `yaml:"tokens" doc:"target model, tokenizer encoding, limits and prices"`
	Filter    filter.Config    `yaml:"filter" doc:"length bounds of the examples kept"`
	Split     split.Config     `yaml:"split" doc:"train/validation/test assignment"`
	Emit      emit.Config      `yaml:"emit" doc:"fine-tuning output formats"`
	Corpus    corpus.Config    `yaml:"corpus" doc:"corpus.parquet: every kept document with its annotations"`
	Fewshot   fewshot.Config   `yaml:"fewshot" doc:"few-shot example banks for prompting"`
	Advise    advise.Config    `yaml:"advise" doc:"prompt or fine-tune: the request volume and the thresholds of the rules (tuneprep advise; the run's advice with advise.enabled)"`
	Gates     gates.Config     `yaml:"gates" doc:"quality gates: thresholds on the run's figures that fail it (exit 3); --gate name=value sets one from the command line"`
}

// InputConfig adds the input directory to the ingest stage's settings.
type InputConfig struct {
	Dir           string `yaml:"dir" doc:"input directory (default: the embedded samples)"`
	ingest.Config `yaml:",inline"`
}

// OutputConfig is the output directory.
type OutputConfig struct {
	Dir string `yaml:"dir" doc:"output directory; replaced atomically, only if it is a previous tuneprep output"`
}

// defaultConfig returns the configuration used when nothing is set.
func defaultConfig() Config {
	return Config{
		Input:     InputConfig{Config: ingest.Defaults()},
		Output:    OutputConfig{Dir: "out"},
		Normalize: normalize.Defaults(),
		Quality:   quality.Defaults(),
		Dedup:     dedup.Defaults(),
		Redact:    redact.Defaults(),
		Template:  template.Defaults(),
		Tokens:    tokens.Defaults(),
		Filter:    filter.Defaults(),
		Split:     split.Defaults(),
		Emit:      emit.Defaults(),
		Corpus:    corpus.Defaults(),
		Fewshot:   fewshot.Defaults(),
		Advise:    advise.Defaults(),
		Gates:     gates.Defaults(),
	}
}

// configError is a problem with the configuration: exit code 2.
type configError struct{ err error }

func (e configError) Error() string { return e.err.Error() }
func (e configError) Unwrap() error { return e.err }

// decodeConfig reads YAML over cfg strictly: an unknown key is an error that
// names the key and its line.
func decodeConfig(name string, data []byte, cfg *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) { // an empty file is an empty config
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > maxConfigErrors { // one per value: an alias bomb makes thousands
			more := fmt.Sprintf("and %d more", len(te.Errors)-maxConfigErrors)
			err = &yaml.TypeError{Errors: append(te.Errors[:maxConfigErrors:maxConfigErrors], more)}
		}
		return configError{fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))}
	}
	return nil
}

// maxConfigErrors is how many of a config file's errors are told.
const maxConfigErrors = 10

// loadConfigFile decodes a config file over cfg. Relative paths in the file
// (input.dir, output.dir, split.decontaminate) are relative to the file's
// folder, so a config works from any working directory; paths from flags
// and the environment stay relative to the working directory.
func loadConfigFile(path string, cfg *Config) error {
	data, err := readConfigFile(path)
	if err != nil {
		return configError{err}
	}
	if err := decodeConfig(path, data, cfg); err != nil {
		return err
	}
	var set Config // what the file itself says, to rebase only its paths
	if err := decodeConfig(path, data, &set); err != nil {
		return err
	}
	base := filepath.Dir(path)
	if set.Input.Dir != "" {
		cfg.Input.Dir = rebase(base, set.Input.Dir)
	}
	if set.Output.Dir != "" {
		cfg.Output.Dir = rebase(base, set.Output.Dir)
	}
	if len(set.Split.Decontaminate) > 0 {
		cfg.Split.Decontaminate = make([]string, len(set.Split.Decontaminate))
		for i, p := range set.Split.Decontaminate {
			cfg.Split.Decontaminate[i] = rebase(base, p)
		}
	}
	return nil
}

// maxConfigBytes bounds a config file. Real ones take a few kilobytes; the
// YAML decoder holds a file as a tree of nodes, some 60 times its size.
const maxConfigBytes = 1 << 20

// readConfigFile reads a config file of at most maxConfigBytes (a device or
// a pipe included: it is never read past the limit).
func readConfigFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if len(data) > maxConfigBytes {
		return nil, fmt.Errorf("config %s: larger than %d bytes (1 MiB): not a tuneprep config", path, maxConfigBytes)
	}
	return data, nil
}

// rebase resolves a relative path against base; absolute paths and paths
// starting with ~ are left as they are.
func rebase(base, p string) string {
	if filepath.IsAbs(p) || strings.HasPrefix(p, "~") {
		return p
	}
	return filepath.Join(base, p)
}

// leaf is one scalar setting of the config tree.
type leaf struct {
	path  []string // yaml keys from the root
	value reflect.Value
	field reflect.StructField
}

// key is the dotted yaml path, e.g. split.seed.
func (l leaf) key() string { return strings.Join(l.path, ".") }

// env is the environment variable that sets the leaf, e.g. TUNEPREP_SPLIT_SEED.
func (l leaf) env() string { return "TUNEPREP_" + strings.ToUpper(strings.Join(l.path, "_")) }

// leaves lists the settings of a config in declaration order. Structs are
// walked (inline ones at their parent's level); every other kind is a leaf.
func leaves(v reflect.Value, prefix []string) []leaf {
	var out []leaf
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || !sf.IsExported() {
			continue
		}
		fv := v.Field(i)
		if opts == "inline" {
			out = append(out, leaves(fv, prefix)...)
			continue
		}
		p := append(append([]string(nil), prefix...), name)
		if sf.Type.Kind() == reflect.Struct {
			out = append(out, leaves(fv, p)...)
			continue
		}
		out = append(out, leaf{path: p, value: fv, field: sf})
	}
	return out
}

// applyEnv sets every leaf named by a TUNEPREP_* variable. Lists are
// comma-separated; a list of structs cannot be set this way.
func applyEnv(cfg *Config, lookup func(string) (string, bool)) error {
	for _, l := range leaves(reflect.ValueOf(cfg).Elem(), nil) {
		s, ok := lookup(l.env())
		if !ok {
			continue
		}
		if err := setScalar(l.value, s); err != nil {
			return configError{fmt.Errorf("%s (%s): %w", l.env(), l.key(), err)}
		}
	}
	return nil
}

// setScalar parses s into v.
func setScalar(v reflect.Value, s string) error {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return err
		}
		v.SetInt(n)
	case reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return err
		}
		v.SetUint(n)
	case reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return err
		}
		v.SetFloat(f)
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("cannot be set from the environment; use the config file")
		}
		v.Set(reflect.ValueOf(splitList(s)))
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}

// asJSONable returns the config as plain maps with the YAML key names, the
// shape copied into run.json.
func asJSONable(cfg Config) (any, error) {
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}
