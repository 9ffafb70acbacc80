package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"

	"github.com/tuneprep/tuneprep/schemas"
)

// Hostile input: every class of it is a reject (or, in the config, a config
// error) with a reason, in bounded memory, and the run goes on with the
// other files. The inputs are made at test time: a bomb is a few megabytes
// on disk. The hostile runs are of the real binary, whose peak memory is
// checked; they are skipped with -short (the race detector's run), and
// TUNEPREP_LONG=1 adds longer trials.

// maxHostileRSS is the acceptance bound on a hostile run's peak memory.
const maxHostileRSS = 1 << 30

// tuneprepRun is a finished run of the binary.
type tuneprepRun struct {
	code           int
	stdout, stderr string
	rss            int64 // peak resident set, bytes
}

// rssFDEnv makes this test binary a launcher: it runs itself as tuneprep
// with its arguments, waits, writes the child's peak resident set (bytes)
// to file descriptor 3 and exits with the child's code. The peak that
// getrusage reports for a child counts the memory of the process that
// started it, up to its exec (Go starts children with vfork): a test
// process that made large inputs would be measured with them. The launcher
// is small, so what it measures is tuneprep's own.
const rssFDEnv = "TUNEPREP_TEST_RSS_FD"

func init() {
	if os.Getenv(rssFDEnv) != "3" || os.Getenv("TUNEPREP_TEST_MAIN") == "1" {
		return
	}
	report := os.NewFile(3, "rss")
	syscall.CloseOnExec(3)
	cmd := exec.Command(os.Args[0], os.Args[1:]...)
	cmd.Env = append(os.Environ(), "TUNEPREP_TEST_MAIN=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		fmt.Fprintln(os.Stderr, "launcher:", err)
		os.Exit(97)
	}
	fmt.Fprint(report, peakRSS(cmd.ProcessState))
	code := cmd.ProcessState.ExitCode()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		code = 128 + int(ws.Signal())
	}
	os.Exit(code)
}

// runTuneprep runs bin (this test binary) as tuneprep with args, env
// (NAME=value) added to ours, as cred's user when it is not nil, through
// the launcher, and returns how it ended and its peak memory.
func runTuneprep(t *testing.T, bin string, cred *syscall.Credential, env []string, args ...string) tuneprepRun {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), rssFDEnv+"=3"), env...)
	cmd.ExtraFiles = []*os.File{w}
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Start()
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	rss, _ := io.ReadAll(r)
	if err := cmd.Wait(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatal(err)
		}
	}
	run := tuneprepRun{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
	if run.rss, err = strconv.ParseInt(string(rss), 10, 64); err != nil {
		t.Fatalf("the launcher told no peak memory (exit %d): %s", run.code, stderr.String())
	}
	return run
}

// checkRSS fails when a hostile run's peak memory passed the bound.
func checkRSS(t *testing.T, what string, r tuneprepRun) {
	t.Helper()
	t.Logf("%s: peak RSS %d MiB", what, r.rss>>20)
	if r.rss > maxHostileRSS {
		t.Errorf("%s: peak RSS %d MiB, over %d MiB", what, r.rss>>20, maxHostileRSS>>20)
	}
}

func hostileWrite(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// repeatedMembers is n copies of one member of size bytes of b, compressed
// by the writer compress returns: gzip members and Zstandard frames may
// follow one another in a file.
func repeatedMembers(compress func(io.Writer) io.WriteCloser, b byte, size, n int) []byte {
	var one bytes.Buffer
	w := compress(&one)
	w.Write(bytes.Repeat([]byte{b}, size))
	w.Close()
	return bytes.Repeat(one.Bytes(), n)
}

func gzipBest(w io.Writer) io.WriteCloser {
	z, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
	return z
}

func zstdBest(w io.Writer) io.WriteCloser {
	z, _ := zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedBestCompression))
	return z
}

// docxPart is one entry of a test .docx: its content, or raw deflated
// bytes with the uncompressed size its header declares.
type docxPart struct {
	name     string
	data     []byte
	raw      bool
	declared uint64
}

