// Package parquetio reads Parquet files into records and writes the
// Parquet outputs of a run (corpus.parquet and fine-tuning splits), through
// Apache Arrow (arrow-go v18, pqarrow). Reading and writing both stream:
// memory is bounded by a record batch and a row group, not by the file.
package parquetio

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/tuneprep/tuneprep/schemas"
)

// ReadOptions tune Read. The zero value works.
type ReadOptions struct {
	// BatchSize is the number of rows decoded at a time (default 1024).
	// Memory is about BatchSize times the row size, plus one page per column.
	BatchSize int
	// Allocator for Arrow buffers; nil means the Go allocator.
	Allocator memory.Allocator
}

// CorruptError is a Parquet file, row group or column that could not be
// decoded. Rows before Row were yielded; the rest of the file is lost.
// Ingest turns it into a "corrupt-parquet" reject at Row.
type CorruptError struct {
	// RowGroup is the 0-based row group that broke, -1 for the footer.
	RowGroup int
	// Row is the 1-based row where reading stopped (the first of the batch
	// that could not be decoded).
	Row int
	Err error
}

// Error names the row group and the row where reading stopped.
func (e *CorruptError) Error() string {
	if e.RowGroup < 0 {
		return fmt.Sprintf("corrupt parquet: footer: %v", e.Err)
	}
	return fmt.Sprintf("corrupt parquet: row group %d (from row %d): %v", e.RowGroup, e.Row, e.Err)
}

// Unwrap returns the decoder's error.
func (e *CorruptError) Unwrap() error { return e.Err }

// Read decodes every row of a Parquet file and passes it to yield, rows
// numbered from 1. Columns come in schema order; a null value leaves its
// field out. Text (string, large string, binary, dictionary of those) is the
// value itself; numbers and booleans their text (integers exact, floats the
// shortest text that round-trips); lists, structs and maps compact JSON with
// Raw set; other types (dates, timestamps, decimals) Arrow's text form.
//
// An error from yield is returned as is. A file that cannot be decoded
// gives a *CorruptError naming the row group.
func Read(ctx context.Context, r parquet.ReaderAtSeeker, opts ReadOptions, yield func(row int, fields schemas.Fields) error) error {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1024
	}
	if opts.Allocator == nil {
		opts.Allocator = memory.NewGoAllocator()
	}
	pf, fr, err := openFile(r, opts)
	if err != nil {
		return err
	}
	defer pf.Close()
	row := 1
	for rg := 0; rg < pf.NumRowGroups(); rg++ {
		if err := readRowGroup(ctx, fr, rg, &row, yield); err != nil {
			return err
		}
	}
	return nil
}

// openFile reads the footer and sets up the Arrow reader.
func openFile(r parquet.ReaderAtSeeker, opts ReadOptions) (pf *file.Reader, fr *pqarrow.FileReader, err error) {
	// The footer decoder panics on some corrupt schemas (e.g. an invalid
	// logical type): that is a corrupt file, not a crash.
	defer func() {
		if p := recover(); p != nil {
			pf, fr, err = nil, nil, &CorruptError{RowGroup: -1, Row: 1, Err: fmt.Errorf("decoder panic: %v", p)}
		}
	}()
	props := parquet.NewReaderProperties(opts.Allocator)
	// Read pages from the file as needed instead of loading whole column
	// chunks: memory then follows the batch, not the row group.
	props.BufferedStreamEnabled = true
	pf, err = file.NewParquetReader(r, file.WithReadProps(props))
	if err != nil {
		return nil, nil, &CorruptError{RowGroup: -1, Row: 1, Err: err}
	}
	if err := checkChunks(pf); err != nil {
		pf.Close()
		return nil, nil, err
	}
	ignoreStoredSchema(pf)
	fr, err = pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: int64(opts.BatchSize)}, opts.Allocator)
	if err != nil {
		pf.Close()
		return nil, nil, &CorruptError{RowGroup: -1, Row: 1, Err: err}
	}
	return pf, fr, nil
}

