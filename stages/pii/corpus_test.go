package pii

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"unicode/utf8"
)

// readJSONL decodes one JSON object per line into fn.
func readJSONL(tb testing.TB, path string, fn func(line []byte) error) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<24)
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		if err := fn(sc.Bytes()); err != nil {
			tb.Fatalf("%s: %v", filepath.Base(path), err)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("%s: %v", filepath.Base(path), err)
	}
}

// cpToByte converts code-point offsets (as in the Python-made corpora) to byte offsets.
func cpToByte(s string, cp int) int {
	if cp <= 0 {
		return 0
	}
	n := 0
	for i := range s {
		if n == cp {
			return i
		}
		n++
	}
	return len(s)
}

// tally accumulates per-type counts. A predicted span is a true positive when
// it covers at least 80% of an expected span of the same type
// (intersection / expected length); each expected span is matched at most once.
type tally struct {
	cases, tp, fp, fn int
}

func (t tally) precision() float64 {
	if t.tp+t.fp == 0 {
		return 1
	}
	return float64(t.tp) / float64(t.tp+t.fp)
}

func (t tally) recall() float64 {
	if t.tp+t.fn == 0 {
		return 1
	}
	return float64(t.tp) / float64(t.tp+t.fn)
}

type expSpan struct {
	start, end int
	typ        string
}

const minCoverage = 0.8

func covers(p Span, e expSpan) bool {
	lo, hi := max(p.Start, e.start), min(p.End, e.end)
	if hi <= lo || e.end <= e.start {
		return false
	}
	return float64(hi-lo)/float64(e.end-e.start) >= minCoverage
}

// score compares predictions with expectations for the given types and adds
// the outcome to board; it returns the number of misses and false hits.
func score(board map[string]*tally, pred []Span, exp []expSpan, types map[string]bool) (misses, false_ int) {
	used := make([]bool, len(pred))
	for _, e := range exp {
		if !types[e.typ] {
			continue
		}
		tl := entry(board, e.typ)
		hit := false
		for i, p := range pred {
			if !used[i] && p.Type == e.typ && covers(p, e) {
				used[i], hit = true, true
				break
			}
		}
		if hit {
			tl.tp++
		} else {
			tl.fn++
			misses++
		}
	}
	for i, p := range pred {
		if used[i] || !types[p.Type] {
			continue
		}
		entry(board, p.Type).fp++
		false_++
	}
	return misses, false_
}

func entry(board map[string]*tally, typ string) *tally {
	if board[typ] == nil {
		board[typ] = &tally{}
	}
	return board[typ]
}

func logBoard(t *testing.T, title string, board map[string]*tally) {
	t.Helper()
	keys := make([]string, 0, len(board))
	for k := range board {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t.Logf("%s", title)
	t.Logf("  %-18s %6s %5s %5s %5s %9s %7s", "type", "cases", "tp", "fp", "fn", "precision", "recall")
	for _, k := range keys {
		v := board[k]
		t.Logf("  %-18s %6d %5d %5d %5d %9.3f %7.3f", k, v.cases, v.tp, v.fp, v.fn, v.precision(), v.recall())
	}
}

func mustScanner(tb testing.TB, cfg Config) *Scanner {
	tb.Helper()
	s, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func checkUTF8Spans(tb testing.TB, text string, spans []Span) {
	tb.Helper()
	for _, sp := range spans {
		if sp.Start < 0 || sp.End > len(text) || sp.Start >= sp.End {
			tb.Fatalf("span out of range: %+v (len %d)", sp, len(text))
		}
		if !utf8Boundary(text, sp.Start) || !utf8Boundary(text, sp.End) {
			tb.Fatalf("span not on UTF-8 boundaries: %+v", sp)
		}
	}
	for i := 1; i < len(spans); i++ {
		if spans[i].Start < spans[i-1].End {
			tb.Fatalf("overlapping spans: %+v %+v", spans[i-1], spans[i])
		}
	}
	_ = utf8.ValidString
}

func unmarshal(line []byte, v any) error { return json.Unmarshal(line, v) }

func itoa(n int) string { return strconv.Itoa(n) }

func sortStrings(s []string) { sort.Strings(s) }
