package emit

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/formats"
)

var splits = []string{"train", "validation", "test"}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		formats []string
		wantErr []string
	}{
		{"default", nil, nil},
		{"all", []string{"trl-text", "openai-chat", "openai-completion"}, nil},
		{"every format", []string{"all"}, nil},
		{"unknown", []string{"openai-chat", "jsonl"}, []string{`unknown format "jsonl"`, "alpaca, alpaca-jsonl, bedrock-claude", "trl-text, vertex-gemini, or all"}},
		{"all and one", []string{"all", "sharegpt"}, []string{`"sharegpt" listed twice`}},
		{"wrong case", []string{"OpenAI-Chat"}, []string{`unknown format "OpenAI-Chat"`}},
		{"duplicate", []string{"trl-text", "openai-chat", "trl-text"}, []string{`"trl-text" listed twice`}},
		{"auto", []string{"auto"}, nil},
		{"auto and one", []string{"auto", "alpaca"}, []string{"auto cannot be combined"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(Config{Formats: tt.formats})
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if len(s.formats) == 0 {
					t.Fatal("no formats")
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, sub := range tt.wantErr {
				if !strings.Contains(err.Error(), sub) {
					t.Errorf("error %q does not contain %q", err, sub)
				}
			}
		})
	}
	if _, err := New(Config{Kinds: []string{"chat", "dialogue"}}); err == nil || !strings.Contains(err.Error(), `"dialogue"`) {
		t.Errorf("unknown kind: error %v", err)
	}
	for _, tt := range []struct {
		cfg    Config
		want   []string
		byKind bool
	}{
		{Defaults(), []string{"openai-chat", "openai-completion", "trl-text"}, true},
		{Config{Kinds: []string{"chat"}}, []string{"openai-chat"}, false},
		{Config{Formats: []string{"auto"}, Kinds: []string{"text", "text"}}, []string{"trl-text"}, false},
		{Config{Kinds: []string{"text", "chat"}}, []string{"openai-chat", "openai-completion", "trl-text"}, true},
		{Config{Formats: []string{"alpaca"}, Kinds: []string{"text", "chat"}}, []string{"alpaca"}, false},
	} {
		s, err := New(tt.cfg)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range s.formats {
			got = append(got, f.Name)
		}
		if !slices.Equal(got, tt.want) || (s.byKind != nil) != tt.byKind {
			t.Errorf("New(%+v): formats %v, auto %v; want %v, %v", tt.cfg, got, s.byKind != nil, tt.want, tt.byKind)
		}
	}
}

func TestEffective(t *testing.T) {
	tests := []struct {
		formats, kinds, want []string
	}{
		{nil, nil, []string{"auto"}},
		{nil, []string{"chat"}, []string{"openai-chat"}},
		{nil, []string{"completion", "completion"}, []string{"openai-completion"}},
		{[]string{"auto"}, []string{"text"}, []string{"trl-text"}},
		{nil, []string{"chat", "text"}, []string{"auto"}},
		{[]string{}, []string{"chat", "completion", "text"}, []string{"auto"}},
		{[]string{"alpaca", "sharegpt"}, []string{"chat"}, []string{"alpaca", "sharegpt"}},
		{[]string{"all"}, nil, []string{"all"}},
	}
	for _, tt := range tests {
		c := Config{Formats: tt.formats, Kinds: tt.kinds, Parquet: true}
		got := c.Effective()
		if !slices.Equal(got.Formats, tt.want) || !got.Parquet {
			t.Errorf("Effective(formats %v, kinds %v) = %+v, want formats %v", tt.formats, tt.kinds, got, tt.want)
		}
		// What run.json records makes the same stage.
		a, errA := New(c)
		b, errB := New(Config{Formats: got.Formats, Kinds: tt.kinds})
		if errA != nil || errB != nil || len(a.formats) != len(b.formats) || (a.byKind == nil) != (b.byKind == nil) {
			t.Errorf("Effective(formats %v, kinds %v): New differs: %v %v", tt.formats, tt.kinds, errA, errB)
		}
	}
}

