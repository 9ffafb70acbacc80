package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"github.com/tuneprep/tuneprep/stages/testcorpora"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/template"
)

// initIn runs `tuneprep init --in in` into a config file in a fresh folder
// and returns its path, its text and the config as the run decodes it.
func initIn(t *testing.T, in string) (string, string, Config) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tuneprep.yaml")
	if code, _, stderr := cli(t, "init", "--in", in, path); code != 0 {
		t.Fatalf("init --in %s: exit %d: %s", in, code, stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := defaultConfig()
	if err := loadConfigFile(path, &cfg); err != nil { // strict, as the run reads it
		t.Fatalf("generated config does not load: %v\n%s", err, b)
	}
	if _, err := template.New(cfg.Template); err != nil {
		t.Fatalf("generated templates do not compile: %v\n%s", err, b)
	}
	return path, string(b), cfg
}

// runInit runs the pipeline with a generated config and returns the output
// folder after checking that every record is accounted for.
func runInit(t *testing.T, config string) (string, schemas.RunManifest) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	runOK(t, "--config", config, "--out", out)
	return out, checkBalance(t, out)
}

// trainExamples reads the train split, wherever the emit layout puts it.
func trainExamples(t *testing.T, out string) []struct {
	Messages []schemas.Message
	Text     string
} {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(out, "finetune", "train.jsonl"))
	more, _ := filepath.Glob(filepath.Join(out, "finetune", "*", "train.jsonl"))
	paths = append(paths, more...)
	if len(paths) == 0 {
		t.Fatalf("no finetune train file in %s", out)
	}
	b, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	var exs []struct {
		Messages []schemas.Message
		Text     string
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var ex struct {
			Messages []schemas.Message
			Text     string
		}
		if err := json.Unmarshal([]byte(line), &ex); err != nil {
			t.Fatalf("%s: %v", paths[0], err)
		}
		exs = append(exs, ex)
	}
	return exs
}

// splitLabels returns the labels the split report counted.
func splitLabels(t *testing.T, out string) []string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(out, "reports", "*-split.json"))
	if len(paths) != 1 {
		t.Fatalf("split reports: %v", paths)
	}
	b, _ := os.ReadFile(paths[0])
	var r struct {
		Stats struct {
			ByLabel map[string]map[string]int64 `json:"by_label"`
		}
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return sortedKeys(r.Stats.ByLabel)
}

// gibberish returns n words unlike any other call's, so that generated
// records are not near-duplicates of each other.
func gibberish(r *rand.Rand, n int) string {
	syl := []string{"ka", "lo", "mi", "ne", "ru", "ti", "so", "va", "pe", "zu", "bi", "do"}
	w := make([]string, n)
	for i := range w {
		w[i] = syl[r.IntN(len(syl))] + syl[r.IntN(len(syl))] + syl[r.IntN(len(syl))]
	}
	return strings.Join(w, " ")
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func checkChat(t *testing.T, exs []struct {
	Messages []schemas.Message
	Text     string
}) {
	t.Helper()
	if len(exs) == 0 {
		t.Fatal("no train examples")
	}
	for i, ex := range exs {
		var roles []string
		for _, m := range ex.Messages {
			roles = append(roles, m.Role)
		}
		if !slices.Equal(roles, []string{"system", "user", "assistant"}) {
			t.Fatalf("train example %d: roles %v, want system, user, assistant", i+1, roles)
		}
	}
}

func TestInitInCSVQuestionAnswer(t *testing.T) {
	in := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	var rows [][]string
	var values []string
	for i := range 40 {
		ctx := ""
		if i%3 != 0 { // an optional field
			ctx = "Policy: " + gibberish(r, 20)
		}
		row := []string{fmt.Sprintf("TCK-%05d", i+1), []string{"billing", "shipping", "returns"}[i%3], ctx,
			gibberish(r, 12) + "?", gibberish(r, 30) + "."}
		rows = append(rows, row)
		values = append(values, row[0], row[3], row[4])
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"ticket_id", "category", "context", "question", "answer"})
	w.WriteAll(rows)
	writeFile(t, filepath.Join(in, "tickets.csv"), b.String())

	path, text, cfg := initIn(t, in)
	rule := cfg.Template.Rules
	if len(rule) != 1 || rule[0].User != "{{with .context}}{{.}}\n\n{{end}}{{.question}}" || rule[0].Assistant != "{{.answer}}" || rule[0].Kind != "chat" {
		t.Fatalf("rules: %+v\n%s", rule, text)
	}
	if !slices.Equal(cfg.Input.TextFields, []string{"question", "answer"}) || !slices.Equal(cfg.Input.LabelFields, []string{"category"}) {
		t.Errorf("text_fields %v, label_fields %v", cfg.Input.TextFields, cfg.Input.LabelFields)
	}
	if !strings.Contains(text, "kept out of the text: ticket_id") {
		t.Errorf("ticket_id not reported as an identifier:\n%s", text)
	}
	for _, v := range values {
		if strings.Contains(text, v) {
			t.Fatalf("the config shows a value of the input (%q):\n%s", v, text)
		}
	}
	out, m := runInit(t, path)
	if m.Totals.Emitted != 40 {
		t.Errorf("emitted %d of 40 (an absent context must not drop a record): %+v", m.Totals.Emitted, m.Totals)
	}
	exs := trainExamples(t, out)
	checkChat(t, exs)
	withContext := 0
	for _, ex := range exs {
		if strings.HasPrefix(ex.Messages[1].Content, "Policy: ") {
			withContext++
		}
	}
	if withContext == 0 || withContext == len(exs) {
		t.Errorf("%d of %d user messages start with the context", withContext, len(exs))
	}
	if got := splitLabels(t, out); !slices.Equal(got, []string{"billing", "returns", "shipping"}) {
		t.Errorf("split labels %v", got)
	}
}

