package schemas

import (
	"encoding/json"
	"strings"
	"testing"
)

// An input file reads in run.json as a FileEntry did (path, bytes, the
// digest in hex, no record count), and reads back to itself.
func TestInputFileJSON(t *testing.T) {
	f := InputFile{Path: "notes/a \"b\".txt", Bytes: 42}
	for i := range f.SHA256 {
		f.SHA256[i] = byte(i * 7)
	}
	got, err := json.MarshalIndent(f, "    ", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.MarshalIndent(FileEntry{Path: f.Path, Bytes: 42, SHA256: "00070e151c232a31383f464d545b626970777e858c939aa1a8afb6bdc4cbd2d9"}, "    ", "  ")
	if string(got) != string(want) {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	var back InputFile
	if err := json.Unmarshal(got, &back); err != nil || back != f {
		t.Fatalf("read back %+v, %v; want %+v", back, err, f)
	}
	bad := strings.Replace(string(got), "00070e", "zz070e", 1)
	if err := json.Unmarshal([]byte(bad), &back); err == nil {
		t.Fatal("a digest that is not hex was read")
	}
}