func docxFile(t *testing.T, parts ...docxPart) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, p := range parts {
		var err error
		if p.raw {
			var w interface{ Write([]byte) (int, error) }
			w, err = z.CreateRaw(&zip.FileHeader{Name: p.name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(nil),
				CompressedSize64: uint64(len(p.data)), UncompressedSize64: p.declared})
			if err == nil {
				_, err = w.Write(p.data)
			}
		} else {
			w, cerr := z.Create(p.name)
			if err = cerr; err == nil {
				_, err = w.Write(p.data)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const wordDoc = `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>`

// hostileWords make the good records: different enough from one another
// that none is a near duplicate of another.
var hostileWords = strings.Fields(`tent rain wind hill boots stove lantern map compass river bridge valley
ridge summit forest meadow lake shore cabin fire smoke ash frost snow ice storm cloud thunder sun dawn dusk
night star moon path trail stone rock cliff cave spring autumn winter summer leaf branch root seed flower`)

// variedWords returns a function that makes k words at random, seeded.
func variedWords(seed uint64) func(k int) string {
	rng := rand.New(rand.NewPCG(seed, 7))
	return func(k int) string {
		w := make([]string, k)
		for i := range w {
			w[i] = hostileWords[rng.IntN(len(hostileWords))]
		}
		return strings.Join(w, " ")
	}
}

// goodRecords writes n distinct completion records to p, each marked with
// tag and its number.
func goodRecords(t *testing.T, p, tag string, n int) {
	t.Helper()
	words := variedWords(uint64(len(p) + n))
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"prompt":"Question %s-%d: what do %s tell us about the walk?","completion":" Answer %s-%d: %s."}`+"\n",
			tag, i, words(12), tag, i, words(14))
	}
	hostileWrite(t, p, []byte(b.String()))
}

// hostileInput writes the combined hostile directory and returns the reason
// of the reject each hostile file must give (path -> reason, line).
func hostileInput(t *testing.T, dir string, long bool) map[string]string {
	t.Helper()
	w := func(name string, data []byte) { hostileWrite(t, filepath.Join(dir, name), data) }
	// 10 GiB of zeros in 4 MiB members: about 10 MB gzipped, 1 MB in zstd.
	w("bomb.jsonl.gz", repeatedMembers(gzipBest, 0, 4<<20, 2560))
	w("bomb.txt.zst", repeatedMembers(zstdBest, 'a', 4<<20, 2560))
	zeros := func(n int) []byte {
		var b bytes.Buffer
		fw, _ := flate.NewWriter(&b, flate.BestCompression)
		fw.Write(make([]byte, n))
		fw.Close()
		return b.Bytes()
	}(8 << 20)
	w("bomb-declared.docx", docxFile(t, docxPart{name: "word/document.xml", raw: true, data: zeros, declared: 10 << 30}))
	w("bomb-ratio.docx", docxFile(t, docxPart{name: "word/document.xml", raw: true, data: zeros, declared: 8 << 20}))
	w("bomb-lying.docx", docxFile(t, docxPart{name: "word/document.xml", raw: true, data: zeros, declared: 1000}))
	w("bomb-deep.docx", docxFile(t, docxPart{name: "word/document.xml", data: []byte(wordDoc + strings.Repeat("<w:p>", 200000))}))
	// A 64 MB line, then a good one.
	line := append([]byte(`{"prompt":"`), bytes.Repeat([]byte("a"), 64<<20)...)
	w("longline.jsonl", append(line, "\"}\n{\"prompt\":\"After the long line: is the next record still read?\",\"completion\":\" Yes, it is read.\"}\n"...))
	deep := strings.Repeat("[", 200000) + strings.Repeat("]", 200000)
	w("deep.jsonl", []byte(deep+"\n"+`{"prompt":"After the deep line: is the next record read as well?","completion":" Yes, it is read too."}`+"\n"))
	w("deep.json", []byte(`{"a":`+deep+`}`))
	var wide strings.Builder
	for i := range 200000 {
		fmt.Fprintf(&wide, "c%d,", i)
	}
	wideHeader := strings.TrimSuffix(wide.String(), ",") + "\n"
	w("wide.csv", []byte(wideHeader+strings.Repeat(strings.Repeat("x,", 199999)+"x\n", 2)))
	w("nul.txt", []byte("A text with a NUL\x00byte in it."))
	w("nul.jsonl", []byte("{\"prompt\":\"a NUL \x00 inside\",\"completion\":\" no\"}\n"))
	u16 := []byte{0xFF, 0xFE}
	for _, r := range utf16.Encode([]rune("A text written in UTF-16, as some editors save it.")) {
		u16 = binary.LittleEndian.AppendUint16(u16, r)
	}
	w("utf16.txt", u16)
	w("overlong.txt", []byte("An overlong slash \xC0\xAF and a surrogate \xED\xA0\x80 are not UTF-8."))
	w("overlong.jsonl", []byte("{\"prompt\":\"overlong \xC0\xAF here\",\"completion\":\" no\"}\n"))
	w("truncated.jsonl", []byte(`{"prompt":"A whole record before the cut, about the weather on the hill.","completion":" It rained."}`+"\n"+`{"prompt":"cut in the mid`))
	// Good files: BOMs and mixed line endings, and a file name no one should
	// write.
	goodRecords(t, filepath.Join(dir, "good.jsonl"), "good", 40)
	w("bom-mixed.jsonl", []byte("\xEF\xBB\xBF"+`{"prompt":"Marker bom-jsonl-1: does a byte-order mark break the first record?","completion":" No, it is skipped."}`+"\r\n"+
		`{"prompt":"Marker bom-jsonl-2: and a line that ends with a bare line feed after a CRLF one?","completion":" It is read."}`+"\n"))
	w("bom-mixed.csv", []byte("\xEF\xBB\xBFprompt,completion\r\nMarker bom-csv-1: is the header's first name still prompt with a byte-order mark?, Yes it is.\nMarker bom-csv-2: and rows that end in LF after CRLF?, They are read.\r\n"))
	w("mixed-endings.txt", []byte("Marker mixed-text: a text whose lines end\r\nin CRLF,\nin LF\rand in CR, all of them read as one document about tents and rain.\r\n"))
	w("new\nline \"quoted\" <i>\xff.txt", []byte("Marker hostile-name: a good text whose file name has a newline, quotes, a tag and a byte that is not UTF-8."))
	w("evil\n<b>name</b> \"q\" \xfe.jsonl", []byte("{not json}\n"))
	w("x\ny \xff.xyz", []byte("unsupported"))
	for link, target := range map[string]string{"loop/sub/up": "..", "loop/self.txt": "self.txt", "loop/esc\nape\xff.txt": "/etc/hostname"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, link)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{
		"bomb.jsonl.gz:1": "decompressed-too-large", "bomb.txt.zst:0": "decompressed-too-large",
		"bomb-declared.docx:0": "decompressed-too-large", "bomb-ratio.docx:0": "decompressed-too-large",
		"bomb-lying.docx:0": "malformed-docx", "bomb-deep.docx:0": "malformed-docx",
		"longline.jsonl:1": "record-too-large", "deep.jsonl:1": "malformed-json", "deep.json:0": "malformed-json",
		"nul.txt:0": "binary-file", "nul.jsonl:1": "malformed-json", "utf16.txt:0": "binary-file",
		"overlong.txt:0": "invalid-utf8", "overlong.jsonl:1": "invalid-utf8", "truncated.jsonl:2": "truncated-json",
		"evil\n<b>name</b> \"q\" \xfe.jsonl:1": "malformed-json", "wide.csv:0": "too-many-fields",
	}
	if long { // by size, not ratio; large lines in every line-based format
		w("longline.txt", bytes.Repeat([]byte("b"), 64<<20))
		w("longline.csv", append([]byte("prompt,completion\n"), append(bytes.Repeat([]byte("c"), 64<<20), ",x\nshort row after the long one,ok\n"...)...))
		w("wide-long.csv", []byte(wideHeader+strings.Repeat(strings.Repeat("y,", 199999)+"y\n", 50)))
		want["longline.txt:0"] = "record-too-large"
		want["longline.csv:1"] = "record-too-large"
		want["wide-long.csv:0"] = "too-many-fields"
	}
	return want
}

// TestHostileInputs runs the binary over one directory holding every class
// of hostile input next to good files: exit 0 (the rejects are records of
// the run, not failures), each hostile file rejected with its reason, the
// good files emitted, every output file valid (JSON, UTF-8), the totals
// balanced, and the peak memory under 1 GiB.
func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads some 100 MB of hostile input")
	}
	in := t.TempDir()
	want := hostileInput(t, in, longMode())
	type hostileRun struct {
		name    string
		env     []string
		changed map[string]string // reasons that differ from want
	}
	runs := []hostileRun{{name: "defaults"}}
	if longMode() {
		// No ratio limit: the bomb of one endless line is stopped by
		// max_file_bytes (4 GiB), the text one by max_record_bytes, and the
		// .docx whose ratio gave it away inflates, to zeros that are not XML.
		runs = append(runs, hostileRun{"by size", []string{"TUNEPREP_INPUT_MAX_COMPRESSION_RATIO=1000000000"},
			map[string]string{"bomb.txt.zst:0": "record-too-large", "bomb-ratio.docx:0": "malformed-docx"}})
	}
	for _, run := range runs {
		t.Run(run.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			r := runTuneprep(t, os.Args[0], nil, run.env, "run", "--quiet", "--in", in, "--out", out, "--workers", "2")
			if r.code != exitOK {
				t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
			}
			checkRSS(t, "hostile run ("+run.name+")", r)
			checkBalance(t, out)
			got := map[string]string{}
			for _, rj := range readLines[schemas.RejectedRecord](t, filepath.Join(out, "rejects.jsonl")) {
				got[fmt.Sprintf("%s:%d", rj.Source.Path, rj.Source.Line)] = rj.Reason
			}
			for where, reason := range want {
				if r, ok := run.changed[where]; ok {
					reason = r
				}
				where = strings.ToValidUTF8(where, "\uFFFD") // as JSON writes it
				if got[where] != reason {
					t.Errorf("%q: reject %q, want %q", where, got[where], reason)
				}
			}
			if len(got) != len(want) {
				t.Errorf("%d rejects, want %d: %v", len(got), len(want), got)
			}
			texts := outputText(t, out)
			for _, marker := range []string{"good-0", "good-39", "bom-jsonl-1", "bom-jsonl-2", "bom-csv-1", "bom-csv-2", "mixed-text",
				"hostile-name", "After the long line", "After the deep line", "A whole record before the cut"} {
				if !strings.Contains(texts, marker) {
					t.Errorf("no training example holds %q", marker)
				}
			}
			checkOutputsValid(t, out)
			var ingest struct {
				Stats struct {
					Skipped map[string]int64 `json:"skipped_files"`
				} `json:"stats"`
			}
			b, _ := os.ReadFile(filepath.Join(out, "reports", "01-ingest.json"))
			json.Unmarshal(b, &ingest)
			if sk := ingest.Stats.Skipped; sk["symlink-not-file"] != 1 || sk["symlink-loop"] != 1 || sk["symlink-outside-root"] != 1 || sk["unsupported-format"] != 1 {
				t.Errorf("skipped files %v", sk)
			}
		})
	}
}

