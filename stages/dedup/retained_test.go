package dedup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

// tickets makes synthetic support tickets: about 425 bytes of Zipf-
// distributed words, with an ID like ingest's (16 hex digits). Every tenth
// ticket is a near copy of the one before and every fiftieth an exact copy,
// so clusters form as they do in real data.
type tickets struct {
	rng  *rand.Rand
	zipf *rand.Zipf
	prev string
}

func newTickets() *tickets {
	rng := rand.New(rand.NewPCG(7, 11))
	return &tickets{rng: rng, zipf: rand.NewZipf(rng, 1.1, 2, 19999)}
}

func (g *tickets) next(i int) *schemas.Document {
	var text string
	switch {
	case i%50 == 49:
		text = g.prev
	case i%10 == 9:
		text = g.prev[:len(g.prev)-8] + " changed"
	default:
		var b strings.Builder
		for b.Len() < 425 {
			b.WriteString("w" + strconv.FormatUint(g.zipf.Uint64(), 36) + " ")
		}
		text = b.String()
	}
	g.prev = text
	h := sha256.Sum256([]byte("tickets.jsonl\x00" + strconv.Itoa(i+1)))
	return &schemas.Document{Seq: int64(i), ID: hex.EncodeToString(h[:8]), Source: schemas.Source{Path: "tickets.jsonl", Line: i + 1}, Text: text}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkRetainedPerRecord measures what the stage keeps per record after
// 200k synthetic tickets have passed (heap after GC, with the stage alive),
// per record read and per record kept. Each record is created, passed and
// forgotten as in the engine (which spills what a holding rule holds), so
// only the stage's own state remains.
func BenchmarkRetainedPerRecord(b *testing.B) {
	const n = 200000
	for _, c := range []struct {
		name string
		cfg  func() Config
	}{
		{"default", Defaults},
		{"exact-only", exactOnly},
		{"longest", func() Config { c := Defaults(); c.Survivor = "longest"; return c }},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				base := heapInUse()
				s := mustNew(b, c.cfg())
				g := newTickets()
				for i := range n {
					d := g.next(i)
					s.Process(ctx, d)
					if _, err := s.Sequence(ctx, d); err != nil {
						b.Fatal(err)
					}
					d.Stash = nil
				}
				used := float64(heapInUse()) - float64(base)
				if s.dd != nil {
					used += float64(s.dd.Index().OffHeap()) // the index's tables off the heap
				}
				runtime.KeepAlive(s)
				b.ReportMetric(used/n, "B/record")
				b.ReportMetric(used/float64(s.ids.len()), "B/kept")
			}
		})
	}
}
