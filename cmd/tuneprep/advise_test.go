package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/advise"
	"github.com/tuneprep/tuneprep/stages/fewshot"
	"github.com/tuneprep/tuneprep/stages/pricing"
	"github.com/tuneprep/tuneprep/stages/testcorpora"
	"github.com/tuneprep/tuneprep/stages/tokencount"
	"github.com/tuneprep/tuneprep/stages/tokenizer"
)

// adviseJSON runs `tuneprep advise --json` and decodes its output.
func adviseJSON(t *testing.T, args ...string) (adviseOutput, []byte) {
	t.Helper()
	code, stdout, stderr := cli(t, append([]string{"advise", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("advise %v: exit %d\n%s", args, code, stderr)
	}
	var o adviseOutput
	if err := json.Unmarshal([]byte(stdout), &o); err != nil {
		t.Fatalf("advise --json: %v\n%s", err, stdout)
	}
	return o, []byte(stdout)
}

// runReports are what the split and few-shot reports of a run say.
type runReports struct {
	ByLabel map[string]map[string]int64
	Cost    *pricing.Estimate
	Banks   []fewshot.BankStats
}

func readRunReports(t *testing.T, out string) runReports {
	t.Helper()
	read := func(stage string, v any) {
		m, _ := filepath.Glob(filepath.Join(out, "reports", "*-"+stage+".json"))
		if len(m) != 1 {
			t.Fatalf("%s report: %v", stage, m)
		}
		b, _ := os.ReadFile(m[0])
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	var sp struct {
		Stats struct {
			ByLabel map[string]map[string]int64 `json:"by_label"`
			Cost    *pricing.Estimate           `json:"fine_tune_cost"`
		}
	}
	read("split", &sp)
	var fs struct{ Stats fewshot.Stats }
	read("fewshot", &fs)
	return runReports{sp.Stats.ByLabel, sp.Stats.Cost, fs.Stats.Banks}
}

// checkAgainstReports: the advice's counts, training cost and bank tokens
// agree with what the split and few-shot stages reported on their own.
func checkAgainstReports(t *testing.T, a advise.Advice, r runReports) {
	t.Helper()
	if len(a.Labels) != len(r.ByLabel) {
		t.Fatalf("%d labels advised, the split report has %d", len(a.Labels), len(r.ByLabel))
	}
	banks := map[string]int{}
	for _, b := range r.Banks {
		banks[b.Label] = b.TokensPerRequest
	}
	for _, e := range a.Labels {
		want := r.ByLabel[e.Label]
		if e.Examples.Train != want["train"] || e.Examples.Validation != want["validation"] || e.Examples.Test != want["test"] {
			t.Errorf("%s: examples %+v, split report %v", e.Label, e.Examples, want)
		}
		if e.Prompt.BankTokensPerRequest == nil || *e.Prompt.BankTokensPerRequest != float64(banks[e.Label]) {
			t.Errorf("%s: bank tokens %v, few-shot report %d", e.Label, e.Prompt.BankTokensPerRequest, banks[e.Label])
		}
	}
	ft := a.Overall.FineTune
	if r.Cost == nil || ft.BilledTokens != r.Cost.BilledTokens || ft.Epochs != r.Cost.Epochs || !reflect.DeepEqual(ft.CostUSD, r.Cost.CostUSD) {
		t.Errorf("fine-tuning %+v, split report %+v", ft, r.Cost)
	}
}

// TestAdviseSamples: advise on the embedded samples' output, in JSON with
// the names the issue fixes and in text.
func TestAdviseSamples(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	runOK(t, "--out", out)
	a, raw := adviseJSON(t, out, "--requests-per-month", "1000")
	if a.Model != "gpt-4o-mini" || a.PricesAsOf != pricing.AsOf || a.RequestsPerMonth == nil || *a.RequestsPerMonth != 1000 || a.EvalKit != nil {
		t.Errorf("header: %+v", a.Advice)
	}
	// The samples have a handful of examples per label.
	if a.Recommendation != advise.CollectMoreData {
		t.Errorf("recommendation %s: %s", a.Recommendation, a.Reason)
	}
	checkAgainstReports(t, a.Advice, readRunReports(t, out))
	var generic map[string]any
	json.Unmarshal(raw, &generic)
	label := generic["labels"].([]any)[0].(map[string]any)
	for _, path := range [][]string{{"model"}, {"prices_as_of"}, {"requests_per_month"}, {"recommendation"}, {"rules"}} {
		if _, ok := generic[path[0]]; !ok {
			t.Errorf("no %s", path[0])
		}
	}
	for _, k := range []string{"label", "examples", "finetune", "prompt", "finetuned_cost_per_1k_requests_usd", "break_even", "recommendation", "rules"} {
		if _, ok := label[k]; !ok {
			t.Errorf("a label has no %s: %v", k, label)
		}
	}
	sub := func(m map[string]any, keys ...string) {
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Errorf("no %s in %v", k, m)
			}
		}
	}
	sub(label["examples"].(map[string]any), "train", "validation", "test")
	sub(label["finetune"].(map[string]any), "billed_tokens", "epochs", "cost_usd")
	sub(label["prompt"].(map[string]any), "bank_tokens_per_request", "cost_per_1k_requests_usd", "context_share")
	sub(label["break_even"].(map[string]any), "requests", "months")
	sub(label["rules"].([]any)[0].(map[string]any), "name", "fired", "value", "threshold")

	code, text, _ := cli(t, "advise", out)
	if code != 0 || !strings.Contains(text, "recommendation: collect-more-data") || !strings.Contains(text, "no request volume") {
		t.Errorf("text (exit %d):\n%s", code, text)
	}
	// --model prices the same facts for another model.
	b, _ := adviseJSON(t, out, "--model", "claude-3-haiku")
	if b.Model != "claude-3-haiku" || b.Labels[0].FineTune.CostUSD != nil || b.Prices.Input == nil || *b.Prices.Input != 0.25 {
		t.Errorf("--model claude-3-haiku: %+v %+v", b.Prices, b.Labels[0].FineTune)
	}
}

// TestAdviseExitCodes: 2 on usage errors, 1 when the directory is not a
// tuneprep output, with a message that names what is missing.
func TestAdviseExitCodes(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	runOK(t, "--out", out)
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	noSplits := filepath.Join(dir, "nosplits")
	os.Mkdir(noSplits, 0o755)
	b, _ := os.ReadFile(filepath.Join(out, "run.json"))
	os.WriteFile(filepath.Join(noSplits, "run.json"), b, 0o644)
	notOurs := filepath.Join(dir, "other")
	os.Mkdir(notOurs, 0o755)
	os.WriteFile(filepath.Join(notOurs, "run.json"), []byte(`{"name": "something else"}`), 0o644)
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{}, exitUsage, "exactly one output directory"},
		{[]string{out, dir}, exitUsage, "exactly one output directory"},
		{[]string{out, "--bogus"}, exitUsage, "bogus"},
		{[]string{out, "--ft-model", "ft:x"}, exitUsage, "--eval-kit"},
		{[]string{out, "--requests-per-month", "-5"}, exitUsage, "requests_per_month"},
		{[]string{out, "--requests-per-month", "many"}, exitUsage, "invalid value"},
		{[]string{filepath.Join(dir, "missing")}, exitFailed, "is not a finished tuneprep output: it does not exist"},
		{[]string{empty}, exitFailed, "no run.json"},
		{[]string{notOurs}, exitFailed, "not a tuneprep run manifest"},
		{[]string{noSplits}, exitFailed, "no split files"},
		{[]string{out}, exitOK, ""},
	}
	for _, tt := range tests {
		code, _, stderr := cli(t, append([]string{"advise"}, tt.args...)...)
		if code != tt.code || !strings.Contains(stderr, tt.msg) {
			t.Errorf("advise %v: exit %d, want %d with %q\n%s", tt.args, code, tt.code, tt.msg, stderr)
		}
	}
}

