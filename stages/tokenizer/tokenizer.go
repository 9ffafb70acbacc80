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
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/pkoukk/tiktoken-go-loader/assets"

	"github.com/tuneprep/tuneprep/stages/shortkey"
)

// Encoding names accepted by Get.
const (
	CL100KBase = "cl100k_base"
	O200KBase  = "o200k_base"
	P50KBase   = "p50k_base"
	R50KBase   = "r50k_base"
)

// Tokenizer encodes text with one encoding. It is immutable once loaded and
// safe for concurrent use; one from Load waits for its tables at its first
// use.
type Tokenizer struct {
	name   string
	ready  atomic.Bool       // the tables below are set
	done   chan struct{}     // closed when they are, or when loading failed
	err    error             // why loading failed, once done is closed
	ranks  map[string]uint32 // the tokens of more than 16 bytes
	short  *shortkey.Table   // the tokens of 1-8 bytes (one probe, not a map's two or three misses)
	wide   *shortkey.Wide    // the tokens of 9-16 bytes (one probe too)
	tokens []string          // tokens[rank]: the bytes of a token, for Decode
	maxLen int               // length of the longest token
	pairs  *[1 << 16]uint32  // pairs[a<<8|b]: rank of the two-byte token ab, or noRank
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

// loaded is one encoding's Tokenizer, its tables built once, on first use.
type loaded struct {
	once sync.Once
	tok  *Tokenizer
}

var registry = func() map[string]*loaded {
	r := map[string]*loaded{}
	for name, sp := range specs {
		r[name] = &loaded{tok: &Tokenizer{name: name, next: sp.next, done: make(chan struct{})}}
	}
	return r
}()

// load parses the embedded vocabulary into l.tok's tables.
func (l *loaded) load() {
	t := l.tok
	defer close(t.done)
	bmpOnce.Do(buildBMP)
	tokens, err := loadTokens(specs[t.name].file)
	if err != nil {
		t.err = fmt.Errorf("tokenizer: load %s: %w", t.name, err)
		return
	}
	t.fill(tokens)
	t.ready.Store(true)
}

// lookup returns the named encoding's entry of the registry.
func lookup(encoding string) (*loaded, error) {
	l, ok := registry[encoding]
	if !ok {
		return nil, fmt.Errorf("tokenizer: unknown encoding %q (have cl100k_base, o200k_base, p50k_base, r50k_base)", encoding)
	}
	return l, nil
}

// Get returns the tokenizer of the named encoding, loaded. The embedded
// vocabulary is parsed on first use (0.1-0.3 s) and shared by all later
// calls and goroutines.
func Get(encoding string) (*Tokenizer, error) {
	l, err := lookup(encoding)
	if err != nil {
		return nil, err
	}
	l.once.Do(l.load)
	if l.tok.err != nil {
		return nil, l.tok.err
	}
	return l.tok, nil
}

// Load returns the tokenizer of the named encoding at once and parses its
// vocabulary in the background, so that a run reads and cleans its first
// records meanwhile; the tokenizer's methods wait for the tables. The
// vocabularies are embedded and tested, so a failure to parse one is a
// broken build: the first method called then panics.
func Load(encoding string) (*Tokenizer, error) {
	l, err := lookup(encoding)
	if err != nil {
		return nil, err
	}
	go l.once.Do(l.load)
	return l.tok, nil
}

// wait returns once the tables are loaded.
func (t *Tokenizer) wait() {
	if t.ready.Load() {
		return
	}
	<-t.done
	if t.err != nil {
		panic(t.err)
	}
}

// loadTokens parses an embedded .tiktoken file, one "base64(token) rank"
// per line, into the tokens by rank; a rank no line gives is "". The tokens
// share one string: 200k small allocations, and the fresh pages they take,
// were most of the time of a run of a few records.
func loadTokens(file string) ([]string, error) {
	f, err := assets.Assets.Open(file)
	if err != nil {
		return nil, fmt.Errorf("read embedded vocabulary: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read embedded vocabulary: %w", err)
	}
	// Read through a small buffer, not whole: a copy of the file would be
	// 3.6 MB of fresh pages for o200k_base.
	br := bufio.NewReaderSize(f, 64<<10)
	type entry struct{ off, n, rank uint32 }
	entries := make([]entry, 0, info.Size()/12) // a line is about 12 bytes
	decoded := make([]byte, 0, info.Size()*3/4) // the tokens, back to back
	top := uint32(0)
	for line := 1; ; line++ {
		l, err := br.ReadSlice('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s line %d: %w", file, line, err)
		}
		eof := err == io.EOF
		l = bytes.TrimSuffix(l, []byte{'\n'})
		if len(l) == 0 {
			if eof {
				break
			}
			continue
		}
		tok, num, ok := bytes.Cut(l, []byte{' '})
		if !ok {
			return nil, fmt.Errorf("%s line %d: missing rank", file, line)
		}
		off, most := len(decoded), base64.StdEncoding.DecodedLen(len(tok))
		decoded = slices.Grow(decoded, most)
		n, err := base64.StdEncoding.Decode(decoded[off:off+most], tok)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", file, line, err)
		}
		decoded = decoded[:off+n]
		r, err := strconv.ParseUint(string(num), 10, 32)
		if err != nil || r >= maxRank {
			return nil, fmt.Errorf("%s line %d: rank %q: want a number below %d", file, line, num, maxRank)
		}
		entries = append(entries, entry{uint32(off), uint32(n), uint32(r)})
		top = max(top, uint32(r))
		if eof {
			break
		}
	}
	all := unsafe.String(unsafe.SliceData(decoded), len(decoded)) // decoded is not written again
	tokens := make([]string, top+1)
	for _, e := range entries {
		tokens[e.rank] = all[e.off : e.off+e.n]
	}
	return tokens, nil
}

