package emit

import (
	"bufio"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/formats"
)

func completionDoc(id string, split string) *schemas.Document {
	return &schemas.Document{ID: id, Source: schemas.Source{Path: "prompts.csv", Line: 7}, Split: split,
		Example: &schemas.Example{Kind: schemas.KindCompletion, Prompt: "2+2=", Completion: "4"}}
}

const (
	chat0 = `{"messages":[{"role":"user","content":"q0"},{"role":"assistant","content":"a & 0"}]}` + "\n"
	chat2 = `{"messages":[{"role":"user","content":"q2"},{"role":"assistant","content":"a & 2"}]}` + "\n"
	chat3 = `{"messages":[{"role":"user","content":"q3"},{"role":"assistant","content":"a & 3"}]}` + "\n"
)

// finetuneFiles returns every file under OUT/finetune by slash path.
func finetuneFiles(t *testing.T, out string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(filepath.Join(out, "finetune"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestRunAuto(t *testing.T) {
	userOnly := &schemas.Document{ID: "u", Split: "train", Example: &schemas.Example{Kind: schemas.KindChat,
		Messages: []schemas.Message{{Role: "user", Content: "hello?"}}}}
	empty := &schemas.Document{ID: "e", Split: "train", Example: &schemas.Example{}}
	tests := []struct {
		name     string
		cfg      Config
		docs     []*schemas.Document
		files    map[string]string // every .jsonl data file under finetune/, exactly
		formats  []string          // the report's formats
		dropped  map[string]string // id -> reason detail (substring)
		same     []string          // the same finetune/ files as with these formats configured
		parquets []string
	}{
		{
			name:    "one kind",
			cfg:     Config{Kinds: []string{schemas.KindChat}},
			docs:    []*schemas.Document{chatDoc(0, "train"), chatDoc(2, "validation"), chatDoc(3, "train")},
			files:   map[string]string{"finetune/train.jsonl": chat0 + chat3, "finetune/validation.jsonl": chat2, "finetune/test.jsonl": ""},
			formats: []string{"openai-chat"},
			same:    []string{"openai-chat"},
		},
		{
			name:    "one kind drops the others as a configured format does",
			cfg:     Config{Kinds: []string{schemas.KindText}},
			docs:    []*schemas.Document{textDoc(1, "train"), chatDoc(2, "train")},
			files:   map[string]string{"finetune/train.jsonl": `{"text":"text <1>"}` + "\n", "finetune/validation.jsonl": "", "finetune/test.jsonl": ""},
			formats: []string{"trl-text"},
			dropped: map[string]string{"c2": "trl-text: needs a text example, not chat"},
			same:    []string{"trl-text"},
		},
		{
			name: "mixed kinds",
			cfg:  Config{Kinds: []string{schemas.KindChat, schemas.KindText}},
			docs: []*schemas.Document{chatDoc(0, "train"), textDoc(1, "train"), textDoc(2, "test"), chatDoc(3, "validation")},
			files: map[string]string{
				"finetune/openai-chat/train.jsonl":      chat0,
				"finetune/openai-chat/validation.jsonl": chat3,
				"finetune/openai-chat/test.jsonl":       "",
				"finetune/trl-text/train.jsonl":         `{"text":"text <1>"}` + "\n",
				"finetune/trl-text/validation.jsonl":    "",
				"finetune/trl-text/test.jsonl":          `{"text":"text <2>"}` + "\n",
			},
			formats: []string{"openai-chat", "trl-text"},
		},
		{
			name: "all kinds possible, Parquet, records their format cannot hold",
			cfg:  Config{Parquet: true},
			docs: []*schemas.Document{completionDoc("p", "validation"), userOnly, chatDoc(3, "train"), empty},
			files: map[string]string{
				"finetune/openai-chat/train.jsonl":            chat3,
				"finetune/openai-chat/validation.jsonl":       "",
				"finetune/openai-chat/test.jsonl":             "",
				"finetune/openai-completion/train.jsonl":      "",
				"finetune/openai-completion/validation.jsonl": `{"prompt":"2+2=","completion":"4"}` + "\n",
				"finetune/openai-completion/test.jsonl":       "",
			},
			formats:  []string{"openai-chat", "openai-completion"},
			dropped:  map[string]string{"u": "openai-chat: ", "e": "auto: no format for an empty example"},
			parquets: []string{"openai-chat/train", "openai-chat/validation", "openai-chat/test", "openai-completion/train", "openai-completion/validation", "openai-completion/test"},
		},
		{
			name: "a kind the rules did not declare is still written",
			cfg:  Config{Kinds: []string{schemas.KindChat, schemas.KindText}},
			docs: []*schemas.Document{completionDoc("p", "test")},
			files: map[string]string{
				"finetune/openai-completion/train.jsonl":      "",
				"finetune/openai-completion/validation.jsonl": "",
				"finetune/openai-completion/test.jsonl":       `{"prompt":"2+2=","completion":"4"}` + "\n",
			},
			formats: []string{"openai-completion"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Splits = splits
			out, m, err := runEmit(t, tt.cfg, tt.docs)
			if err != nil {
				t.Fatal(err)
			}
			got := finetuneFiles(t, out)
			var data []string
			for rel := range got {
				if strings.HasSuffix(rel, ".jsonl") && !strings.HasSuffix(rel, ".ids.jsonl") {
					data = append(data, rel)
				}
			}
			if len(data) != len(tt.files) {
				t.Errorf("data files %v, want %d", data, len(tt.files))
			}
			for rel, want := range tt.files {
				if got[rel] != want {
					t.Errorf("%s = %q, want %q", rel, got[rel], want)
				}
			}
			for _, p := range tt.parquets {
				if _, ok := got["finetune/"+p+".parquet"]; !ok {
					t.Errorf("no finetune/%s.parquet", p)
				}
			}
			if len(tt.parquets) == 0 && slices.ContainsFunc(slices.Collect(maps.Keys(got)), func(s string) bool { return strings.HasSuffix(s, ".parquet") }) {
				t.Error("Parquet written although not configured")
			}
			if m.Totals.Emitted != int64(len(tt.docs)-len(tt.dropped)) || m.Totals.Dropped != int64(len(tt.dropped)) {
				t.Errorf("totals = %+v, want %d dropped", m.Totals, len(tt.dropped))
			}
			dropped := readFile(t, out, "dropped.jsonl")
			for id, detail := range tt.dropped {
				if !strings.Contains(dropped, `"id":"`+id+`"`) || !strings.Contains(dropped, detail) {
					t.Errorf("dropped.jsonl has no %s with %q:\n%s", id, detail, dropped)
				}
			}
			var rep struct {
				Stats Stats `json:"stats"`
			}
			if err := json.Unmarshal([]byte(readFile(t, out, "reports/02-emit.json")), &rep); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rep.Stats.Formats, tt.formats) {
				t.Errorf("report formats %v, want %v", rep.Stats.Formats, tt.formats)
			}
			if tt.same != nil {
				cfg := tt.cfg
				cfg.Formats, cfg.Kinds = tt.same, nil
				out2, _, err := runEmit(t, cfg, tt.docs)
				if err != nil {
					t.Fatal(err)
				}
				if want := finetuneFiles(t, out2); !maps.Equal(got, want) {
					t.Errorf("auto wrote %v\nconfigured %v wrote %v", got, tt.same, want)
				}
			}
		})
	}
}

// records splits a split file into its records: lines, or the elements of
// a JSON array.
func records(t *testing.T, f formats.Format, content string) []string {
	t.Helper()
	if !f.Array() {
		return strings.SplitAfter(content, "\n")[:strings.Count(content, "\n")]
	}
	var elems []json.RawMessage
	if err := json.Unmarshal([]byte(content), &elems); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		out[i] = string(e) + "\n"
	}
	return out
}

func TestIDsSidecar(t *testing.T) {
	p := completionDoc("p&<1>", "train") // alpaca holds it, openai-chat skips it
	docs := []*schemas.Document{chatDoc(0, "train"), p, chatDoc(2, "validation"), chatDoc(3, "train")}
	byID := map[string]*schemas.Document{}
	for _, d := range docs {
		byID[d.ID] = d
	}
	tests := []struct {
		name  string
		names []string
		want  map[string]string // sidecar -> content, exactly
	}{
		{"one array format", []string{"alpaca"}, map[string]string{
			"finetune/train.ids.jsonl": `{"line":1,"id":"c0","source":{"path":"in.jsonl","line":1}}
{"line":2,"id":"p&<1>","source":{"path":"prompts.csv","line":7}}
{"line":3,"id":"c3","source":{"path":"in.jsonl","line":4}}
`,
			"finetune/validation.ids.jsonl": `{"line":1,"id":"c2","source":{"path":"in.jsonl","line":3}}` + "\n",
			"finetune/test.ids.jsonl":       "",
		}},
		{"an array format and a format that skips a record", []string{"alpaca", "openai-chat"}, map[string]string{
			"finetune/alpaca/train.ids.jsonl": `{"line":1,"id":"c0","source":{"path":"in.jsonl","line":1}}
{"line":2,"id":"p&<1>","source":{"path":"prompts.csv","line":7}}
{"line":3,"id":"c3","source":{"path":"in.jsonl","line":4}}
`,
			"finetune/openai-chat/train.ids.jsonl": `{"line":1,"id":"c0","source":{"path":"in.jsonl","line":1}}
{"line":2,"id":"c3","source":{"path":"in.jsonl","line":4}}
`,
			"finetune/openai-chat/validation.ids.jsonl": `{"line":1,"id":"c2","source":{"path":"in.jsonl","line":3}}` + "\n",
			"finetune/openai-chat/test.ids.jsonl":       "",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, m, err := runEmit(t, Config{Formats: tt.names, Splits: splits}, docs)
			if err != nil {
				t.Fatal(err)
			}
			files := finetuneFiles(t, out)
			for rel, want := range tt.want {
				if files[rel] != want {
					t.Errorf("%s =\n%s\nwant\n%s", rel, files[rel], want)
				}
			}
			// Every split file has a sidecar whose line N names the
			// document that rendered to the file's record N.
			for _, name := range tt.names {
				f, _ := formats.Lookup(name)
				for _, sp := range splits {
					rel := "finetune/" + sp + f.Ext
					if len(tt.names) > 1 {
						rel = "finetune/" + name + "/" + sp + f.Ext
					}
					idsRel := strings.TrimSuffix(rel, f.Ext) + ".ids.jsonl"
					ids, ok := files[idsRel]
					if !ok {
						t.Errorf("no %s", idsRel)
						continue
					}
					recs := records(t, f, files[rel])
					sc := bufio.NewScanner(strings.NewReader(ids))
					n := 0
					for sc.Scan() {
						var l idLine
						if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
							t.Fatalf("%s: %v", idsRel, err)
						}
						n++
						d := byID[l.ID]
						if l.Line != int64(n) || d == nil || l.Source != d.Source || n > len(recs) {
							t.Errorf("%s line %d: %s", idsRel, n, sc.Text())
							continue
						}
						if want, _, _ := f.Render(d.Example); recs[n-1] != string(want) {
							t.Errorf("%s record %d = %s, but %s renders %s", rel, n, recs[n-1], l.ID, want)
						}
					}
					if n != len(recs) {
						t.Errorf("%s has %d lines, %s %d records", idsRel, n, rel, len(recs))
					}
					for _, e := range m.Outputs {
						if e.Path == idsRel && (e.Records == nil || *e.Records != int64(n)) {
							t.Errorf("manifest entry %+v, want %d records", e, n)
						}
					}
				}
			}
		})
	}
}

