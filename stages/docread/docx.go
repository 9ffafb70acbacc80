package docread

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/tuneprep/tuneprep/schemas"
)

// Limits bound what an archive may expand to, against zip bombs. The zero
// value of a field means its default.
type Limits struct {
	// MaxTotalBytes bounds the declared uncompressed size of all entries
	// (default 512 MiB).
	MaxTotalBytes int64
	// MaxPartBytes bounds one part that is read (default 64 MiB).
	MaxPartBytes int64
	// MaxRatio bounds uncompressed/compressed size of a part larger than
	// 1 MiB (default 200; XML usually compresses 5-30 times).
	MaxRatio int64
	// MaxEntries bounds the number of entries (default 10000).
	MaxEntries int
	// MaxDirectoryBytes bounds the bytes read to list the entries (default
	// 4 MiB): the listing is held in memory, a few times its size.
	MaxDirectoryBytes int64
}

// LimitError is an archive that passes one of its Limits: a zip bomb, or an
// archive too large to read safely.
type LimitError struct {
	Msg string
	// Inflated says that an entry inflates, or would, past a size or ratio
	// limit (as opposed to an archive with too many entries).
	Inflated bool
}

func (e *LimitError) Error() string { return e.Msg }

func limitErr(inflated bool, format string, args ...any) error {
	return &LimitError{Msg: fmt.Sprintf(format, args...), Inflated: inflated}
}

func (l Limits) withDefaults() Limits {
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = 512 << 20
	}
	if l.MaxPartBytes <= 0 {
		l.MaxPartBytes = 64 << 20
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = 200
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = 10000
	}
	if l.MaxDirectoryBytes <= 0 {
		l.MaxDirectoryBytes = 4 << 20
	}
	return l
}

// ratioFloor is the part size below which the ratio limit does not apply:
// small parts of repetitive XML legitimately compress very well.
const ratioFloor = 1 << 20

const (
	nsW  = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsMC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
	nsDC = "http://purl.org/dc/elements/1.1/"
)

// ReadDOCX extracts the body text of a Word .docx file: paragraphs
// separated by blank lines, tabs and line breaks kept, tables as rows of
// tab-separated cells. Headers, footers, comments and footnotes live in
// other parts and are left out, as are deleted (tracked) text and field
// codes. Fields: text, then title and creator from docProps/core.xml when
// present.
//
// The archive is checked against limits before anything is inflated, and
// reads are bounded again while inflating: declared sizes may lie.
func ReadDOCX(r io.ReaderAt, size int64, limits Limits) (schemas.Fields, error) {
	limits = limits.withDefaults()
	// zip.NewReader lists every entry it finds, whatever the count the
	// archive declares: bound the bytes it reads to do that.
	dir := &boundedReaderAt{r: r, left: limits.MaxDirectoryBytes}
	zr, err := zip.NewReader(dir, size)
	if dir.over {
		return nil, limitErr(false, "docx: the list of entries is larger than %d bytes (zip bomb?)", limits.MaxDirectoryBytes)
	}
	if err != nil {
		return nil, fmt.Errorf("docx: not a readable zip archive (truncated, or an encrypted or legacy .doc file?): %w", err)
	}
	dir.left = -1 // entries are bounded one by one (openPart)
	if len(zr.File) > limits.MaxEntries {
		return nil, limitErr(false, "docx: %d entries, limit %d (zip bomb?)", len(zr.File), limits.MaxEntries)
	}
	var total uint64
	var doc, core *zip.File
	for _, f := range zr.File {
		total += f.UncompressedSize64
		switch f.Name {
		case "word/document.xml":
			doc = f
		case "docProps/core.xml":
			core = f
		}
	}
	if total > uint64(limits.MaxTotalBytes) {
		return nil, limitErr(true, "docx: entries expand to %d bytes, limit %d (zip bomb?)", total, limits.MaxTotalBytes)
	}
	if doc == nil {
		return nil, fmt.Errorf("docx: no word/document.xml: not a Word document")
	}
	var text string
	err = openPart(doc, limits, func(r io.Reader) (err error) {
		text, err = docxText(r)
		return err
	})
	if err != nil {
		return nil, err
	}
	fields := schemas.Fields{{Name: "text", Value: text}}
	if core != nil {
		var title, creator string
		err := openPart(core, limits, func(r io.Reader) (err error) {
			title, creator, err = coreProps(r)
			return err
		})
		if err != nil {
			return nil, err
		}
		if title != "" {
			fields = append(fields, schemas.Field{Name: "title", Value: title})
		}
		if creator != "" {
			fields = append(fields, schemas.Field{Name: "creator", Value: creator})
		}
	}
	return fields, nil
}

// openPart checks a part's declared sizes and passes read a reader that
// fails once the part inflates past the limits.
func openPart(f *zip.File, l Limits, read func(io.Reader) error) error {
	limit := l.MaxPartBytes
	if f.UncompressedSize64 > uint64(limit) {
		return limitErr(true, "docx: %s is %d bytes, limit %d", f.Name, f.UncompressedSize64, limit)
	}
	if ratioLimit := max(ratioLimit(f.CompressedSize64, l.MaxRatio), ratioFloor); ratioLimit < limit {
		if f.UncompressedSize64 > uint64(ratioLimit) {
			return limitErr(true, "docx: %s compressed %d:1, limit %d:1 (zip bomb?)", f.Name, f.UncompressedSize64/max(f.CompressedSize64, 1), l.MaxRatio)
		}
		limit = ratioLimit
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("docx: %s: %w", f.Name, err)
	}
	defer rc.Close()
	lr := &limitReader{r: rc, left: limit, name: f.Name}
	if err := read(lr); err != nil {
		if lr.err != nil {
			return lr.err
		}
		return fmt.Errorf("docx: %s: %w", f.Name, err)
	}
	return nil
}

