package quality

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/testcorpora"
)

// corpus is a set of records made from one of the shared corpora the way
// ingest would read it.
type corpus struct {
	name string
	docs []*schemas.Document
}

func csvDocs(tb testing.TB, rel string, each func(header, row []string) []*schemas.Document) []*schemas.Document {
	rows := testcorpora.CSV(tb, rel)
	var out []*schemas.Document
	for _, row := range rows[1:] {
		out = append(out, each(rows[0], row)...)
	}
	return out
}

// fieldsDoc is a record of named fields whose main text is the default.
func fieldsDoc(header, row []string) *schemas.Document {
	d := &schemas.Document{}
	for i, h := range header {
		d.Fields = append(d.Fields, schemas.Field{Name: h, Value: row[i]})
	}
	d.Text = d.Fields.MainText(nil)
	return d
}

func textDoc(text string) *schemas.Document {
	return &schemas.Document{Fields: schemas.Fields{{Name: "text", Value: text}}, Text: text}
}

// sharedCorpora returns the shared corpora as records: each corpus both as
// its rows' default main text and as the short records a user would make
// of it (a clause, a paragraph, a question, a chat turn pair).
func sharedCorpora(tb testing.TB) []corpus {
	tb.Helper()
	var cs []corpus
	add := func(name string, docs []*schemas.Document) {
		for i, d := range docs {
			d.ID = fmt.Sprintf("%s#%d", name, i+1)
			d.Seq = int64(i)
			d.Source = schemas.Source{Path: name, Line: i + 1}
		}
		cs = append(cs, corpus{name, docs})
	}
	one := func(h, r []string) []*schemas.Document { return []*schemas.Document{fieldsDoc(h, r)} }

	add("support/rows", csvDocs(tb, "support/bitext_customer_support.csv", one))
	add("support/chat", csvDocs(tb, "support/bitext_customer_support.csv", func(h, r []string) []*schemas.Document {
		ex := &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{
			{Role: "user", Content: r[slices.Index(h, "instruction")]},
			{Role: "assistant", Content: r[slices.Index(h, "response")]},
		}}
		return []*schemas.Document{{Example: ex, Text: ex.Content()}}
	}))
	add("legal/clauses", csvDocs(tb, "legal/master_clauses.csv", func(h, r []string) []*schemas.Document {
		var out []*schemas.Document
		for i, col := range h {
			if i == 0 || strings.HasSuffix(col, "-Answer") {
				continue
			}
			var parts []string
			if json.Unmarshal([]byte(strings.ReplaceAll(r[i], `'`, `"`)), &parts) != nil {
				parts = []string{r[i]}
			}
			for _, p := range parts {
				if strings.TrimSpace(p) != "" {
					out = append(out, textDoc(p))
				}
			}
		}
		return out
	}))
	var contracts []*schemas.Document
	dir := testcorpora.Path(tb, "legal/contracts")
	files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	slices.Sort(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		contracts = append(contracts, textDoc(strings.TrimSpace(strings.ReplaceAll(string(b), "\r\n", "\n"))))
	}
	add("legal/contracts", contracts)
	add("medical/rows", csvDocs(tb, "medical/MTS-Dialog-TrainingSet.csv", one))
	add("medical/notes", csvDocs(tb, "medical/MTS-Dialog-TrainingSet.csv", func(h, r []string) []*schemas.Document {
		return []*schemas.Document{textDoc(r[2])}
	}))

	b, err := os.ReadFile(testcorpora.Path(tb, "financial/tatqa_dataset_dev.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var tat []map[string]json.RawMessage
	if err := json.Unmarshal(b, &tat); err != nil {
		tb.Fatal(err)
	}
	var contexts, paras []*schemas.Document
	for _, c := range tat {
		d := &schemas.Document{}
		for _, k := range []string{"table", "paragraphs", "questions"} {
			d.Fields = append(d.Fields, schemas.Field{Name: k, Value: string(c[k]), Raw: true})
		}
		d.Text = d.Fields.MainText(nil)
		contexts = append(contexts, d)
		var ps []struct{ Text string }
		json.Unmarshal(c["paragraphs"], &ps)
		var qs []struct{ Question string }
		json.Unmarshal(c["questions"], &qs)
		for _, p := range ps {
			paras = append(paras, textDoc(p.Text))
		}
		for _, q := range qs {
			paras = append(paras, textDoc(q.Question))
		}
	}
	add("financial/contexts", contexts)
	add("financial/paragraphs+questions", paras)
	return cs
}

// run passes docs through the stage as the engine would (Process, then
// Sequence in order) and returns the drops by index.
func run(tb testing.TB, s *Stage, docs []*schemas.Document) map[int]*schemas.Drop {
	drops := map[int]*schemas.Drop{}
	for i, d := range docs {
		doc := *d
		if drop, err := s.Process(context.Background(), &doc); err != nil || drop != nil {
			tb.Fatalf("%s: Process: %v %v", d.ID, drop, err)
		}
		drop, err := s.Sequence(context.Background(), &doc)
		if err != nil {
			tb.Fatal(err)
		}
		if drop != nil {
			drops[i] = drop
		}
	}
	return drops
}

// TestCorpusDropShare runs the defaults over the shared corpora, which are
// clean, edited text: nearly everything must pass. It logs the share
// dropped per reason; -v shows them, and QUALITY_SHOW=n prints the first n
// dropped texts for a person to judge.
func TestCorpusDropShare(t *testing.T) {
	show := 0
	fmt.Sscan(os.Getenv("QUALITY_SHOW"), &show)
	for _, c := range sharedCorpora(t) {
		s, err := New(Defaults())
		if err != nil {
			t.Fatal(err)
		}
		drops := run(t, s, c.docs)
		by := map[string]int{}
		for _, d := range drops {
			by[d.Reason]++
		}
		var parts []string
		for _, r := range slices.Sorted(maps.Keys(by)) {
			parts = append(parts, fmt.Sprintf("%s %d (%.2f%%)", r, by[r], 100*float64(by[r])/float64(len(c.docs))))
		}
		share := float64(len(drops)) / float64(len(c.docs))
		t.Logf("%s: %d records, dropped %d (%.2f%%) %s; languages %v", c.name, len(c.docs), len(drops), 100*share, strings.Join(parts, ", "), s.Stats().(Stats).Languages)
		if share > 0.01 {
			t.Errorf("%s: %.2f%% dropped with the defaults, more than 1%% of clean text", c.name, 100*share)
		}
		shown := 0
		for i, d := range c.docs {
			if drop := drops[i]; drop != nil && shown < show {
				shown++
				text := d.Text
				if len(text) > 600 {
					text = text[:600] + " ..."
				}
				t.Logf("DROP %s %s (%s):\n%s\n", d.ID, drop.Reason, drop.Detail, text)
			}
		}
	}
}

// BenchmarkQuality runs the default stage over a mix of the shared corpora
// (support, legal, medical, financial records), language ID included, on
// one goroutine; language-off shows what language ID costs. MB/cpu-s
// divides the bytes by the CPU time the process used (garbage collection
// included): the throughput of one core, whatever else the machine runs.
func BenchmarkQuality(b *testing.B) {
	var docs []*schemas.Document
	n := 0
	for _, c := range sharedCorpora(b) {
		docs = append(docs, c.docs...)
	}
	for _, d := range docs {
		n += len(d.Text)
	}
	sampleLanguage("warm up") // the models load once per process, outside the timing
	for _, bc := range []struct {
		name string
		edit func(*Config)
	}{
		{"defaults", func(*Config) {}},
		{"language-off", func(c *Config) { c.Language.Enabled = false }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cfg := Defaults()
			bc.edit(&cfg)
			s, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(n))
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				for _, d := range docs {
					doc := *d
					s.Process(context.Background(), &doc)
					s.Sequence(context.Background(), &doc)
				}
			}
			if cpu := cpuTime() - cpu0; cpu > 0 {
				b.ReportMetric(float64(n)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
			}
		})
	}
}
