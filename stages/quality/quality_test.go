package quality

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
)

var (
	_ pipeline.Processor = (*Stage)(nil)
	_ pipeline.Sequencer = (*Stage)(nil)
	_ pipeline.Reporter  = (*Stage)(nil)
	_ pipeline.Hinter    = (*Stage)(nil)
)

func TestNewValidates(t *testing.T) {
	for _, c := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.Language.Languages = []string{"xx"} }, `language.languages: "xx"`},
		{func(c *Config) { c.Language.MinConfidence = 1.5 }, "language.min_confidence"},
		{func(c *Config) { c.Gopher.MinWords, c.Gopher.MaxWords = 100, 50 }, "gopher.min_words: 100 is above max_words 50"},
		{func(c *Config) { c.Gopher.MinMeanWordLen = 12 }, "gopher.min_mean_word_length"},
		{func(c *Config) { c.Gopher.MaxBulletLines = -0.1 }, "gopher.max_bullet_lines"},
		{func(c *Config) { c.Repetition.MaxTopNgramChars = []float64{0.2} }, "repetition.max_top_ngram_chars: need 3 values"},
		{func(c *Config) { c.Repetition.MaxDuplicateNgramChars[2] = 2 }, "repetition.max_duplicate_ngram_chars"},
		{func(c *Config) { c.Junk.MaxRun = -1 }, "junk.max_run"},
		{func(c *Config) { c.Chat.MinAssistantWords = -1 }, "chat.min_assistant_words"},
	} {
		cfg := Defaults()
		cfg.Repetition.MaxDuplicateNgramChars = append([]float64(nil), cfg.Repetition.MaxDuplicateNgramChars...)
		c.edit(&cfg)
		if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want an error with %q, got %v", c.want, err)
		}
	}
	if _, err := New(Defaults()); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

func TestDisabled(t *testing.T) {
	s := stage(t, func(c *Config) { c.Enabled = false })
	if got, _ := verdict(t, s, text("test")); got != "" {
		t.Errorf("disabled stage dropped for %s", got)
	}
}

// corpusMix is a small mixed input written for the tests: kept records and
// one of each kind of junk, many times over, shuffled by a fixed seed.
func corpusMix() []*schemas.Document {
	texts := []string{
		prose, prose2, "test", "Lorem ipsum dolor sit amet.", "I am currently out of the office until Monday.",
		repeat("very sorry ", 80), "Where is my parcel? It was due on Friday.",
		"Meine Bestellung ist gestern angekommen, aber der Karton war leer. Bitte schicken Sie mir die Ware noch einmal.",
		repeat("2019 2018 1,200 ", 12), "QUJD" + repeat("REVGR0hJSktMTU5PUFFS", 8),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var docs []*schemas.Document
	for i := range 300 {
		d := text(texts[rng.IntN(len(texts))])
		d.Seq, d.ID = int64(i), fmt.Sprintf("r%03d", i)
		docs = append(docs, d)
	}
	d := chat("Where is my parcel?", "")
	d.Seq, d.ID = 300, "r300"
	return append(docs, d)
}

// runStage runs docs through a new stage with Process on the given number
// of goroutines (in any order) and Sequence in input order, as the engine
// does; it returns the drops and the report as JSON.
func runStage(t *testing.T, docs []*schemas.Document, workers int) (string, string) {
	t.Helper()
	s := stage(t, func(c *Config) { c.Language.Languages = []string{"en"} })
	copies := make([]*schemas.Document, len(docs))
	for i, d := range docs {
		c := *d
		copies[i] = &c
	}
	var wg sync.WaitGroup
	next := make(chan *schemas.Document)
	for range workers {
		wg.Go(func() {
			for d := range next {
				if _, err := s.Process(context.Background(), d); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for _, i := range rand.New(rand.NewPCG(uint64(workers), 9)).Perm(len(copies)) {
		next <- copies[i]
	}
	close(next)
	wg.Wait()
	return sequenceAll(t, s, copies)
}

func TestDeterministic(t *testing.T) {
	docs := corpusMix()
	drops1, report1 := runStage(t, docs, 1)
	for _, w := range []int{2, 8} {
		drops, report := runStage(t, docs, w)
		if drops != drops1 || report != report1 {
			t.Errorf("%d workers: output differs from 1 worker", w)
		}
	}
	for _, reason := range []string{"quality-junk-placeholder", "quality-junk-lorem", "quality-junk-autoreply", "quality-junk-blob",
		"quality-language", "quality-alphabetic", "quality-repetition-top-2gram", "quality-chat-empty-assistant"} {
		if !strings.Contains(drops1, " "+reason+" ") {
			t.Errorf("no record dropped for %s:\n%s", reason, drops1)
		}
	}
}

func TestStats(t *testing.T) {
	_, report := runStage(t, corpusMix(), 2)
	var st Stats
	if err := json.Unmarshal([]byte(report), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Checks) != numChecks {
		t.Fatalf("%d checks in the report, want %d", len(st.Checks), numChecks)
	}
	byReason := map[string]CheckStats{}
	for _, c := range st.Checks {
		byReason[c.Reason] = c
		var sum int64
		for _, b := range c.Histogram {
			sum += b.Count
		}
		if sum != c.Measured || c.Dropped > c.Over || c.Over > c.Measured || len(c.Examples) > MaxExamples || int64(len(c.Examples)) > c.Dropped {
			t.Errorf("%s: measured %d, histogram %d, over %d, dropped %d, %d examples", c.Reason, c.Measured, sum, c.Over, c.Dropped, len(c.Examples))
		}
	}
	ph := byReason["quality-junk-placeholder"]
	if ph.Dropped == 0 || len(ph.Examples) != min(int(ph.Dropped), MaxExamples) || ph.Examples[0] >= ph.Examples[len(ph.Examples)-1] {
		t.Errorf("placeholder: %+v", ph)
	}
	if h := byReason["quality-word-length"].Histogram; len(h) == 0 || h[0].Range != "<= 1" || h[len(h)-1].Range != "> 20" {
		t.Errorf("word length bins %v", h)
	}
}

func TestHint(t *testing.T) {
	s := stage(t, nil)
	if h := s.Hint("quality-junk-blob"); !strings.Contains(h, "quality.junk") {
		t.Errorf("hint %q", h)
	}
	if s.Hint("too-long") != "" {
		t.Error("a hint for another stage's reason")
	}
	if got := Reasons(); len(got) != numChecks || got[0] != "quality-junk-placeholder" {
		t.Errorf("Reasons() = %v", got)
	}
}
