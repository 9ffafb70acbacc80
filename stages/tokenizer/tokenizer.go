// Package tokenizer counts and encodes tokens exactly as OpenAI's tiktoken
// does (cl100k_base, o200k_base, p50k_base, r50k_base), offline and fast.
//
// Vocabularies are the ones embedded in github.com/pkoukk/tiktoken-go-loader;
// nothing is downloaded. Text is split by hand-written equivalents of each
// encoding's split pattern (no backtracking regex engine), pieces found whole
// in the vocabulary cost one map lookup, repeated multi-token pieces come
// from a bounded cache, and long pieces are merged with a tournament tree, so
// runs of one character cost O(n log n) instead of O(n²).
//
// Special-token text such as "<|endoftext|>" is encoded as ordinary text, as a
// fine-tuning API treats training data: it never yields a special token id.
//
// Invalid UTF-8 is decoded as a JavaScript or Python caller of the reference
// would decode it before encoding: each maximal invalid subsequence becomes
// one U+FFFD (the WHATWG / Unicode "maximal subpart" rule). Callers that
// normalize text first never hit this path.
package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"github.com/tuneprep/tuneprep/stages/shortkey"
	"strconv"
	"strings"
	"sync"

	"github.com/pkoukk/tiktoken-go-loader/assets"
)

// Encoding names accepted by Get.
const (
	CL100KBase = "cl100k_base"
	O200KBase  = "o200k_base"
	P50KBase   = "p50k_base"
	R50KBase   = "r50k_base"
)

// Tokenizer encodes text with one encoding. It is immutable and safe for
// concurrent use.
type Tokenizer struct {
	name   string
	ranks  map[string]uint32
	short  *shortkey.Table  // the tokens of at most 8 bytes (one probe, not a map's two or three misses)
	tokens []string         // tokens[rank]: the bytes of a token, for Decode
	maxLen int              // length of the longest token
	pairs  *[1 << 16]uint32 // pairs[a<<8|b]: rank of the two-byte token ab, or noRank
	cache  *pieceCache
	// next returns the end of the split-pattern match starting at s[i].
	next func(s string, i int) int
}

// spec describes one encoding: its vocabulary file and split function.
type spec struct {
	file string
	next func(s string, i int) int
}

var specs = map[string]spec{
	CL100KBase: {"cl100k_base.tiktoken", nextCL100K},
	O200KBase:  {"o200k_base.tiktoken", nextO200K},
	P50KBase:   {"p50k_base.tiktoken", nextR50K},
	R50KBase:   {"r50k_base.tiktoken", nextR50K},
}

// loaded holds one lazily built Tokenizer per encoding.
type loaded struct {
	once sync.Once
	tok  *Tokenizer
	err  error
}

var registry = map[string]*loaded{
	CL100KBase: {}, O200KBase: {}, P50KBase: {}, R50KBase: {},
}

// Get returns the tokenizer of the named encoding. The embedded vocabulary is
// parsed on first use (tens to a few hundred milliseconds) and shared by all
// later calls and goroutines.
func Get(encoding string) (*Tokenizer, error) {
	l, ok := registry[encoding]
	if !ok {
		return nil, fmt.Errorf("tokenizer: unknown encoding %q (have cl100k_base, o200k_base, p50k_base, r50k_base)", encoding)
	}
	l.once.Do(func() {
		bmpOnce.Do(buildBMP)
		sp := specs[encoding]
		ranks, err := loadRanks(sp.file)
		if err != nil {
			l.err = fmt.Errorf("tokenizer: load %s: %w", encoding, err)
			return
		}
		l.tok = newTokenizer(encoding, ranks, sp.next)
	})
	return l.tok, l.err
}

// loadRanks parses an embedded .tiktoken file: one "base64(token) rank" per line.
func loadRanks(file string) (map[string]uint32, error) {
	data, err := assets.Assets.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read embedded vocabulary: %w", err)
	}
	ranks := make(map[string]uint32, bytes.Count(data, []byte{'\n'})+1)
	sc := bufio.NewScanner(bytes.NewReader(data))
	buf := make([]byte, 0, 256)
	for line := 1; sc.Scan(); line++ {
		tok, num, ok := bytes.Cut(sc.Bytes(), []byte{' '})
		if !ok {
			if len(sc.Bytes()) == 0 {
				continue
			}
			return nil, fmt.Errorf("%s line %d: missing rank", file, line)
		}
		buf = buf[:base64.StdEncoding.DecodedLen(len(tok))]
		n, err := base64.StdEncoding.Decode(buf, tok)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", file, line, err)
		}
		r, err := strconv.ParseUint(string(num), 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", file, line, err)
		}
		ranks[string(buf[:n])] = uint32(r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("scan %s: %w", file, err)
	}
	return ranks, nil
}

func newTokenizer(name string, ranks map[string]uint32, next func(string, int) int) *Tokenizer {
	t := &Tokenizer{name: name, ranks: ranks, tokens: byRank(ranks), next: next,
		pairs: new([1 << 16]uint32), cache: newPieceCache(), short: shortkey.New(ranks, 2)}
	for i := range t.pairs {
		t.pairs[i] = noRank
	}
	for tok, r := range ranks {
		t.maxLen = max(t.maxLen, len(tok))
		if len(tok) == 2 {
			t.pairs[uint16(tok[0])<<8|uint16(tok[1])] = r
		}
	}
	return t
}

// byRank inverts the vocabulary. Ranks are dense, so a slice suffices; a gap
// is left empty and rejected by Decode.
func byRank(ranks map[string]uint32) []string {
	n := 0
	for _, r := range ranks {
		n = max(n, int(r)+1)
	}
	tokens := make([]string, n)
	for tok, r := range ranks {
		tokens[r] = tok
	}
	return tokens
}

// Name returns the encoding name, e.g. "cl100k_base".
func (t *Tokenizer) Name() string { return t.name }

// Count returns the number of tokens of text, without building the id list.
// It allocates only for invalid UTF-8, for a multi-token piece seen for the
// first time (to cache it), and for pieces over 128 bytes that are not one
// token; its cost is O(n log n) in the worst case.
func (t *Tokenizer) Count(text string) int {
	text = validUTF8(text)
	n := 0
	for i := 0; i < len(text); {
		j := t.next(text, i)
		n += t.countPiece(text[i:j])
		i = j
	}
	return n
}

// Encode returns the token ids of text.
func (t *Tokenizer) Encode(text string) []int {
	return t.AppendEncode(make([]int, 0, len(text)/4+1), text)
}

// AppendEncode appends the token ids of text to dst and returns the extended
// slice, so callers can reuse one buffer.
func (t *Tokenizer) AppendEncode(dst []int, text string) []int {
	text = validUTF8(text)
	for i := 0; i < len(text); {
		j := t.next(text, i)
		dst = t.appendPiece(dst, text[i:j])
		i = j
	}
	return dst
}

// Decode returns the text of ids. Ids outside the vocabulary (special tokens
// included) are an error. A token may end inside a UTF-8 sequence, so the
// text of a slice of ids need not be valid UTF-8.
func (t *Tokenizer) Decode(ids []int) (string, error) {
	var b strings.Builder
	for i, id := range ids {
		if id < 0 || id >= len(t.tokens) || t.tokens[id] == "" {
			return "", fmt.Errorf("tokenizer: %s has no token %d (at %d)", t.name, id, i)
		}
		b.WriteString(t.tokens[id])
	}
	return b.String(), nil
}
