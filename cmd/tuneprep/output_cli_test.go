package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// failWriter fails every write, like stdout redirected to /dev/full.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestCLIWriteFailureExits1: a command whose output cannot be written
// fails (exit 1) and says so, whatever it was printing.
func TestCLIWriteFailureExits1(t *testing.T) {
	dir := t.TempDir()
	txt := filepath.Join(dir, "a.txt")
	os.WriteFile(txt, []byte("mail maria.lopez@example.org"), 0o644)
	jl := filepath.Join(dir, "a.jsonl")
	os.WriteFile(jl, []byte("{\"text\":\"hello world\"}\n"), 0o644)
	chat := filepath.Join(dir, "chat.jsonl")
	os.WriteFile(chat, []byte(strings.Repeat(goodChat+"\n", 10)), 0o644)
	for _, args := range [][]string{
		{"validate", chat},
		{"validate", chat, "--json"},
		{"tokens", txt},
		{"tokens", "--json", txt},
		{"tokens", "--jsonl", jl},
		{"tokens", "--dataset", chat},
		{"redact", txt},
		{"redact", "--json", txt},
		{"redact", "--jsonl", jl},
	} {
		var stderr bytes.Buffer
		code := dispatch(context.Background(), args, failWriter{}, &stderr)
		if code != exitFailed || !strings.Contains(stderr.String(), "no space left on device") {
			t.Errorf("%v: exit %d, stderr %q; want exit 1 naming the write error", args, code, stderr.String())
		}
	}
}
