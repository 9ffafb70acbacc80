package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/template"
)

// What `tuneprep init --in` makes of a sampled group: the statistics of its
// fields, and the guesses drawn from them (a prompt/response pair and its
// system prompt, a label, identifiers, an array to explode). Only field
// names and statistics are kept, never a value.

const (
	distinctCap = 5000    // distinct values counted per field
	jsonWalkCap = 4 << 20 // longest JSON field walked for arrays to explode, in bytes
)

// documentFormats are the formats where a file is a document (field text).
var documentFormats = []string{"text", "html", "docx", "eml", "mbox"}

// fieldStat summarises one field over the records of a group. Distinct
// values are counted by hash, up to distinctCap.
type fieldStat struct {
	name                          string
	filled, runes, maxLen         int
	raw, numeric, spaced, repeats int
	seen                          map[uint64]struct{}
	full                          bool
}

func (f *fieldStat) add(fl schemas.Field) {
	v := strings.TrimSpace(fl.Value)
	if v == "" || v == "[]" || v == "{}" { // empty lists count as empty, also as CSV text
		return
	}
	n := utf8.RuneCountInString(v)
	f.filled++
	f.runes += n
	f.maxLen = max(f.maxLen, n)
	if fl.Raw && (v[0] == '{' || v[0] == '[') {
		f.raw++
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil {
		f.numeric++
	}
	if strings.ContainsAny(v, " \t\r\n") {
		f.spaced++
	}
	h := uint64(14695981039346656037) // FNV-1a: deterministic
	for i := 0; i < len(v); i++ {
		h = (h ^ uint64(v[i])) * 1099511628211
	}
	if _, ok := f.seen[h]; ok {
		f.repeats++
	} else if len(f.seen) < distinctCap {
		f.seen[h] = struct{}{}
	} else {
		f.full = true
	}
}

func (f *fieldStat) mean() int {
	if f.filled == 0 {
		return 0
	}
	return f.runes / f.filled
}

// varies reports whether f holds more than one distinct value.
func (f *fieldStat) varies() bool { return f.full || len(f.seen) > 1 }

func (f *fieldStat) distinct() string {
	if f.full {
		return fmt.Sprintf("%d+", distinctCap)
	}
	return strconv.Itoa(len(f.seen))
}

// pathStat summarises the objects found in arrays at one dotted path of
// JSON records: candidates for input.explode.
type pathStat struct {
	elems int
	keys  map[string]int // non-empty values by key
}

func (g *group) add(d *schemas.Document) {
	if d.Reject != nil {
		g.rejects[d.Reject.Reason]++
		return
	}
	g.records++
	if d.Example != nil {
		g.examples++
	}
	for _, fl := range d.Fields {
		f := g.byName[fl.Name]
		if f == nil {
			f = &fieldStat{name: fl.Name, seen: map[uint64]struct{}{}}
			g.byName[fl.Name] = f
			g.fields = append(g.fields, f)
		}
		f.add(fl)
		if fl.Raw && len(fl.Value) <= jsonWalkCap {
			var v any
			if json.Unmarshal([]byte(fl.Value), &v) == nil {
				g.walkJSON(fl.Name, v, 1)
			}
		}
	}
}

// walkJSON records the objects in arrays under p; segments go through
// objects and through arrays (every element), as input.explode does.
func (g *group) walkJSON(p string, v any, depth int) {
	if depth > 6 {
		return
	}
	switch v := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(v) {
			g.walkJSON(p+"."+k, v[k], depth+1)
		}
	case []any:
		for i, e := range v {
			obj, ok := e.(map[string]any)
			if !ok || i >= 50 {
				continue
			}
			ps := g.paths[p]
			if ps == nil {
				ps = &pathStat{keys: map[string]int{}}
				g.paths[p] = ps
			}
			ps.elems++
			for _, k := range sortedKeys(obj) {
				if s, ok := obj[k].(string); !ok || strings.TrimSpace(s) != "" {
					ps.keys[k]++
				}
				g.walkJSON(p+"."+k, obj[k], depth+1)
			}
		}
	}
}

func (g *group) fill(f *fieldStat) float64 { return float64(f.filled) / float64(max(g.records, 1)) }

