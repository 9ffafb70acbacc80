package minhash

import (
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"
)

// ShingleKind selects what a shingle is made of.
type ShingleKind uint8

const (
	// Words makes shingles of N consecutive words (runs of Unicode letters,
	// digits and combining marks).
	Words ShingleKind = iota
	// Chars makes shingles of N consecutive runes of the folded text.
	Chars
)

// Default shingle sizes.
const (
	// DefaultWordN is the default word n-gram size for near-duplicate
	// detection. Peers working on long web pages use 5; tuneprep's records are
	// often short (a 30-word dialogue turn, a clause), where one edited word
	// already breaks 5 of 26 five-grams. With 3-grams one edit breaks 3, so a
	// copy with 2% word edits keeps a Jaccard near 0.89 on long text and above
	// 0.77 on 25-word text (see the corpus tests).
	DefaultWordN = 3
	// defaultCharN is the default character n-gram size (NeMo Curator's 24).
	defaultCharN = 24
)

// ShingleConfig says how text becomes a set of 64-bit shingle hashes. The zero
// value is the recommended setting: word 3-grams, lowercased, punctuation
// folded away, digits kept.
type ShingleConfig struct {
	// Kind is Words (default) or Chars.
	Kind ShingleKind
	// N is the n-gram size; 0 means DefaultWordN or defaultCharN.
	N int
	// CaseSensitive keeps letter case (default: lowercase everything).
	CaseSensitive bool
	// KeepPunct keeps punctuation and symbols. For Words each such rune is a
	// token of its own; for Chars it stays in the text. Default: punctuation,
	// symbols and whitespace are separators (Words) or fold to one space
	// (Chars).
	KeepPunct bool
	// FoldDigits maps every decimal digit to '0', so that texts differing
	// only in numbers match. Off by default: in legal and clinical records a
	// different amount or dose makes a different example.
	FoldDigits bool
	// Seed seeds the shingle hash.
	Seed uint64
}

// Shingler turns text into shingle hashes. It is immutable and safe for
// concurrent use.
type Shingler struct {
	cfg   ShingleConfig
	n     int
	powN  uint64              // rollBase^n, to drop the oldest unit of the rolling hash
	seedW uint64              // seed for unit (word or rune) hashes
	seedS uint64              // seed for shingle finalisation
	fold  [utf8.RuneSelf]byte // ASCII byte after case and digit folding
}

// maxN bounds N: larger windows are no longer "near-duplicate" shingles and
// would only make every short text shingle-less.
const maxN = 1024

// newShingler validates cfg, fills defaults and returns a Shingler.
func newShingler(cfg ShingleConfig) (*Shingler, error) {
	if cfg.Kind != Words && cfg.Kind != Chars {
		return nil, fmt.Errorf("minhash: shingle kind %d: want words or chars", cfg.Kind)
	}
	if cfg.N == 0 {
		cfg.N = DefaultWordN
		if cfg.Kind == Chars {
			cfg.N = defaultCharN
		}
	}
	if cfg.N < 1 || cfg.N > maxN {
		return nil, fmt.Errorf("minhash: shingle n %d: want 1..%d", cfg.N, maxN)
	}
	s := &Shingler{cfg: cfg, n: cfg.N, seedW: mix64(cfg.Seed ^ 0x5368696e676c6531), seedS: mix64(cfg.Seed ^ 0x5368696e676c6532)}
	s.powN = 1
	for range cfg.N {
		s.powN *= rollBase
	}
	for c := range s.fold {
		r, _, _ := s.decode(string(rune(c)), 0)
		s.fold[c] = byte(r)
	}
	return s, nil
}

// Config returns the effective configuration (defaults filled in).
func (s *Shingler) Config() ShingleConfig { return s.cfg }

// appendShingles appends the hashes of all shingles of text to dst, in text order and
// with repeats, and returns the extended slice. It allocates only when dst
// must grow. A text with fewer than N words (or runes) yields no shingles:
// callers then fall back to exact matching.
func (s *Shingler) appendShingles(dst []uint64, text string) []uint64 {
	start := len(dst)
	if s.cfg.Kind == Words {
		dst = s.appendWordUnits(dst, text)
	} else {
		dst = s.appendCharUnits(dst, text)
	}
	return dst[:start+s.roll(dst[start:])]
}

// AppendSet appends the distinct shingle hashes of text to dst in ascending
// order. It is what containment and exact Jaccard work on.
func (s *Shingler) AppendSet(dst []uint64, text string) []uint64 {
	start := len(dst)
	dst = s.appendShingles(dst, text)
	set := dst[start:]
	slices.Sort(set)
	return dst[:start+len(slices.Compact(set))]
}

// appendDistinct appends the distinct shingle hashes of text to dst, each
// once, in the order of their first occurrence: the set AppendSet gives,
// without the sort (a 200-word text's 5-grams deduplicate 10x faster in a
// hash table than by sorting). Containment counts need a set, not an order.
// t is scratch space, reusable across calls.
func (s *Shingler) appendDistinct(dst []uint64, text string, t *distinctTable) []uint64 {
	start := len(dst)
	dst = s.appendShingles(dst, text)
	return dst[:start+t.compact(dst[start:])]
}

// distinctTable is an open-addressing hash set of shingle hashes, cleared
// for each use.
type distinctTable struct{ slots []uint64 }

