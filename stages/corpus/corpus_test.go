package corpus

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/parquetio"
)

type two struct{}

func (two) Name() string { return "src" }

func (two) Read(_ context.Context, _ *pipeline.Env, emit func(*schemas.Document) error) error {
	for i, text := range []string{"first", "second"} {
		d := &schemas.Document{ID: text, Source: schemas.Source{Path: "a.txt", Line: i + 1}, Text: text, Split: "train",
			Fields: schemas.Fields{{Name: "text", Value: text}}}
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

func TestWritesEveryKeptRecord(t *testing.T) {
	st, err := New(Defaults())
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	m, err := pipeline.Run(context.Background(), pipeline.RunOptions{Plan: pipeline.Plan{Source: two{}, Stages: []pipeline.Stage{st}}, OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	for _, f := range m.Outputs {
		if f.Path == File {
			rows = *f.Records
		}
	}
	b, _ := os.ReadFile(filepath.Join(out, File))
	var texts []string
	err = parquetio.Read(context.Background(), bytes.NewReader(b), parquetio.ReadOptions{}, func(_ int, fs schemas.Fields) error {
		v, _ := fs.Get("text")
		texts = append(texts, v)
		return nil
	})
	if err != nil || rows != 2 || len(texts) != 2 || texts[1] != "second" {
		t.Fatalf("rows %d, texts %v, err %v", rows, texts, err)
	}
}

func TestConfigErrors(t *testing.T) {
	if _, err := New(Config{Enabled: true, Compression: "lz4", RowGroupMB: 64}); err == nil {
		t.Error("unknown compression accepted")
	}
	if _, err := New(Config{Enabled: true, Compression: "zstd"}); err == nil {
		t.Error("zero row group size accepted")
	}
}
