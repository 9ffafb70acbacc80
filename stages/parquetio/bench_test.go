package parquetio

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tuneprep/tuneprep/schemas"
)

// benchRows is the corpus size of the benchmarks: 1M documents of 1-2 KB
// (about 1.5 GB of text), so one iteration takes tens of seconds. Run with
//
//	go test -run '^$' -bench Corpus -benchtime 1x ./stages/parquetio/
const benchRows = 1_000_000

// benchTexts returns a pool of distinct deterministic texts of 1-2 KB built
// from a fixed vocabulary, so compression sees prose-like redundancy, not
// repeated documents.
func benchTexts() []string {
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := make([]string, 4000)
	for i := range vocab {
		n := 2 + rng.IntN(9)
		var w strings.Builder
		for range n {
			w.WriteByte(byte('a' + rng.IntN(26)))
		}
		vocab[i] = w.String()
	}
	texts := make([]string, 8192)
	for i := range texts {
		size := 1000 + rng.IntN(1000)
		var t strings.Builder
		for t.Len() < size {
			t.WriteString(vocab[rng.IntN(len(vocab))])
			if rng.IntN(12) == 0 {
				t.WriteString(". ")
			} else {
				t.WriteByte(' ')
			}
		}
		texts[i] = t.String()
	}
	return texts
}

func benchDoc(i int, texts []string) *schemas.Document {
	text := texts[i%len(texts)]
	return &schemas.Document{
		ID:     fmt.Sprintf("%016x", uint64(i)*0x9E3779B97F4A7C15),
		Source: schemas.Source{Path: fmt.Sprintf("data/part-%03d.jsonl", i/10000), Line: i%10000 + 1},
		Fields: schemas.Fields{{Name: "text", Value: text}, {Name: "label", Value: []string{"a", "b", "c"}[i%3]}},
		Text:   text, Label: []string{"a", "b", "c"}[i%3], Split: []string{"train", "train", "validation", "test"}[i%4],
		Cluster:    fmt.Sprintf("%016x", uint64(i)*0x9E3779B97F4A7C15),
		Tokens:     &schemas.TokenCounts{Encoding: "cl100k_base", Total: len(text) / 4, Trained: len(text) / 8},
		Redactions: []schemas.TypeCount{{Type: "EMAIL", Count: i % 2}},
	}
}

// peakHeap samples HeapInuse until stop is called and returns the peak.
func peakHeap() (stop func() uint64) {
	var (
		mu   sync.Mutex
		peak uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		mu.Lock()
		peak = max(peak, ms.HeapInuse)
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(25 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				sample()
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		sample()
		return peak
	}
}

func writeBenchCorpus(b *testing.B, path string, texts []string) int64 {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w, err := NewCorpusWriter(bw, WriterOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	for i := range benchRows {
		d := benchDoc(i, texts)
		size += int64(2*len(d.Text) + 100)
		if err := w.Write(d); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	return size
}

// BenchmarkCorpusWrite writes 1M documents to a file. MB/s counts the
// uncompressed value bytes (text twice: the text column and its field).
func BenchmarkCorpusWrite(b *testing.B) {
	texts := benchTexts()
	path := filepath.Join(b.TempDir(), "corpus.parquet")
	runtime.GC()
	stop := peakHeap()
	var size int64
	b.ResetTimer()
	for range b.N {
		size = writeBenchCorpus(b, path, texts)
	}
	b.StopTimer()
	peak := stop()
	b.SetBytes(size)
	st, _ := os.Stat(path)
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(st.Size())/(1<<20), "file-MB")
}

// BenchmarkCorpusRead reads back the 1M-document corpus with Read.
func BenchmarkCorpusRead(b *testing.B) {
	texts := benchTexts()
	path := filepath.Join(b.TempDir(), "corpus.parquet")
	size := writeBenchCorpus(b, path, texts)
	runtime.GC()
	stop := peakHeap()
	b.ResetTimer()
	for range b.N {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		err = Read(context.Background(), f, ReadOptions{}, func(row int, fs schemas.Fields) error {
			rows = row
			return nil
		})
		f.Close()
		if err != nil || rows != benchRows {
			b.Fatalf("read %d rows: %v", rows, err)
		}
	}
	b.StopTimer()
	b.SetBytes(size)
	b.ReportMetric(float64(stop())/(1<<20), "peak-heap-MB")
}

// BenchmarkCorpusWriteBatch writes 50,000 documents of 1-2 KB to memory:
// the writer without the disk, in about a second per iteration, with each
// codec and level a user may pick (corpus.compression_level defaults to
// zstd 1, the fastest). A document's text is also its text field, as in a
// {"text": ...} record, so the file holds it once (the field's value is
// null); MB/s counts the document's text and fields.
func BenchmarkCorpusWriteBatch(b *testing.B) {
	texts := benchTexts()
	const rows = 50_000
	var size int64
	for i := range rows {
		size += int64(2*len(benchDoc(i, texts).Text) + 100)
	}
	for _, c := range []struct {
		codec string
		level int
	}{{"zstd", 1}, {"zstd", 3}, {"snappy", 0}, {"none", 0}} {
		b.Run(fmt.Sprintf("%s-%d", c.codec, c.level), func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				w, err := NewCorpusWriter(io.Discard, WriterOptions{Compression: c.codec, CompressionLevel: c.level})
				if err != nil {
					b.Fatal(err)
				}
				for i := range rows {
					if err := w.Write(benchDoc(i, texts)); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