// TestInitInInstructionCSV: Alpaca's optional input follows the
// instruction and an optional system field falls back to the generic prompt,
// so that no record is dropped for lacking either.
func TestInitInInstructionCSV(t *testing.T) {
	in := t.TempDir()
	r := rand.New(rand.NewPCG(11, 12))
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"system", "instruction", "input", "output", "Task type"})
	for i := range 30 {
		sys, input := "", ""
		if i%2 == 0 {
			sys = "Be brief."
		}
		if i%3 == 0 {
			input = gibberish(r, 10)
		}
		w.Write([]string{sys, gibberish(r, 10), input, gibberish(r, 20), []string{"rewrite", "extract", "answer"}[i%3]})
	}
	w.Flush()
	writeFile(t, filepath.Join(in, "alpaca.csv"), b.String())
	path, text, cfg := initIn(t, in)
	rule := cfg.Template.Rules[0]
	if rule.User != "{{.instruction}}{{with .input}}\n\n{{.}}{{end}}" ||
		rule.System != "{{with .system}}{{.}}{{else}}You are a helpful assistant. Follow the instruction.{{end}}" {
		t.Fatalf("rule %+v\n%s", rule, text)
	}
	if !slices.Equal(cfg.Input.LabelFields, []string{"Task type"}) || !slices.Equal(cfg.Input.TextFields, []string{"instruction", "input", "output"}) {
		t.Errorf("label_fields %q, text_fields %q", cfg.Input.LabelFields, cfg.Input.TextFields)
	}
	out, m := runInit(t, path)
	if m.Totals.Emitted != 30 {
		t.Errorf("totals %+v", m.Totals)
	}
	checkChat(t, trainExamples(t, out))
}

func TestInitInTrainingFormat(t *testing.T) {
	in := t.TempDir()
	r := rand.New(rand.NewPCG(3, 4))
	var b strings.Builder
	for range 20 {
		line, _ := json.Marshal(map[string]any{"messages": []map[string]string{
			{"role": "user", "content": gibberish(r, 10)}, {"role": "assistant", "content": gibberish(r, 15)}}})
		b.Write(append(line, '\n'))
	}
	writeFile(t, filepath.Join(in, "chat.jsonl"), b.String())
	path, text, cfg := initIn(t, in)
	if rules := cfg.Template.Rules; len(rules) != 1 || rules[0].Kind != "auto" || rules[0].User != "" {
		t.Fatalf("rules: %+v\n%s", rules, text)
	}
	if !strings.Contains(text, "as they are") {
		t.Errorf("no comment on records read as examples:\n%s", text)
	}
	out, m := runInit(t, path)
	if m.Totals.Emitted != 20 {
		t.Errorf("emitted %d of 20: %+v", m.Totals.Emitted, m.Totals)
	}
	for _, ex := range trainExamples(t, out) {
		if len(ex.Messages) != 2 || ex.Messages[1].Role != "assistant" {
			t.Fatalf("example %+v", ex)
		}
	}
}

