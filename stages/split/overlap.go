package split

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/jsonl"
	"github.com/tuneprep/tuneprep/stages/minhash"
)

// DeconStats counts the training records dropped as contaminated.
type DeconStats struct {
	Sets      []string       `json:"sets"`
	Items     int            `json:"eval_items"`
	N         int            `json:"n"`
	Threshold float64        `json:"threshold"`
	Side      string         `json:"side"`
	Dropped   int64          `json:"dropped"`
	BySet     map[string]int `json:"dropped_by_set"`
	// Index says what the evaluation items' index held, what it treated as
	// boilerplate and what the checks cost.
	Index minhash.IndexStats `json:"index"`
}

// decontaminator holds the evaluation items' n-grams.
type decontaminator struct {
	idx    *minhash.ContainmentIndex
	thr    float64
	side   minhash.Side
	source []string // item id -> "file:line"
	sets   []int    // item id -> set index
	st     DeconStats
}

func loadDecontaminator(cfg Config) (*decontaminator, error) {
	n := cfg.DecontaminateN
	if n <= 0 {
		n = 13
	}
	if cfg.DecontaminateThreshold <= 0 || cfg.DecontaminateThreshold > 1 {
		return nil, fmt.Errorf("decontaminate_threshold: %v is not in (0, 1]", cfg.DecontaminateThreshold)
	}
	side, err := minhash.ParseSide(cfg.DecontaminateSide)
	if err != nil {
		return nil, fmt.Errorf("decontaminate_side: %w", err)
	}
	idx, err := newIndex(n, cfg.DecontaminateBoilerplate)
	if err != nil {
		return nil, fmt.Errorf("decontaminate_boilerplate: %w", err)
	}
	d := &decontaminator{idx: idx, thr: cfg.DecontaminateThreshold, side: side,
		st: DeconStats{N: n, Threshold: cfg.DecontaminateThreshold, Side: string(side), BySet: map[string]int{}}}
	for si, path := range cfg.Decontaminate {
		d.st.Sets = append(d.st.Sets, filepath.Base(path))
		err := readEvalItems(path, cfg.DecontaminateFields, func(line int, text string) error {
			id := uint32(len(d.source))
			d.source = append(d.source, fmt.Sprintf("%s:%d", filepath.Base(path), line))
			d.sets = append(d.sets, si)
			_, err := idx.Add(id, text)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	d.st.Items = len(d.source)
	return d, nil
}

// check returns why a training record is contaminated, or "".
func (d *decontaminator) check(doc *schemas.Document) string {
	ms := d.idx.QueryEither(d.side.Text(doc.Example, doc.Text), d.thr)
	if len(ms) == 0 {
		return ""
	}
	best, bestID := max(ms[0].Containment, ms[0].RefContainment), ms[0].ID
	d.st.Dropped++
	d.st.BySet[d.st.Sets[d.sets[bestID]]]++
	return fmt.Sprintf("overlaps %s, %d-gram containment %.3f", d.source[bestID], d.st.N, best)
}

// maxEvalItemBytes bounds one JSONL line of an evaluation set.
const maxEvalItemBytes = 64 << 20

// readEvalItems reads an evaluation set: JSONL (one object per line) or CSV
// (header row); an item's text is its named fields, or every string field
// (JSONL: in input order; CSV: in header name order). A line or row that
// cannot be read is an error.
func readEvalItems(path string, fields []string, fn func(line int, text string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson":
		// Invalid UTF-8 is repaired, as encoding/json did here before: an
		// item is only cut into n-grams.
		rd := jsonl.NewReader(f, jsonl.Options{MaxRecordBytes: maxEvalItemBytes, InvalidUTF8: jsonl.RepairInvalid})
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if rec.Reject != nil {
				return fmt.Errorf("line %d: %s: %s", rec.Line, rec.Reject.Reason, rec.Reject.Detail)
			}
			text, err := itemText(rec, fields)
			if err != nil {
				return fmt.Errorf("line %d: %w", rec.Line, err)
			}
			if err := fn(rec.Line, text); err != nil {
				return err
			}
		}
	case ".csv":
		r := csv.NewReader(f)
		header, err := r.Read()
		if err != nil {
			return fmt.Errorf("header: %w", err)
		}
		for n := 1; ; n++ {
			rec, err := r.Read()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("row %d: %w", n, err)
			}
			row := make(schemas.Fields, 0, len(rec))
			for i, v := range rec {
				if i < len(header) {
					row = append(row, schemas.Field{Name: header[i], Value: v})
				}
			}
			if err := fn(n, joinFields(row, fields)); err != nil {
				return err
			}
		}
	}
	return fmt.Errorf("not a .jsonl or .csv file")
}

// itemText joins the string fields of a JSON item: the named ones in the
// order named, else all of them in input order.
func itemText(rec jsonl.Record, names []string) (string, error) {
	var strs schemas.Fields
	err := rec.Members(func(key string, v []byte) error {
		if v[0] != '"' {
			return nil
		}
		f, err := jsonl.Field(key, v)
		strs = append(strs, f)
		return err
	})
	if err != nil {
		return "", err
	}
	return joinFields(strs, names), nil
}

// joinFields joins an item's non-empty values: the named ones in the
// order named, else all of them in input order (JSON key order, CSV header
// order).
func joinFields(fs schemas.Fields, names []string) string {
	var parts []string
	add := func(s string) {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if len(names) == 0 {
		for _, f := range fs {
			add(f.Value)
		}
	}
	for _, name := range names {
		v, _ := fs.Get(name)
		add(v)
	}
	return strings.Join(parts, "\n\n")
}
