package redact

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/testcorpora"
)

// benchDocs are the records of the corpus benchmarks: Bitext support
// tickets (ticket id, instruction, response, intent: short fields, order
// numbers) or CUAD contracts (one long text each).
func benchDocs(b *testing.B, kind string) ([]*schemas.Document, int) {
	var docs []*schemas.Document
	size := 0
	add := func(d *schemas.Document) {
		for _, f := range d.Fields {
			size += len(f.Value)
		}
		docs = append(docs, d)
	}
	switch kind {
	case "tickets":
		rows := testcorpora.CSV(b, "support/bitext_customer_support.csv")
		for i, r := range rows[1:] {
			add(doc(fmt.Sprint(i), "ticket_id", fmt.Sprintf("T%07d", i), "instruction", r[2], "response", r[10], "intent", r[3]))
		}
	case "contracts":
		paths, err := filepath.Glob(filepath.Join(testcorpora.Path(b, "legal/contracts"), "*.txt"))
		if err != nil || len(paths) == 0 {
			b.Fatalf("no contracts: %v", err)
		}
		for i, p := range paths {
			t, err := os.ReadFile(p)
			if err != nil {
				b.Fatal(err)
			}
			add(doc(fmt.Sprint(i), "text", string(t)))
		}
	}
	return docs, size
}

// BenchmarkProcessCorpus redacts real records with the default detectors
// and tag mode: MB/s of field text.
func BenchmarkProcessCorpus(b *testing.B) {
	for _, kind := range []string{"tickets", "contracts"} {
		b.Run(kind, func(b *testing.B) {
			docs, size := benchDocs(b, kind)
			s, err := New(Defaults(), env)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				for _, d := range docs {
					c := *d
					c.Fields = append(schemas.Fields(nil), d.Fields...)
					if _, err := s.Process(context.Background(), &c); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
