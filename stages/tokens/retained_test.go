package tokens

import (
	"context"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkRetainedPerRecord measures what the stage keeps per record after
// 200k synthetic support chats of about 425 bytes (heap after GC, with the
// stage alive). Each record is created, passed and forgotten as in the
// engine, so only the stage's own state remains: counters and a count per
// distinct length (lengthdist), near 0 per record.
func BenchmarkRetainedPerRecord(b *testing.B) {
	const n = 200000
	r, err := Resolve(Defaults())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		rng := rand.New(rand.NewPCG(7, 11))
		zipf := rand.NewZipf(rng, 1.1, 2, 19999)
		s := New(r)
		chat := func() *schemas.Document {
			var q, a strings.Builder
			for q.Len() < 150+rng.IntN(100) {
				q.WriteString("w" + strconv.FormatUint(zipf.Uint64(), 36) + " ")
			}
			for a.Len() < 150+rng.IntN(100) {
				a.WriteString("w" + strconv.FormatUint(zipf.Uint64(), 36) + " ")
			}
			return &schemas.Document{Example: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{
				{Role: "system", Content: "You are a support agent."}, {Role: "user", Content: q.String()}, {Role: "assistant", Content: a.String()}}}}
		}
		for range n { // fill the tokenizer's piece cache (a fixed 64k slots)
			s.Process(ctx, chat())
		}
		base := heapInUse()
		for range n {
			d := chat()
			s.Process(ctx, d)
			if _, err := s.Sequence(ctx, d); err != nil {
				b.Fatal(err)
			}
		}
		used := float64(heapInUse()) - float64(base)
		runtime.KeepAlive(s)
		b.ReportMetric(used/n, "B/record")
	}
}
