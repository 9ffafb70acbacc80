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
	for _, c := range []Config{
		{Compression: "zstd", CompressionLevel: 23},
		{Compression: "zstd", CompressionLevel: -1},
		{Compression: "gzip", CompressionLevel: 10},
	} {
		c.Enabled, c.RowGroupMB = true, 64
		if _, err := New(c); err == nil {
			t.Errorf("%s level %d accepted", c.Compression, c.CompressionLevel)
		}
	}
	// The default level is 1; it must not make snappy or none unusable.
	for _, codec := range []string{"snappy", "none"} {
		c := Defaults()
		c.Compression = codec
		if _, err := New(c); err != nil {
			t.Errorf("%s with the default level: %v", codec, err)
		}
	}
}

// many is a source of 2,000 documents of varied prose.
type many struct{}

func (many) Name() string { return "src" }

func (many) Read(_ context.Context, _ *pipeline.Env, emit func(*schemas.Document) error) error {
	words := []string{"the", "supplier", "shall", "deliver", "goods", "within", "thirty", "days", "of", "notice", "and", "invoice", "buyer", "terms"}
	for i := range 2000 {
		var b bytes.Buffer
		for j := range 200 {
			b.WriteString(words[(i*7+j*j+j*i/3)%len(words)])
			b.WriteByte(' ')
		}
		text := b.String()
		d := &schemas.Document{ID: text[:12], Source: schemas.Source{Path: "a.txt", Line: i + 1}, Text: text, Split: "train",
			Fields: schemas.Fields{{Name: "text", Value: text}}}
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

// TestCompressionLevelReachesFile writes the same documents at zstd 1 and
// 19: the levels must give different files, the higher one smaller.
func TestCompressionLevelReachesFile(t *testing.T) {
	size := map[int]int64{}
	for _, level := range []int{1, 19} {
		c := Defaults()
		c.CompressionLevel = level
		st, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "out")
		if _, err := pipeline.Run(context.Background(), pipeline.RunOptions{Plan: pipeline.Plan{Source: many{}, Stages: []pipeline.Stage{st}}, OutDir: out}); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(filepath.Join(out, File))
		if err != nil {
			t.Fatal(err)
		}
		size[level] = fi.Size()
	}
	if size[19] >= size[1] {
		t.Errorf("zstd 19 wrote %d bytes, zstd 1 %d: the level is not applied", size[19], size[1])
	}
}