// isID reports whether f looks like a record identifier: a name such as id
// or ticket_id (schemas.IsIdentifier), or values unique per record,
// without spaces, not short.
func (g *group) isID(f *fieldStat) bool {
	if f.filled == 0 || f.spaced > 0 || f.maxLen > 64 || f.raw > 0 {
		return false
	}
	if schemas.IsIdentifier(f.name, "") { // by name; the value checks are above
		return true
	}
	return f.repeats == 0 && f.filled == g.records && g.records >= 10 && f.mean() >= 6
}

// namesList formats field names for a comment.
func namesList(fs []*fieldStat) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.name)
	}
	return strings.Join(s, ", ")
}

// pairRule is a prompt/response naming convention of common datasets.
type pairRule struct {
	user, assistant []string
	system          string
	// labelSystem names the label in the system prompt (%s: the label
	// reference), for pairs where the label says what to write.
	labelSystem string
}

// pairRules are tried in order; names compare case-insensitively.
var pairRules = []pairRule{
	{user: []string{"instruction"}, assistant: []string{"output", "response", "answer", "completion"}, system: "You are a helpful assistant. Follow the instruction."},
	{user: []string{"question"}, assistant: []string{"answer", "answers", "response"}, system: "Answer the question."},
	{user: []string{"prompt"}, assistant: []string{"response", "completion", "chosen"}, system: "You are a helpful assistant."},
	{user: []string{"query"}, assistant: []string{"response", "answer"}, system: "You are a helpful assistant."},
	{user: []string{"human"}, assistant: []string{"assistant", "gpt", "bot"}, system: "You are a helpful assistant."},
	{user: []string{"customer"}, assistant: []string{"agent"}, system: "You are a helpful customer-support agent."},
	{user: []string{"user"}, assistant: []string{"assistant"}, system: "You are a helpful assistant."},
	{user: []string{"dialogue", "dialog", "conversation"}, assistant: []string{"summary"}, system: "Summarize the dialogue."},
	{user: []string{"dialogue", "dialog", "conversation"}, assistant: []string{"section_text", "note"},
		system: "From the dialogue, write the corresponding section of the note.", labelSystem: "From the dialogue, write the %s section of the note."},
	{user: []string{"text", "article", "document"}, assistant: []string{"summary", "abstract", "highlights"}, system: "Summarize the text."},
	{user: []string{"source"}, assistant: []string{"target"}, system: "Turn the source text into the target text."},
	{user: []string{"input"}, assistant: []string{"output", "response", "target"}, system: "You are a helpful assistant."},
}

// contextNames are fields that give a question its material; they go into
// the user message before the question.
var contextNames = []string{"context", "contexts", "passage", "passages", "paragraph", "paragraphs", "table", "tables",
	"document", "documents", "background", "knowledge", "evidence", "article", "reference"}

// labelNames are label-like names, preferred in this order; a name that
// contains one as a word (answer_type) comes after every exact name.
var labelNames = []string{"label", "intent", "category", "class", "section_header", "specialty", "type", "topic", "folder"}

// exampleFields mark records in a training format (OpenAI, ShareGPT,
// Gemini, Bedrock).
var exampleFields = []string{"messages", "conversations", "contents", "schemaVersion"}

// pairMatch is a pair found among a group's fields or an array's keys.
type pairMatch struct {
	user, assistant string
	rank            int // index in pairRules
}

func (p *pairMatch) String() string { return p.user + "/" + p.assistant }

// findPair returns the first known pair among names that present accepts.
func findPair(names []string, present func(string) bool) *pairMatch {
	byLower := map[string]string{}
	for _, n := range names {
		l := strings.ToLower(n)
		if _, dup := byLower[l]; !dup && present(n) {
			byLower[l] = n
		}
	}
	first := func(cands []string) string {
		for _, c := range cands {
			if n, ok := byLower[c]; ok {
				return n
			}
		}
		return ""
	}
	for i, r := range pairRules {
		if u, a := first(r.user), first(r.assistant); u != "" && a != "" && u != a {
			return &pairMatch{user: u, assistant: a, rank: i}
		}
	}
	return nil
}

// guessed is what init makes of a group.
type guessed struct {
	rule       template.Rule
	note       string // evidence for the rule
	textFields []string
	textNote   string
	label      *fieldStat
	labelNote  string
	ids        []*fieldStat
}

