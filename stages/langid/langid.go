// Package langid identifies the language of a text. It is lingua-go's
// detector in low-accuracy mode, rebuilt: the same rules (letters of
// scripts one language writes, characters only some languages use) and the
// same statistics (each distinct trigram of the text scored by its
// probability in each candidate language, falling back to its bigram and
// unigram prefixes), on lingua-go's own unigram, bigram and trigram models
// for its 74 spoken languages (Apache License 2.0, Peter M. Stahl), which
// gen.go packs into models.bin.gz.
//
// Why not call lingua-go: it takes 0.6-1.3 ms a text (a goroutine per call,
// a map lookup per trigram and language, and arbitrary-precision decimals
// for the confidences), and it embeds all its models, 124 MB of them for
// the four- and five-gram models low-accuracy mode never reads. Here a
// trigram costs three lookups that serve every language at once, the
// confidences are a softmax in float64, and the models are 3.7 MB.
//
// The log-probabilities are stored to 1/2048 (gen.go); confidences agree
// with lingua-go's to about 1e-3, and the detected language is the same
// (TestAgreesWithLingua).
package langid

//go:generate go run gen.go

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"unicode"
)

//go:embed models.bin.gz
var modelData []byte

// logScale: a stored cost c is a log-probability of -c/logScale.
const logScale = 2048

const magic = "tuneprep-langid-1\n"

// model is the decoded models.bin.gz: per language its code and scripts,
// and per n-gram (packed by pack) the languages that have it and its cost
// in each.
type model struct {
	codes   []string
	scripts []uint32 // per language, a bit per script (see scripts)
	// oneScript[s] is the only language written in script s, or -1.
	oneScript [numScripts]int16
	rules     ruleTables
	slots     []slot
	shift     uint
	langs     []uint8
	costs     []uint16
}

type slot struct {
	key   uint64
	start uint32
	n     uint32 // 0: empty
}

// Languages returns the ISO 639-1 codes of the languages Detect knows, in
// lingua-go's order.
func Languages() []string { return slices.Clone(models().codes) }

// Known reports whether code is one of Languages.
func Known(code string) bool { return slices.Contains(models().codes, code) }

// models decodes the embedded models once (about 0.1 s, 20 MB).
var models = sync.OnceValue(func() *model {
	m, err := decode(modelData)
	if err != nil {
		panic("langid: models.bin.gz: " + err.Error())
	}
	return m
})

func decode(data []byte) (*model, error) {
	z, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	// The gzip trailer gives the size (mod 2^32): one buffer of that size
	// (and room to read the end), not ReadAll's doubling, which cleared and
	// copied about twice the 5.5 MB.
	var buf bytes.Buffer
	buf.Grow(int(binary.LittleEndian.Uint32(data[len(data)-4:])) + bytes.MinRead)
	if _, err := buf.ReadFrom(z); err != nil {
		return nil, err
	}
	raw := buf.Bytes()
	if !bytes.HasPrefix(raw, []byte(magic)) {
		return nil, errors.New("not a tuneprep-langid-1 file")
	}
	r := &reader{b: raw[len(magic):]}
	m := &model{}
	nl := r.uvarint()
	if nl == 0 || nl > 255 {
		return nil, fmt.Errorf("%d languages", nl)
	}
	for range nl {
		m.codes = append(m.codes, string(r.next(2)))
		m.scripts = append(m.scripts, uint32(r.uvarint()))
	}
	for s := range m.oneScript {
		m.oneScript[s] = -1
		n := 0
		for l, set := range m.scripts {
			if set&(1<<s) != 0 {
				m.oneScript[s] = int16(l)
				n++
			}
		}
		if n != 1 {
			m.oneScript[s] = -1
		}
	}
	nk := r.uvarint()
	// Each language of an n-gram takes 3 bytes of the file (a byte and a
	// cost): room for all of them at once, not grown by doubling.
	m.langs, m.costs = make([]uint8, 0, len(r.b)/3), make([]uint16, 0, len(r.b)/3)
	size := 16
	for size < 2*int(nk) {
		size *= 2
	}
	m.slots = make([]slot, size)
	m.shift = uint(64 - bits.TrailingZeros(uint(size)))
	mask := uint64(size - 1)
	var runes []rune
	for range nk {
		gram := r.next(int(r.byte()))
		runes = append(runes[:0], []rune(string(gram))...)
		if len(runes) == 0 || len(runes) > 3 {
			return nil, fmt.Errorf("n-gram %q", gram)
		}
		key := pack(runes)
		n := r.uvarint()
		start := uint32(len(m.langs))
		for range n {
			m.langs = append(m.langs, r.byte())
			m.costs = append(m.costs, binary.LittleEndian.Uint16(r.next(2)))
		}
		i := m.home(key)
		for m.slots[i].n != 0 {
			i = (i + 1) & mask
		}
		m.slots[i] = slot{key: key, start: start, n: uint32(n)}
	}
	if r.err != nil {
		return nil, r.err
	}
	m.buildRules()
	return m, nil
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) next(n int) []byte {
	if r.err != nil || n > len(r.b) {
		r.err = io.ErrUnexpectedEOF
		return make([]byte, n)
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) byte() byte { return r.next(1)[0] }

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = io.ErrUnexpectedEOF
		return 0
	}
	r.b = r.b[n:]
	return v
}

