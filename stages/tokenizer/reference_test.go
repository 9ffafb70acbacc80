package tokenizer

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// reference is testdata/reference.json.gz, written by testdata/gen/gen.js
// from npm tiktoken (OpenAI's Rust core compiled to WebAssembly).
type reference struct {
	Generator string `json:"generator"`
	Edge      []struct {
		Name string           `json:"name"`
		IDs  map[string][]int `json:"ids"`
	} `json:"edge"`
	// Docs rows: locator, UTF-8 bytes, then count and id hash per encoding
	// (cl100k_base, o200k_base).
	Docs [][]json.RawMessage `json:"docs"`
}

// edgeCase is one entry of testdata/edge_cases.json.
type edgeCase struct {
	Name   string  `json:"name"`
	Text   *string `json:"text"`
	Repeat int     `json:"repeat"`
	Hex    *string `json:"hex"`
}

// input returns the bytes the case stands for, invalid UTF-8 included.
func (c edgeCase) input() (string, error) {
	if c.Hex != nil {
		b, err := hex.DecodeString(*c.Hex)
		return string(b), err
	}
	if c.Text == nil {
		return "", fmt.Errorf("case %s: neither text nor hex", c.Name)
	}
	return strings.Repeat(*c.Text, max(c.Repeat, 1)), nil
}

func loadEdgeCases(t *testing.T) []edgeCase {
	t.Helper()
	data, err := os.ReadFile("testdata/edge_cases.json")
	if err != nil {
		t.Fatalf("read edge cases: %v", err)
	}
	var f struct {
		Cases []edgeCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("parse edge cases: %v", err)
	}
	return f.Cases
}

func loadReference(t *testing.T) *reference {
	t.Helper()
	f, err := os.Open("testdata/reference.json.gz")
	if err != nil {
		t.Fatalf("open reference: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("gunzip reference: %v", err)
	}
	var ref reference
	if err := json.NewDecoder(zr).Decode(&ref); err != nil {
		t.Fatalf("decode reference: %v", err)
	}
	return &ref
}

// idHash is the first 16 hex digits of sha256 over the comma-joined ids,
// as gen.js computes it.
func idHash(ids []int) string {
	var b []byte
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(id), 10)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// TestReferenceEdgeCases compares the exact ids with npm tiktoken on the
// hand-written edge cases (scripts, emoji, marks, whitespace and digit runs,
// long words, invalid UTF-8, special-token text, odd-case contractions), for
// all four encodings. It never skips.
func TestReferenceEdgeCases(t *testing.T) {
	ref := loadReference(t)
	cases := loadEdgeCases(t)
	if len(cases) != len(ref.Edge) {
		t.Fatalf("edge_cases.json has %d cases, reference %d: rerun testdata/gen/gen.js", len(cases), len(ref.Edge))
	}
	for i, c := range cases {
		want := ref.Edge[i]
		if want.Name != c.Name {
			t.Fatalf("case %d is %q in edge_cases.json but %q in the reference: rerun gen.js", i, c.Name, want.Name)
		}
		text, err := c.input()
		if err != nil {
			t.Fatal(err)
		}
		for _, enc := range []string{CL100KBase, O200KBase, P50KBase, R50KBase} {
			t.Run(c.Name+"/"+enc, func(t *testing.T) {
				tok := mustGet(t, enc)
				got := tok.Encode(text)
				if !slices.Equal(got, want.IDs[enc]) {
					t.Errorf("Encode(%q)\n got %v\nwant %v", abbrev(text), got, want.IDs[enc])
				}
				if n := tok.Count(text); n != len(want.IDs[enc]) {
					t.Errorf("Count = %d, want %d", n, len(want.IDs[enc]))
				}
			})
		}
	}
}

// TestReferenceCorpus recomputes the token count and id hash of every corpus
// document (about 29,000) for cl100k_base and o200k_base and compares them
// with npm tiktoken's.
func TestReferenceCorpus(t *testing.T) {
	docs := corpusDocs(t)
	ref := loadReference(t)
	if len(docs) != len(ref.Docs) {
		t.Errorf("corpora split into %d documents, reference has %d: corpora changed or split rules differ from gen/corpus.js", len(docs), len(ref.Docs))
	}
	encs := []*Tokenizer{mustGet(t, CL100KBase), mustGet(t, O200KBase)}
	failures := 0
	for _, row := range ref.Docs {
		var loc string
		var size int
		if err := json.Unmarshal(row[0], &loc); err != nil {
			t.Fatalf("reference row %s: %v", row[0], err)
		}
		text, ok := docs[loc]
		if !ok {
			t.Errorf("reference document %s not found in the corpora", loc)
			continue
		}
		_ = json.Unmarshal(row[1], &size)
		if n := len(validUTF8(text)); n != size {
			t.Errorf("%s: %d bytes, reference saw %d: the split rules differ", loc, n, size)
			continue
		}
		for k, tok := range encs {
			var count int
			var hash string
			_ = json.Unmarshal(row[2+2*k], &count)
			_ = json.Unmarshal(row[3+2*k], &hash)
			ids := tok.Encode(text)
			if len(ids) != count || idHash(ids) != hash || tok.Count(text) != count {
				failures++
				if failures <= 20 {
					t.Errorf("%s %s: %d tokens (hash %s), reference %d (hash %s)", loc, tok.Name(), len(ids), idHash(ids), count, hash)
				}
			}
		}
	}
	if failures > 0 {
		t.Errorf("%d document/encoding pairs differ from the reference", failures)
	}
}

func mustGet(tb testing.TB, enc string) *Tokenizer {
	tb.Helper()
	tok, err := Get(enc)
	if err != nil {
		tb.Fatalf("Get(%q): %v", enc, err)
	}
	return tok
}

// abbrev shortens long inputs in failure messages.
func abbrev(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