// TestRunAdvice: with a request volume configured, the run adds the advice
// to its reports, report.html and its summary; it is the advice `tuneprep
// advise` gives on the finished output. Without one, the run has none.
func TestRunAdvice(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	runOK(t, "--out", plain)
	if m, _ := filepath.Glob(filepath.Join(plain, "reports", "*-advise.json")); len(m) != 0 {
		t.Errorf("advice without advise.enabled: %v", m)
	}
	t.Setenv("TUNEPREP_ADVISE_REQUESTS_PER_MONTH", "20000")
	out := filepath.Join(dir, "out")
	code, summary, stderr := cli(t, "run", "--out", out)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(summary, "Prompt or fine-tune? gpt-4o-mini") || !strings.Contains(summary, "20,000 requests a month") {
		t.Errorf("summary:\n%s", summary)
	}
	m := checkBalance(t, out)
	if last := m.Stages[len(m.Stages)-1]; last.Stage != "advise" || last.In != m.Totals.Emitted || last.Out != last.In {
		t.Errorf("last stage %+v", last)
	}
	reports, _ := filepath.Glob(filepath.Join(out, "reports", "*-advise.json"))
	if len(reports) != 1 {
		t.Fatalf("advise reports: %v", reports)
	}
	b, _ := os.ReadFile(reports[0])
	var report struct {
		Stats json.RawMessage `json:"stats"`
	}
	json.Unmarshal(b, &report)
	_, cmd := adviseJSON(t, out)
	var inRun, after any
	json.Unmarshal(report.Stats, &inRun)
	json.Unmarshal(cmd, &after)
	if !reflect.DeepEqual(inRun, after) {
		t.Errorf("the run's advice differs from tuneprep advise's:\n%s\n%s", report.Stats, cmd)
	}
	page, _ := os.ReadFile(filepath.Join(out, "reports", "report.html"))
	if !strings.Contains(string(page), "<h2>Prompt or fine-tune?</h2>") || !strings.Contains(string(page), "Every rule of every label") {
		t.Error("report.html has no advice section")
	}
	t.Setenv("TUNEPREP_ADVISE_EVAL_MARGIN", "2")
	if code, _, stderr := cli(t, "run", "--out", out); code != exitUsage || !strings.Contains(stderr, "advise: eval_margin") {
		t.Errorf("bad advise section: exit %d\n%s", code, stderr)
	}
}

