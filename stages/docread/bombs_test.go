package docread

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestReadDOCXHostile: the limits are LimitErrors (Inflated for sizes and
// ratios) and hold before the archive is read whole: an archive listing more
// entries than its directory may take is refused after reading about
// MaxDirectoryBytes of it, whatever count it declares; elements nested past
// maxXMLDepth stop the part.
func TestReadDOCXHostile(t *testing.T) {
	bomb := buildZip(t, "word/document.xml", `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`+
		strings.Repeat(" ", 2<<20)+`</w:body></w:document>`)
	var many bytes.Buffer
	zw := zip.NewWriter(&many)
	for i := range 2000 { // stored, not deflated: quick to write
		if _, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("media/image%04d-%s.png", i, strings.Repeat("x", 100)), Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	zw.Close()
	deep := buildZip(t, "word/document.xml", `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`+
		strings.Repeat("<w:p>", maxXMLDepth+1))
	tests := []struct {
		name     string
		data     []byte
		limits   Limits
		want     string
		limit    bool // a LimitError
		inflated bool
	}{
		{"ratio", bomb, Limits{}, "zip bomb", true, true},
		{"total", bomb, Limits{MaxTotalBytes: 1 << 20}, "expand to", true, true},
		{"part", bomb, Limits{MaxPartBytes: 1 << 20, MaxRatio: 1 << 20}, "limit", true, true},
		{"entries", many.Bytes(), Limits{MaxEntries: 100}, "2000 entries", true, false},
		{"directory", many.Bytes(), Limits{MaxDirectoryBytes: 64 << 10}, "list of entries", true, false},
		{"nesting", deep, Limits{}, "nested more than", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			counted := &countingReaderAt{r: bytes.NewReader(tc.data)}
			_, err := ReadDOCX(counted, int64(len(tc.data)), tc.limits)
			var le *LimitError
			if err == nil || !strings.Contains(err.Error(), tc.want) || errors.As(err, &le) != tc.limit || tc.limit && le.Inflated != tc.inflated {
				t.Fatalf("err = %#v, want one mentioning %q (limit %v, inflated %v)", err, tc.want, tc.limit, tc.inflated)
			}
			if tc.name == "directory" && counted.n > 2*(64<<10)+(66<<10) {
				t.Errorf("%d bytes read to refuse the listing", counted.n)
			}
		})
	}
}

type countingReaderAt struct {
	r interface {
		ReadAt([]byte, int64) (int, error)
	}
	n int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}
