package emit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/formats"
	"github.com/tuneprep/tuneprep/stages/parquetio"
)

// fuzzRecords makes records from fuzz input: one per \x1f-separated part
// of text. The part's first byte picks the kind (chat with or without a
// system prompt, two-turn chat, completion, text) and the split; its rest,
// cut at \x1e, gives the strings.
func fuzzRecords(text string) []*schemas.Document {
	var docs []*schemas.Document
	for i, part := range strings.Split(text, "\x1f") {
		c := byte(0)
		if part != "" {
			c, part = part[0], part[1:]
		}
		s := strings.Split(part, "\x1e")
		str := func(i int) string { return s[i%len(s)] }
		var ex *schemas.Example
		switch c % 5 {
		case 0:
			ex = &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{{Role: "user", Content: str(0)}, {Role: "assistant", Content: str(1)}}}
		case 1:
			ex = &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{{Role: "system", Content: str(0)},
				{Role: "user", Content: str(1)}, {Role: "assistant", Content: str(2)}, {Role: "user", Content: str(3)}, {Role: "assistant", Content: str(4)}}}
		case 2:
			ex = &schemas.Example{Kind: schemas.KindCompletion, Prompt: str(0), Completion: str(1)}
		case 3:
			ex = &schemas.Example{Kind: schemas.KindText, Text: part}
		case 4:
			ex = &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{{Role: "user", Content: str(0)}}}
		}
		docs = append(docs, &schemas.Document{ID: "r" + strconv.Itoa(i), Source: schemas.Source{Path: "in.jsonl", Line: i + 1},
			Split: splits[int(c/5)%len(splits)], Example: ex})
	}
	return docs
}

// fuzzFormats picks formats by the bits of mask, in the table's order;
// none is auto.
func fuzzFormats(mask uint16) []string {
	var names []string
	for i, fm := range formats.All() {
		if mask&(1<<i) != 0 {
			names = append(names, fm.Name)
		}
	}
	return names
}

