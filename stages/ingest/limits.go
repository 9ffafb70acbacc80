package ingest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/tuneprep/tuneprep/stages/docread"
)

// ratioFloor is how much a compressed file may inflate to before
// max_compression_ratio applies: small files of repetitive text
// legitimately compress very well. It is below the readers' own limits
// (16 MiB for an HTML text run, max_record_bytes), so that a bomb is named
// as one.
const ratioFloor = 4 << 20

// sizeError stops reading a file that passed a size limit while it was
// read. Readers may wrap it, or drop it and report a parse error instead;
// the limiters keep it (sticky) so that the reject names the limit either
// way.
type sizeError struct {
	reason string // file-too-large or decompressed-too-large
	detail string
}

func (e *sizeError) Error() string { return e.detail }

// fileLimiter reads a file's bytes (compressed or not) and fails once more
// than limit were read: a file that grows past max_file_bytes after it was
// opened is cut with an error, never silently, so that no record is made of
// the bytes before the cut.
type fileLimiter struct {
	r     io.Reader
	limit int64
	n     int64
	err   *sizeError
}

func (l *fileLimiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	p = p[:min(int64(len(p)), l.limit+1-l.n)]
	k, err := l.r.Read(p)
	l.n += int64(k)
	if l.n > l.limit {
		l.err = &sizeError{"file-too-large", fmt.Sprintf("more than %d bytes (max_file_bytes): the file grew while it was read; rest of file not read", l.limit)}
		return k - int(l.n-l.limit), l.err
	}
	return k, err
}

// inflateLimiter reads a decompressed stream and fails once it passes
// max_file_bytes, or once it passes ratioFloor and max_compression_ratio
// times the compressed bytes read so far (in): a decompression bomb is
// stopped after a few megabytes instead of after gigabytes.
type inflateLimiter struct {
	r     io.Reader
	in    *countingReader // the compressed bytes read from the file
	limit int64           // max_file_bytes
	ratio int64           // max_compression_ratio
	n     int64
	err   *sizeError
	// broken is set when the decoder failed (a stream cut short or
	// corrupt), as opposed to the reader failing on what it decoded.
	broken bool
}

func (l *inflateLimiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	p = p[:min(int64(len(p)), l.limit+1-l.n)]
	k, err := l.r.Read(p)
	l.broken = l.broken || err != nil && err != io.EOF
	l.n += int64(k)
	switch {
	case l.n > l.limit:
		l.err = &sizeError{"decompressed-too-large", fmt.Sprintf("decompresses to more than %d bytes (max_file_bytes); rest of file not read", l.limit)}
	case l.n > ratioFloor && l.n/max(l.in.n, 1) > l.ratio:
		l.err = &sizeError{"decompressed-too-large", fmt.Sprintf("%d bytes decompressed from %d, more than %d:1 (max_compression_ratio; a decompression bomb?); rest of file not read", l.n, l.in.n, l.ratio)}
	}
	if l.err != nil {
		return 0, l.err
	}
	return k, err
}

// sizeErr returns the size limit a file passed while it was read, or nil.
func (s *source) sizeErr() *sizeError {
	if s.inflate != nil && s.inflate.err != nil {
		return s.inflate.err
	}
	if s.file != nil {
		return s.file.err
	}
	return nil
}

// docxLimits are the archive limits of a .docx file, from the input's
// limits: its parts may inflate to max_file_bytes in all and at most
// max_compression_ratio times their compressed size.
func (g *Ingest) docxLimits() docread.Limits {
	return docread.Limits{MaxTotalBytes: min(g.cfg.MaxFileBytes, 512<<20), MaxRatio: g.cfg.MaxCompressionRatio}
}

// docxReason names the reject of a .docx file that could not be read.
func docxReason(err error) string {
	var le *docread.LimitError
	if errors.As(err, &le) && le.Inflated {
		return "decompressed-too-large"
	}
	return "malformed-docx"
}

// rootGone returns an error when the input directory itself has gone
// (removed, or moved away and perhaps replaced) since the run opened it:
// the run cannot go on reading it, and an input that lost its files halfway
// must not be mistaken for a smaller input. Nil when the root is in place,
// or when the input is not a directory on disk.
func (g *Ingest) rootGone() error {
	d, ok := g.fsys.(*dirFS)
	if !ok || d.rootInfo == nil {
		return nil
	}
	st, err := os.Stat(d.root.Name())
	if err == nil && os.SameFile(st, d.rootInfo) {
		return nil
	}
	return fmt.Errorf("input directory %q is gone: it was removed or moved while the run read it", d.root.Name())
}

// symlinkSkip names why a symlink was skipped, from the error of following it.
func symlinkSkip(err error) string {
	switch {
	case errors.Is(err, syscall.ELOOP):
		return "symlink-loop"
	case errors.Is(err, fs.ErrNotExist):
		return "symlink-broken"
	}
	return "symlink-outside-root"
}

// Test hooks: called, when set, after the walk found file p and before it
// is looked at (opened, or its size taken), and after it was opened and
// before it is read.
var testHookBeforeOpen, testHookAfterOpen func(p string)
