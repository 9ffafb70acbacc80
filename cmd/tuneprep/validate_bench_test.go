package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/stages/testcorpora"
)

// benchChatFile is an OpenAI chat file of n examples made from the Bitext
// support corpus: a system prompt in every third, a second exchange with a
// weight in every seventh, as in the files `validate` meets.
func benchChatFile(b *testing.B, n int) []byte {
	b.Helper()
	rows := testcorpora.CSV(b, "support/bitext_customer_support.csv")
	rows = rows[1:] // header: ..., instruction (2), ..., response (10)
	type msg struct {
		Role    string `json:"role"`
		Content string `json:"content"`
		Weight  *int   `json:"weight,omitempty"`
	}
	one := 1
	var buf bytes.Buffer
	for k := range n {
		r := rows[k%len(rows)]
		var msgs []msg
		if k%3 == 0 {
			msgs = append(msgs, msg{Role: "system", Content: "You are a helpful customer-support agent. Be concise."})
		}
		msgs = append(msgs, msg{Role: "user", Content: r[2]}, msg{Role: "assistant", Content: strings.ReplaceAll(r[10], "\r\n", "\n")})
		if k%7 == 0 {
			msgs = append(msgs, msg{Role: "user", Content: fmt.Sprintf("Thanks! And what about order %d?", k)},
				msg{Role: "assistant", Content: fmt.Sprintf("Order %d is on its way.", k), Weight: &one})
		}
		line, err := json.Marshal(struct {
			Messages []msg `json:"messages"`
		}{msgs})
		if err != nil {
			b.Fatal(err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}

// BenchmarkValidate validates a 20,000-example chat file (about 20 MB) with
// token counts: MB/s of the file.
func BenchmarkValidate(b *testing.B) {
	data := benchChatFile(b, 20000)
	tg, err := resolveTarget("gpt-4o-mini", "")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		v, err := validate(context.Background(), bytes.NewReader(data), "auto", tg)
		if err != nil || !v.Valid {
			b.Fatalf("valid %v, err %v", v != nil && v.Valid, err)
		}
	}
}

// BenchmarkTokensDataset is `tuneprep tokens --dataset` on the same file.
func BenchmarkTokensDataset(b *testing.B) {
	data := benchChatFile(b, 20000)
	tok, err := pickTokenizer("", "gpt-4o-mini")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := countDataset(context.Background(), bytes.NewReader(data), io.Discard, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCountText is `tuneprep tokens FILE` on the 64 CUAD contracts
// written to one file (3.4 MB): reading the file and counting.
func BenchmarkCountText(b *testing.B) {
	paths, err := filepath.Glob(filepath.Join(testcorpora.Path(b, "legal/contracts"), "*.txt"))
	if err != nil || len(paths) == 0 {
		b.Fatalf("no contracts: %v", err)
	}
	var all []byte
	for _, p := range paths {
		t, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, t...)
	}
	file := filepath.Join(b.TempDir(), "contracts.txt")
	if err := os.WriteFile(file, all, 0o644); err != nil {
		b.Fatal(err)
	}
	tok, err := pickTokenizer("", "gpt-4o-mini")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(all)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(file)
		if err != nil {
			b.Fatal(err)
		}
		err = countText(f, io.Discard, tok, true)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
}