// batchLine is a line of the kit's request files, decoded loosely.
type batchLine struct {
	CustomID string `json:"custom_id"`
	Method   string `json:"method"`
	URL      string `json:"url"`
	Body     struct {
		Model    string            `json:"model"`
		Messages []schemas.Message `json:"messages"`
	} `json:"body"`
}

func jsonLines[T any](t *testing.T, path string) []T {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []T
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if l == "" {
			continue
		}
		var v T
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("%s: %v: %s", path, err, l)
		}
		out = append(out, v)
	}
	return out
}

// TestEvalKit: the kit's files are Batch API requests whose custom_ids pair
// up across files and are the test split's; each request with its expected
// answer is a valid fine-tuning example (tuneprep validate says so); the
// prompt requests carry the label's bank and no bank example is a test
// example; the input tokens reported are the requests' own.
func TestEvalKit(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	runOK(t, "--out", out)
	kitDir := filepath.Join(dir, "kit")
	a, _ := adviseJSON(t, out, "--eval-kit", kitDir)
	k := a.EvalKit
	if k == nil || k.Requests == 0 || !k.WithBanks || k.FTModel != advise.FTPlaceholder || len(k.Files) != 3 {
		t.Fatalf("kit %+v", k)
	}
	prompt := jsonLines[batchLine](t, filepath.Join(kitDir, advise.KitPrompt))
	tuned := jsonLines[batchLine](t, filepath.Join(kitDir, advise.KitFineTuned))
	expected := jsonLines[advise.Expected](t, filepath.Join(kitDir, advise.KitExpected))
	var testIDs []string
	for _, l := range jsonLines[struct{ ID, Label string }](t, filepath.Join(out, "finetune", "test.ids.jsonl")) {
		testIDs = append(testIDs, l.ID)
		if l.Label == "" {
			t.Errorf("test.ids.jsonl: no label for %s", l.ID)
		}
	}
	ids := func(f func(i int) string, n int) []string {
		var s []string
		for i := range n {
			s = append(s, f(i))
		}
		return s
	}
	pIDs := ids(func(i int) string { return prompt[i].CustomID }, len(prompt))
	if !slices.Equal(pIDs, testIDs) || !slices.Equal(ids(func(i int) string { return tuned[i].CustomID }, len(tuned)), pIDs) ||
		!slices.Equal(ids(func(i int) string { return expected[i].CustomID }, len(expected)), pIDs) || len(pIDs) != k.Requests {
		t.Fatalf("custom_ids do not pair up:\nprompt %v\ntuned %d, expected %d, test %v", pIDs, len(tuned), len(expected), testIDs)
	}
	bankIDs := map[string]bool{}
	for _, l := range jsonLines[struct{ ID string }](t, filepath.Join(out, "fewshot", "bank.jsonl")) {
		bankIDs[l.ID] = true
	}
	testInputs := map[string]bool{}
	for i, p := range prompt {
		if bankIDs[p.CustomID] {
			t.Errorf("bank example %s is a test example", p.CustomID)
		}
		tu := tuned[i]
		testInputs[tu.Body.Messages[len(tu.Body.Messages)-1].Content] = true
		if p.Method != "POST" || p.URL != "/v1/chat/completions" || p.Body.Model != "gpt-4o-mini" || tu.Body.Model != advise.FTPlaceholder {
			t.Errorf("request %+v / %+v", p, tu)
		}
		// prompt = the system prompt, the bank's turns, the conversation.
		n, m := len(p.Body.Messages), len(tu.Body.Messages)
		if n <= m || !reflect.DeepEqual(p.Body.Messages[0], tu.Body.Messages[0]) || !reflect.DeepEqual(p.Body.Messages[n-m+1:], tu.Body.Messages[1:]) {
			t.Errorf("%s: prompt request is not system + bank + the fine-tuned request", p.CustomID)
		}
	}
	tok, _ := tokenizer.Get("o200k_base")
	for _, f := range []struct {
		name  string
		lines []batchLine
	}{{advise.KitPrompt, prompt}, {advise.KitFineTuned, tuned}} {
		// Each request with its answer is a valid fine-tuning example.
		var b strings.Builder
		var tokens int64
		for i, l := range f.lines {
			if f.name == advise.KitPrompt {
				for _, bm := range l.Body.Messages[1 : len(l.Body.Messages)-1] {
					if bm.Role == "user" && testInputs[bm.Content] {
						t.Errorf("%s: a bank turn is a test input: %q", l.CustomID, bm.Content)
					}
				}
			}
			tokens += int64(tokencount.Count(tok, &schemas.Example{Kind: schemas.KindChat, Messages: l.Body.Messages}).Total)
			msgs := append(slices.Clone(l.Body.Messages), schemas.Message{Role: "assistant", Content: expected[i].Expected})
			line, _ := json.Marshal(map[string]any{"messages": msgs})
			b.Write(append(line, '\n'))
		}
		path := filepath.Join(dir, "as-training-"+f.name)
		os.WriteFile(path, []byte(b.String()), 0o644)
		_, stdout, stderr := cli(t, "validate", path, "--format", "openai-chat", "--json")
		var v struct {
			Examples int
			Problems []struct {
				Line int
				Code string
			}
		}
		json.Unmarshal([]byte(stdout), &v)
		for _, p := range v.Problems { // the samples' test split is below OpenAI's 10-example minimum
			if p.Line != 0 || p.Code != "too-few-examples" {
				t.Errorf("%s as training data: %+v", f.name, p)
			}
		}
		if v.Examples != len(f.lines) {
			t.Errorf("%s as training data: %d valid examples of %d\n%s%s", f.name, v.Examples, len(f.lines), stdout, stderr)
		}
		for _, kf := range k.Files {
			if kf.Path == f.name && (kf.InputTokens != tokens || kf.Requests != len(f.lines) || kf.InputCostUSD == nil) {
				t.Errorf("%s: reported %+v, counted %d tokens", f.name, kf, tokens)
			}
		}
	}
	// --ft-model names the fine-tuned model; the kit is rewritten whole.
	a, _ = adviseJSON(t, out, "--eval-kit", kitDir, "--ft-model", "ft:gpt-4o-mini:acme::x1")
	if tuned := jsonLines[batchLine](t, filepath.Join(kitDir, advise.KitFineTuned)); len(tuned) != k.Requests || tuned[0].Body.Model != "ft:gpt-4o-mini:acme::x1" {
		t.Errorf("--ft-model: %+v", tuned[0])
	}
	if entries, _ := os.ReadDir(kitDir); len(entries) != 3 {
		t.Errorf("kit directory holds %d files", len(entries))
	}
	code, text, _ := cli(t, "advise", out, "--eval-kit", kitDir)
	if code != 0 || !strings.Contains(text, "evaluation kit in "+kitDir) || !strings.Contains(text, advise.FTPlaceholder) {
		t.Errorf("text:\n%s", text)
	}
}