const alpacaInfo = `{
  "tuneprep_train": {
    "file_name": "train.json",
    "formatting": "alpaca",
    "columns": {
      "prompt": "instruction",
      "query": "input",
      "response": "output",
      "system": "system",
      "history": "history"
    }
  },
  "tuneprep_validation": {
    "file_name": "validation.json",
    "formatting": "alpaca",
    "columns": {
      "prompt": "instruction",
      "query": "input",
      "response": "output",
      "system": "system",
      "history": "history"
    }
  },
  "tuneprep_test": {
    "file_name": "test.json",
    "formatting": "alpaca",
    "columns": {
      "prompt": "instruction",
      "query": "input",
      "response": "output",
      "system": "system",
      "history": "history"
    }
  }
}
`

func shareGPTEntry(name, file string) string {
	return `  "` + name + `": {
    "file_name": "` + file + `",
    "formatting": "sharegpt",
    "columns": {
      "messages": "conversations",
      "system": "system",
      "tools": "tools"
    },
    "tags": {
      "role_tag": "from",
      "content_tag": "value",
      "user_tag": "human",
      "assistant_tag": "gpt",
      "observation_tag": "observation",
      "function_tag": "function_call"
    }
  }`
}

func TestDatasetInfo(t *testing.T) {
	sharegpt := "{\n" + shareGPTEntry("tuneprep_train", "train.jsonl") + ",\n" + shareGPTEntry("tuneprep_validation", "validation.jsonl") +
		",\n" + shareGPTEntry("tuneprep_test", "test.jsonl") + "\n}\n"
	tests := []struct {
		name  string
		cfg   Config
		infos map[string]string // every dataset_info.json under finetune/, exactly
	}{
		{"several formats", Config{Formats: []string{"alpaca", "sharegpt", "openai-chat"}}, map[string]string{
			"finetune/alpaca/dataset_info.json":   alpacaInfo,
			"finetune/sharegpt/dataset_info.json": sharegpt,
		}},
		{"one format", Config{Formats: []string{"alpaca-jsonl"}}, map[string]string{
			"finetune/dataset_info.json": strings.ReplaceAll(alpacaInfo, ".json\"", ".jsonl\""),
		}},
		{"bank split", Config{Formats: []string{"sharegpt"}, Splits: []string{"train", "bank"}}, map[string]string{
			"finetune/dataset_info.json": "{\n" + shareGPTEntry("tuneprep_train", "train.jsonl") + ",\n" + shareGPTEntry("tuneprep_bank", "bank.jsonl") + "\n}\n",
		}},
		{"no LLaMA-Factory format", Config{Formats: []string{"openai-chat", "trl-text"}}, nil},
		{"auto", Config{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cfg.Splits == nil {
				tt.cfg.Splits = splits
			}
			out, m, err := runEmit(t, tt.cfg, []*schemas.Document{chatDoc(0, "train"), textDoc(1, "train")})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for rel, content := range finetuneFiles(t, out) {
				if filepath.Base(rel) != "dataset_info.json" {
					continue
				}
				n++
				if want, ok := tt.infos[rel]; !ok || content != want {
					t.Errorf("%s =\n%s\nwant\n%s", rel, content, want)
				}
				var v map[string]any
				if err := json.Unmarshal([]byte(content), &v); err != nil {
					t.Errorf("%s: %v", rel, err)
				}
				for _, e := range m.Outputs {
					if e.Path == rel && (e.Records == nil || *e.Records != int64(len(tt.cfg.Splits))) {
						t.Errorf("manifest entry %+v, want %d records", e, len(tt.cfg.Splits))
					}
				}
			}
			if n != len(tt.infos) {
				t.Errorf("%d dataset_info.json files, want %d", n, len(tt.infos))
			}
		})
	}
}