// limitReader fails with a reason after more than left bytes.
type limitReader struct {
	r    io.Reader
	left int64
	name string
	err  error
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		l.err = limitErr(true, "docx: %s inflates past its size limit (zip bomb?)", l.name)
		return 0, l.err
	}
	if errors.Is(err, zip.ErrChecksum) || errors.Is(err, zip.ErrFormat) {
		err = fmt.Errorf("corrupt part: %w", err)
	}
	return n, err
}

// ratioLimit is compressed times ratio, without overflow.
func ratioLimit(compressed uint64, ratio int64) int64 {
	if compressed > uint64(math.MaxInt64/max(ratio, 1)) {
		return math.MaxInt64
	}
	return int64(compressed) * ratio
}

// boundedReaderAt fails reads once more than left bytes were read; over
// says it did. A negative left is no bound.
type boundedReaderAt struct {
	r    io.ReaderAt
	left int64
	over bool
}

func (b *boundedReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if b.left >= 0 {
		if int64(len(p)) > b.left {
			b.over = true
			return 0, errors.New("read limit")
		}
		b.left -= int64(len(p))
	}
	return b.r.ReadAt(p, off)
}

// maxXMLDepth bounds element nesting in a part: encoding/xml keeps a
// record of every open element.
const maxXMLDepth = 10000

// xmlDepth follows the nesting of a part's elements.
type xmlDepth int

func (d *xmlDepth) track(tok xml.Token) error {
	switch tok.(type) {
	case xml.StartElement:
		if *d++; *d > maxXMLDepth {
			return fmt.Errorf("elements nested more than %d deep", maxXMLDepth)
		}
	case xml.EndElement:
		*d--
	}
	return nil
}

// docxText walks document.xml. Paragraph text gathers in para; inside a
// table, paragraphs gather in the cell, cells in the row, rows in table.
func docxText(r io.Reader) (string, error) {
	d := xml.NewDecoder(r)
	var (
		out      strings.Builder
		para     strings.Builder
		cell     []string
		row      []string
		table    []string
		inText   bool
		skip     int // depth inside deleted text, field codes or a fallback
		tblDepth int
		depth    xmlDepth
	)
	block := func(s string) {
		if strings.TrimSpace(s) == "" {
			return
		}
		if out.Len() > 0 {
			out.WriteString("\n\n")
		}
		out.WriteString(s)
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return strings.TrimSpace(out.String()), nil
		}
		if err == nil {
			err = depth.track(tok)
		}
		if err != nil {
			return "", fmt.Errorf("document.xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 || skippedDocx(t.Name) {
				skip++
				continue
			}
			if t.Name.Space != nsW {
				continue
			}
			switch t.Name.Local {
			case "t":
				inText = true
			case "tab", "ptab":
				para.WriteByte('\t')
			case "br", "cr":
				para.WriteByte('\n')
			case "noBreakHyphen":
				para.WriteByte('-')
			case "tbl":
				tblDepth++
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			if t.Name.Space != nsW {
				continue
			}
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				s := strings.TrimSpace(para.String())
				para.Reset()
				if tblDepth == 0 {
					block(s)
				} else if s != "" {
					cell = append(cell, s)
				}
			case "tc":
				if tblDepth == 1 {
					row = append(row, strings.Join(cell, " "))
					cell = cell[:0]
				}
			case "tr":
				if tblDepth == 1 {
					table = append(table, strings.Join(row, "\t"))
					row = row[:0]
				}
			case "tbl":
				tblDepth--
				if tblDepth == 0 {
					block(strings.Join(table, "\n"))
					table = table[:0]
				}
			}
		case xml.CharData:
			if inText && skip == 0 {
				para.Write(t)
			}
		}
	}
}

// skippedDocx reports elements whose content is not body text: deleted
// text, field instructions, and the fallback copy of alternate content
// (text boxes are stored twice, as a choice and a fallback).
func skippedDocx(n xml.Name) bool {
	switch {
	case n.Space == nsW:
		return n.Local == "delText" || n.Local == "instrText" || n.Local == "del"
	case n.Space == nsMC:
		return n.Local == "Fallback"
	}
	return false
}

// coreProps reads dc:title and dc:creator from docProps/core.xml.
func coreProps(r io.Reader) (title, creator string, err error) {
	d := xml.NewDecoder(r)
	var cur *string
	var depth xmlDepth
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return strings.TrimSpace(title), strings.TrimSpace(creator), nil
		}
		if err == nil {
			err = depth.track(tok)
		}
		if err != nil {
			return "", "", fmt.Errorf("core.xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			cur = nil
			if t.Name.Space == nsDC && t.Name.Local == "title" {
				cur = &title
			} else if t.Name.Space == nsDC && t.Name.Local == "creator" {
				cur = &creator
			}
		case xml.EndElement:
			cur = nil
		case xml.CharData:
			if cur != nil {
				*cur += string(t)
			}
		}
	}
}
