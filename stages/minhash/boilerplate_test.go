package minhash

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

// templates are stock phrases that templated records share.
var templates = []string{
	"thank you for reaching out to our customer service team today",
	"please sign in to your account and open the orders section",
	"if anything is unclear you can reach our customer service team at any time",
	"we will be glad to assist you further with your request",
	"i would like to know how i can",
	"hello could you please tell me",
}

// templatedText is one record: some stock phrases around words of its own
// (drawn from a large vocabulary, so two records rarely share them).
func templatedText(r *rand.Rand, own int) string {
	var parts []string
	for _, t := range templates {
		if r.IntN(3) > 0 {
			parts = append(parts, t)
		}
	}
	var b strings.Builder
	for range own {
		fmt.Fprintf(&b, "w%d ", r.IntN(100000))
	}
	at := r.IntN(len(parts) + 1)
	parts = append(parts[:at], append([]string{b.String()}, parts[at:]...)...)
	return strings.Join(parts, " ")
}

// naiveRefs is an independent model of the index: each reference's n-gram
// strings and the number of references holding each n-gram.
type naiveRefs struct {
	n    int
	sets []map[string]bool
	df   map[string]int
}

func newNaiveRefs(refs []string, n int) naiveRefs {
	nr := naiveRefs{n: n, df: map[string]int{}}
	for _, r := range refs {
		set := naiveNgrams(r, n)
		nr.sets = append(nr.sets, set)
		for g := range set {
			nr.df[g]++
		}
	}
	return nr
}

// matches computes, on strings, the containments of a query against every
// reference with the n-grams found in more than maxRefs references left out
// of both sets.
func (nr naiveRefs) matches(query string, maxRefs int, threshold float64) []Match {
	bp := func(g string) bool { return nr.df[g] > maxRefs }
	q := naiveNgrams(query, nr.n)
	qsize := 0
	for g := range q {
		if !bp(g) {
			qsize++
		}
	}
	var out []Match
	for i, set := range nr.sets {
		size, shared := 0, 0
		for g := range set {
			if bp(g) {
				continue
			}
			size++
			if q[g] {
				shared++
			}
		}
		if shared == 0 {
			continue
		}
		m := Match{ID: uint32(i), Containment: float64(shared) / float64(qsize), RefContainment: float64(shared) / float64(size)}
		if max(m.Containment, m.RefContainment) >= threshold {
			out = append(out, m)
		}
	}
	return out
}