// guess fills g.g; when the records hide their pairs in an array it sets
// g.explode instead, and the group is read again exploded.
func (g *group) guess() {
	g.g = guessed{}
	for _, f := range g.fields {
		if g.isID(f) {
			g.g.ids = append(g.g.ids, f)
		}
	}
	switch {
	case g.records == 0:
		g.g.rule = template.Rule{Kind: "auto"}
		g.g.note = g.name() + ": no readable record in the sample; auto picks by the fields present"
	case g.isTraining():
		n := g.examples
		if f := g.usableField(exampleFields); f != nil {
			n = max(n, f.filled)
		}
		g.g.rule = template.Rule{Kind: "auto"}
		g.g.note = fmt.Sprintf("%s: %d of %d records have the shape of a training format (messages, conversations,\ncontents, prompt/completion...): auto reads them as examples as they are, no template needed",
			g.name(), n, g.records)
	case slices.Contains(documentFormats, g.format):
		g.guessDocuments()
	default:
		g.guessRecords()
	}
	if len(g.g.ids) > 0 {
		g.g.note += "\nidentifiers (by name, or unique values without spaces), kept out of the text: " + namesList(g.g.ids)
	}
}

// usableField is the first of names present in at least half the records.
func (g *group) usableField(names []string) *fieldStat {
	for _, n := range names {
		if f := g.byName[n]; f != nil && g.fill(f) >= 0.5 {
			return f
		}
	}
	return nil
}

func (g *group) isTraining() bool {
	return g.examples*2 >= g.records || g.usableField(exampleFields) != nil
}

func (g *group) guessDocuments() {
	g.g.rule = template.Rule{Kind: "text"}
	mean := 0
	if f := g.byName["text"]; f != nil {
		g.g.textFields, g.g.textNote = []string{"text"}, "the document text"
		mean = f.mean()
	}
	g.g.note = fmt.Sprintf("%s: plain documents (%d characters of text on average): text examples for continued\npre-training (the run writes them as trl-text)", g.name(), mean)
	g.g.label, g.g.labelNote = g.pickLabel([]string{"text"})
}

func (g *group) guessRecords() {
	names := make([]string, len(g.fields))
	for i, f := range g.fields {
		names[i] = f.name
	}
	p, why := g.forced, "the pair inside the exploded array"
	if p == nil {
		why = "a known prompt/response pair"
		p = findPair(names, func(n string) bool {
			f := g.byName[n]
			return g.fill(f) >= 0.5 && !slices.Contains(g.g.ids, f)
		})
	}
	if p == nil && g.explode == "" && g.jsonRecords() {
		if g.explode, g.forced = g.findExplode(); g.explode != "" {
			return // read again exploded
		}
	}
	if p == nil {
		g.guessWithoutPair()
		return
	}
	g.guessChat(p, why)
}

// guessChat writes the chat rule of a pair: context fields before the
// prompt, Alpaca's input after an instruction, the label out of the
// template's fields.
func (g *group) guessChat(p *pairMatch, why string) {
	user, asst := g.byName[p.user], g.byName[p.assistant]
	used := []string{p.user, p.assistant}
	var contexts []*fieldStat
	for _, f := range g.fields {
		if f != user && f != asst && f.filled > 0 && f.varies() && slices.Contains(contextNames, strings.ToLower(f.name)) {
			contexts = append(contexts, f)
			used = append(used, f.name)
		}
	}
	input := g.byName["input"]
	if strings.ToLower(p.user) != "instruction" || input == nil || input == asst || input.filled == 0 {
		input = nil
	}
	system := g.byName["system"]
	if system != nil && (system == user || system == asst || system.filled == 0 || system.raw > 0) {
		system = nil
	}
	for _, f := range []*fieldStat{input, system} {
		if f != nil {
			used = append(used, f.name)
		}
	}
	g.g.label, g.g.labelNote = g.pickLabel(used)

	var u strings.Builder
	for _, c := range contexts {
		u.WriteString(g.optional(c, "", "\n\n"))
	}
	u.WriteString(fieldAction(p.user))
	g.g.textFields = []string{p.user}
	if input != nil {
		u.WriteString(g.optional(input, "\n\n", ""))
		g.g.textFields = append(g.g.textFields, input.name)
	}
	g.g.textFields = append(g.g.textFields, p.assistant)
	g.g.textNote = "the prompt and response fields"
	sys, sysWhy := g.systemPrompt(pairRules[p.rank], system)
	g.g.rule = template.Rule{Kind: "chat", System: sys, User: u.String(), Assistant: fieldAction(p.assistant)}
	g.g.note = fmt.Sprintf("%s: %s -> %s, %s (filled %.0f%% and %.0f%%, %d and %d characters on average)",
		g.name(), p.user, p.assistant, why, 100*g.fill(user), 100*g.fill(asst), user.mean(), asst.mean())
	if len(contexts) > 0 {
		g.g.note += fmt.Sprintf("\ncontext before the %s: %s", p.user, g.describe(contexts))
		g.g.textNote += "; not the context, which repeats across records"
	}
	if input != nil {
		g.g.note += "\n" + g.describe([]*fieldStat{input}) + " follows the instruction"
	}
	g.g.note += "\n" + sysWhy
}

