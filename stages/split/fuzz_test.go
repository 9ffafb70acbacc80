package split

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
)

// fuzzDocs makes records from fuzz bytes: one per 0-separated part, whose
// text, cluster and "g" field are the part (equal parts are one group), and
// whose label is picked by the part's length.
func fuzzDocs(b []byte) []*schemas.Document {
	var docs []*schemas.Document
	for i, part := range bytes.Split(b, []byte{0}) {
		p := string(part)
		d := &schemas.Document{ID: "r" + strconv.Itoa(i), Cluster: p, Text: p, Label: [...]string{"", "a", "b"}[len(p)%3]}
		d.Fields.Set("g", p)
		docs = append(docs, d)
	}
	return docs
}

// runSplit runs the stage over docs as the engine does, the leakage check
// included, and returns each record's split.
func runSplit(t *testing.T, s *Stage, docs []*schemas.Document) []string {
	t.Helper()
	ctx := context.Background()
	if err := s.Open(ctx, &pipeline.Env{}); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(docs))
	for _, d := range docs {
		d.Split = ""
		if drop, err := s.Process(ctx, d); err != nil || drop != nil {
			t.Fatalf("Process: %v %v", drop, err)
		}
		if drop, err := s.Sequence(ctx, d); err != nil || drop != nil {
			t.Fatalf("Sequence: %v %v", drop, err)
		}
	}
	if s.Holds() {
		if err := s.Decide(ctx); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			if drop, err := s.Replay(ctx, d); err != nil || drop != nil {
				t.Fatalf("Replay: %v %v", drop, err)
			}
		}
	}
	for i, d := range docs {
		out[i] = d.Split
	}
	if err := s.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	return out
}

// FuzzSplit: whatever the shares, seed, method and records, New refuses
// the config, or every record goes to a split with a share (so one that is
// written), all records of a group go to one split, another stage with the
// same config deals them the same way, and no point of the hash method's
// [0, 1) falls in a split without a share.
func FuzzSplit(f *testing.F) {
	recs := []byte("How do I reset my password?\x00Where is my order?\x00How do I reset my password?\x00\x00 \x00refund please")
	f.Add(0.8, 0.1, 0.1, 0.0, uint64(42), byte(0), recs)
	f.Add(0.8, 0.1, 0.1, 0.0, uint64(42), byte(1), recs)
	f.Add(0.7, 0.2, 0.1, 0.0, uint64(7), byte(3), recs)
	f.Add(0.6, 0.2, 0.1, 0.1, uint64(1), byte(5), recs)
	f.Add(0.0, 0.0, 1.0, 0.0, uint64(0), byte(2), recs)
	f.Add(1.0/3, 1.0/3, 1.0/3, 0.0, uint64(3), byte(7), recs)
	f.Add(0.9, 0.0999999999, 0.0, 0.0, uint64(9), byte(0), []byte("x"))
	f.Add(0.8, 0.1, 0.1, 0.0, uint64(42), byte(0), []byte{})
	f.Add(-0.1, 0.6, 0.5, 0.0, uint64(42), byte(0), recs)
	f.Add(math.NaN(), 0.5, 0.5, 0.0, uint64(42), byte(0), recs)
	f.Fuzz(func(t *testing.T, train, validation, test, bank float64, seed uint64, mode byte, recs []byte) {
		cfg := Defaults()
		cfg.Train, cfg.Validation, cfg.Test, cfg.Bank, cfg.Seed = train, validation, test, bank, seed
		cfg.Method = [...]string{"hash", "exact"}[mode&1]
		cfg.Stratify = mode&2 != 0
		if mode&4 != 0 {
			cfg.GroupKey = "g"
		}
		a, err := New(cfg)
		if err != nil {
			return
		}
		hasShare := map[string]bool{}
		for i, sh := range a.shares {
			hasShare[names[i]] = sh > 0
		}
		for _, u := range []float64{0, math.Nextafter(1, 0), a.bounds[0], a.bounds[1], a.bounds[2]} {
			if u >= 0 && u < 1 && !hasShare[a.splitAt(u)] {
				t.Fatalf("shares %v: hash %v goes to %s, which has no share", a.shares, u, a.splitAt(u))
			}
		}
		docs := fuzzDocs(recs)
		got := runSplit(t, a, docs)
		bySplit := map[string]string{}
		for i, d := range docs {
			if !hasShare[got[i]] {
				t.Fatalf("shares %v: record %d went to %q, which has no share", a.shares, i, got[i])
			}
			k := a.groupKey(d)
			if prev, ok := bySplit[k]; ok && prev != got[i] {
				t.Fatalf("group %q in %s and %s", k, prev, got[i])
			}
			bySplit[k] = got[i]
		}
		b, err := New(cfg)
		if err != nil {
			t.Fatalf("New accepted the config once, then refused it: %v", err)
		}
		again := runSplit(t, b, fuzzDocs(recs))
		for i := range got {
			if got[i] != again[i] {
				t.Fatalf("record %d: %s, then %s in a second stage", i, got[i], again[i])
			}
		}
	})
}

// plainWords reports whether text is at least n words of ASCII letters, so
// that its word n-grams are plain to see.
func plainWords(text string, n int) bool {
	words := strings.Fields(text)
	for _, w := range words {
		for _, c := range w {
			if c < 'a' || c > 'z' {
				return false
			}
		}
	}
	return len(words) >= n
}

// FuzzEvalSet: an evaluation set (JSONL or CSV) of any content is refused
// by New with an error, or read; then a training record that copies an
// item of plain words, in a set too small for boilerplate, is dropped as
// contaminated.
func FuzzEvalSet(f *testing.F) {
	f.Add([]byte("{\"question\":\"what is the capital of france\",\"answer\":\"paris is the capital\"}\n{\"q\":\"b\\u00e9\xffd\",\"n\":5}\n"), false)
	f.Add([]byte("question,answer\nwhat is the capital of france,paris is the capital\n\"quoted, comma\",x\n"), true)
	f.Add([]byte("\xEF\xBB\xBF\n\n{\"a\":\n"), false)
	f.Add([]byte("a,b\n\"open\n"), true)
	f.Add([]byte{}, true)
	f.Fuzz(func(t *testing.T, data []byte, isCSV bool) {
		path := filepath.Join(t.TempDir(), "evals.jsonl")
		if isCSV {
			path = strings.TrimSuffix(path, ".jsonl") + ".csv"
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg := Defaults()
		cfg.Leakage.Enabled = false
		cfg.Decontaminate, cfg.DecontaminateN, cfg.DecontaminateSide = []string{path}, 3, "all"
		s, err := New(cfg)
		if err != nil {
			return
		}
		var items []string
		if err := readEvalItems(path, nil, func(_ int, text string) error { items = append(items, text); return nil }); err != nil {
			t.Fatalf("New read the set, readEvalItems refuses it: %v", err)
		}
		if len(items) > cfg.DecontaminateBoilerplate {
			return
		}
		for i, text := range items {
			if !plainWords(text, cfg.DecontaminateN) {
				continue
			}
			d := &schemas.Document{ID: "t" + strconv.Itoa(i), Text: text, Split: Train}
			if drop, err := s.after(d); err != nil || drop == nil || drop.Reason != "decontaminated" {
				t.Fatalf("item %q copied into training: drop %v, error %v", text, drop, err)
			}
		}
	})
}
