package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFiles writes name -> content under a new temporary folder.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// readJSONL returns the records of a JSONL output file.
func readJSONL(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, m)
	}
	return out
}

// A folder of documents and no config: every document becomes a text
// example for continued pre-training.
func TestDocumentsWithoutConfig(t *testing.T) {
	in := writeFiles(t, map[string]string{
		"notes/refunds.txt":   "Refunds are issued within 30 days of purchase when the item is unused.\n",
		"notes/shipping.md":   "# Shipping\n\nOrders leave the warehouse within two business days.\n",
		"pages/warranty.html": "<html><body><h1>Warranty</h1><p>Every jacket carries a two-year warranty against defects.</p></body></html>",
		"mail/question.eml":   "From: desk@example.org\r\nTo: team@example.org\r\nSubject: Opening hours\r\n\r\nThe shop opens at nine on weekdays and at ten on Saturdays.\r\n",
	})
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := cli(t, "run", "--in", in, "--out", out, "--config", os.DevNull)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	m := checkBalance(t, out)
	if m.Totals.Emitted != 4 {
		t.Fatalf("emitted %d of 4: %+v", m.Totals.Emitted, m.Stages)
	}
	var texts []string
	for _, sp := range []string{"train", "validation", "test"} {
		for _, r := range readJSONL(t, filepath.Join(out, "finetune", "trl-text", sp+".jsonl")) {
			texts = append(texts, r["text"].(string))
		}
	}
	joined := strings.Join(texts, "\n")
	for _, want := range []string{"Refunds are issued", "# Shipping", "two-year warranty", "opens at nine"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no text example holds %q", want)
		}
	}
	if !strings.Contains(stdout, "WARNING") {
		t.Errorf("a 4-example training set gives no warning:\n%s", stdout)
	}
}

// A TAT-QA-style file, with input.explode: one example per question, the
// table and paragraphs before the question.
func TestExplodeNestedQA(t *testing.T) {
	var contexts []string
	for c := range 4 {
		var qs []string
		for q := range 3 {
			qs = append(qs, fmt.Sprintf(`{"uid":"q%d-%d","order":%d,"question":"What was item %d of report %d in 2019?","answer":["%d.%d"],"scale":"million"}`, c, q, q+1, q, c, c+q, q))
		}
		contexts = append(contexts, fmt.Sprintf(`{"table":{"uid":"t%d","table":[["","2019","2018"],["Item %d","%d.0","%d.5"]]},"paragraphs":[{"uid":"p%d","order":1,"text":"Report %d describes the company's year in detail."}],"questions":[%s]}`,
			c, c, c, c, c, c, strings.Join(qs, ",")))
	}
	in := writeFiles(t, map[string]string{
		"data/tatqa.json": "[" + strings.Join(contexts, ",\n") + "]",
		"tuneprep.yaml":   "input:\n  dir: data\n  explode: questions\nsplit:\n  train: 1\n  validation: 0\n  test: 0\n",
	})
	out := filepath.Join(t.TempDir(), "out")
	runOK(t, "--config", filepath.Join(in, "tuneprep.yaml"), "--out", out)
	m := checkBalance(t, out)
	if m.Totals.Read != 12 || m.Totals.Emitted != 12 {
		t.Fatalf("totals %+v, want 12 read and emitted; %+v", m.Totals, m.Stages)
	}
	recs := readJSONL(t, filepath.Join(out, "finetune", "openai-chat", "train.jsonl"))
	first := recs[0]["messages"].([]any)
	user := first[0].(map[string]any)["content"].(string)
	asst := first[1].(map[string]any)["content"].(string)
	wantUser := "Report 0 describes the company's year in detail.\n\n| 2019 | 2018\nItem 0 | 0.0 | 0.5\n\nWhat was item 0 of report 0 in 2019?"
	if user != wantUser || asst != "0.0" {
		t.Errorf("first example:\nuser %q\nwant %q\nassistant %q", user, wantUser, asst)
	}
	ids := readJSONL(t, filepath.Join(out, "finetune", "openai-chat", "train.ids.jsonl"))
	if src := ids[1]["source"].(map[string]any); src["line"].(float64) != 1 || src["item"].(float64) != 2 {
		t.Errorf("second example's source %v, want line 1 item 2", src)
	}
}

