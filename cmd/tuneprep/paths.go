package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// guardPaths keeps a run from reading or replacing its own files. The input
// may not lie inside the output, nor may the work and state directories: a
// run replaces the output as a whole. Those of the output, work and state
// directories that lie inside the input are left out of the input.
func guardPaths(cfg *Config, work, state string) error {
	if cfg.Input.Dir == "" { // the embedded samples
		return nil
	}
	in, err := realPath(cfg.Input.Dir)
	if err != nil {
		return configError{fmt.Errorf("input %s: %w", cfg.Input.Dir, err)}
	}
	out, err := realPath(cfg.Output.Dir)
	if err != nil {
		return configError{fmt.Errorf("output %s: %w", cfg.Output.Dir, err)}
	}
	if within(in, out) {
		return configError{fmt.Errorf("the input %s lies inside the output directory %s, which a run replaces as a whole: choose an output outside the input", cfg.Input.Dir, cfg.Output.Dir)}
	}
	skip := func(real string) {
		if within(real, in) {
			rel, _ := filepath.Rel(in, real)
			cfg.Input.SkipDirs = append(cfg.Input.SkipDirs, filepath.ToSlash(rel))
		}
	}
	skip(out)
	for _, d := range []struct{ flag, dir string }{{"--work", work}, {"--state", state}} {
		if d.dir == "" {
			continue
		}
		real, err := realPath(d.dir)
		if err != nil {
			return configError{fmt.Errorf("%s %s: %w", d.flag, d.dir, err)}
		}
		if within(real, out) {
			return configError{fmt.Errorf("%s %s lies inside the output directory %s, which a run replaces as a whole", d.flag, d.dir, cfg.Output.Dir)}
		}
		skip(real)
	}
	return nil
}

// realPath is p made absolute with every symbolic link resolved, including
// those of its parents when p itself does not exist yet.
func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	var rest []string
	for dir := abs; ; dir = filepath.Dir(dir) {
		real, err := filepath.EvalSymlinks(dir)
		if err == nil {
			return filepath.Join(append([]string{real}, rest...)...), nil
		}
		if !errors.Is(err, fs.ErrNotExist) || dir == filepath.Dir(dir) {
			return "", err
		}
		if _, lerr := os.Lstat(dir); lerr == nil { // a dangling link
			return "", err
		}
		rest = append([]string{filepath.Base(dir)}, rest...)
	}
}

// within says whether path p is dir or lies below it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
