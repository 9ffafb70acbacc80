package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/tuneprep/tuneprep/stages/pii"
	"github.com/tuneprep/tuneprep/stages/redact"
)

// spanOut is a finding in `tuneprep redact --json`: byte offsets into the input.
type spanOut struct {
	Start    int     `json:"start"`
	End      int     `json:"end"`
	Type     string  `json:"type"`
	Detector string  `json:"detector"`
	Score    float64 `json:"score"`
}

func redactCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("redact", "redact [flags] [FILE|-]", stderr)
	config := fs.String("config", "", "config file whose redact section is used (default: built-in defaults)")
	mode := fs.String("mode", "", "tag, indexed, pseudonym, mask or drop (overrides redact.mode)")
	asJSON := fs.Bool("json", false, `print {"redacted": ..., "spans": [...]} (byte offsets into the input)`)
	asJSONL := fs.Bool("jsonl", false, `read one JSON object per line; write it back with every string redacted in place and "spans" added (each naming its field)`)
	keepOriginal := fs.Bool("keep-original", false, `with --jsonl: add "original", each changed field's value as read (the values redaction removed)`)
	persons := fs.Bool("person-names", false, "also detect person names (rule-based)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usageError{"redact takes at most one file"}
	}
	if *asJSON && *asJSONL {
		return usageError{"--json and --jsonl exclude each other"}
	}
	if *keepOriginal && !*asJSONL {
		return usageError{"--keep-original goes with --jsonl"}
	}
	cfg := defaultConfig()
	if *config != "" {
		if err := loadConfigFile(*config, &cfg); err != nil {
			return err
		}
	}
	if err := applyEnv(&cfg, os.LookupEnv); err != nil {
		return err
	}
	rc := cfg.Redact
	if *mode != "" {
		rc.Mode = *mode
	}
	if *persons {
		rc.Detectors.PersonNames = true
	}
	r, err := newTextRedactor(rc)
	if err != nil {
		return configError{fmt.Errorf("redact: %w", err)}
	}
	in, closeIn, err := openInput(fs.Arg(0))
	if err != nil {
		return err
	}
	defer closeIn()
	w := bufio.NewWriter(stdout)
	if *asJSONL {
		return flushOutput(w, r.jsonl(ctx, in, w, *keepOriginal))
	}
	return flushOutput(w, r.text(in, w, *asJSON))
}

// textRedactor redacts free text with the redact stage's detectors and mode.
type textRedactor struct {
	stage *redact.Stage
}