// pack packs up to three runes (21 bits each) into a key; runes are never
// 0, so n-grams of different lengths differ.
func pack(rs []rune) uint64 {
	var k uint64
	for i, r := range rs {
		k |= uint64(r) << (42 - 21*i)
	}
	return k
}

func (m *model) home(key uint64) uint64 { return (key * 0x9E3779B97F4A7C15) >> m.shift }

// lookup returns the languages that have the n-gram key and its costs.
func (m *model) lookup(key uint64) ([]uint8, []uint16) {
	mask := uint64(len(m.slots) - 1)
	for i := m.home(key); ; i = (i + 1) & mask {
		s := &m.slots[i]
		if s.n == 0 {
			return nil, nil
		}
		if s.key == key {
			return m.langs[s.start : s.start+s.n], m.costs[s.start : s.start+s.n]
		}
	}
}

// Detect returns the ISO 639-1 code of text's language and its confidence
// (0-1), as lingua-go's low-accuracy detector decides: "" and 0 when the
// text has no letters or too few to tell. Safe for concurrent use.
func Detect(text string) (string, float64) {
	m := models()
	words := splitWords(text)
	if len(words) == 0 {
		return "", 0
	}
	if l := m.ruleLanguage(words); l >= 0 {
		return m.codes[l], 1
	}
	cands := m.candidates(words)
	if len(cands) == 1 {
		return m.codes[cands[0]], 1
	}
	chars := 0
	for _, w := range words {
		chars += len(w)
	}
	if chars < 3 {
		return "", 0
	}
	var trigrams []uint64
	for _, w := range words {
		for i := 0; i+3 <= len(w); i++ {
			trigrams = append(trigrams, pack(w[i:i+3]))
		}
	}
	slices.Sort(trigrams)
	trigrams = slices.Compact(trigrams)

	nl := len(m.codes)
	sum := make([]float64, nl)
	cost := make([]int32, nl) // per trigram; only candidates' are read, and reset after
	for l := range cost {
		cost[l] = -1
	}
	for _, t := range trigrams {
		// unigram, then bigram, then trigram: the longest found wins
		for _, key := range [3]uint64{t &^ (1<<42 - 1), t &^ (1<<21 - 1), t} {
			langs, costs := m.lookup(key)
			for i, l := range langs {
				cost[l] = int32(costs[i])
			}
		}
		for _, l := range cands {
			if c := cost[l]; c >= 0 {
				sum[l] -= float64(c) / logScale
				cost[l] = -1
			}
		}
	}
	// lingua-go counts a language whose sum is below zero: one that found
	// at least one n-gram of a probability under 1.
	best, top := -1, math.Inf(-1)
	for _, l := range cands {
		if sum[l] < 0 && (sum[l] > top || sum[l] == top && l < best) {
			best, top = l, sum[l]
		}
	}
	if best < 0 {
		return "", 0
	}
	total := 0.0
	for _, l := range cands {
		if sum[l] < 0 {
			total += math.Exp(sum[l] - top)
		}
	}
	return m.codes[best], 1 / total
}

// splitWords lower-cases text and cuts it as lingua-go's letters pattern
// does (\p{Han}|\p{Hangul}|\p{Hiragana}|\p{Katakana}|\p{L}+, leftmost
// first): a Han, Hangul or kana character starting a word is a word of its
// own; any other letter starts a run of letters.
func splitWords(text string) [][]rune {
	var words [][]rune
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, cur)
			cur = nil
		}
	}
	for _, r := range strings.ToLower(text) {
		switch {
		case !unicode.IsLetter(r):
			flush()
		case len(cur) == 0 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hangul, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r)):
			words = append(words, []rune{r})
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return words
}
