package parquetio

import (
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet"

	"github.com/tuneprep/tuneprep/schemas"
)

// corpusPlainCols are the corpus columns of mostly unique text.
var corpusPlainCols = []string{
	schemas.CorpusColID,
	schemas.CorpusColText,
	schemas.CorpusColCluster,
	schemas.CorpusColFields + ".list.element.value",
}

// CorpusWriter streams documents into corpus.parquet with the schema of
// schemas.CorpusArrowSchema. Memory: one batch of Arrow data plus the
// current row group, compressed. It is not safe for concurrent use.
type CorpusWriter struct {
	b *batcher
	// builders, by column
	id, path, split, label, text, enc, cluster *array.StringBuilder
	line, total, trained                       *array.Int64Builder
	fields, redactions                         *array.ListBuilder
	fStruct, rStruct                           *array.StructBuilder
	fName, fValue, rType                       *array.StringBuilder
	fRaw                                       *array.BooleanBuilder
	rCount                                     *array.Int64Builder
	language                                   *array.StringBuilder
	langConf                                   *array.Float64Builder
}

// NewCorpusWriter starts a corpus file on w. Call Close to write the footer.
func NewCorpusWriter(w io.Writer, opts WriterOptions) (*CorpusWriter, error) {
	// Line numbers are nearly all distinct and ascend within a file:
	// delta-encoded, not put through a dictionary that overflows (its
	// hashing was 1.6% of a run's CPU, and the file is smaller).
	b, err := newBatcher(w, schemas.CorpusArrowSchema(), opts, corpusPlainCols,
		parquet.WithDictionaryFor(schemas.CorpusColSourceLine, false),
		parquet.WithEncodingFor(schemas.CorpusColSourceLine, parquet.Encodings.DeltaBinaryPacked))
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	c := &CorpusWriter{b: b}
	f := b.rb.Field
	c.id = f(0).(*array.StringBuilder)
	c.path = f(1).(*array.StringBuilder)
	c.line = f(2).(*array.Int64Builder)
	c.split = f(3).(*array.StringBuilder)
	c.label = f(4).(*array.StringBuilder)
	c.text = f(5).(*array.StringBuilder)
	c.fields = f(6).(*array.ListBuilder)
	c.enc = f(7).(*array.StringBuilder)
	c.total = f(8).(*array.Int64Builder)
	c.trained = f(9).(*array.Int64Builder)
	c.cluster = f(10).(*array.StringBuilder)
	c.redactions = f(11).(*array.ListBuilder)
	c.language = f(12).(*array.StringBuilder)
	c.langConf = f(13).(*array.Float64Builder)
	c.fStruct = c.fields.ValueBuilder().(*array.StructBuilder)
	c.fName = c.fStruct.FieldBuilder(0).(*array.StringBuilder)
	c.fValue = c.fStruct.FieldBuilder(1).(*array.StringBuilder)
	c.fRaw = c.fStruct.FieldBuilder(2).(*array.BooleanBuilder)
	c.rStruct = c.redactions.ValueBuilder().(*array.StructBuilder)
	c.rType = c.rStruct.FieldBuilder(0).(*array.StringBuilder)
	c.rCount = c.rStruct.FieldBuilder(1).(*array.Int64Builder)
	return c, nil
}

// appendOpt appends s, or null when it is empty.
func appendOpt(b *array.StringBuilder, s string) {
	if s == "" {
		b.AppendNull()
		return
	}
	b.Append(s)
}

// Write appends one document. Rows reach the file in batches; errors are
// the encoder's or the underlying writer's.
func (c *CorpusWriter) Write(d *schemas.Document) error {
	if c.b.closed {
		return fmt.Errorf("corpus: write after close")
	}
	size := len(d.ID) + len(d.Source.Path) + len(d.Split) + len(d.Label) + len(d.Text) + len(d.Cluster) + 8
	c.id.Append(d.ID)
	c.path.Append(d.Source.Path)
	c.line.Append(int64(d.Source.Line))
	appendOpt(c.split, d.Split)
	appendOpt(c.label, d.Label)
	c.text.Append(d.Text)
	c.fields.Append(true)
	for _, f := range d.Fields {
		c.fStruct.Append(true)
		c.fName.Append(f.Name)
		c.fRaw.Append(f.Raw)
		size += len(f.Name) + 1
		if f.Value == d.Text && !f.Raw {
			c.fValue.AppendNull() // the text column holds it
			continue
		}
		c.fValue.Append(f.Value)
		size += len(f.Value)
	}
	if t := d.Tokens; t != nil {
		c.enc.Append(t.Encoding)
		c.total.Append(int64(t.Total))
		c.trained.Append(int64(t.Trained))
		size += len(t.Encoding) + 16
	} else {
		c.enc.AppendNull()
		c.total.AppendNull()
		c.trained.AppendNull()
	}
	appendOpt(c.cluster, d.Cluster)
	c.redactions.Append(true)
	for _, r := range d.Redactions {
		c.rStruct.Append(true)
		c.rType.Append(r.Type)
		c.rCount.Append(int64(r.Count))
		size += len(r.Type) + 8
	}
	appendOpt(c.language, d.Language)
	if d.Language != "" {
		c.langConf.Append(d.LanguageConfidence)
	} else {
		c.langConf.AppendNull()
	}
	size += len(d.Language) + 8
	if err := c.b.added(int64(size)); err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	return nil
}

// Rows returns the number of documents written so far.
func (c *CorpusWriter) Rows() int64 { return c.b.rows }

// Close writes the buffered rows and the footer. It does not close the
// underlying writer. Closing twice is a no-op.
func (c *CorpusWriter) Close() error {
	if err := c.b.close(); err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	return nil
}