func newTextRedactor(rc redact.Config) (*textRedactor, error) {
	st, err := redact.New(rc, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	return &textRedactor{stage: st}, nil
}

func (r *textRedactor) redact(text string) (string, []spanOut) {
	res, spans := r.stage.RedactText(text)
	out := make([]spanOut, len(spans))
	for i, sp := range spans {
		out[i] = spanOut{sp.Start, sp.End, sp.Type, sp.Detector, sp.Score}
	}
	if res.Drop {
		return "", out
	}
	return res.Text, out
}

// text redacts the whole input: the redacted text, or with asJSON the
// text and its spans.
func (r *textRedactor) text(in io.Reader, w io.Writer, asJSON bool) error {
	text, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	res, spans := r.redact(string(text))
	if !asJSON {
		_, err := io.WriteString(w, res)
		return err
	}
	return writeJSONLine(w, struct {
		Redacted string    `json:"redacted"`
		Spans    []spanOut `json:"spans"`
	}{res, spans})
}

// jsonl redacts every string of every object in place, keys in their
// order and other values as they were, and adds "spans" (each naming its
// field by path, e.g. messages[1].content, with byte offsets into the
// original value). With keepOriginal, "original" maps each changed path to
// its value as read; without it nothing removed is written. In drop mode a
// line with findings becomes {"line": N, "dropped": "contains-pii", "types":
// [...]}. A line that is not a JSON object becomes an error record (see
// eachLine).
func (r *textRedactor) jsonl(ctx context.Context, in io.Reader, w *bufio.Writer, keepOriginal bool) error {
	var out bytes.Buffer
	return eachLine(in, w, func(line int, b []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(b) == 0 || b[0] != '{' || !json.Valid(b) {
			return badLine(line, "not a JSON object")
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		rec := &jsonRecord{r: r, out: &out, ix: &pii.Indexes{}, spans: []fieldSpan{}}
		out.Reset()
		if err := rec.value(dec, ""); err != nil {
			return badLine(line, "%v", err)
		}
		if r.stage.Drops() && len(rec.spans) > 0 {
			types := map[string]bool{}
			for _, sp := range rec.spans {
				types[sp.Type] = true
			}
			return writeJSONLine(w, struct {
				Line    int      `json:"line"`
				Dropped string   `json:"dropped"`
				Types   []string `json:"types"`
			}{line, "contains-pii", slices.Sorted(maps.Keys(types))})
		}
		body := out.Bytes()
		w.Write(body[:len(body)-1]) // the object without its closing brace
		sep := func() {
			if len(body) > 2 {
				w.WriteByte(',')
			}
		}
		sep()
		spans, err := json.Marshal(rec.spans)
		if err != nil {
			return err
		}
		w.WriteString(`"spans":`)
		w.Write(spans)
		if keepOriginal {
			w.WriteString(`,"original":{`)
			for i, o := range rec.originals {
				if i > 0 {
					w.WriteByte(',')
				}
				k, _ := json.Marshal(o[0])
				v, _ := json.Marshal(o[1])
				w.Write(k)
				w.WriteByte(':')
				w.Write(v)
			}
			w.WriteByte('}')
		}
		w.WriteByte('}')
		return w.WriteByte('\n')
	})
}

// fieldSpan is a finding of redact --jsonl: the field's path and byte
// offsets into its original value.
type fieldSpan struct {
	Field string `json:"field"`
	spanOut
}

// jsonRecord re-encodes one JSON line token by token, redacting strings.
type jsonRecord struct {
	r         *textRedactor
	out       *bytes.Buffer
	ix        *pii.Indexes
	spans     []fieldSpan
	originals [][2]string   // path, value as read
	enc       *json.Encoder // writes strings to out
}

// value copies the next JSON value at path to out, redacted.
func (j *jsonRecord) value(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			j.out.WriteByte('{')
			first := true
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				key := kt.(string)
				sub := key
				if path != "" {
					sub = path + "." + key
				}
				if path == "" && j.r.stage.DropsField(key) {
					if err := skipValue(dec); err != nil {
						return err
					}
					continue
				}
				if !first {
					j.out.WriteByte(',')
				}
				first = false
				j.str(key)
				j.out.WriteByte(':')
				if err := j.value(dec, sub); err != nil {
					return err
				}
			}
			j.out.WriteByte('}')
		case '[':
			j.out.WriteByte('[')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					j.out.WriteByte(',')
				}
				if err := j.value(dec, fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
			j.out.WriteByte(']')
		}
		_, err := dec.Token() // the closing delimiter
		return err
	case string:
		red, spans := j.r.stage.Value(j.ix, topField(path), t)
		for _, sp := range spans {
			j.spans = append(j.spans, fieldSpan{path, spanOut{sp.Start, sp.End, sp.Type, sp.Detector, sp.Score}})
		}
		if red != t {
			j.originals = append(j.originals, [2]string{path, t})
		}
		j.str(red)
	case json.Number:
		j.out.WriteString(t.String())
	case bool:
		j.out.WriteString(strconv.FormatBool(t))
	case nil:
		j.out.WriteString("null")
	}
	return nil
}

// topField is the top-level key of a path: field policies match it.
func topField(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

// skipValue reads past the next JSON value.
func skipValue(dec *json.Decoder) error {
	var v json.RawMessage
	return dec.Decode(&v)
}

// str writes s to out as a JSON string, without HTML escaping.
func (j *jsonRecord) str(s string) {
	if j.enc == nil {
		j.enc = json.NewEncoder(j.out)
		j.enc.SetEscapeHTML(false)
	}
	j.enc.Encode(s)
	j.out.Truncate(j.out.Len() - 1) // Encode's newline
}

// flushOutput flushes w and returns err, or else the error of a write
// that did not reach the output (stdout on a full disk, a closed pipe): a
// bufio.Writer keeps it, and output that was lost is a failure.
func flushOutput(w *bufio.Writer, err error) error {
	if ferr := w.Flush(); ferr != nil && err == nil {
		return fmt.Errorf("write output: %w", ferr)
	}
	return err
}

func writeJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// openInput opens a file, or stdin for "" and "-".
func openInput(name string) (io.Reader, func(), error) {
	if name == "" || name == "-" {
		return os.Stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}