// TestAdviseSupportCorpus: on the Bitext support corpus with intent labels
// (27 intents of about 160 records), at 100,000 requests a month, the
// advice agrees with the split and few-shot reports, and splits the
// intents: fine-tune those whose training pays back within a year, prompt
// the rest.
func TestAdviseSupportCorpus(t *testing.T) {
	in := testcorpora.Path(t, "support")
	out := filepath.Join(t.TempDir(), "out")
	runOK(t, "--config", filepath.Join("..", "..", "samples", "configs", "bitext-support.yaml"), "--in", in, "--out", out)
	a, _ := adviseJSON(t, out, "--requests-per-month", "100000", "--eval-kit", filepath.Join(t.TempDir(), "kit"))
	if len(a.Labels) != 27 {
		t.Fatalf("%d labels", len(a.Labels))
	}
	checkAgainstReports(t, a.Advice, readRunReports(t, out))
	if a.Recommendation != advise.Hybrid || len(a.Plan.FineTune) == 0 || len(a.Plan.Prompt) == 0 || len(a.Plan.CollectMoreData) != 0 {
		t.Errorf("%s: %s; plan %+v", a.Recommendation, a.Reason, a.Plan)
	}
	for _, e := range a.Labels {
		months := e.BreakEven.Months
		if pays := months != nil && *months <= 12; pays != (e.Recommendation == advise.FineTune) {
			t.Errorf("%s: %s with break-even %+v", e.Label, e.Recommendation, e.BreakEven)
		}
	}
	if a.EvalKit == nil || int64(a.EvalKit.Requests) != a.Overall.Examples.Test {
		t.Errorf("kit %+v for %d test examples", a.EvalKit, a.Overall.Examples.Test)
	}
}

