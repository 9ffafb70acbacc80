package docread

import (
	"archive/zip"
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

const docxBody = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"
 xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">
<w:body>
<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>Service Agreement</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">This agreement is made </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>between</w:t></w:r><w:r><w:t xml:space="preserve"> Ünïcode Ltd</w:t></w:r><w:del><w:r><w:delText>deleted words</w:delText></w:r></w:del><w:r><w:t>.</w:t></w:r></w:p>
<w:p/>
<w:p><w:r><w:t>Name:</w:t><w:tab/><w:t>Value</w:t><w:br/><w:t>Second line</w:t></w:r></w:p>
<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:t>Field result</w:t></w:r></w:p>
<w:tbl>
 <w:tr><w:tc><w:p><w:r><w:t>Item</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Price</w:t></w:r></w:p></w:tc></w:tr>
 <w:tr><w:tc><w:p><w:r><w:t>Audit</w:t></w:r></w:p><w:p><w:r><w:t>(annual)</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc></w:tr>
</w:tbl>
<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:txbxContent><w:p><w:r><w:t>Text box</w:t></w:r></w:p></w:txbxContent></mc:Choice><mc:Fallback><w:txbxContent><w:p><w:r><w:t>Text box</w:t></w:r></w:p></w:txbxContent></mc:Fallback></mc:AlternateContent></w:r></w:p>
<w:sectPr/>
</w:body></w:document>`

const docxCore = `<?xml version="1.0" encoding="UTF-8"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Agreement 2026</dc:title><dc:creator>Renée Dupont</dc:creator></cp:coreProperties>`

// buildZip makes an archive of the named parts, in order.
func buildZip(t testing.TB, parts ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(parts); i += 2 {
		w, err := zw.Create(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(parts[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sampleDocx(t testing.TB) []byte {
	return buildZip(t,
		"[Content_Types].xml", `<Types/>`,
		"word/document.xml", docxBody,
		"word/header1.xml", `<w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:p><w:r><w:t>HEADER TEXT</w:t></w:r></w:p></w:hdr>`,
		"word/comments.xml", `<w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:comment><w:p><w:r><w:t>COMMENT</w:t></w:r></w:p></w:comment></w:comments>`,
		"docProps/core.xml", docxCore)
}

func TestReadDOCX(t *testing.T) {
	data := sampleDocx(t)
	got, err := ReadDOCX(bytes.NewReader(data), int64(len(data)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := schemas.Fields{
		{Name: "text", Value: "Service Agreement\n\nThis agreement is made between Ünïcode Ltd.\n\nName:\tValue\nSecond line\n\nField result\n\nItem\tPrice\nAudit (annual)\t\n\nText box"},
		{Name: "title", Value: "Agreement 2026"},
		{Name: "creator", Value: "Renée Dupont"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %#v\nwant %#v", got, want)
	}
}

func TestReadDOCXErrors(t *testing.T) {
	good := sampleDocx(t)
	bomb := buildZip(t, "word/document.xml", `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`+
		strings.Repeat(" ", 20<<20)+`</w:body></w:document>`)
	many := make([]string, 0, 40)
	for i := 0; i < 20; i++ {
		many = append(many, "f"+strings.Repeat("x", i), "")
	}
	tests := []struct {
		name   string
		data   []byte
		limits Limits
		want   string
	}{
		{"truncated", good[:len(good)/2], Limits{}, "not a readable zip"},
		{"not a zip", []byte("PK\x03\x04 nothing more"), Limits{}, "not a readable zip"},
		{"empty", nil, Limits{}, "not a readable zip"},
		{"no document", buildZip(t, "a.txt", "hi"), Limits{}, "no word/document.xml"},
		{"zip bomb ratio", bomb, Limits{}, "zip bomb"},
		{"part too large", bomb, Limits{MaxPartBytes: 1 << 20, MaxRatio: 1 << 20}, "limit"},
		{"total too large", bomb, Limits{MaxTotalBytes: 1 << 20}, "expand to"},
		{"too many entries", buildZip(t, many...), Limits{MaxEntries: 10}, "20 entries"},
		{"bad xml", buildZip(t, "word/document.xml", "<w:document><w:p>"), Limits{}, "document.xml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadDOCX(bytes.NewReader(tc.data), int64(len(tc.data)), tc.limits)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

// TestReadDOCXLyingSize checks the bound while inflating: an entry whose
// header declares a small size but inflates to more is stopped (archive/zip
// checks declared sizes itself; limitReader is the second guard).
func TestReadDOCXLyingSize(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	body := `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` + strings.Repeat("<w:p/>", 1<<20) + `</w:document>`
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "word/document.xml", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(body))
	zw.Close()
	data := buf.Bytes()
	// The writer put the true sizes in a data descriptor and the central
	// directory; shrink the declared uncompressed size in the latter.
	cd := bytes.LastIndex(data, []byte("PK\x01\x02"))
	putLE32(data[cd+24:], 1000)
	_, err = ReadDOCX(bytes.NewReader(data), int64(len(data)), Limits{MaxRatio: 2})
	if err == nil {
		t.Fatal("lying entry read without error")
	}
	t.Log(err)
}

func putLE32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

func FuzzReadDOCX(f *testing.F) {
	f.Add(sampleDocx(f))
	f.Add(buildZip(f, "word/document.xml", "<w:document/>"))
	f.Add([]byte("PK\x05\x06"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ReadDOCX(bytes.NewReader(data), int64(len(data)), Limits{MaxTotalBytes: 8 << 20, MaxPartBytes: 4 << 20})
	})
}
