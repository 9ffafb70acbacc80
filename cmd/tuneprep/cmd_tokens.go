package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tuneprep/tuneprep/stages/formats"
	"github.com/tuneprep/tuneprep/stages/tokencount"
	"github.com/tuneprep/tuneprep/stages/tokenizer"
)

func tokensCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("tokens", "tokens [--encoding E | --model M] [--json | --jsonl | --dataset] [FILE|-]", stderr)
	enc := fs.String("encoding", "", "encoding: cl100k_base, o200k_base, p50k_base, r50k_base")
	model := fs.String("model", "gpt-4o-mini", "model whose encoding is used (when --encoding is not given)")
	asJSON := fs.Bool("json", false, `print {"tokens": N, "bytes": B, "encoding": E}`)
	asJSONL := fs.Bool("jsonl", false, `count the "text" field of each JSON line; print {"tokens": N} per line`)
	dataset := fs.Bool("dataset", false, "count each example of a fine-tuning file (any format tuneprep writes) by the chat formula; print one JSON object per example")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usageError{"tokens takes at most one file"}
	}
	modes := 0
	for _, b := range []bool{*asJSON, *asJSONL, *dataset} {
		if b {
			modes++
		}
	}
	if modes > 1 {
		return usageError{"--json, --jsonl and --dataset exclude each other"}
	}
	tok, err := pickTokenizer(*enc, *model)
	if err != nil {
		return err
	}
	in, closeIn, err := openInput(fs.Arg(0))
	if err != nil {
		return err
	}
	defer closeIn()
	w := bufio.NewWriter(stdout)
	switch {
	case *asJSONL:
		err = countTexts(in, w, tok)
	case *dataset:
		err = countDataset(ctx, in, w, tok)
	default:
		err = countText(in, w, tok, *asJSON)
	}
	return flushOutput(w, err)
}

// countText counts the whole input: the count, or with asJSON the count,
// the bytes and the encoding.
func countText(in io.Reader, w io.Writer, tok *tokenizer.Tokenizer, asJSON bool) error {
	text, err := readString(in)
	if err != nil {
		return err
	}
	n := tok.Count(text)
	if asJSON {
		return writeJSONLine(w, struct {
			Tokens   int    `json:"tokens"`
			Bytes    int    `json:"bytes"`
			Encoding string `json:"encoding"`
		}{n, len(text), tok.Name()})
	}
	_, err = fmt.Fprintln(w, n)
	return err
}

// readString reads all of in into one string: into a buffer of the file's
// size when in is a regular file, without growing it or copying the text
// once more into a string.
func readString(in io.Reader) (string, error) {
	var b strings.Builder
	if f, ok := in.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			b.Grow(int(st.Size()) + 1)
		}
	}
	_, err := io.Copy(&b, in)
	return b.String(), err
}

// countTexts counts the "text" field of each JSON line.
func countTexts(in io.Reader, w io.Writer, tok *tokenizer.Tokenizer) error {
	return eachLine(in, w, func(line int, rec []byte) error {
		var obj struct {
			Text *string `json:"text"`
		}
		if json.Unmarshal(rec, &obj) != nil || obj.Text == nil {
			return badLine(line, "not a JSON object with a string \"text\" field")
		}
		return writeJSONLine(w, struct {
			Tokens int `json:"tokens"`
		}{tok.Count(*obj.Text)})
	})
}

func pickTokenizer(enc, model string) (*tokenizer.Tokenizer, error) {
	var t *tokenizer.Tokenizer
	var err error
	if enc != "" {
		t, err = tokenizer.Get(enc)
	} else {
		t, err = tokenizer.ForModel(model)
	}
	if err != nil {
		return nil, usageError{err.Error()}
	}
	return t, nil
}

// exampleTokens is one line of `tuneprep tokens --dataset`.
type exampleTokens struct {
	Line      int    `json:"line"`
	Format    string `json:"format"`
	Tokens    int    `json:"tokens"`
	Trained   int    `json:"trained"`
	System    int    `json:"system"`
	User      int    `json:"user"`
	Assistant int    `json:"assistant"`
}

func countDataset(ctx context.Context, in io.Reader, w io.Writer, tok *tokenizer.Tokenizer) error {
	return eachLine(in, w, func(line int, rec []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		name, ok := formats.Detect(rec)
		if !ok {
			return badLine(line, "not a record of a known fine-tuning format")
		}
		f, _ := formats.Lookup(name)
		ex, err := f.Parse(rec)
		if err != nil {
			return badLine(line, "%v", err)
		}
		tc := tokencount.Count(tok, ex)
		return writeJSONLine(w, exampleTokens{line, name, tc.Total, tc.Trained, tc.System, tc.User, tc.Assistant})
	})
}
