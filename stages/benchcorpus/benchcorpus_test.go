package benchcorpus

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/stages/pii"
	"github.com/tuneprep/tuneprep/stages/testcorpora"
)

func generate(t *testing.T, cfg Config) (string, *Summary) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "corpus")
	sum, err := Generate(context.Background(), cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, sum
}

func small(kind string, n int) Config {
	cfg := Defaults()
	cfg.Kind, cfg.Records = kind, n
	return cfg
}

// readTree returns every file under dir by slash path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// fields are a written record's fields by name.
type fields map[string]string

// readRecords reads every record of a corpus by source.
func readRecords(t *testing.T, dir string) map[Source]fields {
	t.Helper()
	recs := map[Source]fields{}
	for path, b := range readTree(t, dir) {
		switch {
		case strings.HasPrefix(path, "support/"):
			sc := bufio.NewScanner(bytes.NewReader(b))
			sc.Buffer(nil, 1<<24)
			for line := 1; sc.Scan(); line++ {
				var tk ticket
				if err := json.Unmarshal(sc.Bytes(), &tk); err != nil {
					t.Fatalf("%s:%d: %v", path, line, err)
				}
				recs[Source{path, line}] = fields{"ticket_id": tk.TicketID, "instruction": tk.Instruction, "response": tk.Response, "intent": tk.Intent}
			}
		case strings.HasPrefix(path, "contracts/"):
			recs[Source{path, 0}] = fields{"text": strings.TrimSuffix(string(b), "\n")}
		}
	}
	return recs
}

// main is the record's main text under the bench config.
func (f fields) main() string {
	if t, ok := f["text"]; ok {
		return t
	}
	return f["instruction"] + "\n\n" + f["response"]
}

func (f fields) prompt() string {
	if t, ok := f["text"]; ok {
		return t
	}
	return f["instruction"]
}

func readTruthFile(t *testing.T, dir string) []Truth {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, GroundTruthFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	truth, err := ReadTruth(f)
	if err != nil {
		t.Fatal(err)
	}
	return truth
}

func TestGenerateIsDeterministic(t *testing.T) {
	for _, kind := range Kinds {
		t.Run(kind, func(t *testing.T) {
			cfg := small(kind, 500)
			cfg.ShardRecords = 200 // several shards
			a, _ := generate(t, cfg)
			b, _ := generate(t, cfg)
			fa, fb := readTree(t, a), readTree(t, b)
			if len(fa) != len(fb) {
				t.Fatalf("%d files, then %d", len(fa), len(fb))
			}
			for p, x := range fa {
				if !bytes.Equal(x, fb[p]) {
					t.Errorf("%s differs between two runs with the same config", p)
				}
			}
			cfg.Seed++
			c, _ := generate(t, cfg)
			fc := readTree(t, c)
			if bytes.Equal(fa[GroundTruthFile], fc[GroundTruthFile]) {
				t.Error("another seed gave the same ground truth")
			}
			same := 0
			for p, x := range fa {
				if p != SummaryFile && bytes.Equal(x, fc[p]) {
					same++
				}
			}
			if same > 0 {
				t.Errorf("another seed gave %d identical files", same)
			}
		})
	}
}

func TestPlantedCounts(t *testing.T) {
	cfg := small("mixed", 1001)
	dir, sum := generate(t, cfg)
	recs := readRecords(t, dir)
	if len(recs) != cfg.Records {
		t.Fatalf("%d records written, want %d", len(recs), cfg.Records)
	}
	want := func(rate float64, n int) int { return int(math.Round(rate * float64(n))) }
	var exp Counts
	for _, st := range sum.Streams {
		exp.ExactDuplicate += want(cfg.DupRate, st.Records)
		exp.NearDuplicate += want(cfg.NearRate, st.Records)
		exp.PII += want(cfg.PIIRate, st.Records)
		exp.Leak += want(cfg.LeakRate, st.Records)
	}
	if sum.Planted != exp {
		t.Errorf("planted %+v, want %+v", sum.Planted, exp)
	}
	var got Counts
	for _, tr := range readTruthFile(t, dir) {
		if _, ok := recs[tr.Source]; !ok {
			t.Errorf("ground truth names %v, which is not a record", tr.Source)
		}
		if tr.Original != nil {
			if _, ok := recs[*tr.Original]; !ok {
				t.Errorf("ground truth names original %v, which is not a record", *tr.Original)
			}
			if tr.Original.Path > tr.Source.Path || tr.Original.Path == tr.Source.Path && tr.Original.Line >= tr.Source.Line {
				t.Errorf("%v copies %v, which does not come before it in input order", tr.Source, *tr.Original)
			}
		}
		switch tr.Kind {
		case KindExact:
			got.ExactDuplicate++
		case KindNear:
			got.NearDuplicate++
		case KindPII:
			got.PII++
		case KindLeak:
			got.Leak++
		}
	}
	if got != exp {
		t.Errorf("ground truth has %+v, want %+v", got, exp)
	}
}

