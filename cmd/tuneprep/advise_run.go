package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/advise"
	"github.com/tuneprep/tuneprep/stages/fewshot"
	"github.com/tuneprep/tuneprep/stages/tokens"
)

// adviseStage is the run's advise stage, last in the plan, when the advice
// is on (advise.enabled, or a request volume); nil otherwise. It reads the
// banks the few-shot stage built (nil: the run builds none). The section
// is validated either way, so that a mistake in it is found before the
// advice is switched on.
func adviseStage(cfg advise.Config, model string, tok *tokens.Resolved, banks *fewshot.Stage) (pipeline.Stage, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if !cfg.On() {
		return nil, nil
	}
	sc := advise.StageConfig{Config: cfg, Tokenizer: tok.Tokenizer, Model: priced(tok.Table, model)}
	if banks != nil {
		sc.Banks = func() []advise.BankStat {
			st, _ := banks.Stats().(fewshot.Stats)
			out := make([]advise.BankStat, len(st.Banks))
			for i, b := range st.Banks {
				out[i] = advise.BankStat{Label: b.Label, Tokens: b.TokensPerRequest}
			}
			return out
		}
	}
	st, err := advise.NewStage(sc)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// printRunAdvice prints, after the summary, the advice a run with the
// advise stage wrote in its report (reports/NN-advise.json).
func printRunAdvice(w io.Writer, m *schemas.RunManifest) error {
	rel := ""
	for _, f := range m.Outputs {
		if strings.HasPrefix(f.Path, "reports/") && strings.HasSuffix(f.Path, "-advise.json") {
			rel = f.Path
		}
	}
	if rel == "" {
		return nil
	}
	dir, ok := outputDir(m)
	if !ok {
		return fmt.Errorf("run.json records no output.dir")
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return err
	}
	var r struct {
		Stats advise.Advice `json:"stats"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	fmt.Fprintln(w)
	return r.Stats.WriteText(w)
}

// outputDir is the output directory the manifest's effective config names.
func outputDir(m *schemas.RunManifest) (string, bool) {
	cfg, _ := m.Config.(map[string]any)
	out, _ := cfg["output"].(map[string]any)
	dir, ok := out["dir"].(string)
	return dir, ok && dir != ""
}
