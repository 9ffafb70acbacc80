package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"github.com/tuneprep/tuneprep/stages/testcorpora"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// minCellBytes mirrors testdata/gen/corpus.js: shorter CSV cells and JSON
// strings are labels, ids and numbers, not documents.
const minCellBytes = 32

// corpusRoot returns ../shared/corpora, or skips the test (fails it in CI)
// when it is absent.
func corpusRoot(tb testing.TB) string { return testcorpora.Path(tb, "") }

// corpusFiles lists the document files under root, slash-separated and sorted.
func corpusFiles(tb testing.TB, root string) []string {
	tb.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch filepath.Ext(p) {
		case ".txt", ".csv", ".json", ".jsonl":
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("walk corpora: %v", err)
	}
	sort.Strings(files)
	return files
}

// corpusDocs splits the corpora into documents keyed by locator, with the same
// rules as testdata/gen/corpus.js: each .txt file whole; each CSV data cell,
// JSON string and JSONL-line string of at least minCellBytes bytes.
func corpusDocs(tb testing.TB) map[string]string {
	tb.Helper()
	root := corpusRoot(tb)
	docs := make(map[string]string)
	for _, rel := range corpusFiles(tb, root) {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			tb.Fatalf("read corpus: %v", err)
		}
		if err := splitDocs(rel, data, docs); err != nil {
			tb.Fatalf("%s: %v", rel, err)
		}
	}
	return docs
}

func splitDocs(rel string, data []byte, docs map[string]string) error {
	add := func(loc, s string) {
		if len(validUTF8(s)) >= minCellBytes {
			docs[loc] = s
		}
	}
	switch filepath.Ext(rel) {
	case ".txt":
		docs[rel] = string(data) // invalid UTF-8 stays: the tokenizer must handle it
	case ".csv":
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		rows, err := r.ReadAll()
		if err != nil {
			return fmt.Errorf("parse csv: %w", err)
		}
		for i, row := range rows[1:] {
			for j, cell := range row {
				add(fmt.Sprintf("%s#r%dc%d", rel, i+1, j+1), cell)
			}
		}
	case ".jsonl":
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<24)
		for n := 1; sc.Scan(); n++ {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			var v any
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				return fmt.Errorf("line %d: %w", n, err)
			}
			jsonStrings(v, rel+"#L"+strconv.Itoa(n), add)
		}
		return sc.Err()
	case ".json":
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			return fmt.Errorf("parse json: %w", err)
		}
		jsonStrings(v, rel+"#", add)
	}
	return nil
}

// jsonStrings calls add(pointer, s) for every string s in v.
func jsonStrings(v any, ptr string, add func(loc, s string)) {
	switch x := v.(type) {
	case string:
		add(ptr, x)
	case []any:
		for i, e := range x {
			jsonStrings(e, ptr+"/"+strconv.Itoa(i), add)
		}
	case map[string]any:
		esc := strings.NewReplacer("~", "~0", "/", "~1")
		for k, e := range x {
			jsonStrings(e, ptr+"/"+esc.Replace(k), add)
		}
	}
}

// benchText concatenates the given corpus files, or skips.
func benchText(b *testing.B, rels ...string) string {
	b.Helper()
	root := corpusRoot(b)
	var sb strings.Builder
	for _, rel := range rels {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			b.Fatalf("read corpus: %v", err)
		}
		sb.Write(data)
	}
	return sb.String()
}
