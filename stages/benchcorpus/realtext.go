package benchcorpus

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
)

// bitext draws support tickets from the Bitext customer-support corpus:
// the customer's line (its entity value replaced by a generated one) after
// a built-in opening sentence, and a reply recombined from the paragraphs
// of three replies to the same intent, with placeholders filled in. 4,514
// rows give millions of distinct tickets this way; a prompt is still short
// (the Bitext line is about 8 words), so leaks show on the prompt side.
type bitext struct {
	rows     []bitextRow
	names    []string // intents in order of first appearance
	byIntent [][]int  // rows of each intent
}

type bitextRow struct {
	intent      int
	instruction string
	entity      string // the entity value in instruction, or ""
	entityType  string
	paragraphs  []string
}

func (*bitext) name() string { return "bitext" }

func loadBitext(path string) (*bitext, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("support corpus: %w", err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, want := range []string{"instruction", "response", "intent", "entity_type", "entity_value"} {
		if _, ok := col[want]; !ok {
			return nil, fmt.Errorf("%s: no %s column", path, want)
		}
	}
	b := &bitext{}
	intents := map[string]int{}
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: row %d: %w", path, line, err)
		}
		name := rec[col["intent"]]
		k, ok := intents[name]
		if !ok {
			k = len(b.names)
			intents[name] = k
			b.names = append(b.names, name)
			b.byIntent = append(b.byIntent, nil)
		}
		var paras []string
		for _, p := range strings.Split(strings.ReplaceAll(rec[col["response"]], "\r\n", "\n"), "\n\n") {
			if p = strings.TrimSpace(p); p != "" {
				paras = append(paras, p)
			}
		}
		if len(paras) == 0 || strings.TrimSpace(rec[col["instruction"]]) == "" {
			continue
		}
		b.byIntent[k] = append(b.byIntent[k], len(b.rows))
		b.rows = append(b.rows, bitextRow{intent: k, instruction: strings.TrimSpace(rec[col["instruction"]]),
			entity: rec[col["entity_value"]], entityType: rec[col["entity_type"]], paragraphs: paras})
	}
	if len(b.rows) == 0 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return b, nil
}

func (b *bitext) draw(r *rng) record {
	row := b.rows[r.intn(len(b.rows))]
	instr := row.instruction
	if row.entity != "" {
		instr = strings.Replace(instr, row.entity, entityValue(r, row.entityType, row.entity), 1)
	}
	instr = sentence(fillPlaceholders(r, instr))
	prompt := expand(r, pick(r, supportOpeners)) + " " + instr
	if r.chance(0.5) {
		prompt += " " + expand(r, pick(r, supportDetails))
	}
	same := b.byIntent[row.intent]
	first := b.rows[same[r.intn(len(same))]].paragraphs
	mid := b.rows[same[r.intn(len(same))]].paragraphs
	last := b.rows[same[r.intn(len(same))]].paragraphs
	paras := []string{first[0]}
	if len(mid) > 2 {
		paras = append(paras, mid[1:len(mid)-1]...)
	}
	if len(last) > 1 {
		paras = append(paras, last[len(last)-1])
	}
	for i, p := range paras {
		paras[i] = fillPlaceholders(r, p)
	}
	paras = append(paras, expand(r, pick(r, supportSignoffs)))
	return record{label: b.names[row.intent], prompt: prompt, reply: strings.Join(paras, "\n\n"), promptField: "instruction"}
}

// sentence capitalises s and ends it with punctuation.
func sentence(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if c := s[len(s)-1]; c != '.' && c != '?' && c != '!' {
		s += "."
	}
	return s
}

// entityValue replaces a Bitext entity value by a generated one of its type.
func entityValue(r *rng, typ, old string) string {
	switch typ {
	case "order_id", "invoice_id":
		return expand(r, "{order}")
	case "person_name":
		return expand(r, "{given} {surname}")
	case "delivery_city":
		return expand(r, "{city}")
	}
	return old
}