// TestContainmentBoilerplateMatchesNaive: on templated records, the index
// finds exactly the pairs whose containment on n-grams that are not
// boilerplate reaches the threshold, with the same figures as an
// independent computation on strings; every planted copy is among them.
func TestContainmentBoilerplateMatchesNaive(t *testing.T) {
	const n, maxRefs, threshold = 5, 30, 0.5
	r := rand.New(rand.NewPCG(1, 2))
	refs := make([]string, 300)
	for i := range refs {
		refs[i] = templatedText(r, 6+r.IntN(20))
	}
	c := mustContainment(t, n)
	if err := c.SetMaxRefs(maxRefs); err != nil {
		t.Fatal(err)
	}
	for i, ref := range refs {
		if _, err := c.Add(uint32(i), ref); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.SetMaxRefs(10); err == nil {
		t.Error("SetMaxRefs after Add accepted")
	}
	naive := newNaiveRefs(refs, n)
	found := 0
	for q := range 200 {
		query := templatedText(r, 6+r.IntN(20))
		planted := -1
		if q%4 == 0 { // a near-verbatim copy: a reference with a stock phrase added
			planted = r.IntN(len(refs))
			query = refs[planted] + " " + templates[q%len(templates)]
		}
		want := naive.matches(query, maxRefs, threshold)
		got := c.QueryEither(query, threshold)
		if len(got) != len(want) {
			t.Fatalf("query %d: %d matches, want %d: %+v vs %+v", q, len(got), len(want), got, want)
		}
		byID := map[uint32]Match{}
		for _, m := range want {
			byID[m.ID] = m
		}
		for _, m := range got {
			w, ok := byID[m.ID]
			if !ok || abs(w.Containment-m.Containment) > 1e-9 || abs(w.RefContainment-m.RefContainment) > 1e-9 {
				t.Errorf("query %d: %+v, want %+v", q, m, w)
			}
			if m.ID == uint32(planted) {
				found++
			}
		}
	}
	if found != 50 {
		t.Errorf("%d of 50 planted copies found", found)
	}
	st := c.Stats()
	if st.Boilerplate == 0 || st.BoilerplateHits == 0 || st.Skipped == 0 || len(st.Top) != 5 {
		t.Errorf("stats: %+v", st)
	}
	t.Logf("stats: %+v", st)
}

// ownWords returns a templated text's words that are not stock phrases.
func ownWords(text string) string {
	var own []string
	for _, w := range strings.Fields(text) {
		if strings.HasPrefix(w, "w") && len(w) > 1 && w[1] >= '0' && w[1] <= '9' {
			own = append(own, w)
		}
	}
	return strings.Join(own, " ")
}

// TestContainmentWorkBound: a query walks at most MaxRefs postings per
// n-gram, however many references share its phrases: the work per query is
// the same at 1,000 and 8,000 templated references. Besides the stock
// phrases (boilerplate), each reference holds a "topic" phrase found in
// exactly MaxRefs references, the most a query may walk.
func TestContainmentWorkBound(t *testing.T) {
	const maxRefs = 20
	topic := func(k int) string { return fmt.Sprintf("topic%d is about part%d of the product", k, k) }
	for _, size := range []int{1000, 8000} {
		r := rand.New(rand.NewPCG(3, uint64(size)))
		c := mustContainment(t, 5)
		if err := c.SetMaxRefs(maxRefs); err != nil {
			t.Fatal(err)
		}
		for i := range size {
			if _, err := c.Add(uint32(i), templatedText(r, 8)+" "+topic(i/maxRefs)); err != nil {
				t.Fatal(err)
			}
		}
		worst := 0.0
		for q := range 300 {
			before := c.Stats()
			query := templatedText(r, 8) + " " + topic(q%(size/maxRefs)) + " and " + topic((q+1)%(size/maxRefs))
			if q%10 == 0 {
				query = templatedText(r, 0) // only stock phrases
			}
			c.QueryEither(query, 0.5)
			after := c.Stats()
			visited, ngrams := after.Visited-before.Visited, after.QueryNgrams-before.QueryNgrams
			if visited > maxRefs*ngrams {
				t.Fatalf("%d references: a query of %d n-grams walked %d postings, bound %d", size, ngrams, visited, maxRefs*ngrams)
			}
			if ngrams > 0 {
				worst = max(worst, float64(visited)/float64(ngrams))
			}
		}
		st := c.Stats()
		t.Logf("%d references: %d queries, %.1f postings visited per query n-gram (worst %.1f), %d skipped as boilerplate (%d boilerplate n-grams)",
			size, st.Queries, float64(st.Visited)/float64(st.QueryNgrams), worst, st.Skipped, st.Boilerplate)
	}
}

// TestContainmentIncrementalBuild: adding references after a query gives
// the same answers as building the index in one go, also for n-grams that
// cross the boilerplate bound in a later batch.
func TestContainmentIncrementalBuild(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	refs := make([]string, 240)
	for i := range refs {
		refs[i] = templatedText(r, 5+r.IntN(10))
	}
	queries := make([]string, 60)
	for i := range queries {
		queries[i] = templates[i%len(templates)] + " " + ownWords(refs[(i*7)%len(refs)])
	}
	oneGo := mustContainment(t, 4)
	steps := mustContainment(t, 4)
	small := mustContainment(t, 4) // merges every few references as they are added
	small.minMerge = 40
	for _, c := range []*ContainmentIndex{oneGo, steps, small} {
		if err := c.SetMaxRefs(25); err != nil {
			t.Fatal(err)
		}
	}
	// The ids of one batch come in descending order, so that a merge
	// interleaves older and newer ids of an n-gram.
	for i := range refs {
		oneGo.Add(uint32(i), refs[i])
	}
	for batch := range 3 {
		for i := (batch+1)*80 - 1; i >= batch*80; i-- {
			steps.Add(uint32(i), refs[i])
			small.Add(uint32(i), refs[i])
		}
		steps.QueryEither(queries[batch], 0.3) // builds
	}
	if small.Stats().Postings == 0 {
		t.Fatal("no postings")
	}
	for name, c := range map[string]*ContainmentIndex{"in steps": steps, "merged as added": small} {
		for i, q := range queries {
			a, b := fmt.Sprint(oneGo.QueryEither(q, 0.3)), fmt.Sprint(c.QueryEither(q, 0.3))
			if a != b {
				t.Errorf("query %d: one go %s, %s %s", i, a, name, b)
			}
		}
		sa, sb := oneGo.Stats(), c.Stats()
		if sa.Boilerplate != sb.Boilerplate || sa.BoilerplatePostings != sb.BoilerplatePostings || fmt.Sprint(sa.Top) != fmt.Sprint(sb.Top) || sa.Postings != sb.Postings || sa.Ngrams != sb.Ngrams {
			t.Errorf("stats differ: one go %+v, %s %+v", sa, name, sb)
		}
	}
}

// TestContainmentBoilerplateTop: the report names the 5 most common
// boilerplate n-grams by hash (never their text), most references first.
func TestContainmentBoilerplateTop(t *testing.T) {
	c := mustContainment(t, 5)
	c.SetMaxRefs(10)
	phrases := []string{"alpha beta gamma delta epsilon", "one two three four five", "red green blue cyan magenta",
		"north south east west up", "cat dog cow pig hen", "mon tue wed thu fri", "jan feb mar apr may"}
	id := uint32(0)
	for p, phrase := range phrases {
		for range 11 + p { // phrase p is in 11+p references: all boilerplate
			c.Add(id, fmt.Sprintf("%s x%d y%d z%d q%d", phrase, id, id, id, id))
			id++
		}
	}
	st := c.Stats()
	if len(st.Top) != 5 || st.Boilerplate != len(phrases) {
		t.Fatalf("stats %+v", st)
	}
	for i, top := range st.Top {
		p := len(phrases) - 1 - i
		want := fmt.Sprintf("%016x", c.sh.AppendSet(nil, phrases[p])[0])
		if top.Hash != want || top.Records != 11+p {
			t.Errorf("top %d: %+v, want %s in %d", i, top, want, 11+p)
		}
	}
	if err := mustContainment(t, 5).SetMaxRefs(0); err == nil {
		t.Error("bound 0 accepted")
	}
	// A reference made only of boilerplate can never match.
	if got := c.QueryEither("mon tue wed thu fri", 0.01); len(got) != 0 {
		t.Errorf("boilerplate-only query matched %+v", got)
	}
}

func TestSideText(t *testing.T) {
	chat := &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{
		{Role: "system", Content: "Be brief."}, {Role: "user", Content: "q1"}, {Role: "assistant", Content: "a1"},
		{Role: "user", Content: "q2"}, {Role: "tool", Content: "t"}, {Role: "assistant", Content: "a2"}}}
	comp := &schemas.Example{Kind: schemas.KindCompletion, Prompt: "p", Completion: "c"}
	text := &schemas.Example{Kind: schemas.KindText, Text: "x"}
	cases := []struct {
		side Side
		ex   *schemas.Example
		want string
	}{
		{SidePrompt, chat, "q1\n\nq2"},
		{SideCompletion, chat, "a1\n\na2"},
		{SideAll, chat, "q1\n\na1\n\nq2\n\nt\n\na2"},
		{SidePrompt, comp, "p"},
		{SideCompletion, comp, "c"},
		{SideAll, comp, "p\n\nc"},
		{SideCompletion, text, "x"},
		{SidePrompt, nil, "main text"},
	}
	for _, tc := range cases {
		if got := tc.side.Text(tc.ex, "main text"); got != tc.want {
			t.Errorf("%s of %+v: %q, want %q", tc.side, tc.ex, got, tc.want)
		}
	}
	for in, want := range map[string]Side{"": SidePrompt, "prompt": SidePrompt, "completion": SideCompletion, "all": SideAll} {
		if got, err := ParseSide(in); got != want || err != nil {
			t.Errorf("ParseSide(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseSide("answer"); err == nil {
		t.Error(`ParseSide("answer") accepted`)
	}
}

func TestHandoff(t *testing.T) {
	var none *Handoff
	if side, ok := none.Offered(); ok || side != SidePrompt {
		t.Errorf("nil handoff offered %q", side)
	}
	h := &Handoff{}
	if _, ok := h.Offered(); ok {
		t.Error("empty handoff offered an index")
	}
	if _, err := h.Index(); err == nil {
		t.Error("index of an empty handoff")
	}
	idx := mustContainment(t, 5)
	if err := h.Offer(idx, SideAll); err != nil {
		t.Fatal(err)
	}
	if err := h.Offer(idx, SideAll); err == nil {
		t.Error("offered twice")
	}
	if side, ok := h.Offered(); !ok || side != SideAll {
		t.Errorf("offered %q %v", side, ok)
	}
	if _, err := h.Index(); err == nil {
		t.Error("index before Seal")
	}
	h.Seal()
	if got, err := h.Index(); got != idx || err != nil {
		t.Errorf("index after Seal: %v", err)
	}
}
