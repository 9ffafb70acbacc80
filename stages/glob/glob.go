// Package glob matches slash-separated paths against patterns where "**"
// spans any number of folders and other segments follow path.Match.
package glob

import (
	"fmt"
	"path"
	"strings"
)

// Pattern is a compiled glob.
type Pattern []string

// Compile checks and compiles a pattern.
func Compile(pattern string) (Pattern, error) {
	p := strings.Trim(pattern, "/")
	if p == "" {
		return nil, fmt.Errorf("empty glob")
	}
	segs := strings.Split(p, "/")
	for _, s := range segs {
		if s == "**" {
			continue
		}
		if _, err := path.Match(s, ""); err != nil {
			return nil, fmt.Errorf("glob %q: %w", pattern, err)
		}
	}
	return Pattern(segs), nil
}

// Match reports whether the slash-separated path p matches. A pattern
// without a slash matches the base name anywhere ("*.csv" matches "a/b.csv").
func (g Pattern) Match(p string) bool {
	parts := strings.Split(p, "/")
	if len(g) == 1 && g[0] != "**" {
		ok, _ := path.Match(g[0], parts[len(parts)-1])
		return ok
	}
	return matchSegs(g, parts)
}

func matchSegs(g Pattern, parts []string) bool {
	for len(g) > 0 {
		if g[0] == "**" {
			for i := 0; i <= len(parts); i++ {
				if matchSegs(g[1:], parts[i:]) {
					return true
				}
			}
			return false
		}
		if len(parts) == 0 {
			return false
		}
		if ok, _ := path.Match(g[0], parts[0]); !ok {
			return false
		}
		g, parts = g[1:], parts[1:]
	}
	return len(parts) == 0
}

// Set is a list of patterns; a path matches the set if it matches any.
type Set []Pattern

// CompileAll compiles every pattern.
func CompileAll(patterns []string) (Set, error) {
	out := make(Set, 0, len(patterns))
	for _, p := range patterns {
		g, err := Compile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// Match reports whether p matches any pattern of the set.
func (gs Set) Match(p string) bool {
	for _, g := range gs {
		if g.Match(p) {
			return true
		}
	}
	return false
}