func TestInitInExplode(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	t.Run("tatqa", func(t *testing.T) {
		// TAT-QA's shape, in its key order: a table and paragraphs, then the
		// questions about them.
		type question struct {
			UID        string   `json:"uid"`
			Question   string   `json:"question"`
			Answer     []string `json:"answer"`
			AnswerType string   `json:"answer_type"`
		}
		type paragraph struct {
			UID   string `json:"uid"`
			Order int    `json:"order"`
			Text  string `json:"text"`
		}
		type tatqa struct {
			Table struct {
				UID   string     `json:"uid"`
				Table [][]string `json:"table"`
			} `json:"table"`
			Paragraphs []paragraph `json:"paragraphs"`
			Questions  []question  `json:"questions"`
		}
		var contexts []tatqa
		for i := range 12 {
			var c tatqa
			c.Table.UID, c.Table.Table = fmt.Sprintf("t-%d", i), [][]string{{"", "2019"}, {"Sales", "12.5"}}
			c.Paragraphs = []paragraph{{fmt.Sprintf("p-%d", i), 1, gibberish(r, 25)}}
			for j := range 3 {
				c.Questions = append(c.Questions, question{fmt.Sprintf("q-%d-%d-%s", i, j, strings.Repeat("x", 8)),
					gibberish(r, 10) + "?", []string{gibberish(r, 4)}, []string{"span", "arithmetic"}[j%2]})
			}
			contexts = append(contexts, c)
		}
		in := t.TempDir()
		b, _ := json.MarshalIndent(contexts, "", " ")
		writeFile(t, filepath.Join(in, "tatqa.json"), string(b))
		path, text, cfg := initIn(t, in)
		if cfg.Input.Explode != "questions" {
			t.Fatalf("explode %q\n%s", cfg.Input.Explode, text)
		}
		if u := cfg.Template.Rules[0].User; u != "{{.table}}\n\n{{.paragraphs}}\n\n{{.question}}" {
			t.Errorf("user template %q", u)
		}
		if !slices.Equal(cfg.Input.LabelFields, []string{"answer_type"}) {
			t.Errorf("label_fields %v", cfg.Input.LabelFields)
		}
		out, m := runInit(t, path)
		if m.Totals.Read != 36 || m.Totals.Emitted != 36 {
			t.Errorf("totals %+v, want 36 questions read and emitted", m.Totals)
		}
		checkChat(t, trainExamples(t, out))
		if got := splitLabels(t, out); !slices.Equal(got, []string{"arithmetic", "span"}) {
			t.Errorf("split labels %v", got)
		}
	})
	t.Run("squad", func(t *testing.T) {
		var paragraphs []map[string]any
		for i := range 8 {
			var qas []map[string]any
			for j := range 2 {
				qas = append(qas, map[string]any{"id": fmt.Sprintf("%024d", i*10+j), "question": gibberish(r, 9) + "?",
					"answers": []map[string]any{{"text": gibberish(r, 3), "answer_start": 7}}})
			}
			paragraphs = append(paragraphs, map[string]any{"context": gibberish(r, 40), "qas": qas})
		}
		doc := map[string]any{"version": "1.1", "data": []map[string]any{{"title": "A", "paragraphs": paragraphs[:4]}, {"title": "B", "paragraphs": paragraphs[4:]}}}
		in := t.TempDir()
		b, _ := json.Marshal(doc)
		writeFile(t, filepath.Join(in, "squad.json"), string(b))
		path, text, cfg := initIn(t, in)
		rule := cfg.Template.Rules[0]
		if cfg.Input.Explode != "data.paragraphs.qas.answers" || rule.User != "{{.context}}\n\n{{.question}}" || rule.Assistant != "{{.text}}" {
			t.Fatalf("explode %q, rule %+v\n%s", cfg.Input.Explode, rule, text)
		}
		out, m := runInit(t, path)
		if m.Totals.Emitted != 16 {
			t.Errorf("totals %+v, want 16 answers emitted", m.Totals)
		}
		checkChat(t, trainExamples(t, out))
	})
}