// TestPlantedPIIIsDetected: every planted value sits at its offsets and the
// default detectors find exactly it, with its type.
func TestPlantedPIIIsDetected(t *testing.T) {
	sc, err := pii.New(pii.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := small("mixed", 4000)
	if testing.Short() {
		cfg.Records = 1500
	}
	cfg.PIIRate = 0.2
	dir, _ := generate(t, cfg)
	checkPII(t, sc, dir)
}

func checkPII(t *testing.T, sc *pii.Scanner, dir string) {
	t.Helper()
	recs := readRecords(t, dir)
	n := 0
	for _, tr := range readTruthFile(t, dir) {
		if tr.Kind != KindPII {
			continue
		}
		n++
		v := tr.PII
		text := recs[tr.Source][v.Field]
		if v.End > len(text) || text[v.Start:v.End] != v.Value {
			t.Errorf("%v: %s is not at %d-%d of %s", tr.Source, v.Value, v.Start, v.End, v.Field)
			continue
		}
		found := false
		for _, s := range sc.Scan(text) {
			if s.Start == v.Start && s.End == v.End && s.Type == v.Type {
				found = true
			}
		}
		if !found {
			t.Errorf("%v: %s %q not found by the default detectors in %q", tr.Source, v.Type, v.Value, text)
		}
	}
	if n == 0 {
		t.Fatal("no PII planted")
	}
}

// TestPlantedSimilarities recomputes from the written files what dedup and
// the leakage report will measure, and checks ordinary records against
// each other.
func TestPlantedSimilarities(t *testing.T) {
	n := 1500
	if testing.Short() {
		n = 600
	}
	for _, kind := range []string{"support", "contracts"} {
		t.Run(kind, func(t *testing.T) {
			dir, _ := generate(t, small(kind, n))
			checkSimilarities(t, dir, true)
		})
	}
}

func checkSimilarities(t *testing.T, dir string, fullTextLeaks bool) {
	t.Helper()
	m, err := newMeasure()
	if err != nil {
		t.Fatal(err)
	}
	recs := readRecords(t, dir)
	planted := map[Source]bool{}
	for _, tr := range readTruthFile(t, dir) {
		if tr.Kind == KindPII {
			continue
		}
		planted[tr.Source] = true
		c, o := recs[tr.Source], recs[*tr.Original]
		j := m.jaccard(o.main(), c.main())
		switch tr.Kind {
		case KindExact:
			if c.main() != o.main() {
				t.Errorf("%v: exact duplicate differs from %v", tr.Source, *tr.Original)
			}
			if c["ticket_id"] != "" && c["ticket_id"] == o["ticket_id"] {
				t.Errorf("%v: exact duplicate has its original's ticket_id", tr.Source)
			}
		case KindNear:
			if j < nearMinJaccard || c.main() == o.main() {
				t.Errorf("%v: near-duplicate of %v at Jaccard %.3f, want in [%v, 1)", tr.Source, *tr.Original, j, nearMinJaccard)
			}
		case KindLeak:
			pc := m.containment(o.prompt(), c.prompt())
			fc := m.containment(o.main(), c.main())
			if j > leakMaxJaccard || pc < leakMinContainment || fullTextLeaks && fc < leakMinContainment {
				t.Errorf("%v: leak of %v has Jaccard %.3f, prompt containment %.3f, containment %.3f", tr.Source, *tr.Original, j, pc, fc)
			}
		}
		if math.Abs(j-tr.Jaccard) > 0.001 {
			t.Errorf("%v: ground truth says Jaccard %v, the files give %.3f", tr.Source, tr.Jaccard, j)
		}
	}
	// Ordinary records, pairwise, through an inverted index of shingles.
	var texts []string
	for src, f := range recs {
		if !planted[src] {
			texts = append(texts, f.main())
		}
	}
	maxJ, maxC := maxPairwise(m, texts)
	t.Logf("%d ordinary records: highest pairwise Jaccard %.3f, 5-gram containment %.3f", len(texts), maxJ, maxC)
	if maxJ >= 0.35 || maxC >= 0.5 {
		t.Errorf("ordinary records too similar: Jaccard up to %.3f, containment up to %.3f (near-duplicate threshold 0.7, grouping 0.5, leakage 0.5)", maxJ, maxC)
	}
}

// maxPairwise returns the highest word 3-gram Jaccard and 5-gram
// containment (either way) over all pairs of texts, counting shared
// shingles through an inverted index.
func maxPairwise(m *measure, texts []string) (maxJ, maxC float64) {
	best := func(sets [][]uint64, score func(shared, a, b int) float64) float64 {
		post := map[uint64][]int32{}
		count := make([]int32, len(sets))
		var touched []int32
		top := 0.0
		for i, s := range sets {
			touched = touched[:0]
			for _, h := range s {
				for _, j := range post[h] {
					if count[j] == 0 {
						touched = append(touched, j)
					}
					count[j]++
				}
				post[h] = append(post[h], int32(i))
			}
			for _, j := range touched {
				top = max(top, score(int(count[j]), len(sets[j]), len(s)))
				count[j] = 0
			}
		}
		return top
	}
	s3, s5 := make([][]uint64, len(texts)), make([][]uint64, len(texts))
	for i, t := range texts {
		s3[i], s5[i] = m.sh3.AppendSet(nil, t), m.sh5.AppendSet(nil, t)
	}
	maxJ = best(s3, func(n, a, b int) float64 { return float64(n) / float64(a+b-n) })
	maxC = best(s5, func(n, a, b int) float64 { return float64(n) / float64(min(a, b)) })
	return maxJ, maxC
}

// TestRealCorpora generates from the shared corpora: the planted items hold
// there too (leaks on the prompt side: Bitext prompts are short).
func TestRealCorpora(t *testing.T) {
	root := testcorpora.Path(t, "")
	testcorpora.Path(t, "support/bitext_customer_support.csv")
	testcorpora.Path(t, "legal/contracts")
	sc, err := pii.New(pii.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := small("mixed", 2000)
	cfg.Corpora = root
	dir, sum := generate(t, cfg)
	for _, st := range sum.Streams {
		if st.Text == "builtin" {
			t.Errorf("%s: built from the built-in vocabulary, not the corpus", st.Kind)
		}
	}
	checkPII(t, sc, dir)
	m, err := newMeasure()
	if err != nil {
		t.Fatal(err)
	}
	recs := readRecords(t, dir)
	for _, tr := range readTruthFile(t, dir) {
		if tr.Kind != KindNear && tr.Kind != KindLeak {
			continue
		}
		c, o := recs[tr.Source], recs[*tr.Original]
		j, pc := m.jaccard(o.main(), c.main()), m.containment(o.prompt(), c.prompt())
		if tr.Kind == KindNear && j < nearMinJaccard || tr.Kind == KindLeak && (j > leakMaxJaccard || pc < leakMinContainment) {
			t.Errorf("%s %v of %v: Jaccard %.3f, prompt containment %.3f", tr.Kind, tr.Source, *tr.Original, j, pc)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Kind = "medical" }, "kind"},
		{func(c *Config) { c.Records = 0 }, "records"},
		{func(c *Config) { c.DupRate = -0.1 }, "dup-rate"},
		{func(c *Config) { c.LeakRate = 0.3; c.PIIRate = 0.3 }, "rates sum"},
		{func(c *Config) { c.ShardRecords = 0 }, "shard"},
		{func(c *Config) { c.Corpora = t.TempDir() }, "support corpus"},
	} {
		cfg := Defaults()
		tt.change(&cfg)
		_, err := Generate(context.Background(), cfg, filepath.Join(t.TempDir(), "c"))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %v, want one mentioning %q", err, tt.want)
		}
	}
}

// TestReplacesOnlyACorpus: a previous corpus is replaced whole; any other
// non-empty directory is left alone.
func TestReplacesOnlyACorpus(t *testing.T) {
	dir, _ := generate(t, small("contracts", 300))
	if _, err := Generate(context.Background(), small("support", 50), dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "contracts")); err == nil {
		t.Error("the previous corpus's files are still there")
	}
	foreign := t.TempDir()
	os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("mine"), 0o644)
	if _, err := Generate(context.Background(), small("support", 50), foreign); err == nil {
		t.Error("generated into a directory that is not a corpus")
	}
	if _, err := os.Stat(filepath.Join(foreign, "notes.txt")); err != nil {
		t.Error("a foreign directory was touched")
	}
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(foreign), ".*.tmp-*"))
	if len(matches) > 0 {
		t.Errorf("temporary directories left behind: %v", matches)
	}
}

func TestLuhnDigit(t *testing.T) {
	for _, card := range []string{"4111111111111111", "5500005555555559", "4012888888881881"} {
		if got := luhnDigit([]byte(card[:15])); got != card[15] {
			t.Errorf("%s: check digit %c, want %c", card, got, card[15])
		}
	}
}
