package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/docread"
	"github.com/tuneprep/tuneprep/stages/parquetio"
)

// The readers of this file come from the document helpers: they turn one
// file into fields, or yield several records with their line or row.

// readHTML makes the page one document: its visible text, title, lang and
// description.
func readHTML(src *source, e *emitter) error {
	in := src.document()
	fields, err := docread.ReadHTML(in)
	return document(e, in, fields, err, "malformed-html")
}

// readDOCX makes a Word document one record: paragraphs and tables as
// text, title and creator. A file on disk is read in place (zip needs
// random access); any other is read into memory, at most max_record_bytes.
func readDOCX(src *source, e *emitter) error {
	if ra := src.readerAt(); ra != nil {
		fields, err := docread.ReadDOCX(ra, src.size, e.g.docxLimits())
		return document(e, nil, fields, err, docxReason(err))
	}
	b, err := src.all()
	if err != nil {
		return err
	}
	fields, err := docread.ReadDOCX(bytes.NewReader(b), int64(len(b)), e.g.docxLimits())
	return document(e, nil, fields, err, docxReason(err))
}

// readEML makes a message one record; attachments are skipped and counted.
func readEML(src *source, e *emitter) error {
	in := src.document()
	fields, st, err := docread.ReadEML(in, docread.EmailOptions{StripQuoted: e.g.cfg.EmailStripQuoted})
	e.g.stats.Attachments += int64(st.Attachments)
	return document(e, in, fields, err, "malformed-email")
}

// document emits a whole-file document that a docread helper read from in:
// a record-too-large reject when in passed max_record_bytes, or the reject
// of the file's size limit it passed (whatever the helper made of those),
// else a reject with reason when err is set.
func document(e *emitter, in *capReader, fields schemas.Fields, err error, reason string) error {
	switch {
	case in != nil && in.tripped:
		return e.reject(0, "record-too-large", in.err().Error())
	case err != nil && e.src != nil && e.src.sizeErr() != nil:
		se := e.src.sizeErr()
		return e.reject(0, se.reason, se.detail)
	case err != nil:
		return e.reject(0, reason, err.Error())
	}
	return e.record(0, fields, fieldsSize(fields))
}

// readMbox makes each message a record at the line of its "From " separator.
func readMbox(src *source, e *emitter) error {
	return docread.ReadMbox(src.r, docread.EmailOptions{StripQuoted: e.g.cfg.EmailStripQuoted}, func(line int, fields schemas.Fields, err error) error {
		if err != nil {
			return e.reject(line, "malformed-email", err.Error())
		}
		return e.record(line, fields, fieldsSize(fields))
	})
}

// readParquet makes each row a record, streamed by record batches. Parquet
// needs random access: an uncompressed file on disk is read in place, any
// other is spooled to a temporary file in the run's staging directory
// first (unlinked at once where the platform allows it).
func readParquet(src *source, e *emitter) error {
	ra := src.readerAt()
	if ra == nil {
		f, err := e.env.TempFile("parquet-*")
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := io.Copy(f, src.r); err != nil { // src.r fails past max_file_bytes
			return err
		}
		ra = f
	}
	err := parquetio.Read(context.Background(), ra, parquetio.ReadOptions{}, func(row int, fields schemas.Fields) error {
		return e.record(row, fields, fieldsSize(fields))
	})
	var ce *parquetio.CorruptError
	if errors.As(err, &ce) {
		return e.reject(ce.Row, "corrupt-parquet", fmt.Sprintf("row group %d: %v", ce.RowGroup, ce.Err))
	}
	return err
}

func fieldsSize(fs schemas.Fields) int {
	n := 0
	for _, f := range fs {
		n += len(f.Name) + len(f.Value)
	}
	return n
}