func TestInitInDocuments(t *testing.T) {
	in := t.TempDir()
	r := rand.New(rand.NewPCG(7, 8))
	for i := range 12 {
		kind := []string{"nda", "lease"}[i%2]
		writeFile(t, filepath.Join(in, "contracts", kind, fmt.Sprintf("c%02d.txt", i)), gibberish(r, 120)+"\n")
	}
	writeFile(t, filepath.Join(in, "README.md"), "# About these contracts\n")
	path, text, cfg := initIn(t, in)
	if rules := cfg.Template.Rules; len(rules) != 1 || rules[0].Kind != "text" || len(rules[0].Match) != 0 {
		t.Fatalf("rules %+v\n%s", rules, text)
	}
	if !slices.Equal(cfg.Input.Exclude, []string{"README.md"}) || !slices.Equal(cfg.Input.TextFields, []string{"text"}) ||
		!slices.Equal(cfg.Input.LabelFields, []string{"folder"}) {
		t.Errorf("exclude %v, text_fields %v, label_fields %v\n%s", cfg.Input.Exclude, cfg.Input.TextFields, cfg.Input.LabelFields, text)
	}
	out, m := runInit(t, path)
	if m.Totals.Read != 12 || m.Totals.Emitted != 12 {
		t.Errorf("totals %+v, want the 12 contracts and not the README", m.Totals)
	}
	for _, ex := range trainExamples(t, out) {
		if ex.Text == "" && len(ex.Messages) == 0 {
			t.Fatalf("empty example %+v", ex)
		}
	}
	if got := splitLabels(t, out); !slices.Equal(got, []string{"lease", "nda"}) {
		t.Errorf("split labels %v", got)
	}
}

// TestInitInFolders: folders with different records get a rule each, with
// match globs; the root's rule comes last.
func TestInitInFolders(t *testing.T) {
	in := t.TempDir()
	r := rand.New(rand.NewPCG(9, 10))
	sup, clin, root := "instruction,response\n", "question,answer\n", "prompt,completion\n"
	for range 10 {
		sup += gibberish(r, 8) + "," + gibberish(r, 20) + "\n"
		clin += gibberish(r, 9) + "," + gibberish(r, 18) + "\n"
		root += gibberish(r, 7) + "," + gibberish(r, 16) + "\n"
	}
	writeFile(t, filepath.Join(in, "support", "a.csv"), sup)
	writeFile(t, filepath.Join(in, "clinical", "qa", "b.csv"), clin)
	writeFile(t, filepath.Join(in, "extra.csv"), root)
	path, text, cfg := initIn(t, in)
	var got []string
	for _, rl := range cfg.Template.Rules {
		got = append(got, strings.Join(rl.Match, " ")+" "+rl.User)
	}
	want := []string{"clinical/**/*.csv {{.question}}", "support/**/*.csv {{.instruction}}", "*.csv {{.prompt}}"}
	if !slices.Equal(got, want) {
		t.Fatalf("rules %q, want %q\n%s", got, want, text)
	}
	out, m := runInit(t, path)
	if m.Totals.Emitted != 30 {
		t.Errorf("totals %+v", m.Totals)
	}
	checkChat(t, trainExamples(t, out))
}

func TestInitInOutput(t *testing.T) {
	in := t.TempDir()
	writeFile(t, filepath.Join(in, "a.jsonl"), `{"question":"q one two","answer":"a three"}`+"\n")
	code, stdout, _ := cli(t, "init", "--in", in, "-")
	if code != 0 || !strings.Contains(stdout, "{{.question}}") {
		t.Fatalf("init --in to stdout: exit %d\n%s", code, stdout)
	}
	if _, again, _ := cli(t, "init", "--in", in, "-"); again != stdout {
		t.Error("two inits of the same input differ")
	}
	path := filepath.Join(t.TempDir(), "c.yaml")
	if code, _, _ := cli(t, "init", "--in", in, path); code != 0 {
		t.Fatal(code)
	}
	if code, _, _ := cli(t, "init", "--in", in, path); code != exitUsage {
		t.Errorf("overwriting without --force: exit %d", code)
	}
	if code, _, _ := cli(t, "init", "--in", in, "--force", path); code != 0 {
		t.Errorf("--force: exit %d", code)
	}
	if code, _, _ := cli(t, "init", "--in", filepath.Join(in, "missing"), "-"); code != exitUsage {
		t.Errorf("missing input: exit %d", code)
	}
}

