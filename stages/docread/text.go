package docread

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// textBuilder assembles extracted text: whitespace collapsed, paragraph
// breaks as blank lines, line breaks as newlines, nothing trailing.
type textBuilder struct {
	buf     []byte
	pending int    // breaks owed before the next text: 0, 1 (newline) or 2 (blank line)
	prefix  string // written before the next text (a list item's "- ")
	space   bool   // a collapsed space is owed before the next text
}

// brk asks for n line breaks (1 newline, 2 a blank line) before more text.
func (t *textBuilder) brk(n int) {
	t.pending = max(t.pending, n)
	t.space = false
}

// startText writes what is owed before new text on the current line.
func (t *textBuilder) startText() {
	if len(t.buf) > 0 && t.pending > 0 {
		// Trailing tabs stay: they are a table row's empty last cells.
		t.buf = bytes.TrimRight(t.buf, " ")
		t.buf = bytes.TrimRight(t.buf, "\n")
		t.buf = append(t.buf, "\n\n"[:t.pending]...)
	}
	if t.pending > 0 || len(t.buf) == 0 {
		t.space = false
	}
	t.pending = 0
	if t.prefix != "" {
		t.buf = append(t.buf, t.prefix...)
		t.prefix = ""
		t.space = false
	}
	if t.space {
		t.buf = append(t.buf, ' ')
		t.space = false
	}
}

// text appends s with runs of white space collapsed to one space.
func (t *textBuilder) text(s string) {
	if s == "" {
		return
	}
	if r, _ := utf8.DecodeRuneInString(s); isSpace(r) {
		t.space = true
	}
	for i, w := range strings.FieldsFunc(s, isSpace) {
		if i > 0 {
			t.space = true
		}
		t.startText()
		t.buf = append(t.buf, w...)
	}
	if r, _ := utf8.DecodeLastRuneInString(s); isSpace(r) {
		t.space = true
	}
}

// pre appends s as is (preformatted text), line breaks kept.
func (t *textBuilder) pre(s string) {
	if s == "" {
		return
	}
	t.space = false
	t.startText()
	t.buf = append(t.buf, s...)
}

// raw appends a separator such as a cell's tab, without collapsing.
func (t *textBuilder) raw(s string) {
	t.startText()
	t.buf = append(t.buf, s...)
	t.space = false
}

func (t *textBuilder) String() string {
	return strings.TrimFunc(string(t.buf), unicode.IsSpace)
}

func isSpace(r rune) bool {
	// U+00A0 (&nbsp;) collapses like a space in extracted text, and a
	// byte-order mark (kept by the UTF-16 decoders) like nothing visible.
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f' || r == '\u00a0' || r == '\ufeff'
}

// htmlWalker is the state of extractHTML. It keeps a stack of open
// elements so that a skipped or hidden element's content is left out up to
// its end tag, even in malformed pages: an end tag closes every element
// opened after its match, a stray end tag is ignored.
type htmlWalker struct {
	doc       htmlDoc
	out       textBuilder
	stack     []string
	open      map[string]int // open elements by name, so stray end tags cost no scan
	headAt    int            // stack index of an open <head>, or -1
	skipAt    int            // stack depth at which a skipped element opened, or -1
	preDepth  int
	cellDepth int
	inTitle   bool
	seenBody  bool
	firstCell bool
}

// extractHTML walks UTF-8 HTML with the streaming tokenizer.
func extractHTML(r io.Reader) (htmlDoc, error) {
	z := html.NewTokenizer(r)
	z.SetMaxBuf(maxHTMLToken)
	w := &htmlWalker{open: map[string]int{}, headAt: -1, skipAt: -1}
	for {
		switch tt := z.Next(); tt {
		case html.ErrorToken:
			if err := z.Err(); err != io.EOF {
				if errors.Is(err, html.ErrBufferExceeded) {
					return w.doc, fmt.Errorf("html: a tag or text run longer than %d bytes", maxHTMLToken)
				}
				return w.doc, fmt.Errorf("html: %w", err)
			}
			w.doc.text = w.out.String()
			w.doc.title = strings.Join(strings.FieldsFunc(w.doc.title, isSpace), " ")
			return w.doc, nil
		case html.TextToken:
			w.text(string(z.Text()))
		case html.StartTagToken, html.SelfClosingTagToken:
			name, attrs := tagOf(z)
			if err := w.start(name, attrs, tt == html.SelfClosingTagToken); err != nil {
				return w.doc, err
			}
		case html.EndTagToken:
			raw, _ := z.TagName()
			w.end(string(raw))
		}
	}
}

