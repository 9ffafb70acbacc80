package pii

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tuneprep/tuneprep/stages/testcorpora"
)

// benchSources are the corpus files the benchmarks and the real-text audit
// read: the CUAD contracts folder, MTS-Dialog and the Bitext support CSV.
type benchSources struct{ contracts, mts, support string }

// benchFiles finds the bench sources, or skips (fails under
// TUNEPREP_REQUIRE_CORPORA) when one is absent.
func benchFiles(tb testing.TB) benchSources {
	tb.Helper()
	return benchSources{
		contracts: testcorpora.Path(tb, "legal/contracts"),
		mts:       testcorpora.Path(tb, "medical/MTS-Dialog-TrainingSet.csv"),
		support:   testcorpora.Path(tb, "support/bitext_customer_support.csv"),
	}
}

// loadBenchText concatenates real corpus text (contracts, MTS dialogues,
// support CSV; about 1 MB each) and plants the ~1 KB plantedText block (about
// 30 findings of every kind) after every `every` bytes.
func loadBenchText(tb testing.TB, src benchSources, every int) string {
	tb.Helper()
	var parts []string
	take := func(data []byte, n int) {
		if len(data) > n {
			data = data[:n]
		}
		parts = append(parts, string(data))
	}
	contracts, err := filepath.Glob(filepath.Join(src.contracts, "*.txt"))
	if err != nil || len(contracts) == 0 {
		tb.Fatalf("%s: no contract texts (%v)", src.contracts, err)
	}
	sort.Strings(contracts)
	var legal []byte
	for _, p := range contracts {
		if len(legal) > 1<<20 {
			break
		}
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		legal = append(legal, data...)
	}
	take(legal, 1<<20)
	for _, p := range []string{src.mts, src.support} {
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		take(data, 1<<20)
	}
	mixed := strings.Join(parts, "\n")
	planted := plantedText()
	var out strings.Builder
	for i := 0; i < len(mixed); i += every {
		out.WriteString(mixed[i:min(len(mixed), i+every)])
		out.WriteString("\n" + planted + "\n")
	}
	return out.String()
}

var (
	benchOnce            sync.Once
	benchData, denseData string
)

// benchCorpus returns the mixed text with planted PII every 32 KB (one
// finding per ~1 KB overall) and a dense variant planted every 4 KB.
func benchCorpus(b *testing.B) (string, string) {
	src := benchFiles(b) // outside the Once, so that every benchmark skips or fails alike
	benchOnce.Do(func() {
		benchData = loadBenchText(b, src, 32<<10)
		denseData = loadBenchText(b, src, 4<<10)
	})
	if benchData == "" {
		b.Fatal("bench corpus failed to load in an earlier benchmark")
	}
	return benchData, denseData
}

// benchScan reports MB/s (wall clock) and MB/cpu-s (process CPU time, which
// is what one core delivers when the machine is shared).
func benchScan(b *testing.B, s *Scanner, text string) {
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		s.Scan(text)
	}
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(float64(len(text))*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}

// BenchmarkScan: all default detectors, then each family alone.
func BenchmarkScan(b *testing.B) {
	text, dense := benchCorpus(b)
	b.Run("all", func(b *testing.B) { benchScan(b, mustScanner(b, Config{}), text) })
	b.Run("all-dense", func(b *testing.B) { benchScan(b, mustScanner(b, Config{}), dense) })
	b.Run("all+person", func(b *testing.B) { benchScan(b, mustScanner(b, Config{PersonNames: true}), text) })
	for _, f := range detectorFamilies {
		b.Run(f.name, func(b *testing.B) { benchScan(b, familyScanner(b, f.name), text) })
	}
}

func BenchmarkRedactTag(b *testing.B) {
	text, _ := benchCorpus(b)
	s := mustScanner(b, Config{})
	r := mustReplacer(b, ReplacerConfig{Mode: ModeTag})
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Replace(text, s.Scan(text))
	}
}

func BenchmarkValidators(b *testing.B) {
	b.Run("luhn", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			cardValid("4111111111111111")
		}
	})
	b.Run("iban", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			ibanValid("GB82WEST12345698765432")
		}
	})
	b.Run("base58check", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			base58CheckValid("1BoatSLRHtKNngkdXEeobR76b53LETtpyT")
		}
	})
	b.Run("phone", func(b *testing.B) {
		s := mustScanner(b, Config{})
		st := scanState{s: s}
		for i := 0; i < b.N; i++ {
			st.validPhone("(415) 555-0132")
		}
	})
}
