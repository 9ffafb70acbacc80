package main

import (
	"encoding/csv"
	"encoding/json"
	"github.com/tuneprep/tuneprep/stages/testcorpora"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedCorpora returns ../shared/corpora, or skips the test (fails it in
// CI) when this checkout has no shared workspace.
func sharedCorpora(t *testing.T) string { return testcorpora.Path(t, "") }

func csvRows(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return int64(len(rows) - 1)
}

// TestRealCorpora runs the sample configs for two real corpora: every row
// becomes an example or a counted outcome.
func TestRealCorpora(t *testing.T) {
	corpora := sharedCorpora(t)
	cases := []struct {
		config, in, file string
		check            func(t *testing.T, line map[string]any)
	}{
		{"bitext-support.yaml", "support", "bitext_customer_support.csv", nil},
		{"mts-dialog.yaml", "medical", "MTS-Dialog-TrainingSet.csv", func(t *testing.T, line map[string]any) {
			sys := line["messages"].([]any)[0].(map[string]any)
			if sys["role"] != "system" || !strings.Contains(sys["content"].(string), "section of the clinical note") {
				t.Fatalf("no section header in the system prompt: %v", sys)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.config, func(t *testing.T) {
			in := filepath.Join(corpora, c.in)
			out := filepath.Join(t.TempDir(), "out")
			runOK(t, "--config", filepath.Join("..", "..", "samples", "configs", c.config), "--in", in, "--out", out)
			m := checkBalance(t, out)
			rows := csvRows(t, filepath.Join(in, c.file))
			if m.Totals.Read != rows {
				t.Fatalf("read %d records, the CSV has %d rows", m.Totals.Read, rows)
			}
			if m.Totals.Emitted < rows*9/10 {
				t.Errorf("only %d of %d rows emitted: %+v", m.Totals.Emitted, rows, m.Totals)
			}
			t.Logf("%s: %+v", c.config, m.Totals)
			b, _ := os.ReadFile(filepath.Join(out, "finetune", "train.jsonl"))
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n")[:50] {
				var line map[string]any
				if err := json.Unmarshal([]byte(l), &line); err != nil {
					t.Fatal(err)
				}
				if c.check != nil {
					c.check(t, line)
				}
			}
		})
	}
}