// systemPrompt is the records' own system field when they have one (with
// the pair's generic prompt where it is empty), else the pair's prompt,
// naming the label where the pair calls for it.
func (g *group) systemPrompt(r pairRule, field *fieldStat) (sys, why string) {
	sys, why = r.system, "system: a generic guess from the field names; say what the model is for"
	if l := g.g.label; r.labelSystem != "" && l != nil && l.filled == g.records {
		sys = fmt.Sprintf(r.labelSystem, fieldAction(l.name))
		why = "system: a guess from the field names, naming the label " + l.name + "; say what the model is for"
	}
	switch {
	case field == nil:
		return sys, why
	case field.filled == g.records:
		return fieldAction(field.name), "system: the records' own system field"
	}
	return "{{with " + ref(field.name) + "}}{{.}}{{else}}" + sys + "{{end}}", "system: the records' own system field where they have one"
}

// guessWithoutPair falls back to the two longest well-filled text fields
// (the shorter one as the prompt), to classification when only one long
// field has a label beside it, and to text examples otherwise.
func (g *group) guessWithoutPair() {
	g.g.label, g.g.labelNote = g.pickLabel(nil)
	var long []*fieldStat
	for _, f := range g.fields {
		prose := f.spaced*2 > f.filled && f.mean() >= 10 && f.raw == 0
		if prose && f != g.g.label && g.fill(f) >= 0.9 && f.varies() && !slices.Contains(g.g.ids, f) {
			long = append(long, f)
		}
	}
	slices.SortStableFunc(long, func(a, b *fieldStat) int { return b.mean() - a.mean() })
	switch {
	case len(long) >= 2:
		u, a := long[1], long[0]
		g.g.rule = template.Rule{Kind: "chat", System: "You are a helpful assistant.", User: fieldAction(u.name), Assistant: fieldAction(a.name)}
		g.g.note = fmt.Sprintf("%s: no known pair; the two longest well-filled text fields, the shorter as the prompt:\n%s -> %s (%d and %d characters on average)\nsystem: a generic guess; say what the model is for",
			g.name(), u.name, a.name, u.mean(), a.mean())
		g.g.textFields, g.g.textNote = []string{u.name, a.name}, "the prompt and response fields"
	case len(long) == 1 && g.g.label != nil:
		l := g.g.label
		g.g.rule = template.Rule{Kind: "chat", System: fmt.Sprintf("Classify the text. Answer with the %s only.", l.name),
			User: fieldAction(long[0].name), Assistant: fieldAction(l.name)}
		g.g.note = fmt.Sprintf("%s: one long text field (%s, %d characters on average) and a label (%s): classification",
			g.name(), long[0].name, long[0].mean(), l.name)
		g.g.textFields, g.g.textNote = []string{long[0].name}, "the text to classify"
	default:
		g.g.rule = template.Rule{Kind: "text"}
		g.g.note = fmt.Sprintf("%s: no prompt/response pair found: text examples for continued pre-training", g.name())
		for _, f := range long {
			g.g.textFields = append(g.g.textFields, f.name)
		}
		if len(long) > 0 {
			g.g.textNote = "the long, well-filled text fields"
		}
	}
}

