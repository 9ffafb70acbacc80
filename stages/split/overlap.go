package split

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
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
	Dropped   int64          `json:"dropped"`
	BySet     map[string]int `json:"dropped_by_set"`
}

// decontaminator holds the evaluation items' n-grams.
type decontaminator struct {
	idx    *minhash.ContainmentIndex
	thr    float64
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
	idx, err := minhash.NewContainmentIndex(n, wordNgrams(n))
	if err != nil {
		return nil, err
	}
	d := &decontaminator{idx: idx, thr: cfg.DecontaminateThreshold,
		st: DeconStats{N: n, Threshold: cfg.DecontaminateThreshold, BySet: map[string]int{}}}
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

// check returns why a training text is contaminated, or "".
func (d *decontaminator) check(text string) string {
	ms := d.idx.QueryEither(text, d.thr)
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

// LeakStats is the leakage report: training records whose n-grams overlap
// a validation or test record (containment either way) at the threshold.
type LeakStats struct {
	N         int        `json:"n"`
	Threshold float64    `json:"threshold"`
	Checked   int64      `json:"train_records_checked"`
	Pairs     int64      `json:"leaking_pairs"`
	Records   int64      `json:"leaking_train_records"`
	Worst     []LeakPair `json:"worst"`
}

// LeakPair is one train record and the evaluation record it overlaps.
type LeakPair struct {
	Train       string  `json:"train"`
	Other       string  `json:"other"`
	Split       string  `json:"other_split"`
	Containment float64 `json:"containment"`
}

// leakage indexes validation and test texts and spools training texts to a
// temporary file, so that each training record is checked against every
// evaluation record at the end, whatever their order, with memory bounded
// by the evaluation splits.
type leakage struct {
	thr   float64
	idx   *minhash.ContainmentIndex
	other []string // id -> record ID
	split []string // id -> split
	spool *os.File
	w     *bufio.Writer
	st    LeakStats
}

func newLeakage(cfg LeakageConfig) (*leakage, error) {
	n := cfg.N
	if n <= 0 {
		n = 5
	}
	if cfg.Threshold <= 0 || cfg.Threshold > 1 {
		return nil, fmt.Errorf("threshold: %v is not in (0, 1]", cfg.Threshold)
	}
	idx, err := minhash.NewContainmentIndex(n, wordNgrams(n))
	if err != nil {
		return nil, err
	}
	return &leakage{thr: cfg.Threshold, idx: idx, st: LeakStats{N: n, Threshold: cfg.Threshold, Worst: []LeakPair{}}}, nil
}

type spooled struct {
	ID   string `json:"i"`
	Text string `json:"t"`
}

func (l *leakage) add(d *schemas.Document) error {
	if d.Split == Validation || d.Split == Test {
		_, err := l.idx.Add(uint32(len(l.other)), d.Text)
		l.other = append(l.other, d.ID)
		l.split = append(l.split, d.Split)
		return err
	}
	if d.Split != Train {
		return nil // the bank is neither trained on nor evaluated
	}
	if l.spool == nil {
		f, err := os.CreateTemp("", "tuneprep-leakage-*.jsonl")
		if err != nil {
			return fmt.Errorf("leakage spool: %w", err)
		}
		os.Remove(f.Name()) // unlinked: gone with the process, whatever happens
		l.spool, l.w = f, bufio.NewWriterSize(f, 1<<20)
	}
	b, _ := json.Marshal(spooled{d.ID, d.Text})
	l.w.Write(append(b, '\n'))
	return nil
}

func (l *leakage) finish() error {
	if l.spool == nil {
		return nil
	}
	defer l.spool.Close()
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("leakage spool: %w", err)
	}
	if _, err := l.spool.Seek(0, io.SeekStart); err != nil {
		return err
	}
	sc := bufio.NewScanner(l.spool)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	for sc.Scan() {
		var r spooled
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return fmt.Errorf("leakage spool: %w", err)
		}
		l.st.Checked++
		ms := l.idx.QueryEither(r.Text, l.thr)
		if len(ms) > 0 {
			l.st.Records++
		}
		for _, m := range ms {
			c := max(m.Containment, m.RefContainment)
			l.st.Pairs++
			l.st.Worst = append(l.st.Worst, LeakPair{Train: r.ID, Other: l.other[m.ID], Split: l.split[m.ID], Containment: float64(int(c*1000+0.5)) / 1000})
		}
		if len(l.st.Worst) > 200 {
			l.trim()
		}
	}
	l.trim()
	return sc.Err()
}

// trim keeps the 20 worst pairs, highest containment first, then by IDs.
func (l *leakage) trim() {
	w := l.st.Worst
	sort.Slice(w, func(i, j int) bool {
		if w[i].Containment != w[j].Containment {
			return w[i].Containment > w[j].Containment
		}
		if w[i].Train != w[j].Train {
			return w[i].Train < w[j].Train
		}
		return w[i].Other < w[j].Other
	})
	if len(w) > 20 {
		l.st.Worst = w[:20]
	}
}