func TestInitInputDir(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "data")
	cases := []struct{ in, config, want string }{
		{"data", "tuneprep.yaml", "data"},
		{"./data/", "configs/tuneprep.yaml", filepath.Join("..", "data")},
		{"data", "-", "data"},
		{abs, "configs/x.yaml", abs},
	}
	for _, c := range cases {
		if got := inputDirFor(c.in, c.config); got != c.want {
			t.Errorf("inputDirFor(%q, %q) = %q, want %q", c.in, c.config, got, c.want)
		}
	}
}

// TestInitInRealCorpora: configs written for the shared corpora run as they
// are and give labelled chat examples (or text, for contracts).
func TestInitInRealCorpora(t *testing.T) {
	testcorpora.Path(t, "") // skips (fails in CI) without the shared corpora
	cases := []struct {
		name, file       string
		labels           []string // acceptable label fields
		user, assistant  string
		explode          string
		minLabels, minEx int
	}{
		{"support", "support/bitext_customer_support.csv", []string{"intent", "category"}, "{{.instruction}}", "{{.response}}", "", 5, 3000},
		{"clinical", "medical/MTS-Dialog-TrainingSet.csv", []string{"section_header"}, "{{.dialogue}}", "{{.section_text}}", "", 10, 800},
		{"financial", "financial/tatqa_dataset_dev.json", []string{"answer_type"}, "", "{{.answer}}", "questions", 3, 1000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := testcorpora.Path(t, c.file)
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			in := t.TempDir()
			writeFile(t, filepath.Join(in, filepath.Base(src)), string(b))
			path, text, cfg := initIn(t, in)
			rule := cfg.Template.Rules[0]
			if len(cfg.Input.LabelFields) != 1 || !slices.Contains(c.labels, cfg.Input.LabelFields[0]) ||
				(c.user != "" && rule.User != c.user) || rule.Assistant != c.assistant || cfg.Input.Explode != c.explode {
				t.Fatalf("guesses:\n%s", text)
			}
			t.Logf("%s config:\n%s", c.name, text)
			out, _ := runInit(t, path)
			exs := trainExamples(t, out)
			checkChat(t, exs)
			if len(exs) < c.minEx {
				t.Errorf("%d train examples, want at least %d", len(exs), c.minEx)
			}
			if got := splitLabels(t, out); len(got) < c.minLabels {
				t.Errorf("split labels %v, want at least %d", got, c.minLabels)
			}
		})
	}
	t.Run("contracts", func(t *testing.T) {
		in := testcorpora.Path(t, "legal/contracts")
		abs, _ := filepath.Abs(in)
		_, text, cfg := initIn(t, abs)
		if rules := cfg.Template.Rules; len(rules) != 1 || rules[0].Kind != "text" || !slices.Equal(cfg.Input.TextFields, []string{"text"}) {
			t.Fatalf("contracts:\n%s", text)
		}
	})
}

// Folders shaped alike share one rule, which must match all of them.
func TestInitInMergedRuleMatchesEveryFolder(t *testing.T) {
	in := t.TempDir()
	r := rand.New(rand.NewPCG(11, 12))
	a, b, c := "question,answer\n", "question,answer\n", "instruction,response\n"
	for range 10 {
		a += gibberish(r, 8) + "," + gibberish(r, 20) + "\n"
		b += gibberish(r, 8) + "," + gibberish(r, 20) + "\n"
		c += gibberish(r, 7) + "," + gibberish(r, 16) + "\n"
	}
	writeFile(t, filepath.Join(in, "a", "x.csv"), a)
	writeFile(t, filepath.Join(in, "b", "y.csv"), b)
	writeFile(t, filepath.Join(in, "c", "z.csv"), c)
	path, text, cfg := initIn(t, in)
	if len(cfg.Template.Rules) != 2 || !slices.Equal(cfg.Template.Rules[0].Match, []string{"a/**/*.csv", "b/**/*.csv"}) {
		t.Fatalf("rules %+v\n%s", cfg.Template.Rules, text)
	}
	if _, m := runInit(t, path); m.Totals.Emitted != 30 {
		t.Errorf("totals %+v", m.Totals)
	}
}