func (w *htmlWalker) text(s string) {
	switch {
	case w.inTitle:
		w.doc.title += s
	case w.skipAt >= 0:
	case w.preDepth > 0:
		w.out.pre(s)
	default:
		w.out.text(s)
	}
}

// start handles an opening tag: metadata, the element stack, and the
// breaks and separators the tag implies.
func (w *htmlWalker) start(name string, attrs map[string]string, selfClosing bool) error {
	switch name {
	case "html":
		w.doc.lang = strings.TrimSpace(attrs["lang"])
	case "body":
		w.seenBody = true
	case "meta":
		if strings.EqualFold(attrs["name"], "description") && w.doc.description == "" {
			w.doc.description = strings.Join(strings.FieldsFunc(attrs["content"], isSpace), " ")
		}
	}
	w.inTitle = name == "title" && !w.seenBody && w.doc.title == "" && !selfClosing
	if w.headAt >= 0 && !headOnly[name] {
		// Content closes an unclosed <head>, as in browsers.
		w.closeTo(w.headAt)
	}
	if !selfClosing && !voids[name] {
		if len(w.stack) >= maxHTMLDepth {
			return fmt.Errorf("html: elements nested deeper than %d", maxHTMLDepth)
		}
		w.stack = append(w.stack, name)
		w.open[name]++
		if name == "head" && w.headAt < 0 {
			w.headAt = len(w.stack) - 1
		}
		if w.skipAt < 0 && (skipped[name] || hiddenAttrs(attrs)) {
			w.skipAt = len(w.stack)
		}
		switch name {
		case "pre":
			w.preDepth++
		case "td", "th":
			w.cellDepth++
		}
	}
	if w.skipAt < 0 {
		w.startBreaks(name)
	}
	return nil
}

// end handles a closing tag.
func (w *htmlWalker) end(name string) {
	if name == "title" {
		w.inTitle = false
	}
	for i := len(w.stack) - 1; i >= 0 && w.open[name] > 0; i-- {
		if w.stack[i] == name {
			w.closeTo(i)
			break
		}
	}
	if w.skipAt >= 0 {
		return
	}
	switch {
	case name == "li" || name == "tr":
		w.out.brk(1)
	case blocks[name] && w.cellDepth == 0:
		w.out.brk(w.blockBreak(name))
	}
}

// closeTo pops the stack down to (without) index i.
func (w *htmlWalker) closeTo(i int) {
	for j := len(w.stack) - 1; j >= i; j-- {
		w.open[w.stack[j]]--
		switch w.stack[j] {
		case "pre":
			w.preDepth--
		case "td", "th":
			w.cellDepth--
		}
	}
	w.stack = w.stack[:i]
	if w.headAt >= i {
		w.headAt = -1
	}
	if w.skipAt > len(w.stack) {
		w.skipAt = -1
	}
}

// blockBreak is the break around a block: a blank line, except a single
// newline around a list nested in a list item.
func (w *htmlWalker) blockBreak(name string) int {
	if (name == "ul" || name == "ol") && w.open["li"] > 0 {
		return 1
	}
	return 2
}

// startBreaks writes the breaks and separators an opening tag implies.
func (w *htmlWalker) startBreaks(name string) {
	out := &w.out
	switch {
	case name == "br":
		if w.cellDepth > 0 {
			out.space = true
			return
		}
		// Two br in a row make a blank line.
		if len(out.buf) > 0 {
			out.brk(min(out.pending+1, 2))
		}
	case name == "li":
		out.brk(1)
		out.prefix = "- "
	case name == "tr":
		out.brk(1)
		w.firstCell = true
	case name == "td" || name == "th":
		if !w.firstCell {
			out.raw("\t")
		}
		w.firstCell = false
	case blocks[name]:
		if w.cellDepth > 0 {
			out.space = len(out.buf) > 0
			return
		}
		out.brk(w.blockBreak(name))
	}
}

// headOnly are the elements that may appear in <head> without closing it.
var headOnly = map[string]bool{
	"html": true, "head": true, "title": true, "meta": true, "link": true, "style": true,
	"script": true, "base": true, "noscript": true, "template": true,
}

// tagOf returns the current tag's name and attributes (lower-cased keys;
// the first of repeated attributes wins, as in browsers).
func tagOf(z *html.Tokenizer) (string, map[string]string) {
	raw, hasAttr := z.TagName()
	name := string(raw)
	if !hasAttr {
		return name, nil
	}
	attrs := map[string]string{}
	for more := true; more; {
		var k, v []byte
		k, v, more = z.TagAttr()
		key := string(k)
		if _, dup := attrs[key]; !dup {
			attrs[key] = string(v)
		}
	}
	return name, attrs
}
