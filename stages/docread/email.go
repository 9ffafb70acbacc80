package docread

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	"golang.org/x/net/html/charset"

	"github.com/tuneprep/tuneprep/schemas"
)

// EmailOptions tune the e-mail readers. The zero value works.
type EmailOptions struct {
	// StripQuoted drops quoted replies: lines starting with ">" and the
	// "On <date>, <someone> wrote:" line that introduces them.
	StripQuoted bool
	// MaxMessageBytes bounds a message (mbox) and each text part after
	// decoding (default 32 MiB).
	MaxMessageBytes int64
}

func (o EmailOptions) withDefaults() EmailOptions {
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = 32 << 20
	}
	return o
}

// EmailStats count what a message held besides its text.
type EmailStats struct {
	// Attachments counts the parts skipped as attachments (including
	// attached messages).
	Attachments int
}

// maxMIMEDepth bounds multipart nesting.
const maxMIMEDepth = 16

// ReadEML reads one RFC 5322 message. Fields, when present: from, to, cc,
// date (RFC 3339 when it parses, else as written), subject and message_id,
// then always text. Encoded words (RFC 2047) are decoded; the body is the
// inline text/plain parts, or, when there are none, the text/html parts
// converted like ReadHTML; charsets are decoded to UTF-8; attachments are
// skipped and counted. A multipart body whose boundary is missing or broken
// is an error.
func ReadEML(r io.Reader, opts EmailOptions) (schemas.Fields, EmailStats, error) {
	opts = opts.withDefaults()
	var st EmailStats
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return nil, st, fmt.Errorf("email header: %w", err)
	}
	fields := headerFields(msg.Header)
	w := &bodyWalker{opts: opts, stats: &st}
	if err := w.walk(textproto.MIMEHeader(msg.Header), msg.Body, 0); err != nil {
		return nil, st, err
	}
	text := w.plain
	if len(text) == 0 {
		text = w.html
	}
	body := strings.Join(text, "\n\n")
	if opts.StripQuoted {
		body = stripQuoted(body)
	}
	fields = append(fields, schemas.Field{Name: "text", Value: strings.TrimSpace(body)})
	return fields, st, nil
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charset.NewReaderLabel}

// headerFields decodes the headers kept as fields.
func headerFields(h mail.Header) schemas.Fields {
	var fs schemas.Fields
	add := func(name, v string) {
		if v = strings.TrimSpace(v); v != "" {
			fs = append(fs, schemas.Field{Name: name, Value: v})
		}
	}
	parser := mail.AddressParser{WordDecoder: wordDecoder}
	for _, k := range []string{"From", "To", "Cc"} {
		v := h.Get(k)
		if list, err := parser.ParseList(v); err == nil && v != "" {
			parts := make([]string, len(list))
			for i, a := range list {
				parts[i] = formatAddress(a)
			}
			v = strings.Join(parts, ", ")
		} else {
			v = decodeWords(v)
		}
		add(strings.ToLower(k), v)
	}
	date := h.Get("Date")
	if t, err := mail.ParseDate(date); err == nil {
		date = t.Format(time.RFC3339)
	}
	add("date", date)
	add("subject", decodeWords(h.Get("Subject")))
	add("message_id", strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>"))
	return fs
}

// formatAddress writes "Name <addr>" without the quoting and encoding of
// mail.Address.String, which is for headers, not for reading.
func formatAddress(a *mail.Address) string {
	if a.Name == "" {
		return a.Address
	}
	return a.Name + " <" + a.Address + ">"
}

// decodeWords decodes RFC 2047 encoded words; undecodable text stays as is.
func decodeWords(s string) string {
	d, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		return s
	}
	return strings.Join(strings.Fields(d), " ")
}

// bodyWalker collects a message's text parts.
type bodyWalker struct {
	opts  EmailOptions
	stats *EmailStats
	plain []string
	html  []string
}

