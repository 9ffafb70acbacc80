package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Redaction in drop mode, end to end, with results worked out by hand:
// 12 records, every third with one e-mail address (4 records, 4 findings).
func TestRedactDropModeEndToEnd(t *testing.T) {
	var b strings.Builder
	for i := range 12 {
		q := fmt.Sprintf("How do I return item number %d that arrived with a broken zipper on the left pocket?", i)
		if i%3 == 0 {
			q = fmt.Sprintf("Please write to customer%d@example.com about item %d and its broken zipper on the left pocket.", i, i)
		}
		fmt.Fprintf(&b, `{"question":%q,"answer":"We will send a prepaid label for item %d today."}`+"\n", q, i)
	}
	in := writeFiles(t, map[string]string{
		"q.jsonl": b.String(),
		"c.yaml":  "redact:\n  mode: drop\ndedup:\n  near:\n    enabled: false\nsplit:\n  train: 1\n  validation: 0\n  test: 0\n",
	})
	out := filepath.Join(t.TempDir(), "out")
	runOK(t, "--config", filepath.Join(in, "c.yaml"), "--in", in, "--out", out)
	m := checkBalance(t, out)
	if m.Totals.Emitted != 8 || m.Totals.Dropped != 4 {
		t.Fatalf("totals %+v, want 8 emitted and 4 dropped", m.Totals)
	}
	for _, r := range readJSONL(t, filepath.Join(out, "dropped.jsonl")) {
		if r["stage"] != "redact" || r["reason"] != "contains-pii" || !strings.Contains(r["detail"].(string), "EMAIL") {
			t.Errorf("dropped %v", r)
		}
	}
	spans := readJSONL(t, filepath.Join(out, "redact", "spans.jsonl"))
	if len(spans) != 4 {
		t.Errorf("%d audit spans, want 4", len(spans))
	}
	raw, _ := os.ReadFile(filepath.Join(out, "redact", "spans.jsonl"))
	if strings.Contains(string(raw), "@example.com") {
		t.Errorf("the audit holds a raw address")
	}
	rep := reportBytes(t, out, "redact")
	var r struct {
		Dropped map[string]int64
		Stats   struct {
			RecordsWithPII int64            `json:"records_with_findings"`
			ByType         map[string]int64 `json:"by_type"`
		}
	}
	if err := json.Unmarshal(rep, &r); err != nil {
		t.Fatal(err)
	}
	if r.Stats.RecordsWithPII != 4 || r.Stats.ByType["EMAIL"] != 4 || r.Dropped["contains-pii"] != 4 {
		t.Errorf("redact report: %s", rep)
	}
}