// writeLabelled writes a JSONL input of question/answer records: n[label]
// records per label, questions of random words (no two near-duplicates),
// answers one word (short, as a classification's).
func writeLabelled(t *testing.T, dir string, n map[string]int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	var vocab []string
	for i := range 2000 {
		vocab = append(vocab, fmt.Sprintf("w%dq%d", i, rng.IntN(1000)))
	}
	var b strings.Builder
	for _, label := range slices.Sorted(maps.Keys(n)) {
		for range n[label] {
			words := make([]string, 25)
			for i := range words {
				words[i] = vocab[rng.IntN(len(vocab))]
			}
			line, _ := json.Marshal(map[string]string{"question": strings.Join(words, " "), "answer": label, "label": label})
			b.Write(append(line, '\n'))
		}
	}
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "records.jsonl"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestAdviseBranchesEndToEnd: each recommendation from small runs made for
// it: a handful of examples, enough at a low and at a high volume, and
// labels with skewed counts, whose split of the decision is per label.
func TestAdviseBranchesEndToEnd(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "tuneprep.yaml")
	os.WriteFile(cfg, []byte("input:\n  label_fields: [label]\nredact:\n  enabled: false\nsplit:\n  method: exact\n"), 0o644)
	tests := []struct {
		name   string
		counts map[string]int
		volume string
		want   string
		labels map[string]string
	}{
		{"handful", map[string]int{"billing": 6}, "1000000", advise.CollectMoreData, nil},
		{"low volume", map[string]int{"billing": 400}, "100", advise.Prompt, nil},
		{"high volume", map[string]int{"billing": 400}, "1000000", advise.FineTune, nil},
		{"skewed", map[string]int{"billing": 400, "refund": 300, "rare": 30}, "1000000", advise.Hybrid,
			map[string]string{"billing": advise.FineTune, "refund": advise.FineTune, "rare": advise.Prompt}},
	}
	for _, tt := range tests {
		in, out := filepath.Join(dir, tt.name, "in"), filepath.Join(dir, tt.name, "out")
		writeLabelled(t, in, tt.counts)
		runOK(t, "--config", cfg, "--in", in, "--out", out)
		a, _ := adviseJSON(t, out, "--requests-per-month", tt.volume)
		if a.Recommendation != tt.want {
			t.Errorf("%s: %s (%s), want %s", tt.name, a.Recommendation, a.Reason, tt.want)
		}
		for _, e := range a.Labels {
			if w, ok := tt.labels[e.Label]; ok && e.Recommendation != w {
				t.Errorf("%s: %s is %s, want %s", tt.name, e.Label, e.Recommendation, w)
			}
		}
		var train int64
		for _, c := range tt.counts {
			train += int64(c)
		}
		if got := a.Overall.Examples.Train + a.Overall.Examples.Validation + a.Overall.Examples.Test; got != train {
			t.Errorf("%s: %d examples advised on, %d written", tt.name, got, train)
		}
	}
}
