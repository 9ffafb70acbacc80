package ingest

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/testcorpora"
)

// BenchmarkReadText reads the 64 CUAD contracts as .txt documents (one
// record per file, 3.4 MB).
func BenchmarkReadText(b *testing.B) {
	paths, err := filepath.Glob(filepath.Join(testcorpora.Path(b, "legal/contracts"), "*.txt"))
	if err != nil || len(paths) == 0 {
		b.Fatalf("no contracts: %v", err)
	}
	fsys := fstest.MapFS{}
	size := 0
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		fsys["contracts/"+filepath.Base(p)] = &fstest.MapFile{Data: data}
		size += len(data)
	}
	env := &pipeline.Env{Logger: slog.New(slog.DiscardHandler)}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		g, _ := New(Defaults(), fsys)
		if err := g.Read(context.Background(), env, func(*schemas.Document) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
