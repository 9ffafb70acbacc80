package advise

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/formats"
	"github.com/tuneprep/tuneprep/stages/jsonl"
	"github.com/tuneprep/tuneprep/stages/tokencount"
	"github.com/tuneprep/tuneprep/stages/tokenizer"
)

// NotOutputError says that a directory is not a finished tuneprep output,
// and names what is missing.
type NotOutputError struct {
	Dir, Missing string
}

func (e *NotOutputError) Error() string {
	return fmt.Sprintf("%s is not a finished tuneprep output: %s", e.Dir, e.Missing)
}

// CheckOutput reports a NotOutputError when dir has no run.json (the file
// a run writes last).
func CheckOutput(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &NotOutputError{dir, "it does not exist"}
	case err != nil:
		return err
	case !st.IsDir():
		return &NotOutputError{dir, "it is not a directory"}
	}
	if _, err := os.Stat(filepath.Join(dir, "run.json")); errors.Is(err, fs.ErrNotExist) {
		return &NotOutputError{dir, "no run.json (a run writes it last; was the run interrupted?)"}
	} else if err != nil {
		return err
	}
	return nil
}

// Record is one emitted example, with what its sidecar says of it.
type Record struct {
	Split, ID, Label string
	Example          *schemas.Example
}

// splitFile is one split file of one format and its ids sidecar.
type splitFile struct {
	split, format, data, ids string // data and ids relative to the output
}

// splitFiles finds the split files under finetune/: finetune/<split>.<ext>
// in one format (hint names it; else each file's first record decides) or
// finetune/<format>/<split>.<ext>, each next to its <split>.ids.jsonl.
// openai-chat files come first: when a record is in several formats, it is
// read from the first.
func splitFiles(dir, hint string) ([]splitFile, error) {
	var ids []string
	for _, pat := range []string{"finetune/*.ids.jsonl", "finetune/*/*.ids.jsonl"} {
		m, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(pat)))
		if err != nil {
			return nil, err
		}
		ids = append(ids, m...)
	}
	var out []splitFile
	for _, p := range ids {
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		stem := strings.TrimSuffix(rel, ".ids.jsonl")
		split := stem[strings.LastIndex(stem, "/")+1:]
		if !slices.Contains([]string{train, validation, test, bankSplit}, split) {
			continue
		}
		sf := splitFile{split: split, ids: rel}
		for _, ext := range []string{".jsonl", ".json"} {
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(stem+ext))); err == nil {
				sf.data = stem + ext
				break
			}
		}
		if sf.data == "" {
			return nil, &NotOutputError{dir, fmt.Sprintf("%s has no split file next to it (%s.jsonl or .json)", rel, stem)}
		}
		if parts := strings.Split(stem, "/"); len(parts) == 3 {
			sf.format = parts[1]
		} else {
			sf.format = hint
		}
		out = append(out, sf)
	}
	if len(out) == 0 {
		return nil, &NotOutputError{dir, "no split files (finetune/train.jsonl and its train.ids.jsonl, or finetune/<format>/...)"}
	}
	slices.SortStableFunc(out, func(a, b splitFile) int {
		return boolInt(a.format != "openai-chat") - boolInt(b.format != "openai-chat")
	})
	return out, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Examples calls fn with every emitted example of the splits given (all
// when none), once per record: a record written in several formats is read
// from the first file that has it. hint is the format of files directly
// under finetune/ ("" to detect it from the first record).
func Examples(ctx context.Context, dir, hint string, splits []string, fn func(Record) error) error {
	files, err := splitFiles(dir, hint)
	if err != nil {
		return err
	}
	formatsSeen := map[string]bool{}
	for _, sf := range files {
		formatsSeen[sf.format] = true
	}
	var seen map[string]bool // only when a record can be in several files
	if len(formatsSeen) > 1 {
		seen = map[string]bool{}
	}
	for _, sf := range files {
		if len(splits) > 0 && !slices.Contains(splits, sf.split) {
			continue
		}
		if err := readSplit(ctx, dir, sf, seen, fn); err != nil {
			return err
		}
	}
	return nil
}

// idLine is a line of a <split>.ids.jsonl sidecar.
type idLine struct {
	Line  int    `json:"line"`
	ID    string `json:"id"`
	Label string `json:"label"`
}

// readSplit reads one split file and its sidecar in step.
func readSplit(ctx context.Context, dir string, sf splitFile, seen map[string]bool, fn func(Record) error) error {
	df, err := os.Open(filepath.Join(dir, filepath.FromSlash(sf.data)))
	if err != nil {
		return err
	}
	defer df.Close()
	idf, err := os.Open(filepath.Join(dir, filepath.FromSlash(sf.ids)))
	if err != nil {
		return err
	}
	defer idf.Close()
	data := jsonl.NewReader(df, jsonl.Options{Layout: jsonl.Auto, MaxRecordBytes: 1 << 30})
	ids := jsonl.NewReader(idf, jsonl.Options{MaxRecordBytes: 1 << 20})
	var f formats.Format
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := data.Next()
		if err == io.EOF {
			if _, err := ids.Next(); err != io.EOF {
				return fmt.Errorf("%s: more lines than %s has records", sf.ids, sf.data)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", sf.data, err)
		}
		if rec.Reject != nil {
			return fmt.Errorf("%s:%d: %s (%s)", sf.data, rec.Line, rec.Reject.Reason, rec.Reject.Detail)
		}
		if f.Name == "" {
			if f, err = formatOf(sf, rec.Raw); err != nil {
				return err
			}
		}
		ex, err := f.Parse(rec.Raw)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", sf.data, rec.Line, err)
		}
		irec, err := ids.Next()
		if err != nil || irec.Reject != nil {
			return fmt.Errorf("%s: no line for record %d of %s", sf.ids, n, sf.data)
		}
		var il idLine
		if err := json.Unmarshal(irec.Raw, &il); err != nil || il.Line != n || il.ID == "" {
			return fmt.Errorf("%s:%d: not the sidecar line of record %d of %s", sf.ids, irec.Line, n, sf.data)
		}
		if seen != nil {
			if seen[il.ID] {
				continue
			}
			seen[il.ID] = true
		}
		if err := fn(Record{Split: sf.split, ID: il.ID, Label: il.Label, Example: ex}); err != nil {
			return err
		}
	}
}