// maxRank bounds the ranks of a vocabulary file (o200k_base has 200k).
const maxRank = 1 << 22

// fill builds the tables of the tokens by rank.
func (t *Tokenizer) fill(tokens []string) {
	t.tokens, t.cache = tokens, newPieceCache()
	t.pairs = new([1 << 16]uint32)
	for i := range t.pairs {
		t.pairs[i] = noRank
	}
	long := 0
	for _, tok := range tokens {
		if len(tok) > shortkey.WideMax {
			long++
		}
	}
	t.ranks = make(map[string]uint32, long)
	for r, tok := range tokens {
		t.maxLen = max(t.maxLen, len(tok))
		switch {
		case len(tok) == 2:
			t.pairs[uint16(tok[0])<<8|uint16(tok[1])] = uint32(r)
		case len(tok) > shortkey.WideMax:
			t.ranks[tok] = uint32(r)
		}
	}
	byRank := func(yield func(string, uint32) bool) {
		for r, tok := range tokens {
			if !yield(tok, uint32(r)) {
				return
			}
		}
	}
	t.short, t.wide = shortkey.New(byRank, 2), shortkey.NewWide(byRank, 2)
}

// Name returns the encoding name, e.g. "cl100k_base".
func (t *Tokenizer) Name() string { return t.name }

// Count returns the number of tokens of text, without building the id list.
// It allocates only for invalid UTF-8, for a multi-token piece seen for the
// first time (to cache it), and for pieces over 128 bytes that are not one
// token; its cost is O(n log n) in the worst case.
func (t *Tokenizer) Count(text string) int {
	t.wait()
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
	t.wait()
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
	t.wait()
	var b strings.Builder
	for i, id := range ids {
		if id < 0 || id >= len(t.tokens) || t.tokens[id] == "" {
			return "", fmt.Errorf("tokenizer: %s has no token %d (at %d)", t.name, id, i)
		}
		b.WriteString(t.tokens[id])
	}
	return b.String(), nil
}