// Runs that cannot produce a training set exit 3 and say why.
func TestEmptyRunsFail(t *testing.T) {
	qa := ""
	for i := range 20 {
		qa += fmt.Sprintf(`{"q":"Question number %d about the warranty terms?","a":"Answer %d."}`+"\n", i, i)
	}
	tests := []struct {
		name   string
		files  map[string]string
		config string
		want   []string
	}{
		{"empty folder", map[string]string{"README": "x"}, "", []string{"no records read"}},
		{"template typo", map[string]string{"q.jsonl": qa}, "template:\n  rules:\n    - user: \"{{.nosuch}}\"\n      assistant: \"{{.a}}\"\n",
			[]string{"template dropped 20 of 20 records as missing-field", `"nosuch"`, "q, a", "template.rules"}},
		{"no pair", map[string]string{"q.jsonl": strings.ReplaceAll(strings.ReplaceAll(qa, `"q"`, `"subject"`), `"a"`, `"remark"`)}, "",
			[]string{"no-pair", "subject, remark", "template.rules"}},
		{"nested without explode", map[string]string{"n.json": `[{"paragraphs":[{"text":"Some context here."}],"questions":[{"question":"Q?","answer":"A."}]}]`}, "",
			[]string{"input.explode: questions"}},
		{"all rejected", map[string]string{"bad.jsonl": "{not json\n[1,2]\n"}, "", []string{"rejected"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := writeFiles(t, tt.files)
			cfg := filepath.Join(t.TempDir(), "c.yaml")
			os.WriteFile(cfg, []byte(tt.config), 0o644)
			out := filepath.Join(t.TempDir(), "out")
			code, stdout, stderr := cli(t, "run", "--in", in, "--out", out, "--config", cfg)
			if code != exitGate {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, exitGate, stdout, stderr)
			}
			m := readManifest(t, out)
			if len(m.Gates) == 0 {
				t.Fatalf("run.json lists no failed gate")
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) || !strings.Contains(m.Gates[len(m.Gates)-1].Message, w) {
					t.Errorf("message does not say %q:\n%s", w, stderr)
				}
			}
		})
	}
}

// Support tickets that differ only in their ticket IDs are exact
// duplicates; customer/agent fields make chat examples.
func TestIdentifiersDoNotDefeatDedup(t *testing.T) {
	csv := "ticket_id,customer,agent\n"
	for i := range 12 {
		csv += fmt.Sprintf("T-%05d,My parcel for order %d never arrived,We are sending a replacement for order %d today\n", i, i%6, i%6)
	}
	in := writeFiles(t, map[string]string{"tickets.csv": csv})
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := cli(t, "run", "--quiet", "--in", in, "--out", out, "--config", os.DevNull)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	m := checkBalance(t, out)
	var exact int64
	for _, s := range m.Stages {
		if s.Stage == "dedup" {
			exact = s.Dropped["exact-duplicate"]
		}
	}
	if exact != 6 || m.Totals.Emitted != 6 {
		t.Errorf("exact duplicates %d, emitted %d; want 6 and 6", exact, m.Totals.Emitted)
	}
}

// A 300-character label names its prompt preview with a bounded file name.
func TestLongLabel(t *testing.T) {
	var b strings.Builder
	for i := range 24 {
		label := "short"
		if i%2 == 1 {
			label = strings.Repeat("very long category ", 16)
		}
		fmt.Fprintf(&b, `{"question":"Distinct question %d about topic %d?","answer":"Distinct answer %d.","category":%q}`+"\n", i, i*7, i, label)
	}
	in := writeFiles(t, map[string]string{"l.jsonl": b.String(), "c.yaml": "input:\n  label_fields: [category]\n  text_fields: [question, answer]\n"})
	out := filepath.Join(t.TempDir(), "out")
	runOK(t, "--config", filepath.Join(in, "c.yaml"), "--in", in, "--out", out)
	names, _ := filepath.Glob(filepath.Join(out, "fewshot", "prompt-*.txt"))
	if len(names) != 2 {
		t.Fatalf("prompt files %v, want 2", names)
	}
	for _, n := range names {
		if len(filepath.Base(n)) > 100 {
			t.Errorf("file name of %d bytes: %s", len(filepath.Base(n)), filepath.Base(n))
		}
	}
}

