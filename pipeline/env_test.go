package pipeline

import (
	"strings"
	"testing"
)

// An Env made by a caller (for a Source's Read outside a run) has no output
// directory: Create says so instead of panicking.
func TestCallerMadeEnvHasNoOutput(t *testing.T) {
	env := &Env{}
	f, err := env.Create("x.jsonl")
	if err == nil || f != nil || !strings.Contains(err.Error(), "x.jsonl") || !strings.Contains(err.Error(), "no output directory") {
		t.Fatalf("Create = %v, %v", f, err)
	}
	if p := env.Previous(); p != "" {
		t.Fatalf("Previous = %q", p)
	}
}
