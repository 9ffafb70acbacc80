package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	pq "github.com/parquet-go/parquet-go"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/parquetio"
	"github.com/tuneprep/tuneprep/stages/split"
)

// corpusRow is corpus.parquet as github.com/parquet-go/parquet-go, a reader
// independent of the Arrow writer, sees it.
type corpusRow struct {
	ID         string  `parquet:"id"`
	SourcePath string  `parquet:"source_path"`
	SourceLine int64   `parquet:"source_line"`
	Split      *string `parquet:"split,optional"`
	Label      *string `parquet:"label,optional"`
	Text       string  `parquet:"text"`
	Fields     []struct {
		Name  string  `parquet:"name"`
		Value *string `parquet:"value,optional"`
		Raw   bool    `parquet:"raw"`
	} `parquet:"fields,list"`
	TokenEncoding *string `parquet:"token_encoding,optional"`
	TokensTotal   *int64  `parquet:"tokens_total,optional"`
	TokensTrained *int64  `parquet:"tokens_trained,optional"`
	Cluster       *string `parquet:"cluster,optional"`
	Redactions    []struct {
		Type  string `parquet:"type"`
		Count int64  `parquet:"count"`
	} `parquet:"redactions,list"`
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestCorpusParquetRoundTrip reads the samples' corpus.parquet with two
// readers (Arrow's and parquet-go) and checks that they agree on every value
// and that the rows are the emitted records.
func TestCorpusParquetRoundTrip(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	samplesCfg, _ := os.ReadFile("../../samples/tuneprep.yaml")
	os.WriteFile(cfg, append(samplesCfg, []byte("emit:\n  parquet: true\n")...), 0o644)
	runOK(t, "--config", cfg, "--in", "../../samples/data", "--out", out)
	m := checkBalance(t, out)
	data, err := os.ReadFile(filepath.Join(out, "corpus.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	rd := pq.NewGenericReader[corpusRow](bytes.NewReader(data))
	var rows []corpusRow
	buf := make([]corpusRow, 8)
	for {
		n, err := rd.Read(buf)
		rows = append(rows, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	rd.Close()
	if int64(len(rows)) != m.Totals.Emitted {
		t.Fatalf("%d rows, %d emitted", len(rows), m.Totals.Emitted)
	}
	i, textFields := 0, 0
	err = parquetio.Read(context.Background(), bytes.NewReader(data), parquetio.ReadOptions{}, func(row int, fs schemas.Fields) error {
		r := rows[i]
		i++
		get := func(name string) string { v, _ := fs.Get(name); return v }
		want := map[string]string{
			"id": r.ID, "source_path": r.SourcePath, "source_line": strconv.FormatInt(r.SourceLine, 10),
			"split": str(r.Split), "label": str(r.Label), "text": r.Text, "token_encoding": str(r.TokenEncoding), "cluster": str(r.Cluster),
		}
		if r.TokensTotal != nil {
			want["tokens_total"] = strconv.FormatInt(*r.TokensTotal, 10)
			want["tokens_trained"] = strconv.FormatInt(*r.TokensTrained, 10)
		}
		for k, v := range want {
			if get(k) != v {
				t.Errorf("row %d %s: arrow %q, parquet-go %q", row, k, get(k), v)
			}
		}
		var fields []map[string]any
		json.Unmarshal([]byte(get("fields")), &fields)
		if len(fields) != len(r.Fields) {
			t.Errorf("row %d: %d fields vs %d", row, len(fields), len(r.Fields))
		}
		for j, f := range r.Fields {
			var value any // JSON null for a null value
			if f.Value != nil {
				value = *f.Value
			}
			if j < len(fields) && (fields[j]["name"] != f.Name || fields[j]["value"] != value) {
				t.Errorf("row %d field %d: %v vs %+v", row, j, fields[j], f)
			}
			// A value is null exactly when the text column holds it.
			if f.Value == nil {
				textFields++
				if f.Raw {
					t.Errorf("row %d field %s: raw and null", row, f.Name)
				}
			} else if *f.Value == r.Text && !f.Raw {
				t.Errorf("row %d field %s: the text again, not null", row, f.Name)
			}
		}
		return nil
	})
	if err != nil || i != len(rows) {
		t.Fatalf("arrow read %d rows: %v", i, err)
	}
	if textFields == 0 {
		t.Errorf("no field stored as null: the samples' text files should be")
	}
	// The rows carry the split the split stage counted.
	b := reportBytes(t, out, "split")
	var rep struct{ Stats split.Stats }
	json.Unmarshal(b, &rep)
	counts := map[string]int64{}
	ids := map[string]bool{}
	for _, r := range rows {
		counts[str(r.Split)]++
		if ids[r.ID] || r.TokensTotal == nil || r.Text == "" {
			t.Errorf("row %s: duplicate, no tokens or no text", r.ID)
		}
		ids[r.ID] = true
	}
	if fmt.Sprint(counts) != fmt.Sprint(rep.Stats.Counts) {
		t.Errorf("splits in parquet %v, in the report %v", counts, rep.Stats.Counts)
	}
	// emit.parquet wrote each split as Parquet too, with the JSONL's rows.
	for _, f := range m.Outputs {
		if filepath.Ext(f.Path) == ".parquet" && f.Path != "corpus.parquet" {
			jl := f.Path[:len(f.Path)-len(".parquet")] + ".jsonl"
			for _, g := range m.Outputs {
				if g.Path == jl && *g.Records != *f.Records {
					t.Errorf("%s has %d rows, %s %d lines", f.Path, *f.Records, jl, *g.Records)
				}
			}
		}
	}
}
