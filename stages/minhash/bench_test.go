package minhash

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// docs2KB cuts the contracts into about 2 KB documents at word boundaries.
func docs2KB(b *testing.B) []string {
	var out []string
	for _, d := range contracts(b) {
		words := strings.Fields(d)
		var sb strings.Builder
		for _, w := range words {
			sb.WriteString(w)
			sb.WriteByte(' ')
			if sb.Len() >= 2048 {
				out = append(out, sb.String())
				sb.Reset()
			}
		}
	}
	return out
}

// BenchmarkSign measures shingling + 128-permutation signatures on 2 KB
// real-text documents (MB/s from SetBytes, docs/s and per-core cpu-MB/s
// reported), with the signature kernel of this CPU (kernel, skipped where
// there is none) and without (generic).
func BenchmarkSign(b *testing.B) {
	docs := docs2KB(b)
	for _, bc := range []struct {
		name string
		cfg  Config
	}{
		{"words3", Config{}},
		{"words5", Config{Shingle: ShingleConfig{N: 5}}},
		{"chars24", Config{Shingle: ShingleConfig{Kind: Chars}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			eachSignPath(b, func(b *testing.B) {
				mh := mustMinHasher(b, bc.cfg)
				var bytes int64
				for _, d := range docs {
					bytes += int64(len(d))
				}
				b.SetBytes(bytes / int64(len(docs)))
				cpu0, ok := processCPU()
				i, done := 0, int64(0)
				for b.Loop() {
					d := docs[i%len(docs)]
					mh.Sign(d)
					done += int64(len(d))
					i++
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
				// Wall-clock MB/s drops when other jobs share the cores; CPU
				// time of this process (GC included) gives the per-core figure.
				if cpu1, ok1 := processCPU(); ok && ok1 && cpu1 > cpu0 {
					b.ReportMetric(float64(done)/1e6/(cpu1-cpu0).Seconds(), "cpu-MB/s")
				}
			})
		})
	}
}

// BenchmarkSignature measures appendSignature alone on random hash sets of
// 300 shingles (about a 2 KB text) and 3000 (a long contract), for 128 and
// 112 permutations (112 leaves the AVX-512 kernel a 48-lane tail). MB/s is
// of shingle hashes; cpu-ns/op is process CPU time per signature.
func BenchmarkSignature(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, k := range []int{DefaultNumPerm, 112} {
		for _, n := range []int{300, 3000} {
			b.Run(fmt.Sprintf("perm=%d/hashes=%d", k, n), func(b *testing.B) {
				mh := mustMinHasher(b, Config{NumPerm: k})
				hashes := make([]uint64, n)
				for i := range hashes {
					hashes[i] = rng.Uint64()
				}
				eachSignPath(b, func(b *testing.B) {
					b.SetBytes(int64(8 * n))
					sig := make(Signature, 0, k)
					cpu0, ok := processCPU()
					for b.Loop() {
						sig = mh.appendSignature(sig[:0], hashes)
					}
					// Per-core cost, steadier than ns/op on a shared machine.
					if cpu1, ok1 := processCPU(); ok && ok1 && cpu1 > cpu0 {
						b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
					}
				})
			})
		}
	}
}

// eachSignPath runs fn as sub-benchmark "generic" with appendSignature on
// signGeneric, then as "kernel" with the signature kernel of this CPU,
// skipped where there is none.
func eachSignPath(b *testing.B, fn func(b *testing.B)) {
	kernel := signKernel
	b.Run("generic", func(b *testing.B) {
		signKernel = nil
		defer func() { signKernel = kernel }()
		fn(b)
	})
	b.Run("kernel", func(b *testing.B) {
		if kernel == nil {
			b.Skip("no signature kernel on this CPU or architecture")
		}
		fn(b)
	})
}

// BenchmarkShingle measures shingling alone (no allocation per call).
func BenchmarkShingle(b *testing.B) {
	docs := docs2KB(b)
	sh := mustShingler(b, ShingleConfig{})
	b.SetBytes(int64(len(docs[0])))
	buf := make([]uint64, 0, 4096)
	i := 0
	for b.Loop() {
		buf = sh.appendShingles(buf[:0], docs[i%len(docs)])
		i++
	}
}

// BenchmarkShingleSet measures a text's distinct 5-grams, as the overlap
// checks take them: "sort" by AppendSet, "hash" by appendDistinct.
func BenchmarkShingleSet(b *testing.B) {
	docs := docs2KB(b)
	sh := mustShingler(b, ShingleConfig{N: 5})
	buf := make([]uint64, 0, 4096)
	var tab distinctTable
	for _, way := range []string{"sort", "hash"} {
		b.Run(way, func(b *testing.B) {
			b.SetBytes(int64(len(docs[0])))
			i := 0
			for b.Loop() {
				if way == "sort" {
					buf = sh.AppendSet(buf[:0], docs[i%len(docs)])
				} else {
					buf = sh.appendDistinct(buf[:0], docs[i%len(docs)], &tab)
				}
				i++
			}
		})
	}
}

// BenchmarkDeduperCheck measures query + verify + insert per document on a
// Deduper holding 100k, 500k and 2M synthetic kept documents: the cost per
// document should not grow with the index (run with -benchtime 200000x so
// that each size checks the same number). After a first pass over its 4096
// signatures, every check is a duplicate whose band slots may still be
// cached: the figure is mostly query and verify.
func BenchmarkDeduperCheck(b *testing.B) {
	p := defaultParams()
	eachIndexSize(b, p, func(b *testing.B, n int, d *Deduper) {
		rng := rand.New(rand.NewPCG(5, 5))
		for i := range n {
			if _, err := d.Check(uint64(i), randomSig(rng, p.NumPerm)); err != nil {
				b.Fatal(err)
			}
		}
		sigs := make([]Signature, 4096)
		for i := range sigs {
			sigs[i] = randomSig(rng, p.NumPerm)
			if i%4 == 0 && i > 0 {
				sigs[i] = perturb(rng, sigs[i-1], 0.1)
			}
		}
		// Ids are kept ordinals, as in the dedup stage: any other id
		// would make the index build an id table for all n documents
		// inside the timed loop (see Index.dense).
		id, i := uint64(n), 0
		b.ResetTimer()
		for b.Loop() {
			v, err := d.Check(id, sigs[i%len(sigs)])
			if err != nil {
				b.Fatal(err)
			}
			if !v.Duplicate {
				id++
			}
			i++
		}
	})
}

// eachIndexSize runs fn as a sub-benchmark for each index size, on a new
// Deduper for p that it releases after.
func eachIndexSize(b *testing.B, p Params, fn func(b *testing.B, n int, d *Deduper)) {
	for _, n := range []int{100_000, 500_000, 2_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			d, err := NewDeduper(p)
			if err != nil {
				b.Fatal(err)
			}
			defer d.Release()
			fn(b, n, d)
		})
	}
}

