package benchcorpus

import (
	"slices"
	"strings"

	"github.com/tuneprep/tuneprep/stages/minhash"
)

// record is one generated record: a support ticket (prompt = instruction,
// reply = response, label = intent) or a contract clause (prompt = the
// clause text, no reply, label = clause type).
type record struct {
	label       string
	prompt      string
	reply       string
	promptField string // field name of prompt in the written record
}

// mainText is what the pipeline compares with the bench config
// (input.text_fields [instruction, response, text]): the fields joined by a
// blank line.
func (r record) mainText() string {
	if r.reply == "" {
		return r.prompt
	}
	return r.prompt + "\n\n" + r.reply
}

// Thresholds the planted items are built against. The pipeline's defaults
// (stages/dedup, stages/split) are: near-duplicate at word 3-gram Jaccard
// 0.7 (estimated from 128 MinHash permutations), grouping at 0.5, leakage
// at word 5-gram containment 0.5 either way.
const (
	// nearMinJaccard: planted near-duplicates keep at least this exact
	// Jaccard, far enough above 0.7 that neither LSH banding (20 x 6 finds
	// a pair at 0.88 with probability 1 - 3e-6) nor the estimate's error
	// (standard deviation 0.029 at 0.88) can miss one.
	nearMinJaccard = 0.88
	// leakMaxJaccard: a leak and its original stay this far below the
	// grouping threshold, so dedup neither removes nor groups them and the
	// split can put them on different sides.
	leakMaxJaccard = 0.4
	// leakMinContainment: the leak's main text is contained in the
	// original's (or the reverse) at least this much, above the leakage
	// threshold of 0.5 with room for the redaction tags that replace values.
	leakMinContainment = 0.6
	leakNgram          = 5 // the leakage report's word n-gram size
)

// measure computes the similarities the pipeline uses, exactly (from the
// shingle sets, not estimated), with the same shingling (lowercased words,
// punctuation folded).
type measure struct {
	sh3, sh5 *minhash.Shingler
}

func newMeasure() (*measure, error) {
	m3, err := minhash.NewMinHasher(minhash.Config{Shingle: minhash.ShingleConfig{N: minhash.DefaultWordN}, NumPerm: 1})
	if err != nil {
		return nil, err
	}
	m5, err := minhash.NewMinHasher(minhash.Config{Shingle: minhash.ShingleConfig{N: leakNgram}, NumPerm: 1})
	if err != nil {
		return nil, err
	}
	return &measure{sh3: m3.Shingler(), sh5: m5.Shingler()}, nil
}

// jaccard is the word 3-gram Jaccard similarity of a and b.
func (m *measure) jaccard(a, b string) float64 {
	x, y := m.sh3.AppendSet(nil, a), m.sh3.AppendSet(nil, b)
	n := minhash.IntersectSorted(x, y)
	if u := len(x) + len(y) - n; u > 0 {
		return float64(n) / float64(u)
	}
	return 0
}

// containment is the word 5-gram containment of a in b or of b in a,
// whichever is larger.
func (m *measure) containment(a, b string) float64 {
	x, y := m.sh5.AppendSet(nil, a), m.sh5.AppendSet(nil, b)
	if len(x) == 0 || len(y) == 0 {
		return 0
	}
	n := float64(minhash.IntersectSorted(x, y))
	return max(n/float64(len(x)), n/float64(len(y)))
}

// Words an edit puts in place of another.
var editWords = []string{"really", "also", "now", "still", "just", "new", "other", "same", "small", "quick",
	"whole", "next", "usual", "full", "main", "local", "early", "later", "extra", "good", "plain", "simple",
	"recent", "certain", "proper", "current", "final", "single", "entire", "specific"}

// span is an editable word: letters only, three or more, not part of a
// token holding a digit or '@' (so that edits never touch a planted value).
type span struct {
	field      int // 0 prompt, 1 reply
	start, end int
}

