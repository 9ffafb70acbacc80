package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/stages/fewshot"
	"github.com/tuneprep/tuneprep/stages/split"
)

type bankReport struct {
	Stats fewshot.Stats
}

func readBanks(t *testing.T, out string) (fewshot.Stats, []map[string]any) {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(out, "reports", "*-fewshot.json"))
	if len(matches) != 1 {
		t.Fatalf("fewshot report: %v", matches)
	}
	b, _ := os.ReadFile(matches[0])
	var r bankReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(filepath.Join(out, "fewshot", "bank.jsonl"))
	defer f.Close()
	var lines []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var m map[string]any
		json.Unmarshal(sc.Bytes(), &m)
		lines = append(lines, m)
	}
	return r.Stats, lines
}

// TestBitextBanksAndSplits runs the Bitext corpus with intent labels, an
// exact stratified split and few-shot banks per intent, with both the
// diverse and the random strategy.
func TestBitextBanksAndSplits(t *testing.T) {
	corpora := sharedCorpora(t)
	in := filepath.Join(corpora, "support")
	dir := t.TempDir()
	var meanDist [2]float64
	for i, strategy := range []string{"diverse", "random"} {
		cfg := filepath.Join(dir, strategy+".yaml")
		os.WriteFile(cfg, []byte(`input:
  include: ["bitext_customer_support.csv"]
  text_fields: [instruction, response]
  label_fields: [intent]
dedup:
  key: [instruction]
template:
  rules:
    - user: "{{.instruction}}"
      assistant: "{{.response}}"
split:
  method: exact
fewshot:
  strategy: `+strategy+`
  max_example_tokens: 400
  max_bank_tokens: 1500
`), 0o644)
		out := filepath.Join(dir, strategy)
		runOK(t, "--config", cfg, "--in", in, "--out", out)
		m := checkBalance(t, out)
		st, lines := readBanks(t, out)
		if len(st.Banks) != 27 {
			t.Fatalf("%d banks, want one per intent (27)", len(st.Banks))
		}
		var sum float64
		for _, b := range st.Banks {
			if b.Selected != 5 || b.TokensPerRequest > 1500 {
				t.Errorf("bank %s: %d examples, %d tokens", b.Label, b.Selected, b.TokensPerRequest)
			}
			sum += b.MinPairwiseDistance
		}
		meanDist[i] = sum / float64(len(st.Banks))
		for _, l := range lines {
			if l["tokens"].(float64) > 400 {
				t.Errorf("example over budget: %v", l["tokens"])
			}
		}
		// No bank example's input appears in validation or test.
		evalText := ""
		for _, sp := range []string{"validation", "test"} {
			b, _ := os.ReadFile(filepath.Join(out, "finetune", sp+".jsonl"))
			evalText += string(b)
		}
		for _, l := range lines {
			msg := l["messages"].([]any)[0].(map[string]any)["content"].(string)
			q, _ := json.Marshal(msg)
			if strings.Contains(evalText, string(q)) {
				t.Errorf("bank example %s is in an evaluation split", l["id"])
			}
		}
		if i == 0 {
			logSplitCounts(t, out, m.Totals.Emitted)
		}
	}
	t.Logf("mean over banks of the minimum pairwise distance: diverse %.3f, random %.3f", meanDist[0], meanDist[1])
	if meanDist[0] <= meanDist[1] {
		t.Errorf("diverse banks are not more spread than random ones: %.3f <= %.3f", meanDist[0], meanDist[1])
	}
}

func logSplitCounts(t *testing.T, out string, emitted int64) {
	matches, _ := filepath.Glob(filepath.Join(out, "reports", "*-split.json"))
	b, _ := os.ReadFile(matches[0])
	var r struct{ Stats split.Stats }
	json.Unmarshal(b, &r)
	for label, c := range r.Stats.ByLabel {
		total := c["train"] + c["validation"] + c["test"]
		for sp, share := range map[string]float64{"train": 0.8, "validation": 0.1, "test": 0.1} {
			if d := float64(c[sp]) - share*float64(total); d > 1 || d < -1 {
				t.Errorf("%s/%s: %d of %d", label, sp, c[sp], total)
			}
		}
	}
	t.Logf("%d emitted; per-intent counts (train/validation/test): %v", emitted, r.Stats.ByLabel)
}

// TestBankSplit: with a bank share, banks come from records set aside from
// training and evaluation.
func TestBankSplit(t *testing.T) {
	in := writeMixedInput(t, 600)
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(cfg, []byte("input:\n  label_fields: [category]\nsplit:\n  train: 0.7\n  validation: 0.1\n  test: 0.1\n  bank: 0.1\nfewshot:\n  from: bank\n"), 0o644)
	out := filepath.Join(t.TempDir(), "out")
	runOK(t, "--config", cfg, "--in", in, "--out", out)
	checkBalance(t, out)
	_, lines := readBanks(t, out)
	if len(lines) == 0 {
		t.Fatal("no bank examples")
	}
	var trained string
	for _, sp := range []string{"train", "validation", "test"} {
		// The default auto rule can make every kind: each has its format's folder.
		b, _ := os.ReadFile(filepath.Join(out, "finetune", "openai-chat", sp+".jsonl"))
		trained += string(b)
	}
	bank, _ := os.ReadFile(filepath.Join(out, "finetune", "openai-chat", "bank.jsonl"))
	for _, l := range lines {
		q, _ := json.Marshal(l["messages"].([]any)[0].(map[string]any)["content"])
		if strings.Contains(trained, string(q)) || !strings.Contains(string(bank), string(q)) {
			t.Errorf("bank example %s is not from the bank split", l["id"])
		}
	}
	os.WriteFile(cfg, []byte("fewshot:\n  from: bank\n"), 0o644)
	if code, _, _ := cli(t, "run", "--config", cfg, "--in", in, "--out", out); code != exitUsage {
		t.Errorf("from: bank without a bank share: exit %d", code)
	}
}