// optional renders a field between before and after; a field that some
// records lack renders nothing there instead of dropping the record.
func (g *group) optional(f *fieldStat, before, after string) string {
	if f.filled == g.records {
		return before + fieldAction(f.name) + after
	}
	return "{{with " + ref(f.name) + "}}" + before + "{{.}}" + after + "{{end}}"
}

// describe lists fields with their fill rate and kind, for a comment.
func (g *group) describe(fs []*fieldStat) string {
	var parts []string
	for _, f := range fs {
		s := fmt.Sprintf("%s (filled %.0f%%", f.name, 100*g.fill(f))
		if f.raw > 0 {
			s += ", JSON"
		}
		if f.filled < g.records {
			s += ", optional: absent renders nothing"
		}
		parts = append(parts, s+")")
	}
	return strings.Join(parts, ", ")
}

// ref is a template reference to a field; names that are not identifiers
// ("Answer text") go through index.
func ref(name string) string {
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return fmt.Sprintf("index . %q", name)
		}
	}
	return "." + name
}

// fieldAction is the template action printing a field.
func fieldAction(name string) string { return "{{" + ref(name) + "}}" }

// pickLabel returns the likely label: a short, well-filled field with few
// distinct values relative to the records, label-like names first.
func (g *group) pickLabel(exclude []string) (*fieldStat, string) {
	type cand struct {
		f    *fieldStat
		rank int
	}
	var cs []cand
	for _, f := range g.fields {
		n := len(f.seen)
		if slices.Contains(exclude, f.name) || slices.Contains(g.g.ids, f) || f.full || f.raw > 0 ||
			g.fill(f) < 0.9 || n < 2 || n > 200 || float64(n) > 0.2*float64(f.filled) || f.mean() > 40 {
			continue
		}
		rank := labelRank(f.name)
		if rank < 0 {
			if f.numeric*2 > f.filled { // counts and flags, unless named like a label
				continue
			}
			rank = 2 * len(labelNames)
		}
		cs = append(cs, cand{f, rank})
	}
	if len(cs) == 0 {
		return nil, ""
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return a.rank - b.rank })
	l := cs[0].f
	note := fmt.Sprintf("%s: %s, %d distinct values in %d records, filled %.0f%%, %d characters on average",
		g.name(), l.name, len(l.seen), g.records, 100*g.fill(l), l.mean())
	var others []string
	for _, c := range cs[1:min(len(cs), 4)] {
		others = append(others, fmt.Sprintf("%s (%d values)", c.f.name, len(c.f.seen)))
	}
	if len(others) > 0 {
		note += "\n  also possible: " + strings.Join(others, ", ")
	}
	return l, note
}

func labelRank(name string) int {
	n := strings.ToLower(name)
	if i := slices.Index(labelNames, n); i >= 0 {
		return i
	}
	words := strings.FieldsFunc(n, func(r rune) bool { return r == '_' || r == '-' || r == ' ' || r == '.' })
	for i, w := range labelNames {
		if slices.Contains(words, w) {
			return len(labelNames) + i
		}
	}
	return -1
}

// findExplode looks for an array of objects in the records whose elements
// hold a known pair; the shallowest, most preferred pair wins. An answer
// that is itself an array of objects with a text (SQuAD's answers:
// [{text, answer_start}]) is exploded too, its text being the response.
func (g *group) findExplode() (string, *pairMatch) {
	best, bestPair, bestScore := "", (*pairMatch)(nil), 0
	for _, p := range sortedKeys(g.paths) {
		ps := g.paths[p]
		m := findPair(sortedKeys(ps.keys), func(k string) bool { return ps.keys[k]*2 >= ps.elems })
		if m == nil {
			continue
		}
		score := m.rank*100 + strings.Count(p, ".")
		if bestPair == nil || score < bestScore {
			best, bestPair, bestScore = p, m, score
		}
	}
	if bestPair == nil {
		return "", nil
	}
	if sub := g.paths[best+"."+bestPair.assistant]; sub != nil {
		for _, k := range []string{"text", "answer", "value"} {
			if sub.keys[k]*2 >= sub.elems {
				return best + "." + bestPair.assistant, &pairMatch{user: bestPair.user, assistant: k, rank: bestPair.rank}
			}
		}
	}
	return best, bestPair
}