// fillPlaceholders replaces Bitext's {{Placeholder}} slots: contact details
// by words (so that the only PII is the planted one), identifiers by
// generated numbers, names of pages and buttons by their own words.
func fillPlaceholders(r *rng, s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		v := placeholder(r, s[i+2:i+j])
		if before := strings.ToLower(s[:i]); strings.HasSuffix(before, "our ") || strings.HasSuffix(before, "the ") || strings.HasSuffix(before, "your ") {
			v = strings.TrimPrefix(strings.TrimPrefix(v, "our "), "the ") // "our {{Website Name}}"
		}
		b.WriteString(v)
		s = s[i+j+2:]
	}
	b.WriteString(s)
	return b.String()
}

func placeholder(r *rng, name string) string {
	switch {
	case strings.Contains(name, "Phone"):
		return pick(r, []string{"our support line", "the number on our contact page", "our toll-free line"})
	case strings.Contains(name, "Email"):
		return pick(r, []string{"our support inbox", "the address on our contact page"})
	case strings.Contains(name, "URL"), strings.Contains(name, "Website"):
		return pick(r, []string{"our website", "the Northwind site", "our online shop"})
	case strings.Contains(name, "Anonymized"), strings.HasSuffix(name, "Number"), strings.HasSuffix(name, "ID"):
		return expand(r, "{order}")
	case strings.Contains(name, "Availability"), strings.Contains(name, "Hours"):
		return pick(r, []string{"from 8 am to 8 pm", "around the clock", "on weekdays"})
	case strings.Contains(name, "Company"):
		return expand(r, "{company}")
	case name == "number of days":
		return pick(r, []string{"14", "30", "7"})
	}
	return name
}

// cuad draws contract clauses from the CUAD contracts: each contract is cut
// into clause-sized runs of sentences (a new clause at a numbered section
// heading, 40-200 words), each classified by keywords into a clause type.
// A record joins the opening sentences of one clause of a type to the
// closing sentences of another, after a built-in sentence naming the
// parties, with some words replaced by synonyms.
type cuad struct {
	types   []string
	clauses [][][]string // by type: clauses, each a list of sentences
	weights []int        // cumulative clause counts, for drawing a type
}

func (*cuad) name() string { return "cuad" }

func loadCUAD(dir string) (*cuad, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("contracts corpus: no .txt files in %s", dir)
	}
	slices.Sort(paths)
	c := &cuad{types: clauseTypeNames(), clauses: make([][][]string, len(clauseTypeNames()))}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("contracts corpus: %w", err)
		}
		for _, cl := range cutClauses(strings.Join(strings.Fields(string(b)), " ")) {
			k := classify(cl)
			c.clauses[k] = append(c.clauses[k], cl)
		}
	}
	total := 0
	for _, cls := range c.clauses {
		total += len(cls)
		c.weights = append(c.weights, total)
	}
	if total == 0 {
		return nil, fmt.Errorf("contracts corpus: no clauses in %s", dir)
	}
	return c, nil
}

// cutClauses cuts a contract's text into clauses of whole sentences.
func cutClauses(text string) [][]string {
	var out [][]string
	var cur []string
	words := 0
	flush := func() {
		if words >= 30 {
			out = append(out, cur)
		}
		cur, words = nil, 0
	}
	for _, s := range splitSentences(text) {
		n := len(strings.Fields(s))
		if n > 150 { // a table or a run-on heading block
			flush()
			continue
		}
		if words >= 40 && sectionStart(s) {
			flush()
		}
		cur = append(cur, s)
		words += n
		if words >= 200 {
			flush()
		}
	}
	flush()
	return out
}

// sectionStart: a sentence that opens a numbered section ("12.", "3.1",
// "Section 4", "ARTICLE V").
func sectionStart(s string) bool {
	f := strings.Fields(s)
	if len(f) < 2 {
		return false
	}
	w := strings.TrimRight(strings.TrimPrefix(f[0], "("), ".)")
	if w != "" && strings.Trim(w, "0123456789.") == "" && unicode.IsUpper(rune(f[1][0])) {
		return true
	}
	switch strings.ToLower(f[0]) {
	case "section", "article":
		return true
	}
	return false
}

