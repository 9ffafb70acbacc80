package main

import (
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

// eachRecord is readRecords for callers that want bytes: a record that is
// not valid JSON goes to fn as well (they check JSON and name the line);
// any other reject stops the reading with an error naming its line and
// reason.
func eachRecord(r io.Reader, fn func(line int, rec []byte) error) error {
	return eachJSON(r, func(rec jsonl.Record) error { return fn(rec.Line, rec.Raw) })
}

// eachJSON is eachRecord for callers that use what the reader found: a
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