func editable(fields [2]string) []span {
	var out []span
	for f, text := range fields {
		for i := 0; i < len(text); {
			if !isLetter(text[i]) {
				i++
				continue
			}
			j := i
			for j < len(text) && isLetter(text[j]) {
				j++
			}
			ts, te := i, j // the whitespace-delimited token around the word
			for ts > 0 && !isSpace(text[ts-1]) {
				ts--
			}
			for te < len(text) && !isSpace(text[te]) {
				te++
			}
			if j-i >= 3 && !strings.ContainsAny(text[ts:te], "@0123456789{}") {
				out = append(out, span{f, i, j})
			}
			i = j
		}
	}
	return out
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isSpace(c byte) bool  { return c == ' ' || c == '\n' || c == '\t' }

// edit changes k editable words of the fields: most are replaced by
// another word (capitalised like the original), some deleted. It returns
// the new fields and the number of edits made.
func edit(r *rng, fields [2]string, k int, deletions bool) ([2]string, int) {
	spans := editable(fields)
	if len(spans) == 0 {
		return fields, 0
	}
	k = min(k, len(spans))
	// Choose k distinct spans (partial Fisher-Yates).
	for i := 0; i < k; i++ {
		j := i + r.intn(len(spans)-i)
		spans[i], spans[j] = spans[j], spans[i]
	}
	chosen := spans[:k]
	// Apply from the end of each field so earlier offsets stay valid.
	slices.SortFunc(chosen, func(a, b span) int {
		if a.field != b.field {
			return a.field - b.field
		}
		return b.start - a.start
	})
	for _, s := range chosen {
		text := fields[s.field]
		old := text[s.start:s.end]
		if deletions && r.chance(0.25) && s.end < len(text) && text[s.end] == ' ' {
			fields[s.field] = text[:s.start] + text[s.end+1:]
			continue
		}
		w := pick(r, editWords)
		for strings.EqualFold(w, old) {
			w = pick(r, editWords)
		}
		if old[0] >= 'A' && old[0] <= 'Z' {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		fields[s.field] = text[:s.start] + w + text[s.end:]
	}
	return fields, k
}

// nearCopy returns rec with a few words changed, as many as keep its word
// 3-gram Jaccard with rec at or above nearMinJaccard: one edit per 60 words
// to start with, fewer when that drops below it.
func nearCopy(r *rng, m *measure, rec record) (record, int, float64) {
	orig := rec.mainText()
	words := len(strings.Fields(orig))
	var best record
	bestEdits, bestJ := 0, -1.0
	for k := min(1+words/60, 4); k >= 1; k-- {
		rr := *r // every attempt draws the same positions, fewer of them
		f, n := edit(&rr, [2]string{rec.prompt, rec.reply}, k, true)
		c := rec
		c.prompt, c.reply = f[0], f[1]
		j := m.jaccard(orig, c.mainText())
		if j >= nearMinJaccard {
			return c, n, j
		}
		if j > bestJ {
			best, bestEdits, bestJ = c, n, j
		}
	}
	return best, bestEdits, bestJ
}

// leakOf returns a record whose prompt repeats orig's near-verbatim, with a
// different, short rest: a support ticket asked again with a lead-in and
// one word changed, answered in one sentence; or a clause that quotes the
// opening sentences (about a third) of orig with one word changed and ends
// differently.
func leakOf(r *rng, orig record) record {
	l := record{label: orig.label, promptField: orig.promptField}
	if orig.reply != "" {
		f, _ := edit(r, [2]string{orig.prompt, ""}, 1, false)
		l.prompt = pick(r, leakLeadIns) + " " + f[0]
		l.reply = expand(r, pick(r, supportShortReplies))
		return l
	}
	sentences := splitSentences(orig.prompt)
	total := len(strings.Fields(orig.prompt))
	var head []string
	n := 0
	for _, s := range sentences {
		if n > 0 && n+len(strings.Fields(s)) > total*2/5 {
			break
		}
		head = append(head, s)
		n += len(strings.Fields(s))
	}
	f, _ := edit(r, [2]string{strings.Join(head, " "), ""}, 1, false)
	l.prompt = f[0] + " " + expand(r, pick(r, clauseShortEnds))
	return l
}

// splitSentences cuts text after '.', '?', '!' or ';' followed by a space
// and an upper-case letter, digit or '(' (not after common abbreviations).
func splitSentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i+2 < len(text); i++ {
		c := text[i]
		if c != '.' && c != '?' && c != '!' && c != ';' {
			continue
		}
		if text[i+1] != ' ' {
			continue
		}
		n := text[i+2]
		if !(n >= 'A' && n <= 'Z' || n >= '0' && n <= '9' || n == '(') {
			continue
		}
		if c == '.' && abbreviation(text[start:i]) {
			continue
		}
		if s := strings.TrimSpace(text[start : i+1]); s != "" {
			out = append(out, s)
		}
		start = i + 2
	}
	if s := strings.TrimSpace(text[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

var abbreviations = []string{"Inc", "Co", "Corp", "Ltd", "No", "Nos", "Mr", "Ms", "Mrs", "Dr", "St", "U.S", "e.g", "i.e",
	"etc", "Sec", "vs", "Jr", "Sr", "L.P", "L.L.C", "N.A", "U.K", "S.A", "Art", "para", "approx"}

// abbreviation reports whether text ends with an abbreviation or a single
// letter (an initial, or a list label like "(a").
func abbreviation(text string) bool {
	i := strings.LastIndexAny(text, " (\n")
	last := text[i+1:]
	if len(last) == 1 && isLetter(last[0]) {
		return true
	}
	return slices.Contains(abbreviations, last)
}