// outputText is the text of every training file of a run.
func outputText(t *testing.T, out string) string {
	t.Helper()
	var b strings.Builder
	files, _ := filepath.Glob(filepath.Join(out, "finetune", "*", "*.jsonl"))
	top, _ := filepath.Glob(filepath.Join(out, "finetune", "*.jsonl"))
	for _, p := range append(files, top...) {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

// checkOutputsValid checks that every JSON and JSONL file of a run is
// valid UTF-8 and valid JSON, and that report.html escapes the hostile
// names. Files of which that is not yet true are logged as known issues.
func checkOutputsValid(t *testing.T, out string) {
	t.Helper()
	err := filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		switch {
		case strings.HasSuffix(p, ".jsonl"):
			for i, l := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
				if len(l) > 0 && (!json.Valid(l) || !utf8.Valid(l)) {
					t.Errorf("%s:%d is not valid JSON in UTF-8: %.200q", rel, i+1, l)
				}
			}
		case strings.HasSuffix(p, ".json"):
			if !json.Valid(b) || !utf8.Valid(b) {
				t.Errorf("%s is not valid JSON in UTF-8", rel)
			}
		case strings.HasSuffix(p, ".html"), strings.HasSuffix(p, ".md"):
			if !utf8.Valid(b) {
				t.Errorf("%s holds a file name's bytes that are not UTF-8 as they are", rel)
			}
		}
		if strings.HasSuffix(p, ".html") && (bytes.Contains(b, []byte("<b>name</b>")) || !bytes.Contains(b, []byte("&lt;b&gt;name&lt;/b&gt;"))) {
			t.Errorf("%s does not escape a file name that holds HTML", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestHostileFileNames: names with newlines, quotes, HTML and bytes that
// are not UTF-8 are written safely: rejects.jsonl and the reports stay
// valid JSON, and every log line stays one line, in text and in JSON.
func TestHostileFileNames(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	in := t.TempDir()
	goodRecords(t, filepath.Join(in, "good.jsonl"), "good", 20)
	hostileWrite(t, filepath.Join(in, "evil\n<b>name</b> \"q\" \xfe.jsonl"), []byte("{not json}\n"))
	hostileWrite(t, filepath.Join(in, "new\nline \"quoted\" \xff.txt"), []byte("Marker hostile-name: a good text with a hostile file name."))
	hostileWrite(t, filepath.Join(in, "x\ny \xff.xyz"), []byte("unsupported"))
	if err := os.Symlink("/etc/hostname", filepath.Join(in, "esc\nape\xff.txt")); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			r := runTuneprep(t, os.Args[0], nil, nil, "run", "--log-format", format, "--in", in, "--out", out)
			if r.code != exitOK {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			var named int
			for _, l := range lines {
				switch {
				case format == "json" && !json.Valid([]byte(l)):
					t.Errorf("a log line is not one JSON object: %q", l)
				case format == "text" && !strings.HasPrefix(l, "time="):
					t.Errorf("a log line was broken in two: %q", l)
				}
				if strings.Contains(l, `x\ny`) || strings.Contains(l, `esc\nape`) {
					named++
				}
			}
			if named != 2 {
				t.Errorf("%d log lines name the unsupported file and the symlink, want 2:\n%s", named, r.stderr)
			}
			rejects := readLines[schemas.RejectedRecord](t, filepath.Join(out, "rejects.jsonl"))
			if len(rejects) != 1 || rejects[0].Source.Path != "evil\n<b>name</b> \"q\" \uFFFD.jsonl" {
				t.Errorf("rejects %+v", rejects)
			}
			if !strings.Contains(outputText(t, out), "hostile-name") {
				t.Error("the text with a hostile name is not in the training files")
			}
			checkOutputsValid(t, out)
		})
	}
}

// TestHostileConfig: YAML alias bombs ("billion laughs"), a config far too
// large, an endless one and one nested without end are config errors (exit
// 2) with a clear message, quickly and in little memory; so are templates
// that define or include templates (recursion) or use call.
func TestHostileConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	goodRecords(t, filepath.Join(in, "good.jsonl"), "good", 20)
	laughs := func(indent, first string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%sa0: &a0 [%s]\n", indent, strings.TrimSuffix(strings.Repeat(`"lol",`, 10), ","))
		for i := 1; i < 12; i++ {
			refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d,", i-1), 10), ",")
			fmt.Fprintf(&b, "%sa%d: &a%d [%s]\n", indent, i, i, refs)
		}
		return first + b.String()
	}
	huge := "input:\n  include:\n" + strings.Repeat("    - \"some/folder/**/*.jsonl\"  # a glob repeated until the file is large\n", 30000)
	cases := []struct {
		name, config string
		path         string // instead of a file with config
		want         string // in the error
		binary       bool   // run the binary too, for its peak memory
	}{
		{"billion laughs", laughs("", ""), "", "not found", true},
		{"billion laughs under a known key", "input:\n  include: &i0 [\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\"]\n" +
			"  exclude: &i1 [*i0,*i0,*i0,*i0,*i0,*i0,*i0,*i0,*i0,*i0]\n  text_fields: &i2 [*i1,*i1,*i1,*i1,*i1,*i1,*i1,*i1,*i1,*i1]\n" +
			"  label_fields: [*i2,*i2,*i2,*i2,*i2,*i2,*i2,*i2,*i2,*i2]\n", "", "cannot unmarshal", true},
		{"billion laughs in a template rule", "template:\n  rules:\n    - &r0 {kind: text, text: \"{{.prompt}}\", match: &m0 [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\"]}\n" +
			"    - {kind: text, text: \"x\", match: &m1 [*m0,*m0,*m0,*m0,*m0,*m0,*m0,*m0,*m0,*m0]}\n" +
			"    - {kind: text, text: \"x\", match: &m2 [*m1,*m1,*m1,*m1,*m1,*m1,*m1,*m1,*m1,*m1]}\n" +
			"    - {kind: text, text: \"x\", match: [*m2,*m2,*m2,*m2,*m2,*m2,*m2,*m2,*m2,*m2]}\n", "", "cannot unmarshal", false},
		{"too large", huge, "", "larger than 1048576 bytes", true},
		{"endless", "", "/dev/zero", "larger than 1048576 bytes", false},
		{"nested without end", "x: " + strings.Repeat("[", 100000), "", "max depth", false},
		{"unknown key", "input:\n  max_file_byte: 5\n", "", "max_file_byte", false},
		{"template defines a template", "template:\n  rules:\n    - kind: text\n      text: '{{define \"a\"}}{{template \"a\"}}{{end}}{{template \"a\"}}'\n", "", "recursion", false},
		{"template includes a template", "template:\n  rules:\n    - kind: text\n      text: '{{template \"x\" .}}'\n", "", "recursion", false},
		{"template calls call", "template:\n  rules:\n    - kind: text\n      text: '{{call .prompt}}'\n", "", "call function", false},
		{"template calls an unknown function", "template:\n  rules:\n    - kind: text\n      text: '{{exec .prompt}}'\n", "", "exec", false},
		{"ratio not positive", "input:\n  max_compression_ratio: -3\n", "", "max_compression_ratio", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := c.path
			if path == "" {
				path = filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".yaml")
				hostileWrite(t, path, []byte(c.config))
			}
			args := []string{"run", "--quiet", "--in", in, "--out", filepath.Join(dir, "out"), "--config", path}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			code, _, stderr := cli(t, args...)
			runtime.ReadMemStats(&after)
			if code != exitUsage || !strings.Contains(stderr, c.want) {
				t.Fatalf("exit %d, want %d with an error naming %q:\n%.2000s", code, exitUsage, c.want, stderr)
			}
			if lines := strings.Count(stderr, "\n"); lines > 20 {
				t.Errorf("a %d-line error:\n%.2000s", lines, stderr)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<20 {
				t.Errorf("%d MiB allocated to refuse the config", alloc>>20)
			}
			if c.binary {
				checkRSS(t, c.name, runTuneprep(t, os.Args[0], nil, nil, args...))
			}
		})
	}
}