func TestProcess(t *testing.T) {
	s, err := New(Config{Formats: []string{"openai-chat", "trl-text"}, Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	drop, err := s.Process(ctx, &schemas.Document{ID: "a"})
	if err != nil || drop == nil || drop.Reason != "no-example" {
		t.Errorf("no example: drop %+v, err %v; want no-example", drop, err)
	}

	d := &schemas.Document{ID: "b", Example: &schemas.Example{Kind: schemas.KindCompletion, Prompt: "p", Completion: "c"}}
	drop, err = s.Process(ctx, d)
	if err != nil || drop == nil || drop.Reason != "not-expressible" {
		t.Fatalf("completion in chat+text: drop %+v, err %v; want not-expressible", drop, err)
	}
	want := "openai-chat: needs chat messages, not completion; trl-text: needs a text example, not completion"
	if drop.Detail != want {
		t.Errorf("detail = %q, want %q", drop.Detail, want)
	}

	d = &schemas.Document{ID: "c", Example: &schemas.Example{Kind: schemas.KindText, Text: "t"}}
	if drop, err := s.Process(ctx, d); err != nil || drop != nil {
		t.Fatalf("text in chat+text: drop %+v, err %v; want kept", drop, err)
	}
	r, ok := d.Stash.(rendered)
	if !ok || r.lines[0] != nil || string(r.lines[1]) != `{"text":"t"}`+"\n" || r.reasons[0] == "" {
		t.Errorf("stash = %+v", d.Stash)
	}
}

// source is a Source of ready-made documents.
type source struct{ docs []*schemas.Document }

func (s *source) Name() string { return "test-source" }

func (s *source) Read(ctx context.Context, _ *pipeline.Env, emit func(*schemas.Document) error) error {
	for _, d := range s.docs {
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

func textDoc(i int, split string) *schemas.Document {
	return &schemas.Document{
		ID: "t" + strconv.Itoa(i), Source: schemas.Source{Path: "in.txt", Line: i + 1}, Split: split,
		Example: &schemas.Example{Kind: schemas.KindText, Text: "text <" + strconv.Itoa(i) + ">"},
	}
}

func chatDoc(i int, split string) *schemas.Document {
	return &schemas.Document{
		ID: "c" + strconv.Itoa(i), Source: schemas.Source{Path: "in.jsonl", Line: i + 1}, Split: split,
		Example: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{
			{Role: "user", Content: "q" + strconv.Itoa(i)}, {Role: "assistant", Content: "a & " + strconv.Itoa(i)}}},
	}
}

func runEmit(t *testing.T, cfg Config, docs []*schemas.Document) (string, *schemas.RunManifest, error) {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	m, err := pipeline.Run(context.Background(), pipeline.RunOptions{
		Plan:   pipeline.Plan{Source: &source{docs}, Stages: []pipeline.Stage{s}, Workers: 2, BatchSize: 3},
		OutDir: out, Version: "test",
	})
	return out, m, err
}

func readFile(t *testing.T, dir, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRunOneFormat(t *testing.T) {
	var docs []*schemas.Document
	var wantTrain, wantVal strings.Builder
	for i := range 50 {
		split := "train"
		if i%5 == 4 {
			split = "validation"
		}
		d := chatDoc(i, split)
		if i%10 == 3 {
			d = textDoc(i, split) // not expressible as chat: dropped
		} else {
			line := `{"messages":[{"role":"user","content":"q` + strconv.Itoa(i) + `"},{"role":"assistant","content":"a & ` + strconv.Itoa(i) + `"}]}` + "\n"
			if split == "train" {
				wantTrain.WriteString(line)
			} else {
				wantVal.WriteString(line)
			}
		}
		docs = append(docs, d)
	}
	docs = append(docs, &schemas.Document{ID: "none", Split: "train"}) // no example

	out, m, err := runEmit(t, Config{Formats: []string{"openai-chat"}, Splits: splits}, docs)
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, out, "finetune/train.jsonl"); got != wantTrain.String() {
		t.Errorf("train.jsonl =\n%s\nwant\n%s", got, wantTrain.String())
	}
	if got := readFile(t, out, "finetune/validation.jsonl"); got != wantVal.String() {
		t.Errorf("validation.jsonl =\n%s\nwant\n%s", got, wantVal.String())
	}
	if got := readFile(t, out, "finetune/test.jsonl"); got != "" {
		t.Errorf("test.jsonl = %q, want an empty file", got)
	}
	if m.Totals.Read != 51 || m.Totals.Emitted != 45 || m.Totals.Dropped != 6 {
		t.Errorf("totals = %+v", m.Totals)
	}
	dropped := readFile(t, out, "dropped.jsonl")
	if strings.Count(dropped, `"reason":"not-expressible"`) != 5 || strings.Count(dropped, `"reason":"no-example"`) != 1 {
		t.Errorf("dropped.jsonl =\n%s", dropped)
	}
	var rep struct {
		Stage string `json:"stage"`
		Stats Stats  `json:"stats"`
	}
	if err := json.Unmarshal([]byte(readFile(t, out, "reports/02-emit.json")), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Stage != "emit" || rep.Stats.Written["finetune/train.jsonl"] != 35 || rep.Stats.Written["finetune/validation.jsonl"] != 10 ||
		rep.Stats.Written["finetune/test.jsonl"] != 0 {
		t.Errorf("report = %+v", rep)
	}
	for _, f := range m.Outputs {
		if f.Path == "finetune/train.jsonl" && (f.Records == nil || *f.Records != 35) {
			t.Errorf("manifest entry %+v, want 35 records", f)
		}
	}
}

func TestRunSeveralFormats(t *testing.T) {
	docs := []*schemas.Document{chatDoc(0, "train"), textDoc(1, "train"), textDoc(2, "test"), chatDoc(3, "validation")}
	out, m, err := runEmit(t, Config{Formats: []string{"openai-chat", "trl-text"}, Splits: splits}, docs)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"finetune/openai-chat/train.jsonl":      `{"messages":[{"role":"user","content":"q0"},{"role":"assistant","content":"a & 0"}]}` + "\n",
		"finetune/openai-chat/validation.jsonl": `{"messages":[{"role":"user","content":"q3"},{"role":"assistant","content":"a & 3"}]}` + "\n",
		"finetune/openai-chat/test.jsonl":       "",
		"finetune/trl-text/train.jsonl":         `{"text":"text <1>"}` + "\n",
		"finetune/trl-text/validation.jsonl":    "",
		"finetune/trl-text/test.jsonl":          `{"text":"text <2>"}` + "\n",
	}
	for rel, want := range files {
		if got := readFile(t, out, rel); got != want {
			t.Errorf("%s = %q, want %q", rel, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "finetune", "train.jsonl")); err == nil {
		t.Error("finetune/train.jsonl written although there are several formats")
	}
	if m.Totals.Emitted != 4 || m.Totals.Dropped != 0 {
		t.Errorf("totals = %+v", m.Totals)
	}
	var rep struct {
		Stats Stats `json:"stats"`
	}
	if err := json.Unmarshal([]byte(readFile(t, out, "reports/02-emit.json")), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Stats.Skipped["openai-chat"]["openai-chat: needs chat messages, not text"] != 2 ||
		rep.Stats.Skipped["trl-text"]["trl-text: needs a text example, not chat"] != 2 {
		t.Errorf("skipped = %+v", rep.Stats.Skipped)
	}
}

// TestRunManyFormats writes five formats at once, among them the alpaca
// array file, and compares every file with what the formats package
// renders for the same records in the same order.
func TestRunManyFormats(t *testing.T) {
	names := []string{"openai-chat", "alpaca", "sharegpt", "vertex-gemini", "trl-text"}
	sys := &schemas.Document{ID: "s", Split: "train", Example: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{
		{Role: "system", Content: "Be <brief> & kind."}, {Role: "user", Content: "Hi"}, {Role: "assistant", Content: "Hello – ✓"}}}}
	comp := &schemas.Document{ID: "p", Split: "train", Example: &schemas.Example{Kind: schemas.KindCompletion, Prompt: "2+2=", Completion: "4"}}
	none := &schemas.Document{ID: "x", Split: "train", Example: &schemas.Example{}} // no format holds an empty example
	docs := []*schemas.Document{chatDoc(0, "train"), sys, textDoc(2, "validation"), comp, chatDoc(4, "test"), none, chatDoc(6, "train")}
	out, m, err := runEmit(t, Config{Formats: names, Splits: splits}, docs)
	if err != nil {
		t.Fatal(err)
	}
	records := map[string]int64{}
	for _, e := range m.Outputs {
		if e.Records != nil {
			records[e.Path] = *e.Records
		}
	}
	for _, name := range names {
		f, _ := formats.Lookup(name)
		for _, sp := range splits {
			var want strings.Builder
			w := formats.NewWriter(&want, f)
			for _, d := range docs {
				if line, _, _ := f.Render(d.Example); line != nil && d.Split == sp {
					if err := w.Write(line); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			rel := "finetune/" + name + "/" + sp + f.Ext
			if got := readFile(t, out, rel); got != want.String() {
				t.Errorf("%s =\n%s\nwant\n%s", rel, got, want.String())
			}
			if records[rel] != w.Records() {
				t.Errorf("%s: manifest says %d records, want %d", rel, records[rel], w.Records())
			}
		}
	}
	var train []json.RawMessage
	if err := json.Unmarshal([]byte(readFile(t, out, "finetune/alpaca/train.json")), &train); err != nil || len(train) != 4 {
		t.Errorf("alpaca train.json: %d elements, %v; want a JSON array of 4", len(train), err)
	}
	if got := readFile(t, out, "finetune/alpaca/validation.json"); got != "[]\n" {
		t.Errorf("empty alpaca split = %q, want []", got)
	}
	if m.Totals.Emitted != 6 || m.Totals.Dropped != 1 {
		t.Errorf("totals = %+v", m.Totals)
	}
	if d := readFile(t, out, "dropped.jsonl"); !strings.Contains(d, `"not-expressible"`) || !strings.Contains(d, "alpaca: needs a chat or prompt/completion example") {
		t.Errorf("dropped.jsonl = %s", d)
	}
	var rep struct {
		Stats Stats `json:"stats"`
	}
	if err := json.Unmarshal([]byte(readFile(t, out, "reports/02-emit.json")), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Stats.Skipped["alpaca"]["alpaca: needs a chat or prompt/completion example, not text"] != 1 ||
		rep.Stats.Skipped["vertex-gemini"]["vertex-gemini: needs chat messages, not completion"] != 1 ||
		rep.Stats.Written["finetune/alpaca/train.json"] != 4 {
		t.Errorf("stats = %+v", rep.Stats)
	}
}

func TestRunOneArrayFormat(t *testing.T) {
	out, m, err := runEmit(t, Config{Formats: []string{"alpaca"}, Splits: splits}, []*schemas.Document{chatDoc(0, "train"), chatDoc(1, "train")})
	if err != nil {
		t.Fatal(err)
	}
	want := "[\n" + `{"instruction":"q0","input":"","output":"a & 0"},` + "\n" + `{"instruction":"q1","input":"","output":"a & 1"}` + "\n]\n"
	if got := readFile(t, out, "finetune/train.json"); got != want {
		t.Errorf("train.json = %q, want %q", got, want)
	}
	for _, e := range m.Outputs {
		if e.Path == "finetune/train.json" && (e.Records == nil || *e.Records != 2) {
			t.Errorf("manifest entry %+v, want 2 records", e)
		}
	}
}

func TestFormatNames(t *testing.T) {
	got := FormatNames()
	if len(got) != 10 || !slices.IsSorted(got) || !slices.Contains(got, "openai-chat") {
		t.Errorf("FormatNames() = %v", got)
	}
}

func TestRunUnknownSplitStops(t *testing.T) {
	parent := t.TempDir()
	docs := []*schemas.Document{chatDoc(0, "train"), chatDoc(1, "holdout")}
	s, err := New(Config{Splits: splits})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(parent, "out")
	_, err = pipeline.Run(context.Background(), pipeline.RunOptions{
		Plan: pipeline.Plan{Source: &source{docs}, Stages: []pipeline.Stage{s}}, OutDir: out,
	})
	if err == nil || !strings.Contains(err.Error(), `"holdout"`) {
		t.Fatalf("error = %v, want one naming the split", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("failed run left an output directory: %v", err)
	}
}

func BenchmarkProcess(b *testing.B) {
	s, err := New(Config{Formats: []string{"openai-chat"}, Splits: splits})
	if err != nil {
		b.Fatal(err)
	}
	ex := &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{
		{Role: "user", Content: "Can I deduct the cost of a home office?"},
		{Role: "assistant", Content: strings.Repeat("It depends on how the space is used. ", 8)},
	}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		d := &schemas.Document{Example: ex}
		if drop, err := s.Process(ctx, d); err != nil || drop != nil {
			b.Fatal(drop, err)
		}
	}
}

// TestIDLineAsEncodingJSON checks the hand-written id line against
// encoding/json (HTML escaping off) on names and labels that need escapes.
func TestIDLineAsEncodingJSON(t *testing.T) {
	odd := []string{"", "plain", `a"b\c`, "tab\tnew\nline\r", "<&>", "\x00\x1f\x7f", "caf\xe9 bad utf-8", "line\u2028sep\u2029", "日本語", "😀"}
	for i, s := range odd {
		for _, item := range []int{0, 3} {
			d := &schemas.Document{ID: s + "id", Source: schemas.Source{Path: "dir/" + s + ".jsonl", Line: i, Item: item}, Label: s}
			var want strings.Builder
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(idLine{Line: int64(i + 1), ID: d.ID, Source: d.Source, Label: d.Label}); err != nil {
				t.Fatal(err)
			}
			if got := string(appendIDLine(nil, int64(i+1), d)); got != want.String() {
				t.Errorf("%q item %d:\n got %s\nwant %s", s, item, got, want.String())
			}
		}
	}
}

// BenchmarkIDLine writes one id line (the sidecar of every emitted record),
// by hand and, for comparison, with encoding/json.
func BenchmarkIDLine(b *testing.B) {
	d := &schemas.Document{ID: "81c61c16174ea1d9", Source: schemas.Source{Path: "support/tickets-00001.jsonl", Line: 12345}, Label: "get_refund"}
	b.Run("hand", func(b *testing.B) {
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			buf = appendIDLine(buf[:0], 42, d)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		var buf strings.Builder
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			if err := enc.Encode(idLine{Line: 42, ID: d.ID, Source: d.Source, Label: d.Label}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