// checkChunks rejects column chunks that lie outside the file. pqarrow
// reads nested columns in goroutines of its own, where a negative length
// is a panic no recover here can catch, so the footer is checked first.
func checkChunks(pf *file.Reader) error {
	md := pf.MetaData()
	size := md.GetSourceFileSize()
	for rg := 0; rg < md.NumRowGroups(); rg++ {
		rgm := md.RowGroup(rg)
		if rgm.NumRows() < 0 {
			return &CorruptError{RowGroup: rg, Row: 1, Err: fmt.Errorf("negative row count")}
		}
		for c := 0; c < rgm.NumColumns(); c++ {
			cc, err := rgm.ColumnChunk(c)
			if err != nil {
				return &CorruptError{RowGroup: rg, Row: 1, Err: err}
			}
			start, n := cc.DataPageOffset(), cc.TotalCompressedSize()
			if cc.HasDictionaryPage() && cc.DictionaryPageOffset() > 0 && cc.DictionaryPageOffset() < start {
				start = cc.DictionaryPageOffset()
			}
			if start < 0 || n < 0 || start > size || n > size-start || cc.NumValues() < 0 {
				return &CorruptError{RowGroup: rg, Row: 1, Err: fmt.Errorf("column %d: chunk at %d+%d outside the file (%d bytes)", c, start, n, size)}
			}
		}
	}
	return nil
}

// ignoreStoredSchema hides the Arrow schema that Arrow writers store in the
// footer (ARROW:schema) from pqarrow. arrow-go decodes it without bounds
// checks, and a corrupt one can ask for tens of gigabytes; the Parquet
// logical types give the same text (a dictionary column reads as its
// values, a large string as a string).
func ignoreStoredSchema(pf *file.Reader) {
	for _, kv := range pf.MetaData().KeyValueMetadata() {
		if kv != nil && kv.Key == "ARROW:schema" {
			kv.Key = "ARROW:schema.ignored"
		}
	}
}

// yieldError marks an error that came from the caller, not the file.
type yieldError struct{ err error }

func (y yieldError) Error() string { return y.err.Error() }

func readRowGroup(ctx context.Context, fr *pqarrow.FileReader, rg int, row *int, yield func(int, schemas.Fields) error) (err error) {
	// The decoders assume well-formed pages and some corrupt inputs make
	// them panic; that is a property of the file, so it becomes a
	// CorruptError instead of taking the run down.
	defer func() {
		if p := recover(); p != nil {
			err = &CorruptError{RowGroup: rg, Row: *row, Err: fmt.Errorf("decoder panic: %v", p)}
		}
	}()
	rr, err := fr.GetRecordReader(ctx, nil, []int{rg})
	if err != nil {
		return &CorruptError{RowGroup: rg, Row: *row, Err: err}
	}
	defer rr.Release()
	for rr.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := yieldBatch(rr.RecordBatch(), row, yield); err != nil {
			var ye yieldError
			if errors.As(err, &ye) {
				return ye.err
			}
			return &CorruptError{RowGroup: rg, Row: *row, Err: err}
		}
	}
	if err := rr.Err(); err != nil {
		return &CorruptError{RowGroup: rg, Row: *row, Err: err}
	}
	return nil
}

// yieldBatch converts a record batch row by row. *row is advanced past
// every row handed out.
func yieldBatch(rec arrow.RecordBatch, row *int, yield func(int, schemas.Fields) error) error {
	sc := rec.Schema()
	cols := rec.Columns()
	for i := 0; i < int(rec.NumRows()); i++ {
		fields := make(schemas.Fields, 0, len(cols))
		for c, col := range cols {
			if col.IsNull(i) {
				continue
			}
			v, raw := textOf(col, i)
			fields = append(fields, schemas.Field{Name: sc.Field(c).Name, Value: v, Raw: raw})
		}
		if err := yield(*row, fields); err != nil {
			return yieldError{err}
		}
		*row++
	}
	return nil
}
