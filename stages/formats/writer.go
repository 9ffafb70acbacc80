package formats

import (
	"bytes"
	"fmt"
	"io"
)

// Writer frames rendered records into a format's file: one per line for
// JSONL, or the elements of one JSON array, streamed without holding them.
// The array file has one element per line:
//
//	[
//	{...},
//	{...}
//	]
//
// and an empty one is "[]". The zero Writer is not usable; see NewWriter.
type Writer struct {
	w     io.Writer
	array bool
	n     int64
}

// NewWriter returns a Writer of f's framing onto w.
func NewWriter(w io.Writer, f Format) *Writer { return &Writer{w: w, array: f.Array()} }

// Write writes one record as Render returned it (ending in "\n").
func (w *Writer) Write(line []byte) error {
	if !w.array {
		if _, err := w.w.Write(line); err != nil {
			return fmt.Errorf("write record: %w", err)
		}
		w.n++
		return nil
	}
	sep := ",\n"
	if w.n == 0 {
		sep = "[\n"
	}
	if _, err := io.WriteString(w.w, sep); err != nil {
		return fmt.Errorf("write record: %w", err)
	}
	if _, err := w.w.Write(bytes.TrimSuffix(line, []byte("\n"))); err != nil {
		return fmt.Errorf("write record: %w", err)
	}
	w.n++
	return nil
}

// Close ends an array file; for JSONL it does nothing. It does not close
// the underlying writer.
func (w *Writer) Close() error {
	if !w.array {
		return nil
	}
	end := "\n]\n"
	if w.n == 0 {
		end = "[]\n"
	}
	if _, err := io.WriteString(w.w, end); err != nil {
		return fmt.Errorf("end array: %w", err)
	}
	return nil
}

// Records is the number of records written.
func (w *Writer) Records() int64 { return w.n }
