package tokenizer

import (
	"strings"
	"sync"
	"testing"

	tiktoken "github.com/pkoukk/tiktoken-go"
)

// benchCorpora are the texts of the throughput benchmarks; testdata/gen/bench.js
// times npm tiktoken on the same files in the same order.
var benchCorpora = []struct {
	name  string
	files func(b *testing.B) []string
}{
	{"legal", func(b *testing.B) []string { return contractFiles(b) }},
	{"medical", func(*testing.B) []string { return []string{"medical/MTS-Dialog-TrainingSet.csv"} }},
	{"support", func(*testing.B) []string { return []string{"support/bitext_customer_support.csv"} }},
}

// contractFiles lists legal/contracts/*.txt in sorted order.
func contractFiles(b *testing.B) []string {
	var out []string
	for _, f := range corpusFiles(b, corpusRoot(b)) {
		if strings.HasPrefix(f, "legal/contracts/") {
			out = append(out, f)
		}
	}
	return out
}

func BenchmarkCount(b *testing.B) {
	for _, enc := range []string{CL100KBase, O200KBase} {
		for _, c := range benchCorpora {
			b.Run(enc+"/"+c.name, func(b *testing.B) {
				text := benchText(b, c.files(b)...)
				tok := mustGet(b, enc)
				benchTokens(b, text, func() int { return tok.Count(text) })
			})
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, enc := range []string{CL100KBase, O200KBase} {
		for _, c := range benchCorpora {
			b.Run(enc+"/"+c.name, func(b *testing.B) {
				text := benchText(b, c.files(b)...)
				tok := mustGet(b, enc)
				var buf []int
				benchTokens(b, text, func() int {
					buf = tok.AppendEncode(buf[:0], text)
					return len(buf)
				})
			})
		}
	}
}

// BenchmarkCountParallel counts from all GOMAXPROCS goroutines at once,
// sharing one tokenizer and its cache.
func BenchmarkCountParallel(b *testing.B) {
	text := benchText(b, "support/bitext_customer_support.csv")
	tok := mustGet(b, O200KBase)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			tok.Count(text)
		}
	})
}

// BenchmarkTiktokenGo times github.com/pkoukk/tiktoken-go (offline loader)
// on the same texts, for the speed ratio.
func BenchmarkTiktokenGo(b *testing.B) {
	for _, enc := range []string{CL100KBase, O200KBase} {
		for _, c := range benchCorpora {
			b.Run(enc+"/"+c.name, func(b *testing.B) {
				text := benchText(b, c.files(b)...)
				ref := tiktokenGo(b, enc)
				benchTokens(b, text, func() int { return len(ref.EncodeOrdinary(text)) })
			})
		}
	}
}

var (
	refMu       sync.Mutex
	refEncoders map[string]*tiktoken.Tiktoken
)

// BenchmarkPathological encodes 1 MB runs of one character, which cost
// tiktoken and tiktoken-go quadratic time.
func BenchmarkPathological(b *testing.B) {
	for _, enc := range []string{CL100KBase, O200KBase} {
		for _, run := range []struct{ name, unit string }{
			{"letters", "a"}, {"spaces", " "}, {"digits", "7"}, {"newlines", "\n"}, {"cjk", "字"},
		} {
			b.Run(enc+"/"+run.name, func(b *testing.B) {
				text := strings.Repeat(run.unit, (1<<20)/len(run.unit))
				tok := mustGet(b, enc)
				benchTokens(b, text, func() int { return tok.Count(text) })
			})
		}
	}
}

// benchTokens runs f b.N times over text, reporting MB/s and tokens/s.
func benchTokens(b *testing.B, text string, f func() int) {
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	tokens := 0
	for b.Loop() {
		tokens += f()
	}
	b.ReportMetric(float64(tokens)/b.Elapsed().Seconds(), "tokens/s")
}

// tiktokenGo returns tiktoken-go's encoder with the offline (embedded)
// vocabulary loader; it must never use the default, downloading loader.
// Each encoder is built once: tiktoken-go rebuilds it on every GetEncoding.
func tiktokenGo(tb testing.TB, enc string) *tiktoken.Tiktoken {
	tb.Helper()
	refMu.Lock()
	defer refMu.Unlock()
	if refEncoders == nil {
		tiktoken.SetBpeLoader(offlineLoader())
		refEncoders = make(map[string]*tiktoken.Tiktoken)
	}
	if t, ok := refEncoders[enc]; ok {
		return t
	}
	t, err := tiktoken.GetEncoding(enc)
	if err != nil {
		tb.Fatalf("tiktoken-go %s: %v", enc, err)
	}
	refEncoders[enc] = t
	return t
}

// BenchmarkLoad parses an embedded vocabulary and builds the tables, as the
// first use of an encoding does (o200k_base: 200k tokens).
func BenchmarkLoad(b *testing.B) {
	for _, enc := range []string{CL100KBase, O200KBase} {
		b.Run(enc, func(b *testing.B) {
			for b.Loop() {
				l := &loaded{tok: &Tokenizer{name: enc, next: specs[enc].next, done: make(chan struct{})}}
				l.once.Do(l.load)
				if l.tok.err != nil {
					b.Fatal(l.tok.err)
				}
			}
		})
	}
}
