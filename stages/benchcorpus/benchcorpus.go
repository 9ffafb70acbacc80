// Package benchcorpus generates corpora for benchmarks and acceptance tests:
// support tickets (JSONL) and contract clauses (.txt files in folders by
// clause type) of any size, with exact duplicates, near-duplicates, PII
// values and train/test leaks planted at known rates, and a ground-truth
// file that says where each planted item is and what it copies.
//
// The text comes from the shared corpora when they are given (Bitext
// support tickets, CUAD contracts), recombined and perturbed to reach the
// size asked for, or else from a built-in vocabulary of word lists and
// sentence templates. Every record is a pure function of the seed, its
// stream and its index, so the same Config gives byte-identical files and a
// planted copy regenerates its original instead of keeping it in memory:
// memory is one byte per record plus the real corpus, whatever the size.
package benchcorpus

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Config says what to generate.
type Config struct {
	// Kind is support, contracts or mixed (half of each).
	Kind string
	// Records is the number of records, planted ones included.
	Records int
	// Seed selects the corpus; the same Config gives the same bytes.
	Seed uint64
	// DupRate, NearRate, PIIRate and LeakRate are the shares of records
	// that are exact duplicates, near-duplicates, carry a PII value, or
	// repeat another record's prompt (leaks).
	DupRate, NearRate, PIIRate, LeakRate float64
	// ShardRecords is the number of support records per JSONL file.
	ShardRecords int
	// Corpora is the root of the shared corpora (support/bitext_customer_support.csv,
	// legal/contracts/*.txt); empty means the built-in vocabulary.
	Corpora string
}

// Defaults returns 10,000 support records, seed 1, 2% exact and 2% near
// duplicates, 5% PII, 1% leaks, 100,000 records per JSONL file.
func Defaults() Config {
	return Config{Kind: "support", Records: 10000, Seed: 1, DupRate: 0.02, NearRate: 0.02, PIIRate: 0.05,
		LeakRate: 0.01, ShardRecords: 100000}
}

// Kinds lists the corpus kinds.
var Kinds = []string{"support", "contracts", "mixed"}

// Validate checks the config; Generate calls it too.
func (c Config) Validate() error {
	switch c.Kind {
	case "support", "contracts", "mixed":
	default:
		return fmt.Errorf("kind: %q is not support, contracts or mixed", c.Kind)
	}
	if c.Records < 1 {
		return fmt.Errorf("records: %d, want at least 1", c.Records)
	}
	sum := 0.0
	for _, r := range []struct {
		name string
		v    float64
	}{{"dup-rate", c.DupRate}, {"near-rate", c.NearRate}, {"pii-rate", c.PIIRate}, {"leak-rate", c.LeakRate}} {
		if !(r.v >= 0 && r.v <= 0.5) {
			return fmt.Errorf("%s: %v is not between 0 and 0.5", r.name, r.v)
		}
		sum += r.v
	}
	if sum > 0.5 {
		return fmt.Errorf("rates sum to %v: at least half of the records must be ordinary, to be copied", sum)
	}
	if c.ShardRecords < 1 {
		return fmt.Errorf("shard records: %d, want at least 1", c.ShardRecords)
	}
	return nil
}

// Source is a record's place as the pipeline reports it: the path relative
// to the corpus root and the 1-based line (0 for a whole-file document).
type Source struct {
	Path string `json:"path"`
	Line int    `json:"line"`
}

// Kinds of planted items (Truth.Kind); the duplicate kinds are the dedup
// stage's drop reasons.
const (
	KindExact = "exact-duplicate"
	KindNear  = "near-duplicate"
	KindPII   = "pii"
	KindLeak  = "leak"
)

// Truth is one line of ground_truth.jsonl: one planted item.
type Truth struct {
	Kind   string `json:"kind"`
	Source Source `json:"source"`
	// Original is the record a duplicate or leak copies.
	Original *Source `json:"original,omitempty"`
	// Edits is the number of words a near-duplicate or leak changed.
	Edits int `json:"edits,omitempty"`
	// Jaccard is the exact word 3-gram Jaccard similarity of the two main
	// texts (what dedup estimates), Containment the word 5-gram
	// containment either way (what the leakage report measures), and
	// PromptContainment the same over the prompt sides only.
	Jaccard           float64 `json:"jaccard,omitempty"`
	Containment       float64 `json:"containment,omitempty"`
	PromptContainment float64 `json:"prompt_containment,omitempty"`
	// PII is the planted value.
	PII *PIIValue `json:"pii,omitempty"`
}

