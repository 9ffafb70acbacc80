package parquetio

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/tuneprep/tuneprep/stages/offheap"
)

// CreatedBy is the fixed created_by of every file written here. It carries
// no version or timestamp so that the same rows give a byte-identical file.
const CreatedBy = "tuneprep"

// WriterOptions tune the Parquet writers. The zero value works.
type WriterOptions struct {
	// Compression is zstd (default), snappy, gzip or none.
	Compression string
	// CompressionLevel is the codec's level; 0 means the codec's default
	// (zstd 3). Compression dominates the write time: zstd level 1 writes
	// 15-33% faster and about 14% larger (BenchmarkCorpusWriteBatch).
	CompressionLevel int
	// RowGroupBytes closes a row group once this much uncompressed data has
	// gone into it (default 64 MiB). Readers hold about one row group per
	// column in memory, and so does the writer (compressed).
	RowGroupBytes int64
	// BatchBytes is the uncompressed size of the record batch buffered
	// before it is handed to the Parquet encoder (default 4 MiB, at most
	// RowGroupBytes). It bounds the Arrow-side memory of the writer.
	BatchBytes int64
	// Allocator for Arrow buffers; nil means the Go allocator for small
	// buffers and mapped memory for large ones, unmapped when the writer
	// closes at the latest.
	Allocator memory.Allocator
}

func (o WriterOptions) withDefaults() (WriterOptions, compress.Compression, error) {
	if o.RowGroupBytes <= 0 {
		o.RowGroupBytes = 64 << 20
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = 4 << 20
	}
	o.BatchBytes = min(o.BatchBytes, o.RowGroupBytes)
	var codec compress.Compression
	switch strings.ToLower(o.Compression) {
	case "", "zstd":
		codec = compress.Codecs.Zstd
	case "snappy":
		codec = compress.Codecs.Snappy
	case "gzip":
		codec = compress.Codecs.Gzip
	case "none", "uncompressed":
		codec = compress.Codecs.Uncompressed
	default:
		return o, codec, fmt.Errorf("parquet compression %q: want zstd, snappy, gzip or none", o.Compression)
	}
	return o, codec, nil
}

// batcher is what both writers share: Arrow builders filled row by row, a
// record batch written each BatchBytes, and a new row group each
// RowGroupBytes (both measured as uncompressed value bytes, which is what
// the reader will have to decode).
//
// A full batch is encoded and compressed by a goroutine of its own while the
// caller fills the next one: the caller is a pipeline's single sequencing
// goroutine, and encoding took as long as building. The writer receives the
// batches in order and makes the same calls, so the file is the same.
type batcher struct {
	opts     WriterOptions
	fw       *pqarrow.FileWriter
	rb       *array.RecordBuilder
	batch    int64 // bytes in the builders
	rowGroup int64 // bytes written into the current row group
	rows     int64
	closed   bool

	own *mappedAllocator // the allocator made for this writer, if any

	queue chan written // to the writer goroutine; nil until the first batch
	done  chan error   // the writer's first error, once queue is closed
	err   error        // the writer's error, once seen: nothing more is written
}

// written is a full batch for the writer goroutine.
type written struct {
	rec      arrow.RecordBatch
	newGroup bool // start a row group before writing rec
}

// newBatcher opens a Parquet file writer. plainCols are column paths (dotted,
// Parquet naming) whose values are mostly unique text: they are written
// without dictionary encoding and without min/max statistics, which for long
// texts cost time and footer space and help no query. props are further
// column properties.
func newBatcher(w io.Writer, sc *arrow.Schema, opts WriterOptions, plainCols []string, props ...parquet.WriterProperty) (*batcher, error) {
	opts, codec, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	var own *mappedAllocator
	if opts.Allocator == nil {
		own = newMappedAllocator()
		opts.Allocator = own
	}
	registerZstd()
	level := opts.CompressionLevel
	if level == 0 {
		level = compress.DefaultCompressionLevel
	}
	props = append([]parquet.WriterProperty{
		parquet.WithAllocator(opts.Allocator),
		parquet.WithCompression(codec),
		parquet.WithCompressionLevel(level),
		parquet.WithCreatedBy(CreatedBy),
		parquet.WithDictionaryDefault(true),
		// A dictionary never falls back to plain pages. arrow-go writes a
		// column chunk's page encodings from a Go map, in random order: a
		// chunk with both dictionary and plain data pages made the footer
		// differ from run to run (100k contracts' source paths did). The
		// dictionary is bounded by the row group instead; the columns of
		// mostly unique text have none (plainCols).
		parquet.WithDictionaryPageSizeLimit(math.MaxInt32),
		// Row groups are cut by bytes below, never by row count.
		parquet.WithMaxRowGroupLength(1 << 40),
	}, props...)
	for _, c := range plainCols {
		props = append(props, parquet.WithDictionaryFor(c, false), parquet.WithStatsFor(c, false))
	}
	// The Parquet writer closes a sink that is an io.Closer; the caller owns
	// w (to sync and rename it), so only its Write method is passed on.
	fw, err := pqarrow.NewFileWriter(sc, writeOnly{w}, parquet.NewWriterProperties(props...),
		pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(opts.Allocator), pqarrow.WithStoreSchema()))
	if err != nil {
		return nil, fmt.Errorf("parquet writer: %w", err)
	}
	b := &batcher{opts: opts, fw: fw, rb: array.NewRecordBuilder(opts.Allocator, sc), own: own}
	if own != nil { // a writer dropped without Close unmaps its buffers too
		runtime.AddCleanup(b, (*offheap.Arena).Release, own.mem)
	}
	return b, nil
}