// Paths in a config file are relative to its folder, wherever tuneprep runs.
func TestConfigPathsRelativeToFile(t *testing.T) {
	var qa strings.Builder
	for i := range 30 {
		fmt.Fprintf(&qa, `{"question":"How do I reset the router model %d after a firmware update fails halfway?","answer":"Hold reset for ten seconds on model %d."}`+"\n", i, i)
	}
	root := writeFiles(t, map[string]string{
		"project/data/qa.jsonl":    qa.String(),
		"project/evals/eval.jsonl": `{"question":"How do I reset the router model 7 after a firmware update fails halfway?"}` + "\n",
		"project/configs/c.yaml":   "input:\n  dir: ../data\noutput:\n  dir: ../out\ndedup:\n  near:\n    enabled: false\nsplit:\n  train: 1\n  validation: 0\n  test: 0\n  decontaminate_n: 5\n  decontaminate_threshold: 0.9\n  decontaminate: [../evals/eval.jsonl]\n",
	})
	t.Chdir(t.TempDir()) // somewhere else entirely
	runOK(t, "--config", filepath.Join(root, "project", "configs", "c.yaml"))
	m := checkBalance(t, filepath.Join(root, "project", "out"))
	var decon int64
	for _, s := range m.Stages {
		for reason, n := range s.Dropped {
			if strings.Contains(reason, "contaminat") {
				decon += n
			}
		}
	}
	if m.Totals.Read != 30 || decon != 1 {
		t.Errorf("read %d, decontaminated %d; want 30 read and the eval item's twin dropped: %+v", m.Totals.Read, decon, m.Stages)
	}
}

// Odd .json files, end to end, with outcomes worked out by hand: every
// value is a record or a reject at its position, nothing is lost silently.
func TestOddJSONFiles(t *testing.T) {
	qa := func(i int) string {
		return fmt.Sprintf(`{"question":"Which bin takes item %d, the %s one?","answer":"The %s bin, collected on day %d."}`, i, colours[i%len(colours)], colours[i%len(colours)], i)
	}
	in := writeFiles(t, map[string]string{
		"a-two-values.json":    qa(1) + "\n" + qa(2) + "\n",                                  // 1 record (line 0), then trailing data: 1 reject
		"b-unclosed.json":      "[" + qa(3) + ",\n" + qa(4) + "\n",                           // 2 records, then 1 reject: no ]
		"c-bad-element.json":   "[" + qa(5) + ",\n" + `{"question": }` + ",\n" + qa(6) + "]", // records 1 and 3, element 2 a reject
		"d-bom.json":           "\uFEFF[" + qa(7) + "]",                                      // 1 record
		"e-empty.json":         "",                                                           // nothing
		"f-single-object.json": qa(8),                                                        // 1 record, line 0
	})
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := cli(t, "run", "--quiet", "--in", in, "--out", out, "--config", os.DevNull)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	m := checkBalance(t, out)
	if m.Totals.Read != 10 || m.Totals.Rejected != 3 {
		t.Errorf("totals %+v, want 10 read and 3 rejected", m.Totals)
	}
	var got []string
	for _, r := range readJSONL(t, filepath.Join(out, "rejects.jsonl")) {
		src := r["source"].(map[string]any)
		got = append(got, fmt.Sprintf("%s:%v %s", src["path"], src["line"], r["reason"]))
	}
	want := []string{"a-two-values.json:0 trailing-data", "b-unclosed.json:3 truncated-json", "c-bad-element.json:2 malformed-json"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rejects:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

var colours = []string{"green", "blue", "brown", "grey", "yellow", "black", "white", "red", "orange"}
