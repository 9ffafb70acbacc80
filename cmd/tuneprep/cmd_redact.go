package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

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
	asJSONL := fs.Bool("jsonl", false, `read one JSON object per line with a "text" field; write it back with "redacted" and "spans" added`)
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
		return flushOutput(w, r.jsonl(ctx, in, w))
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

// jsonl adds "redacted" and "spans" to every object, keeping its other keys
// as they were. A line that is not an object with a string "text" is an
// error naming the line.
func (r *textRedactor) jsonl(ctx context.Context, in io.Reader, w *bufio.Writer) error {
	return eachRecord(in, func(line int, b []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		var obj struct {
			Text *string `json:"text"`
		}
		if err := json.Unmarshal(b, &obj); err != nil || b[0] != '{' {
			return fmt.Errorf("line %d: not a JSON object", line)
		}
		if obj.Text == nil {
			return fmt.Errorf("line %d: no string \"text\" field", line)
		}
		res, spans := r.redact(*obj.Text)
		extra, err := json.Marshal(struct {
			Redacted string    `json:"redacted"`
			Spans    []spanOut `json:"spans"`
		}{res, spans})
		if err != nil {
			return err
		}
		body := bytes.TrimSpace(b[:len(b)-1]) // the object without its closing brace
		w.Write(body)
		if len(body) > 1 {
			w.WriteByte(',')
		}
		w.Write(extra[1:])
		return w.WriteByte('\n')
	})
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