// BenchmarkDeduperCheckTemplated is BenchmarkDeduperCheck with candidates,
// as in templated support tickets: each query is a near-duplicate (0.72) of
// one kept document and shares one band with each of six others, 7
// candidates anywhere in the index. There are 64k queries, too many for
// their band slots and candidates to stay cached, as in a run, which checks
// no record twice. Every verdict is a duplicate: the index does not grow.
func BenchmarkDeduperCheckTemplated(b *testing.B) {
	p := defaultParams()
	const others = 6 // (128 - 6*6) / 128 = 0.72 of the values stay equal
	eachIndexSize(b, p, func(b *testing.B, n int, d *Deduper) {
		// Document i's signature is rebuilt from its own seed, so the
		// queries can copy bands of any of them without keeping all.
		kept := func(i int) Signature { return randomSig(rand.New(rand.NewPCG(7, uint64(i))), p.NumPerm) }
		for i := range n {
			if err := d.idx.insert(uint64(i), kept(i)); err != nil {
				b.Fatal(err)
			}
		}
		rng := rand.New(rand.NewPCG(8, 8))
		queries := make([]Signature, 1<<16)
		for i := range queries {
			q := kept(rng.IntN(n))
			for band := range others {
				rows := q[band*p.Rows : (band+1)*p.Rows]
				copy(rows, kept(rng.IntN(n))[band*p.Rows:])
			}
			queries[i] = q
		}
		i, cands := 0, 0
		b.ResetTimer()
		for b.Loop() {
			// A stage checks a signature it has just computed, so the
			// next query is brought into the cache now (a value of each
			// line), not read cold by the check.
			next, warm := queries[(i+1)%len(queries)], uint32(0)
			for j := 0; j < len(next); j += 16 {
				warm |= next[j]
			}
			keep(uint64(warm))
			v, err := d.Check(uint64(n), queries[i%len(queries)])
			if err != nil || !v.Duplicate {
				b.Fatalf("check: %+v, %v", v, err)
			}
			cands += v.Candidates
			i++
		}
		b.ReportMetric(float64(cands)/float64(b.N), "candidates/op")
	})
}

// BenchmarkIndexQuery measures Query alone on an index of 100k documents.
func BenchmarkIndexQuery(b *testing.B) {
	p := defaultParams()
	x := mustIndex(b, p)
	rng := rand.New(rand.NewPCG(6, 6))
	sigs := make([]Signature, 100_000)
	for i := range sigs {
		sigs[i] = randomSig(rng, p.NumPerm)
		if err := x.insert(uint64(i), sigs[i]); err != nil {
			b.Fatal(err)
		}
	}
	var buf []candidate
	i := 0
	for b.Loop() {
		buf = x.query(buf[:0], sigs[i%len(sigs)])
		i++
	}
}

// BenchmarkIndexMemory inserts 1M synthetic documents and reports the heap
// growth per document after GC (the figure DESIGN.md asks stages to state).
// One iteration is enough: run with -benchtime=1x.
func BenchmarkIndexMemory(b *testing.B) {
	for b.Loop() {
		perDoc, held := measureIndexMemory(b, 1_000_000)
		b.ReportMetric(perDoc, "heap-B/doc")
		b.ReportMetric(held, "held-B/doc")
	}
}

