package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/tuneprep/tuneprep/stages/jsonl"
)

// readRecords calls fn for every record of a fine-tuning file: one per
// non-blank line of JSONL, or one per element when the file is a JSON array
// (alpaca), numbered by their line in the file, or by element. A record that
// cannot be read (too large, not UTF-8, not JSON, the damaged rest of an
// array) comes with rec.Reject set, and reading goes on after it where it
// can. Records are limited to jsonl.DefaultMaxRecordBytes, as in `run`.
func readRecords(r io.Reader, fn func(rec jsonl.Record) error) error {
	rd := jsonl.NewReader(r, jsonl.Options{Layout: jsonl.Auto})
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

// eachJSON is readRecords for callers that use what the reader found: a
// record with Reject set is malformed JSON; any other is valid JSON, so
// that rec.Value and rec.Fields decode it without checking it again.
func eachJSON(r io.Reader, fn func(rec jsonl.Record) error) error {
	return readRecords(r, func(rec jsonl.Record) error {
		if rj := rec.Reject; rj != nil && (rj.Reason != jsonl.Malformed || rec.Raw == nil) {
			return fmt.Errorf("line %d: %s: %s", rec.Line, rj.Reason, rj.Detail)
		}
		return fn(rec)
	})
}

// lineError is a problem with one line of input. The line-by-line commands
// (redact --jsonl, tokens --jsonl, tokens --dataset) write it where the
// line's output would be, as {"line": N, "error": "..."}, and go on.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func badLine(line int, format string, args ...any) error {
	return &lineError{line, fmt.Sprintf(format, args...)}
}

// linesFailed ends a line-by-line command that wrote error records: exit 1,
// after the whole output.
type linesFailed struct {
	failed, lines int
	first         string
}

func (e *linesFailed) Error() string {
	return fmt.Sprintf("%d of %d lines failed, each with an error record on its line; the first: %s", e.failed, e.lines, e.first)
}

// eachLine is readRecords for the line-by-line commands, which want bytes:
// malformed JSON goes to fn (they check JSON and name the line). A line that fn (with
// a lineError) or the reader finds bad becomes an error record on w, and
// reading goes on; at the end a *linesFailed counts them. Other errors
// (writing, cancellation) stop it.
func eachLine(in io.Reader, w io.Writer, fn func(line int, rec []byte) error) error {
	var done linesFailed
	err := readRecords(in, func(rec jsonl.Record) error {
		done.lines++
		var err error
		if rj := rec.Reject; rj != nil && (rj.Reason != jsonl.Malformed || rec.Raw == nil) {
			err = badLine(rec.Line, "%s: %s", rj.Reason, rj.Detail)
		} else {
			err = fn(rec.Line, rec.Raw)
		}
		var le *lineError
		if !errors.As(err, &le) {
			return err
		}
		if done.failed++; done.first == "" {
			done.first = le.Error()
		}
		return writeJSONLine(w, struct {
			Line  int    `json:"line"`
			Error string `json:"error"`
		}{le.line, le.msg})
	})
	if err == nil && done.failed > 0 {
		return &done
	}
	return err
}