// added accounts for one appended row of size bytes and flushes a full batch.
func (b *batcher) added(size int64) error {
	b.rows++
	b.batch += size
	if b.batch >= b.opts.BatchBytes {
		return b.flush(false)
	}
	return nil
}

// flush hands the buffered rows to the writer as one record batch, to go
// into the current row group or, when that is full, into a new one. last
// says no batch follows.
func (b *batcher) flush(last bool) error {
	if b.err != nil {
		return b.err
	}
	if b.rb.Field(0).Len() == 0 {
		return nil
	}
	// The next batch will look like this one: reserve its buffers at once
	// instead of growing them by doubling, which copies every text twice.
	var sizes []int
	for _, f := range b.rb.Fields() {
		sizes = builderSizes(f, sizes)
	}
	rec := b.rb.NewRecordBatch()
	for _, f := range b.rb.Fields() {
		if last {
			break
		}
		sizes = reserveSizes(f, sizes)
	}
	w := written{rec: rec}
	if b.rowGroup > 0 && b.rowGroup+b.batch > b.opts.RowGroupBytes {
		w.newGroup = true
		b.rowGroup = 0
	}
	b.rowGroup += b.batch
	b.batch = 0
	if b.queue == nil {
		b.queue, b.done = make(chan written, 1), make(chan error, 1)
		go b.write(b.queue, b.done)
	}
	select {
	case b.queue <- w:
		return nil
	case b.err = <-b.done: // the writer failed and stopped
		rec.Release()
		close(b.queue)
		b.queue = nil
		return b.err
	}
}

// write is the writer goroutine: it writes the queued batches until the
// queue closes, and stops at the first error, which it reports on done.
func (b *batcher) write(queue <-chan written, done chan<- error) {
	var err error
	for w := range queue {
		if err == nil && w.newGroup {
			if e := b.fw.NewBufferedRowGroupChecked(); e != nil {
				err = fmt.Errorf("parquet row group: %w", e)
			}
		}
		if err == nil {
			if e := b.fw.WriteBuffered(w.rec); e != nil {
				err = fmt.Errorf("parquet write: %w", e)
			}
		}
		w.rec.Release()
		if err != nil {
			done <- err
			for w := range queue { // until the caller sees the error
				w.rec.Release()
			}
			return
		}
	}
	done <- nil
}

// wait closes the queue and returns the writer's error.
func (b *batcher) wait() error {
	if b.queue == nil {
		return b.err
	}
	close(b.queue)
	b.queue = nil
	b.err = <-b.done
	return b.err
}

func (b *batcher) close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	defer b.rb.Release()
	ferr := b.flush(true)
	if err := b.wait(); ferr == nil {
		ferr = err
	}
	if err := b.fw.Close(); err != nil && ferr == nil {
		ferr = fmt.Errorf("parquet close: %w", err)
	}
	if b.own != nil {
		b.own.mem.Release() // whatever Arrow did not free (nothing, unless it failed)
	}
	return ferr
}

type writeOnly struct{ w io.Writer }

func (o writeOnly) Write(p []byte) (int, error) { return o.w.Write(p) }

// builderSizes appends the element count of b and of its children, and the
// data length of string builders, depth first.
func builderSizes(b array.Builder, sizes []int) []int {
	sizes = append(sizes, b.Len())
	switch b := b.(type) {
	case *array.StringBuilder:
		sizes = append(sizes, b.DataLen())
	case *array.ListBuilder:
		sizes = builderSizes(b.ValueBuilder(), sizes)
	case *array.StructBuilder:
		for i := 0; i < b.NumField(); i++ {
			sizes = builderSizes(b.FieldBuilder(i), sizes)
		}
	}
	return sizes
}

// reserveSizes reserves what builderSizes recorded, in the same order, and
// returns the sizes not yet used.
func reserveSizes(b array.Builder, sizes []int) []int {
	b.Reserve(sizes[0])
	sizes = sizes[1:]
	switch b := b.(type) {
	case *array.StringBuilder:
		b.ReserveData(sizes[0] + sizes[0]/8)
		sizes = sizes[1:]
	case *array.ListBuilder:
		sizes = reserveSizes(b.ValueBuilder(), sizes)
	case *array.StructBuilder:
		for i := 0; i < b.NumField(); i++ {
			sizes = reserveSizes(b.FieldBuilder(i), sizes)
		}
	}
	return sizes
}
