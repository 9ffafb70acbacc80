//go:build ignore

// gen writes models.bin.gz from lingua-go's unigram, bigram and trigram
// models: go generate ./stages/langid (it reads the module from Go's module
// cache, so it runs where `go mod download` has fetched lingua-go).
//
// The file is gzip of:
//
//	"tuneprep-langid-1\n"
//	uvarint L, then per language: its ISO 639-1 code (2 bytes) and its
//	  scripts as a bit set (uvarint, bit i = script i of scriptNames)
//	uvarint K, then per n-gram, sorted by length and bytes: its byte
//	  length (1 byte), its UTF-8 bytes, uvarint C, then C times a
//	  language index (1 byte) and minus the natural log of its probability
//	  in that language times logScale, rounded (uint16, little-endian): an
//	  error under 0.00025 per n-gram, half the size of a float32
package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pemistahl/lingua-go"
	"github.com/pemistahl/lingua-go/serialization"
	"google.golang.org/protobuf/proto"
)

// scriptNames must match the order of the scripts in rules.go.
var scriptNames = []string{"Arabic", "Armenian", "Bengali", "Cyrillic", "Devanagari", "Georgian", "Greek", "Gujarati", "Gurmukhi", "Han", "Hangul", "Hebrew", "Hiragana", "Katakana", "Latin", "Tamil", "Telugu", "Thai"}

// oneScript are the languages lingua writes in scripts of their own.
var oneScript = map[string][]string{
	"hy": {"Armenian"}, "bn": {"Bengali"}, "ka": {"Georgian"}, "el": {"Greek"},
	"gu": {"Gujarati"}, "pa": {"Gurmukhi"}, "zh": {"Han"}, "ko": {"Hangul"},
	"he": {"Hebrew"}, "ja": {"Hiragana", "Katakana", "Han"}, "ta": {"Tamil"},
	"te": {"Telugu"}, "th": {"Thai"},
}

// logScale must match rules.go's.
const logScale = 2048

type entry struct {
	lang uint8
	q    uint16
}

func main() {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/pemistahl/lingua-go").Output()
	if err != nil {
		log.Fatalf("go list lingua-go: %v", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "language-models")

	scripts := map[lingua.Language]uint64{}
	bit := func(name string) uint64 { return 1 << slices.Index(scriptNames, name) }
	for name, langs := range map[string][]lingua.Language{
		"Latin": lingua.AllLanguagesWithLatinScript(), "Cyrillic": lingua.AllLanguagesWithCyrillicScript(),
		"Arabic": lingua.AllLanguagesWithArabicScript(), "Devanagari": lingua.AllLanguagesWithDevanagariScript(),
	} {
		for _, l := range langs {
			scripts[l] |= bit(name)
		}
	}
	langs := lingua.AllSpokenLanguages()
	ngrams := map[string][]entry{}
	var buf bytes.Buffer
	buf.WriteString("tuneprep-langid-1\n")
	buf.Write(binary.AppendUvarint(nil, uint64(len(langs))))
	for i, l := range langs {
		code := strings.ToLower(l.IsoCode639_1().String())
		for _, s := range oneScript[code] {
			scripts[l] |= bit(s)
		}
		if scripts[l] == 0 {
			log.Fatalf("%s: no script", code)
		}
		buf.WriteString(code)
		buf.Write(binary.AppendUvarint(nil, scripts[l]))
		for _, name := range []string{"unigrams", "bigrams", "trigrams"} {
			for _, set := range readModel(filepath.Join(dir, code, name+".pb.bin.zip")) {
				q := math.Round(-math.Log(set.Probability) * logScale)
				if !(q >= 0 && q <= math.MaxUint16) {
					log.Fatalf("%s %s: probability %v out of range", code, name, set.Probability)
				}
				for _, g := range set.Ngrams {
					ngrams[g] = append(ngrams[g], entry{uint8(i), uint16(q)})
				}
			}
		}
	}
	keys := make([]string, 0, len(ngrams))
	for g := range ngrams {
		keys = append(keys, g)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	buf.Write(binary.AppendUvarint(nil, uint64(len(keys))))
	for _, g := range keys {
		buf.WriteByte(byte(len(g)))
		buf.WriteString(g)
		es := ngrams[g]
		slices.SortFunc(es, func(a, b entry) int { return int(a.lang) - int(b.lang) })
		buf.Write(binary.AppendUvarint(nil, uint64(len(es))))
		for _, e := range es {
			buf.WriteByte(e.lang)
			buf.Write(binary.LittleEndian.AppendUint16(nil, e.q))
		}
	}
	f, err := os.Create("models.bin.gz")
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(f)
	z, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
	if _, err := z.Write(buf.Bytes()); err != nil {
		log.Fatal(err)
	}
	if err := z.Close(); err != nil {
		log.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d languages, %d n-grams, %d bytes before gzip\n", len(langs), len(keys), buf.Len())
}

// readModel reads one of lingua-go's zipped protobuf models; a language
// without one (Chinese and Japanese have no bigrams and trigrams) has none.
func readModel(path string) []*serialization.SerializableNgramSet {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		log.Fatal(err)
	}
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		log.Fatalf("%s: %v", path, err)
	}
	r, err := z.File[0].Open()
	if err != nil {
		log.Fatalf("%s: %v", path, err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		log.Fatalf("%s: %v", path, err)
	}
	var m serialization.SerializableLanguageModel
	if err := proto.Unmarshal(data, &m); err != nil {
		log.Fatalf("%s: %v", path, err)
	}
	return m.NgramSets
}