// TestDatasetInfoSharedFolder names the entries of two LLaMA-Factory
// formats in one folder apart. No configuration puts them there today
// (one format writes finetune/<split>.<ext>, several one folder each), so
// the stage is told to.
func TestDatasetInfoSharedFolder(t *testing.T) {
	s, err := New(Config{Formats: []string{"alpaca", "openai-chat", "sharegpt"}, Splits: []string{"train", "test"}})
	if err != nil {
		t.Fatal(err)
	}
	s.nested = false
	for i := range s.files {
		s.files[i] = map[string]*split{}
	}
	dirs, entries := s.datasetInfos()
	if !slices.Equal(dirs, []string{"finetune"}) {
		t.Fatalf("dirs = %v", dirs)
	}
	b, err := marshalDatasets(entries["finetune"])
	if err != nil {
		t.Fatal(err)
	}
	var names, files []string
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.Token() // {
	for dec.More() {
		tok, _ := dec.Token()
		var e struct {
			FileName string `json:"file_name"`
		}
		if err := dec.Decode(&e); err != nil {
			t.Fatal(err)
		}
		names, files = append(names, tok.(string)), append(files, e.FileName)
	}
	if want := []string{"tuneprep_alpaca_train", "tuneprep_alpaca_test", "tuneprep_sharegpt_train", "tuneprep_sharegpt_test"}; !slices.Equal(names, want) {
		t.Errorf("names = %v, want %v", names, want)
	}
	if want := []string{"train.json", "test.json", "train.jsonl", "test.jsonl"}; !slices.Equal(files, want) {
		t.Errorf("files = %v, want %v", files, want)
	}
}
