package minhash

import (
	"encoding/csv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/tuneprep/tuneprep/stages/testcorpora"
)

// corpusCache holds each corpus once per test binary run.
var corpusCache struct {
	sync.Mutex
	m map[string][]string
}

func cached(t testing.TB, key string, load func() ([]string, error)) []string {
	t.Helper()
	corpusCache.Lock()
	defer corpusCache.Unlock()
	if docs, ok := corpusCache.m[key]; ok {
		return docs
	}
	docs, err := load()
	if err != nil {
		t.Fatalf("load %s: %v", key, err)
	}
	if corpusCache.m == nil {
		corpusCache.m = map[string][]string{}
	}
	corpusCache.m[key] = docs
	return docs
}

// contracts returns the CUAD contract texts in sorted file order.
func contracts(t testing.TB) []string {
	dir := testcorpora.Path(t, "legal/contracts")
	return cached(t, "contracts", func() ([]string, error) {
		names, err := filepath.Glob(filepath.Join(dir, "*.txt"))
		if err != nil {
			return nil, err
		}
		slices.Sort(names)
		var docs []string
		for _, n := range names {
			b, err := os.ReadFile(n)
			if err != nil {
				return nil, err
			}
			docs = append(docs, decodeText(b))
		}
		return docs, nil
	})
}

// dialogues returns the `dialogue` column of MTS-Dialog's training set.
func dialogues(t testing.TB) []string {
	path := testcorpora.Path(t, "medical/MTS-Dialog-TrainingSet.csv")
	return cached(t, "dialogues", func() ([]string, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			return nil, err
		}
		col := slices.Index(rows[0], "dialogue")
		var docs []string
		for _, r := range rows[1:] {
			docs = append(docs, r[col])
		}
		return docs, nil
	})
}

// decodeText returns b as a string, decoding it as Latin-1 when it is not
// valid UTF-8 (some neardup answers are Windows-1252; its 0x80-0x9F
// punctuation becomes C1 controls, which are separators for shingling).
func decodeText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// editVocab are replacement and inserted words for synthetic edits.
var editVocab = strings.Fields(`alpha bravo charlie delta echo foxtrot golf hotel india juliet
	kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray
	yankee zulu amber cobalt crimson indigo saffron teal violet umber ochre sepia`)

// editWords applies round(rate*words) random word edits (substitute, insert
// or delete, equally likely) to text, deterministic in rng. Words are
// whitespace-separated tokens; the result is re-joined with single spaces.
func editWords(text string, rate float64, rng *rand.Rand) (string, int) {
	words := strings.Fields(text)
	k := int(math.Round(rate * float64(len(words))))
	for range k {
		word := editVocab[rng.IntN(len(editVocab))]
		switch op := rng.IntN(3); {
		case op == 0 && len(words) > 0:
			words[rng.IntN(len(words))] = word
		case op == 1 && len(words) > 1:
			i := rng.IntN(len(words))
			words = slices.Delete(words, i, i+1)
		default:
			words = slices.Insert(words, rng.IntN(len(words)+1), word)
		}
	}
	return strings.Join(words, " "), k
}

// syntheticEdit is editWords with its own generator seeded by seed.
func syntheticEdit(text string, rate float64, seed uint64) string {
	s, _ := editWords(text, rate, rand.New(rand.NewPCG(seed, 0x5eed)))
	return s
}