// compact moves the first occurrence of each distinct hash in hs to its
// front, in order, and returns their number. Hashes are uniform, so their
// top bits are the home slot; 0 marks an empty slot, and hash 0 is tracked
// apart.
func (t *distinctTable) compact(hs []uint64) int {
	if len(hs) < 2 {
		return len(hs)
	}
	bits := uint(4)
	for 1<<bits < 2*len(hs) {
		bits++
	}
	if cap(t.slots) < 1<<bits {
		t.slots = make([]uint64, 1<<bits)
	} else {
		t.slots = t.slots[:1<<bits]
		clear(t.slots)
	}
	shift, mask := 64-bits, uint64(1)<<bits-1
	n, zero := 0, false
	for _, h := range hs {
		if h == 0 {
			if !zero {
				zero, hs[n] = true, 0
				n++
			}
			continue
		}
		for i := h >> shift; ; i = (i + 1) & mask {
			if v := t.slots[i]; v == h {
				break
			} else if v == 0 {
				t.slots[i], hs[n] = h, h
				n++
				break
			}
		}
	}
	return n
}

// rollBase is the odd multiplier of the polynomial rolling hash over units.
const rollBase = 0x9E3779B97F4A7C15

// roll replaces units[i] by the hash of units[i:i+n] in place and returns the
// number of shingles. Shingle i reads only units at index >= i, so writing
// slot i after reading it is safe; the unit leaving the window is kept in a
// local.
func (s *Shingler) roll(units []uint64) int {
	n := s.n
	if len(units) < n {
		return 0
	}
	var h uint64
	for _, u := range units[:n] {
		h = h*rollBase + u
	}
	count := len(units) - n + 1
	for i := range count {
		old := units[i]
		units[i] = mix64(h ^ s.seedS)
		if i+n < len(units) {
			h = h*rollBase + units[i+n] - old*s.powN
		}
	}
	return count
}

// class of a rune after folding.
const (
	classSep   = iota // whitespace, control: always a separator
	classWord         // letter, digit, mark: part of a word
	classPunct        // punctuation, symbol: separator unless KeepPunct
)

// asciiClass is the class of each ASCII byte.
var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for c := range utf8.RuneSelf {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			t[c] = classWord
		case c > ' ' && c < 0x7f:
			t[c] = classPunct
		default:
			t[c] = classSep
		}
	}
	return t
}()

// decode decodes, classifies and folds the (non-ASCII) rune at text[i].
// ASCII is folded by a table in the callers' loops: a function call per byte
// would cost more than the hashing.
func (s *Shingler) decode(text string, i int) (r rune, class uint8, width int) {
	r, width = utf8.DecodeRuneInString(text[i:])
	switch {
	case unicode.IsLetter(r) || unicode.IsMark(r):
		class = classWord
		if !s.cfg.CaseSensitive {
			r = unicode.ToLower(r)
		}
	case unicode.IsDigit(r):
		class = classWord
		if s.cfg.FoldDigits {
			r = '0'
		}
	case unicode.IsPunct(r) || unicode.IsSymbol(r):
		class = classPunct
	default:
		class = classSep // spaces, controls, unassigned
	}
	return r, class, width
}

// Per-rune hash step (FNV-1a shape with a stronger odd multiplier); each word
// hash is finalised by mix64, so the weak step only has to be injective-ish.
const runeMul = 0xff51afd7ed558ccd

// appendWordUnits appends one 64-bit hash per word (and per punctuation rune
// when KeepPunct is set).
func (s *Shingler) appendWordUnits(dst []uint64, text string) []uint64 {
	h, inWord := s.seedW, false
	for i := 0; i < len(text); {
		var r rune
		var class uint8
		if c := text[i]; c < utf8.RuneSelf {
			r, class = rune(s.fold[c]), asciiClass[c]
			i++
		} else {
			var w int
			r, class, w = s.decode(text, i)
			i += w
		}
		if class == classWord {
			h = (h ^ uint64(r)) * runeMul
			inWord = true
			continue
		}
		if inWord {
			dst = append(dst, mix64(h))
			h, inWord = s.seedW, false
		}
		if class == classPunct && s.cfg.KeepPunct {
			dst = append(dst, mix64((s.seedW^uint64(r))*runeMul))
		}
	}
	if inWord {
		dst = append(dst, mix64(h))
	}
	return dst
}

// appendCharUnits appends one 64-bit value per rune of the folded text: runs
// of separators become one space, leading and trailing ones vanish.
func (s *Shingler) appendCharUnits(dst []uint64, text string) []uint64 {
	space, started := false, false
	for i := 0; i < len(text); {
		var r rune
		var class uint8
		if c := text[i]; c < utf8.RuneSelf {
			r, class = rune(s.fold[c]), asciiClass[c]
			i++
		} else {
			var w int
			r, class, w = s.decode(text, i)
			i += w
		}
		if class == classSep || (class == classPunct && !s.cfg.KeepPunct) {
			space = true
			continue
		}
		if space && started {
			dst = append(dst, mix64(s.seedW^' '))
		}
		space, started = false, true
		dst = append(dst, mix64(s.seedW^uint64(r)))
	}
	return dst
}

// mix64 is the murmur3 64-bit finaliser: a bijection that spreads every input
// bit over the output.
func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}
