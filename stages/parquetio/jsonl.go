package parquetio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// JSONLinesWriter writes the lines of a fine-tuning split (one JSON object
// each) as a Parquet table next to the JSONL, so that Hugging Face datasets,
// pandas or DuckDB load the split without a JSON step.
//
// The columns are fixed per file (the top-level keys of the output format,
// e.g. messages; or prompt, completion) and every column is a string: a
// JSON string value is stored as itself, any other value (an array of
// messages, a number) as its compact JSON text, and an absent or null key
// as null. One schema thus fits every format, and the JSON text of a
// messages column parses back to exactly what the JSONL line held.
type JSONLinesWriter struct {
	b    *batcher
	cols map[string]int
	bld  []*array.StringBuilder
	seen []bool
}

// NewJSONLinesWriter starts a Parquet file on w with one string column per
// name in columns, in that order. Call Close to write the footer.
func NewJSONLinesWriter(w io.Writer, columns []string, opts WriterOptions) (*JSONLinesWriter, error) {
	if len(columns) == 0 {
		return nil, fmt.Errorf("jsonl parquet: no columns")
	}
	fields := make([]arrow.Field, len(columns))
	idx := make(map[string]int, len(columns))
	for i, c := range columns {
		if _, dup := idx[c]; dup || c == "" {
			return nil, fmt.Errorf("jsonl parquet: column %q empty or repeated", c)
		}
		idx[c] = i
		fields[i] = arrow.Field{Name: c, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	// Example texts are long and unique: no dictionary for any column.
	b, err := newBatcher(w, arrow.NewSchema(fields, nil), opts, columns)
	if err != nil {
		return nil, fmt.Errorf("jsonl parquet: %w", err)
	}
	j := &JSONLinesWriter{b: b, cols: idx, bld: make([]*array.StringBuilder, len(columns)), seen: make([]bool, len(columns))}
	for i := range columns {
		j.bld[i] = b.rb.Field(i).(*array.StringBuilder)
	}
	return j, nil
}

// WriteLine appends one JSON object as a row. A line that is not an object,
// or has a key outside the columns, is an error and nothing is appended.
func (j *JSONLinesWriter) WriteLine(line []byte) error {
	if j.b.closed {
		return fmt.Errorf("jsonl parquet: write after close")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		return fmt.Errorf("jsonl parquet: %w", err)
	}
	if obj == nil {
		return fmt.Errorf("jsonl parquet: line is not a JSON object")
	}
	vals := make([]string, len(j.bld))
	clear(j.seen)
	size := 0
	for k, raw := range obj {
		i, ok := j.cols[k]
		if !ok {
			return fmt.Errorf("jsonl parquet: key %q is not a column", k)
		}
		switch raw[0] {
		case 'n':
			continue
		case '"':
			if err := json.Unmarshal(raw, &vals[i]); err != nil {
				return fmt.Errorf("jsonl parquet: key %q: %w", k, err)
			}
		default:
			var c bytes.Buffer
			if err := json.Compact(&c, raw); err != nil {
				return fmt.Errorf("jsonl parquet: key %q: %w", k, err)
			}
			vals[i] = c.String()
		}
		j.seen[i] = true
		size += len(vals[i])
	}
	for i, bld := range j.bld {
		if j.seen[i] {
			bld.Append(vals[i])
		} else {
			bld.AppendNull()
		}
	}
	return j.b.added(int64(size + len(vals)))
}

// Rows returns the number of lines written so far.
func (j *JSONLinesWriter) Rows() int64 { return j.b.rows }

// Close writes the buffered rows and the footer; it does not close w.
func (j *JSONLinesWriter) Close() error {
	if err := j.b.close(); err != nil {
		return fmt.Errorf("jsonl parquet: %w", err)
	}
	return nil
}