// BenchmarkContainmentQuery queries 2 KB documents against an index of all
// MTS dialogues as references (5-grams and 13-grams).
func BenchmarkContainmentQuery(b *testing.B) {
	refs := dialogues(b)
	queries := docs2KB(b)
	for _, n := range []int{5, 13} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			c := mustContainment(b, n)
			for i, r := range refs {
				if _, err := c.Add(uint32(i), r); err != nil {
					b.Fatal(err)
				}
			}
			c.query(queries[0], 0.5, byQuery) // build
			b.SetBytes(int64(len(queries[0])))
			i := 0
			for b.Loop() {
				c.query(queries[i%len(queries)], 0.5, byQuery)
				i++
			}
		})
	}
}

// BenchmarkContainmentLarge builds an index of 200,000 templated
// references (about 8M distinct 5-grams, far more than the caches hold)
// and queries it with texts that share a reference's own words or none:
// the leakage check of a large split.
func BenchmarkContainmentLarge(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	refs := make([]string, 200_000)
	for i := range refs {
		refs[i] = templatedText(r, 40)
	}
	queries := make([]string, 4096)
	for i := range queries {
		if i%2 == 0 {
			queries[i] = templatedText(r, 40)
		} else {
			queries[i] = templates[i%len(templates)] + " " + ownWords(refs[r.IntN(len(refs))])
		}
	}
	var last time.Duration // in the last merge, which queries wait for
	build := func() *ContainmentIndex {
		c := mustContainment(b, 5)
		for i, ref := range refs {
			if _, err := c.Add(uint32(i), ref); err != nil {
				b.Fatal(err)
			}
		}
		start := time.Now()
		c.ensureBuilt()
		last += time.Since(start)
		return c
	}
	b.Run("build", func(b *testing.B) {
		last = 0
		for b.Loop() {
			build()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(refs)), "ns/ref")
		b.ReportMetric(float64(last.Milliseconds())/float64(b.N), "ms/last-merge")
	})
	b.Run("query", func(b *testing.B) {
		c := build()
		i := 0
		for b.Loop() {
			c.QueryEither(queries[i%len(queries)], 0.5)
			i++
		}
		st := c.Stats()
		b.ReportMetric(float64(st.Visited)/float64(st.Queries), "postings/query")
	})
}

// BenchmarkContainmentClauses is the leakage check of a corpus of
// contracts assembled from a shared stock of clauses, over an index far
// larger than the caches:
//   - refs=20k: 20,000 references of 10 clauses drawn from 20,000, so each
//     5-gram is held by about ten references and a query walks about ten
//     postings per n-gram (the shape of 100k generated contracts, whose
//     check walks 7.6 postings per query n-gram);
//   - refs=90k: 90,000 references of 7 clauses drawn from 40,000 and 3 from
//     100 standard ones, which are boilerplate (about 20 postings per
//     n-gram and a quarter of the n-grams boilerplate: 500k contracts,
//     whose check walks 19 and meets 25%).
func BenchmarkContainmentClauses(b *testing.B) {
	b.Run("refs=20k", func(b *testing.B) { benchmarkClauses(b, 20_000, 20_000, 0) })
	b.Run("refs=90k", func(b *testing.B) { benchmarkClauses(b, 90_000, 40_000, 3) })
}

// benchmarkClauses queries nrefs references of 10 clauses drawn from
// nclauses, of which standard are drawn from the first 100.
func benchmarkClauses(b *testing.B, nrefs, nclauses, standard int) {
	r := rand.New(rand.NewPCG(3, 4))
	clauses := make([]string, nclauses)
	for i := range clauses {
		var w strings.Builder
		for range 30 {
			fmt.Fprintf(&w, "c%d ", r.IntN(50_000))
		}
		clauses[i] = w.String()
	}
	doc := func() string {
		var w strings.Builder
		for k := range 10 {
			if k < standard {
				w.WriteString(clauses[r.IntN(100)])
			} else {
				w.WriteString(clauses[r.IntN(len(clauses))])
			}
		}
		return w.String()
	}
	c := mustContainment(b, 5)
	for i := range nrefs {
		if _, err := c.Add(uint32(i), doc()); err != nil {
			b.Fatal(err)
		}
	}
	queries := make([]string, 1000)
	for i := range queries {
		queries[i] = doc()
	}
	c.QueryEither(queries[0], 0.5) // build
	before, bpBefore := c.visited.Load(), c.bpHits.Load()
	i := 0
	for b.Loop() {
		c.QueryEither(queries[i%len(queries)], 0.5)
		i++
	}
	b.ReportMetric(float64(c.visited.Load()-before)/float64(b.N), "postings/query")
	b.ReportMetric(float64(c.bpHits.Load()-bpBefore)/float64(b.N), "boilerplate/query")
}