// walk reads one MIME entity: a multipart container or a leaf part.
func (w *bodyWalker) walk(h textproto.MIMEHeader, body io.Reader, depth int) error {
	if depth > maxMIMEDepth {
		return fmt.Errorf("mime: parts nested deeper than %d", maxMIMEDepth)
	}
	ctype := h.Get("Content-Type")
	mediaType, params, err := mime.ParseMediaType(ctype)
	if ctype == "" || err != nil && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ctype)), "multipart/") {
		// No or unparsable type: RFC 2045 says text/plain (us-ascii).
		mediaType, params = "text/plain", map[string]string{}
	} else if err != nil {
		return fmt.Errorf("mime: content type %q: %w", ctype, err)
	}
	if isAttachment(h, mediaType) {
		w.stats.Attachments++
		if _, err := io.Copy(io.Discard, body); err != nil {
			return fmt.Errorf("mime: attachment: %w", wrapPartErr(err))
		}
		return nil
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		return w.walkMultipart(params["boundary"], body, depth)
	}
	if mediaType != "text/plain" && mediaType != "text/html" {
		// Inline images, calendars, signatures: not text to keep.
		w.stats.Attachments++
		if _, err := io.Copy(io.Discard, body); err != nil {
			return fmt.Errorf("mime: %s part: %w", mediaType, wrapPartErr(err))
		}
		return nil
	}
	text, err := w.decodeText(h, params["charset"], body)
	if err != nil {
		return err
	}
	if mediaType == "text/html" {
		doc, err := extractHTML(strings.NewReader(text))
		if err != nil {
			return fmt.Errorf("mime: html part: %w", err)
		}
		if doc.text != "" {
			w.html = append(w.html, doc.text)
		}
		return nil
	}
	if t := strings.TrimSpace(text); t != "" {
		w.plain = append(w.plain, t)
	}
	return nil
}

func (w *bodyWalker) walkMultipart(boundary string, body io.Reader, depth int) error {
	if boundary == "" {
		return fmt.Errorf("mime: multipart body without a boundary")
	}
	mr := multipart.NewReader(body, boundary)
	parts := 0
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			if parts == 0 {
				return fmt.Errorf("mime: no part starts with the boundary %q", boundary)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("mime: broken multipart body (boundary %q): %w", boundary, err)
		}
		parts++
		if err := w.walk(p.Header, p, depth+1); err != nil {
			return err
		}
	}
}

// isAttachment reports a part that is a file rather than the message text.
func isAttachment(h textproto.MIMEHeader, mediaType string) bool {
	if mediaType == "message/rfc822" {
		return true
	}
	disp, params, err := mime.ParseMediaType(h.Get("Content-Disposition"))
	if err == nil && (disp == "attachment" || params["filename"] != "") {
		return true
	}
	_, ctParams, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return ctParams["name"] != "" && !strings.HasPrefix(mediaType, "multipart/")
}

// decodeText undoes the transfer encoding and the charset of a text part.
func (w *bodyWalker) decodeText(h textproto.MIMEHeader, cs string, body io.Reader) (string, error) {
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, &base64Cleaner{r: body})
	}
	cs = strings.ToLower(strings.TrimSpace(cs))
	if cs != "" && cs != "utf-8" && cs != "us-ascii" && cs != "utf8" {
		dec, err := charset.NewReaderLabel(cs, body)
		if err != nil {
			return "", fmt.Errorf("mime: text part: %w", err)
		}
		body = dec
	}
	b, err := io.ReadAll(io.LimitReader(body, w.opts.MaxMessageBytes+1))
	if err != nil {
		return "", fmt.Errorf("mime: text part: %w", wrapPartErr(err))
	}
	if int64(len(b)) > w.opts.MaxMessageBytes {
		return "", fmt.Errorf("mime: text part larger than %d bytes", w.opts.MaxMessageBytes)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n"), nil
}

func wrapPartErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("part ends before its closing boundary (broken MIME boundary?): %w", err)
	}
	return err
}

// base64Cleaner drops the bytes that are not base64 (spaces, stray
// characters some mailers add), which base64.NewDecoder would reject.
type base64Cleaner struct{ r io.Reader }

func (c *base64Cleaner) Read(p []byte) (int, error) {
	for {
		n, err := c.r.Read(p)
		k := 0
		for _, b := range p[:n] {
			if b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '+' || b == '/' || b == '=' {
				p[k] = b
				k++
			}
		}
		if k > 0 || err != nil || n == 0 {
			return k, err
		}
	}
}

// stripQuoted removes quoted lines and the attribution line above them.
func stripQuoted(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for i := 0; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if strings.HasPrefix(t, ">") {
			continue
		}
		if strings.HasPrefix(t, "On ") {
			// The attribution may wrap onto the next line.
			if strings.HasSuffix(t, "wrote:") {
				continue
			}
			if i+1 < len(lines) && strings.HasSuffix(strings.TrimSpace(lines[i+1]), "wrote:") {
				i++
				continue
			}
		}
		out = append(out, lines[i])
	}
	var b bytes.Buffer
	blank := 0
	for _, l := range out {
		if strings.TrimSpace(l) == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		b.WriteString(strings.TrimRight(l, " \t"))
		b.WriteByte('\n')
	}
	return b.String()
}