// formatOf is the split file's format: its folder's, the hint, else what
// its first record looks like.
func formatOf(sf splitFile, first []byte) (formats.Format, error) {
	name := sf.format
	if name == "" {
		var ok bool
		if name, ok = formats.Detect(first); !ok {
			return formats.Format{}, fmt.Errorf("%s: the format of its records is not one tuneprep writes", sf.data)
		}
		if array := strings.HasSuffix(sf.data, ".json"); array {
			name, _ = formats.InContainer(name, true)
		}
	}
	f, ok := formats.Lookup(name)
	if !ok {
		return formats.Format{}, fmt.Errorf("%s: unknown format %q", sf.data, name)
	}
	return f, nil
}

// Load reads the facts of a finished run from its output directory: every
// emitted example (its tokens counted with tok, in the run's encoding) with
// its split and label, and the tokens of the few-shot banks from the
// few-shot report. hint is as for Examples.
func Load(ctx context.Context, dir, hint string, tok *tokenizer.Tokenizer) (*Facts, error) {
	if err := CheckOutput(dir); err != nil {
		return nil, err
	}
	f := NewFacts(tok.Name())
	err := Examples(ctx, dir, hint, nil, func(r Record) error {
		total := tokencount.Count(tok, r.Example).Total
		in, out, ok := Request(tok, r.Example, total)
		f.Add(r.Label, r.Split, total, in, out, ok)
		return nil
	})
	if err != nil {
		return nil, err
	}
	banks, err := readBankStats(dir)
	if err != nil {
		return nil, err
	}
	if banks != nil {
		f.NoBanks()
		for _, b := range banks {
			f.SetBank(b.Label, b.Tokens)
		}
	}
	return f, nil
}

// BankStat is what the few-shot report says of one bank.
type BankStat struct {
	Label  string `json:"label"`
	Tokens int    `json:"tokens_per_request"`
}

// readBankStats reads the banks from reports/NN-fewshot.json; nil when the
// run has no few-shot report (it built no banks).
func readBankStats(dir string) ([]BankStat, error) {
	m, err := filepath.Glob(filepath.Join(dir, "reports", "*-fewshot.json"))
	if err != nil || len(m) == 0 {
		return nil, err
	}
	b, err := os.ReadFile(m[0])
	if err != nil {
		return nil, err
	}
	var r struct {
		Stats struct {
			Banks []BankStat `json:"banks"`
		} `json:"stats"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", m[0], err)
	}
	if r.Stats.Banks == nil {
		r.Stats.Banks = []BankStat{}
	}
	return r.Stats.Banks, nil
}