// PIIValue is a planted value: its type (as the redact report names it),
// the field and the byte offsets of the value in that field.
type PIIValue struct {
	Type  string `json:"type"`
	Field string `json:"field"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Value string `json:"value"`
}

// Summary is ground_truth_summary.json.
type Summary struct {
	Kind    string          `json:"kind"`
	Records int             `json:"records"`
	Seed    uint64          `json:"seed"`
	Rates   Rates           `json:"rates"`
	Streams []StreamSummary `json:"streams"`
	Planted Counts          `json:"planted"`
	// PIIByType counts the planted values by type.
	PIIByType PIICounts `json:"pii_by_type"`
	// LeaksFullText counts the leaks whose main texts, not only their
	// prompts, reach the leakage threshold.
	LeaksFullText int   `json:"leaks_full_text"`
	Files         int   `json:"files"`
	Bytes         int64 `json:"bytes"`
}

// Rates are the planting rates asked for.
type Rates struct {
	Dup  float64 `json:"dup"`
	Near float64 `json:"near"`
	PII  float64 `json:"pii"`
	Leak float64 `json:"leak"`
}

// StreamSummary describes the records of one kind.
type StreamSummary struct {
	Kind    string `json:"kind"`
	Records int    `json:"records"`
	// Text is where the text comes from: builtin, bitext or cuad.
	Text  string `json:"text"`
	Files int    `json:"files"`
	Bytes int64  `json:"bytes"`
}

// Counts are the planted items by kind.
type Counts struct {
	ExactDuplicate int `json:"exact_duplicate"`
	NearDuplicate  int `json:"near_duplicate"`
	PII            int `json:"pii"`
	Leak           int `json:"leak"`
}

// PIICounts are the planted PII values by type.
type PIICounts struct {
	Email      int `json:"EMAIL"`
	Phone      int `json:"PHONE"`
	CreditCard int `json:"CREDIT_CARD"`
	USSSN      int `json:"US_SSN"`
}

func (p *PIICounts) add(typ string) {
	switch typ {
	case typeEmail:
		p.Email++
	case typePhone:
		p.Phone++
	case typeCard:
		p.CreditCard++
	case typeSSN:
		p.USSSN++
	}
}

// Files written at the corpus root.
const (
	GroundTruthFile = "ground_truth.jsonl"
	SummaryFile     = "ground_truth_summary.json"
)

// Generate writes a corpus into dir: support/tickets-NNNNN.jsonl,
// contracts/<clause-type>/cNNNNNNN.txt, ground_truth.jsonl and
// ground_truth_summary.json. The corpus is written into a temporary
// sibling and renamed into place; dir must not exist, be empty or hold a
// previous corpus (which is replaced).
func Generate(ctx context.Context, cfg Config, dir string) (*Summary, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	counts := map[string]int{}
	switch cfg.Kind {
	case "mixed":
		counts["support"], counts["contracts"] = (cfg.Records+1)/2, cfg.Records/2
	default:
		counts[cfg.Kind] = cfg.Records
	}
	// Sources first: a missing corpus is an error before anything is written.
	var streams []*stream
	for _, kind := range []string{"contracts", "support"} { // input (sorted path) order
		if counts[kind] == 0 {
			continue
		}
		src, err := newSource(kind, cfg.Corpora)
		if err != nil {
			return nil, err
		}
		streams = append(streams, newStream(kind, counts[kind], src, cfg))
	}
	tmp, err := prepare(dir)
	if err != nil {
		return nil, err
	}
	sum, err := write(ctx, cfg, streams, tmp)
	if err == nil {
		err = replace(tmp, dir)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	return sum, nil
}

func write(ctx context.Context, cfg Config, streams []*stream, root string) (*Summary, error) {
	m, err := newMeasure()
	if err != nil {
		return nil, err
	}
	gtFile, err := os.Create(filepath.Join(root, GroundTruthFile))
	if err != nil {
		return nil, err
	}
	defer gtFile.Close()
	gt := bufio.NewWriterSize(gtFile, 1<<16)
	sum := &Summary{Kind: cfg.Kind, Records: cfg.Records, Seed: cfg.Seed,
		Rates: Rates{cfg.DupRate, cfg.NearRate, cfg.PIIRate, cfg.LeakRate}, Streams: []StreamSummary{}}
	for _, s := range streams {
		s.m = m
		ss, err := s.generate(ctx, root, func(t Truth) error {
			b, err := json.Marshal(t)
			if err != nil {
				return err
			}
			gt.Write(b)
			return gt.WriteByte('\n')
		}, sum)
		if err != nil {
			return nil, err
		}
		sum.Streams = append(sum.Streams, ss)
		sum.Files += ss.Files
		sum.Bytes += ss.Bytes
	}
	if err := gt.Flush(); err != nil {
		return nil, err
	}
	if err := gtFile.Close(); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return nil, err
	}
	return sum, os.WriteFile(filepath.Join(root, SummaryFile), append(b, '\n'), 0o644)
}

// prepare checks dir and creates the temporary sibling to write into.
func prepare(dir string) (string, error) {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return "", fmt.Errorf("%s is not a directory", dir)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(filepath.Join(dir, SummaryFile)); len(entries) > 0 && err != nil {
			return "", fmt.Errorf("%s is not empty and holds no generated corpus (%s): not replacing it", dir, SummaryFile)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(filepath.Clean(dir))+".tmp-")
	if err != nil {
		return "", err
	}
	return tmp, os.Chmod(tmp, 0o755)
}

// replace moves the finished corpus into place.
func replace(tmp, dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return os.Rename(tmp, dir)
}

// newSource picks the text source of a kind: the shared corpus under root
// when root is set, else the built-in vocabulary.
func newSource(kind, root string) (source, error) {
	if root == "" {
		if kind == "contracts" {
			return builtinContracts{}, nil
		}
		return builtinSupport{}, nil
	}
	if kind == "contracts" {
		return loadCUAD(filepath.Join(root, "legal", "contracts"))
	}
	return loadBitext(filepath.Join(root, "support", "bitext_customer_support.csv"))
}

// ReadTruth reads a ground_truth.jsonl file.
func ReadTruth(r io.Reader) ([]Truth, error) {
	var out []Truth
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	for n := 1; sc.Scan(); n++ {
		var t Truth
		if err := json.Unmarshal(sc.Bytes(), &t); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, t)
	}
	return out, sc.Err()
}
