package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tuneprep/tuneprep/samples"
)

// resolveFile resolves the config file at path as `tuneprep run --config
// path --in in` does, with no environment, and builds the plan (--in: a
// config without input.dir is refused before the plan). Evaluation sets
// named for decontamination are replaced by evals, a small file that
// exists: the fuzzer's paths could name a device that never ends.
func resolveFile(path, in, evals string) (Config, error) {
	noEnv := func(string) (string, bool) { return "", false }
	cfg, fsys, err := resolveConfig(runOptions{config: path, in: in, set: map[string]bool{"in": true}}, noEnv)
	if err != nil {
		return cfg, err
	}
	if len(cfg.Split.Decontaminate) > 0 {
		cfg.Split.Decontaminate = []string{evals}
	}
	p, err := buildPlan(cfg, fsys, noEnv)
	if err != nil {
		return cfg, err
	}
	if err := checkGates(cfg, p); err != nil {
		return cfg, err
	}
	_, err = newExcerpter(cfg, p, noEnv)
	return cfg, err
}

// FuzzConfig: whatever the config file holds, resolving it and building the
// plan either succeeds or fails with a config error (exit 2), never a
// panic or another kind of error; and a config that resolves, written back
// as YAML (as run.json keeps it), loads and resolves again to the same
// YAML.
func FuzzConfig(f *testing.F) {
	f.Add(samples.Config)
	for _, name := range []string{"bitext-support.yaml", "mts-dialog.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "samples", "configs", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	initText, err := commentedConfig(defaultConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(initText))
	for _, s := range []string{
		"", "input:\n  dir: data\n", "output:\n  dir: \"\"\n", "workers: -1\n", "nope: 1\n", "split: {train: 1, validation: 0, test: 0}\n",
		"split: {train: 0.5, validation: 0.2, test: 0.2, bank: 0.1}\nfewshot: {enabled: true, from: bank}\n",
		"split: {method: exact, stratify: true, group_key: customer}\n", "split:\n  decontaminate: [evals.jsonl]\n  decontaminate_n: 0\n",
		"emit: {formats: [all], parquet: true}\n", "emit: {formats: [auto, sharegpt]}\n", "redact: {enabled: true, profile: hipaa, mode: hash}\n",
		"tokens: {model: gpt-4o-mini}\n", "template:\n  rules:\n    - user: \"{{.q\"\n", "quality: {enabled: true, language: {languages: [en, xx]}}\n",
		"gates: {min_examples: 10, max_drop_rate: 0.5}\n", "a: &x [1, 2]\nb: *x\n", "split: {train: .nan}\n", "- just\n- a list\n",
	} {
		f.Add([]byte(s))
	}
	in := f.TempDir()
	evals := filepath.Join(f.TempDir(), "evals.jsonl")
	if err := os.WriteFile(evals, []byte(`{"question":"How do I reset my password?","answer":"Open Settings."}`+"\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "tuneprep.yaml")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := resolveFile(path, in, evals)
		if err != nil {
			var ce configError
			var ue usageError
			if !errors.As(err, &ce) && !errors.As(err, &ue) {
				t.Fatalf("%T is not a config error: %v", err, err)
			}
			return
		}
		// Paths the file did not set are relative to the working
		// directory, and would be read relative to the copy's folder.
		if cfg.Output.Dir, err = filepath.Abs(cfg.Output.Dir); err != nil {
			t.Fatal(err)
		}
		copy1, err := yaml.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		again := filepath.Join(filepath.Dir(path), "again.yaml")
		if err := os.WriteFile(again, copy1, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg2, err := resolveFile(again, in, evals)
		if err != nil {
			t.Fatalf("the resolved config, written back, does not resolve: %v\n%s", err, copy1)
		}
		copy2, err := yaml.Marshal(cfg2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(copy1, copy2) {
			t.Fatalf("the resolved config, written back and resolved again, changed:\n%s\nthen\n%s", copy1, copy2)
		}
	})
}