// TestHostileTemplates: a template that references a field a record lacks
// drops the record (missing-field, naming the field, nested ones too);
// where the field is optional it renders empty, never "<no value>"; a
// template whose loops or formatting run away is stopped and the record
// dropped (template-limit); the other records are emitted.
func TestHostileTemplates(t *testing.T) {
	in := t.TempDir()
	goodRecords(t, filepath.Join(in, "good", "a.jsonl"), "good", 30)
	goodRecords(t, filepath.Join(in, "typo", "a.jsonl"), "typo", 5)
	var nested, loop strings.Builder
	words := variedWords(1)
	for i := range 10 {
		meta := fmt.Sprintf(`{"title":"Title %d","tags":["rain","wind"]}`, i)
		if i%2 == 1 {
			meta = `{"tags":["sun"]}`
		}
		fmt.Fprintf(&nested, `{"meta":%s,"text":"Body %d: %s."}`+"\n", meta, i, words(15))
	}
	rows := strings.TrimSuffix(strings.Repeat(`"r",`, 2000), ",")
	for i := range 3 {
		fmt.Fprintf(&loop, `{"rows":[%s],"text":"loop %d"}`+"\n", rows, i)
	}
	hostileWrite(t, filepath.Join(in, "nested", "a.jsonl"), []byte(nested.String()))
	hostileWrite(t, filepath.Join(in, "loop", "a.jsonl"), []byte(loop.String()))
	config := filepath.Join(t.TempDir(), "tuneprep.yaml")
	hostileWrite(t, config, []byte(`quality:
  enabled: false
template:
  rules:
    - match: ["typo/**"]
      kind: completion
      prompt: "{{.question}}"
      completion: "{{.answer}}"
    - match: ["nested/**"]
      kind: text
      text: "{{.meta.title}}: {{.text}}{{range .meta.tags}} #{{.}}{{end}}{{if .meta.author}} by {{.meta.author}}{{end}}"
    - match: ["loop/**"]
      kind: text
      text: "{{range .rows}}{{range $.rows}}{{range $.rows}}x{{end}}{{end}}{{end}}"
    - kind: auto
`))
	out := filepath.Join(t.TempDir(), "out")
	code, _, stderr := cli(t, "run", "--quiet", "--in", in, "--out", out, "--config", config)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	checkBalance(t, out)
	drops := map[string]int{}
	for _, d := range readLines[schemas.DroppedRecord](t, filepath.Join(out, "dropped.jsonl")) {
		folder, _, _ := strings.Cut(d.Source.Path, "/")
		drops[folder+" "+d.Reason]++
		if d.Reason == "missing-field" && folder == "nested" && !strings.Contains(d.Detail, `"meta.title"`) {
			t.Errorf("missing-field detail %q does not name meta.title", d.Detail)
		}
	}
	if drops["typo missing-field"] != 5 || drops["nested missing-field"] != 5 || drops["loop template-limit"] != 3 {
		t.Errorf("drops %v", drops)
	}
	texts := outputText(t, out)
	if strings.Contains(texts, "<no value>") || !strings.Contains(texts, "Title 0: Body 0:") || !strings.Contains(texts, "#rain #wind") || !strings.Contains(texts, "good-29") {
		t.Errorf("training files:\n%.3000s", texts)
	}
}
