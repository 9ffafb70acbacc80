// Package docread extracts the text and metadata of whole documents: HTML
// pages, Word .docx files and e-mail (.eml files and mbox archives). Each
// reader returns a record's fields (text plus metadata such as title or
// subject) and errors with a reason; ingest turns them into records and
// rejects. The readers stream where the format allows and bound their
// memory on hostile input.
package docread

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"

	"github.com/tuneprep/tuneprep/schemas"
)

// maxHTMLToken bounds a single tag or text run, so a hostile page cannot
// make the tokenizer buffer without limit.
const maxHTMLToken = 16 << 20

// maxHTMLDepth bounds element nesting.
const maxHTMLDepth = 4096

// ReadHTML extracts the visible text of an HTML page with its paragraph
// structure, and returns the fields text, then title, lang and description
// when the page has them.
//
// The charset comes from a byte-order mark or a <meta> declaration; an
// undeclared page is UTF-8 when its start is valid UTF-8, else
// windows-1252 (the HTML standard's fallback). An unknown declared charset,
// or a page declared UTF-8 that is not, is an error.
//
// Not visible, so left out: script, style, noscript, template, svg,
// iframe, object, canvas, nav, aside and footer (navigation and page
// chrome), and elements with the hidden attribute, aria-hidden="true" or an
// inline style of display:none or visibility:hidden. header is kept: inside
// an article it holds the headline, and a page header's menus are nav.
func ReadHTML(r io.Reader) (schemas.Fields, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(64 << 10)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("html: %w", err)
	}
	enc, name, err := htmlEncoding(head)
	if err != nil {
		return nil, err
	}
	var src io.Reader = br
	if enc != encoding.Nop {
		src = transform.NewReader(br, enc.NewDecoder())
	}
	doc, err := extractHTML(src)
	if err != nil {
		return nil, err
	}
	if !utf8.ValidString(doc.text) || !utf8.ValidString(doc.title) || !utf8.ValidString(doc.description) {
		return nil, fmt.Errorf("html: page is not valid %s (wrong charset declared?)", name)
	}
	return doc.fields(), nil
}

// htmlEncoding picks the page's encoding from its first bytes.
func htmlEncoding(head []byte) (encoding.Encoding, string, error) {
	if e, name, certain := charset.DetermineEncoding(head, ""); certain {
		return e, name, nil // a byte-order mark
	}
	if label := metaCharset(head[:min(len(head), 1024)]); label != "" {
		e, name := charset.Lookup(label)
		if e == nil {
			return nil, "", fmt.Errorf("html: unknown charset %q declared", label)
		}
		if name == "utf-16le" || name == "utf-16be" {
			// A page whose bytes carry a <meta> readable as ASCII is not
			// UTF-16; browsers treat this declaration as UTF-8.
			return encoding.Nop, "utf-8", nil
		}
		if name == "utf-8" {
			return encoding.Nop, name, nil
		}
		return e, name, nil
	}
	if validUTF8Prefix(head) {
		return encoding.Nop, "utf-8", nil
	}
	return charmap.Windows1252, "windows-1252", nil
}

// metaCharset returns the charset label a <meta> in head declares.
func metaCharset(head []byte) string {
	z := html.NewTokenizer(bytes.NewReader(head))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "meta" || !hasAttr {
				continue
			}
			var httpEquiv, content, cs string
			for more := true; more; {
				var k, v []byte
				k, v, more = z.TagAttr()
				switch strings.ToLower(string(k)) {
				case "charset":
					cs = string(v)
				case "http-equiv":
					httpEquiv = strings.ToLower(string(v))
				case "content":
					content = string(v)
				}
			}
			if cs != "" {
				return strings.TrimSpace(cs)
			}
			if httpEquiv == "content-type" {
				if _, params, err := mime.ParseMediaType(content); err == nil && params["charset"] != "" {
					return params["charset"]
				}
			}
		}
	}
}

// htmlDoc is what extractHTML finds.
type htmlDoc struct {
	text, title, lang, description string
}

func (d htmlDoc) fields() schemas.Fields {
	fs := schemas.Fields{{Name: "text", Value: d.text}}
	for _, f := range []schemas.Field{{Name: "title", Value: d.title}, {Name: "lang", Value: d.lang}, {Name: "description", Value: d.description}} {
		if f.Value != "" {
			fs = append(fs, f)
		}
	}
	return fs
}

// skipped are elements whose content is not shown as text.
var skipped = map[string]bool{
	"script": true, "style": true, "noscript": true, "template": true,
	"svg": true, "iframe": true, "object": true, "canvas": true,
	"nav": true, "aside": true, "footer": true, "head": true,
}

// blocks are elements that start and end a paragraph.
var blocks = map[string]bool{
	"p": true, "div": true, "section": true, "article": true, "main": true, "header": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"ul": true, "ol": true, "dl": true, "dt": true, "dd": true, "blockquote": true,
	"pre": true, "table": true, "figure": true, "figcaption": true, "address": true,
	"hr": true, "form": true, "fieldset": true, "details": true, "summary": true,
	"body": true, "html": true, "caption": true, "center": true, "legend": true,
}

// voids never have content or an end tag.
var voids = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true,
	"img": true, "input": true, "link": true, "meta": true, "source": true,
	"track": true, "wbr": true, "param": true,
}

// hiddenAttrs reports whether an element's attributes hide it.
func hiddenAttrs(attrs map[string]string) bool {
	if _, ok := attrs["hidden"]; ok {
		return true
	}
	if strings.EqualFold(strings.TrimSpace(attrs["aria-hidden"]), "true") {
		return true
	}
	style := strings.ToLower(strings.Join(strings.Fields(attrs["style"]), ""))
	return strings.Contains(style, "display:none") || strings.Contains(style, "visibility:hidden")
}

// validUTF8Prefix reports whether b, except a rune cut off at its end, is
// valid UTF-8.
func validUTF8Prefix(b []byte) bool {
	for i := len(b) - 1; i >= 0 && i >= len(b)-3; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				b = b[:i]
			}
			break
		}
	}
	return utf8.Valid(b)
}