// FuzzEmit: whatever the records and formats (auto included), with or
// without Parquet, the run succeeds (or fails its nothing-emitted gate
// when no format holds any record); every split file's records are, in
// order, what Render gives for the records its ids sidecar names, and
// read back without problems; each record is written once in each format
// that can hold it (auto: its kind's format) and nowhere else; and the
// Parquet file holds the same rows.
func FuzzEmit(f *testing.F) {
	recs := "\x00How do I reset my password?\x1eOpen Settings.\x1f\x01Be brief.\x1eq\x1ea\x1eq2\x1ea2\x1f\x07Summarize: x\x1ey\x1f\x08text <b>&</b>\x1f\x04alone"
	f.Add(uint16(0x3ff), true, recs)
	f.Add(uint16(0), true, recs)
	f.Add(uint16(1), false, recs)
	f.Add(uint16(1<<7), true, recs)
	f.Add(uint16(0x3ff), false, "")
	f.Add(uint16(0), false, "\x0a\x1f\x0b\x1f\x0c\x1f\x0d\x1f\x0e")
	f.Add(uint16(0x3ff), true, "\x03bad \xff UTF-8 \u2028\x1f\x02\x1e")
	f.Fuzz(func(t *testing.T, mask uint16, parquet bool, text string) {
		docs := fuzzRecords(text)
		// The records as they go in: the run may let go of their parts.
		byID := map[string]schemas.Document{}
		for _, d := range docs {
			byID[d.ID] = *d
		}
		names := fuzzFormats(mask)
		auto := len(names) == 0
		fms := formats.All()
		if !auto {
			fms = fms[:0]
			for _, n := range names {
				fm, _ := formats.Lookup(n)
				fms = append(fms, fm)
			}
		}
		// want is the records each record should be written as: one in
		// each format that holds it (auto: its kind's format only).
		want, total := map[string]int{}, 0
		for id, d := range byID {
			for _, fm := range fms {
				if auto && !slices.Contains(KindFormats, KindFormat{d.Example.Kind, fm.Name}) {
					continue
				}
				if line, _, _ := fm.Render(d.Example); line != nil {
					want[id]++
					total++
				}
			}
		}
		out, _, err := runEmit(t, Config{Formats: names, Parquet: parquet, Splits: splits}, docs)
		var gate *pipeline.GateError
		if total == 0 && errors.As(err, &gate) {
			return // nothing emitted fails the run: a gate every run has
		}
		if err != nil {
			t.Fatal(err)
		}
		written := map[string]int{} // record ID -> records written
		for _, fm := range fms {
			for _, sp := range splits {
				base := filepath.Join(out, "finetune", sp)
				if auto || len(fms) > 1 {
					base = filepath.Join(out, "finetune", fm.Name, sp)
				}
				if _, err := os.Stat(base + fm.Ext); auto && os.IsNotExist(err) {
					continue // auto mode: no record came in this format
				}
				records := splitFile(t, fm, base+fm.Ext)
				ids := idLines(t, base+".ids.jsonl")
				if len(ids) != len(records) {
					t.Fatalf("%s/%s: %d records, %d ids", fm.Name, sp, len(records), len(ids))
				}
				for i, rec := range records {
					d, ok := byID[ids[i].ID]
					if !ok || d.Split != sp || ids[i].Line != int64(i+1) {
						t.Fatalf("%s/%s: ids line %d is %+v", fm.Name, sp, i+1, ids[i])
					}
					written[d.ID]++
					line, reason, err := fm.Render(d.Example)
					if err != nil || reason != "" || !bytes.Equal(line, append(rec, '\n')) {
						t.Fatalf("%s/%s record %d:\n%s\nrecord %s renders to\n%s%s %v", fm.Name, sp, i+1, rec, d.ID, line, reason, err)
					}
					if rd := fm.Read(rec); len(rd.Problems) > 0 || rd.Err != nil {
						t.Fatalf("%s/%s record %d reads back with %v %v", fm.Name, sp, i+1, rd.Problems, rd.Err)
					}
				}
				if parquet {
					checkParquet(t, base+".parquet", records)
				}
			}
		}
		for id, d := range byID {
			if written[id] != want[id] {
				t.Fatalf("record %s (%+v) written %d times, want %d", id, d.Example, written[id], want[id])
			}
		}
	})
}

// splitFile reads a split file's records: lines, or array elements.
func splitFile(t *testing.T, fm formats.Format, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !fm.Array() {
		if len(b) == 0 {
			return nil
		}
		return bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n"))
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(b, &elems); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
	out := make([][]byte, len(elems))
	for i, e := range elems {
		out[i] = e
	}
	return out
}

func idLines(t *testing.T, path string) []idLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []idLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l idLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkParquet: row i of the Parquet file holds record i's keys, a string
// as itself and any other value as its compact JSON, and no other column.
func checkParquet(t *testing.T, path string, records [][]byte) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	err = parquetio.Read(context.Background(), f, parquetio.ReadOptions{}, func(row int, fields schemas.Fields) error {
		if row > len(records) { // rows count from 1
			t.Fatalf("%s: row %d of %d records", path, row, len(records))
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(records[row-1], &obj); err != nil {
			t.Fatal(err)
		}
		for k, raw := range obj {
			var v string
			if raw[0] == '"' {
				json.Unmarshal(raw, &v)
			} else {
				var c bytes.Buffer
				json.Compact(&c, raw)
				v = c.String()
			}
			if got, ok := fields.Get(k); !ok || got != v {
				t.Fatalf("%s row %d: %s = %q (%v), the record has %q", path, row, k, got, ok, v)
			}
		}
		if len(fields) != len(obj) {
			t.Fatalf("%s row %d: %d columns set, the record has %d keys", path, row, len(fields), len(obj))
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if n != len(records) {
		t.Fatalf("%s: %d rows, %d records", path, n, len(records))
	}
}