// clauseKeywords classify a clause: the first type whose keyword occurs in
// the clause's first 20 words, else the type with most keyword hits in the
// whole clause, else general.
var clauseKeywords = []struct {
	typ   string
	words []string
}{
	{"governing-law", []string{"governing law", "governed by", "jurisdiction", "venue"}},
	{"force-majeure", []string{"force majeure", "act of god", "acts of god"}},
	{"confidentiality", []string{"confidential", "non-disclosure"}},
	{"indemnification", []string{"indemnif", "hold harmless"}},
	{"limitation-of-liability", []string{"limitation of liability", "in no event", "consequential damages", "aggregate liability"}},
	{"insurance", []string{"insurance", "insured"}},
	{"termination", []string{"terminat", "expiration"}},
	{"assignment", []string{"assign", "successors"}},
	{"notices", []string{"notice", "notices"}},
	{"warranty", []string{"warrant", "as is"}},
	{"intellectual-property", []string{"intellectual property", "patent", "trademark", "copyright", "license"}},
	{"payment", []string{"payment", "fees", "invoice", "royalt", "price"}},
}

func clauseTypeNames() []string {
	names := make([]string, 0, len(clauseKeywords)+1)
	for _, k := range clauseKeywords {
		names = append(names, k.typ)
	}
	return append(names, "general")
}

func classify(cl []string) int {
	text := strings.ToLower(strings.Join(cl, " "))
	head := strings.Join(strings.Fields(text)[:min(20, len(strings.Fields(text)))], " ")
	for i, k := range clauseKeywords {
		for _, w := range k.words {
			if strings.Contains(head, w) {
				return i
			}
		}
	}
	best, bestHits := len(clauseKeywords), 0
	for i, k := range clauseKeywords {
		hits := 0
		for _, w := range k.words {
			hits += strings.Count(text, w)
		}
		if hits > bestHits {
			best, bestHits = i, hits
		}
	}
	return best
}

func (c *cuad) draw(r *rng) record {
	x := r.intn(c.weights[len(c.weights)-1])
	k := 0
	for c.weights[k] <= x {
		k++
	}
	pool := c.clauses[k]
	a, b := pool[r.intn(len(pool))], pool[r.intn(len(pool))]
	s := []string{expand(r, pick(r, clauseOpeners))}
	s = append(s, a[:r.between(1, len(a))]...)
	s = append(s, b[r.intn(len(b)):]...)
	words := 0
	for i, x := range s {
		words += len(strings.Fields(x))
		if words > 260 && i >= 2 {
			s = s[:i+1]
			break
		}
	}
	return record{label: c.types[k], prompt: synonyms(r, strings.Join(s, " ")), promptField: "text"}
}

// synonyms replaces about a third of the words that have an entry in
// legalSynonyms, keeping an initial capital.
func synonyms(r *rng, text string) string {
	return replaceWords(text, func(lower string) (string, bool) {
		alt, ok := legalSynonyms[lower]
		return alt, ok && r.chance(0.35)
	})
}

var legalSynonyms = map[string]string{
	"shall": "will", "agreement": "contract", "terminate": "end", "terminated": "ended", "provide": "supply",
	"provided": "supplied", "obtain": "get", "prior": "earlier", "reasonable": "fair", "reasonably": "fairly",
	"upon": "on", "pursuant": "according", "applicable": "relevant", "commence": "begin", "promptly": "quickly",
	"written": "signed", "notify": "inform", "deliver": "send", "receive": "get", "require": "need",
	"required": "needed", "obligations": "duties", "obligation": "duty", "expenses": "costs", "damages": "losses",
	"immediately": "at once", "thereof": "of it", "whether": "if", "effective": "valid", "material": "substantial",
	"materially": "substantially", "services": "work", "products": "goods", "any": "each",
	"perform": "carry out", "performance": "execution", "hereunder": "under this contract", "herein": "in this contract",
	"including": "such as", "period": "term", "consent": "approval", "respective": "own",
}
