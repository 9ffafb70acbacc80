package quality

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

func chat(turns ...string) *schemas.Document {
	ex := &schemas.Example{Kind: schemas.KindChat}
	for i, c := range turns {
		role := "user"
		if i%2 == 1 {
			role = "assistant"
		}
		ex.Messages = append(ex.Messages, schemas.Message{Role: role, Content: c})
	}
	return &schemas.Document{Example: ex, Text: ex.Content()}
}

func TestChat(t *testing.T) {
	const q = "How do I change the delivery address of order 5521?"
	const a = "Open the order under My orders, choose Change address and save the new one before the parcel ships."
	toolOnly := chat(q, "")
	toolOnly.Example.Messages[1].ToolCalls = []byte(`[{"id":"1","type":"function","function":{"name":"lookup","arguments":"{}"}}]`)
	completion := &schemas.Document{Example: &schemas.Example{Kind: schemas.KindCompletion, Prompt: q, Completion: " "}}
	completion.Text = completion.Example.Content()
	checkVerdicts(t, stage(t, nil), []verdictCase{
		{"good answer", chat(q, a), ""},
		{"empty assistant", chat(q, "  "), "quality-chat-empty-assistant"},
		{"empty second turn", chat(q, a, "Thanks, and the phone number?", ""), "quality-chat-empty-assistant"},
		{"one-word answer kept by default", chat("Is the order paid?", "Yes."), ""},
		{"tool call only", toolOnly, ""},
		{"empty completion", completion, "quality-chat-empty-assistant"},
		{"echo", chat(q, "  how do I change the delivery  address of order 5521? "), "quality-chat-echo"},
		{"answer that quotes the question", chat(q, "You asked: "+q+" "+a), ""},
		{"AI boilerplate", chat(q, "As an AI language model, I cannot see your orders. "+a), "quality-chat-boilerplate"},
		{"a support refusal is data", chat(q, "I'm sorry, but I can't change the address once the parcel has shipped."), ""},
	})
	checkVerdicts(t, stage(t, func(c *Config) { c.Chat.MinAssistantWords = 2 }), []verdictCase{
		{"one word, minimum 2", chat("Is the order paid?", "Yes."), "quality-chat-short-assistant"},
		{"two words, minimum 2", chat("Is the order paid?", "Yes, paid."), ""},
	})
	checkVerdicts(t, stage(t, func(c *Config) { c.Chat.Boilerplate = []string{"Per my last email"} }), []verdictCase{
		{"own phrase", chat(q, "per my last email, "+a), "quality-chat-boilerplate"},
		{"default phrase no longer listed", chat(q, "As an AI language model, "+a), ""},
	})
}

// words returns n words of the given length ("aaa bbb ...") without stop words.
func words(n, length int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = strings.Repeat(string(rune('a'+i%26)), length)
	}
	return strings.Join(w, " ")
}

func lines(n int, line func(i int) string) string {
	out := make([]string, n)
	for i := range out {
		out[i] = line(i)
	}
	return strings.Join(out, "\n")
}

func TestGopher(t *testing.T) {
	s := stage(t, func(c *Config) { c.Repetition.Enabled = false; c.Language.Enabled = false })
	sentence := func(i int) string { return fmt.Sprintf("Step %d: check the cable and restart the router", i+1) }
	checkVerdicts(t, s, []verdictCase{
		{"prose", text(prose), ""},
		{"short words", text(words(30, 2)), "quality-word-length"},
		{"mean word length 3 is the bound", text(words(30, 3)), ""},
		{"long words", text(words(30, 11)), "quality-word-length"},
		{"mean word length 10 is the bound", text(words(30, 10)), ""},
		{"too few words for the ratio rules", text(words(19, 2)), ""},
		{"hashtags", text(prose + strings.Repeat(" #sale", 15)), "quality-symbols"},
		{"a few hashtags", text(prose + " #sale #deal"), ""},
		{"ellipses count as symbols", text(prose + strings.Repeat(" and...", 16)), "quality-symbols"},
		{"all bullet lines", text(lines(10, func(i int) string { return "- " + sentence(i) })), "quality-bullets"},
		{"nine of ten bullet lines", text("Steps:\n" + lines(9, func(i int) string { return "• " + sentence(i) })), ""},
		{"a short list", text(lines(4, func(i int) string { return "- " + sentence(i) })), ""},
		{"ellipsis lines", text(lines(10, func(i int) string {
			if i%5 < 2 {
				return sentence(i) + "..."
			}
			return sentence(i) + "."
		})), "quality-ellipsis"},
		{"few ellipsis lines", text(lines(10, func(i int) string {
			if i%5 == 0 {
				return sentence(i) + "…"
			}
			return sentence(i) + "."
		})), ""},
		{"numbers", text("Totals: " + strings.Repeat("1,200 3,400 5.6 2019 ", 10)), "quality-alphabetic"},
		{"a table with labels", text(lines(8, func(i int) string { return fmt.Sprintf("Revenue from services %d | 2019 | 2018", i) })), ""},
	})
	checkVerdicts(t, stage(t, func(c *Config) { c.Gopher.MinWords = 50; c.Gopher.MaxWords = 200; c.Repetition.Enabled = false }), []verdictCase{
		{"under min_words", text(words(49, 5)), "quality-words"},
		{"at min_words", text(words(50, 5)), ""},
		{"over max_words", text(prose + " " + prose2 + " " + words(30, 5)), "quality-words"},
	})
}

func TestStopWords(t *testing.T) {
	s := stage(t, func(c *Config) { c.Repetition.Enabled = false })
	// English by the fast path (you, your, please, can, will...), 100+
	// words, and at most one of Gopher's stop words.
	telegraphic := strings.Repeat("Please check your account settings, you can reset it. Router reboot fixed nothing. Still offline since Monday, modem lights blinking orange. ", 6)
	checkVerdicts(t, s, []verdictCase{
		{"English without stop words", text(telegraphic), "quality-stop-words"},
		{"English with stop words", text(prose), ""},
		{"the same under 100 words", text(strings.Repeat("Please check your account settings, you can reset it. Router reboot fixed nothing. ", 4)), ""},
	})
	if _, detail := verdict(t, s, text(telegraphic)); detail != "0 stop words < 2" {
		t.Errorf("detail %q", detail)
	}
}

func TestRepetition(t *testing.T) {
	s := stage(t, func(c *Config) { c.Language.Enabled = false })
	logLine := "2024-05-01 ERROR payment gateway timeout after 30 seconds, retrying request"
	loop := strings.Repeat("I am sorry for the delay with your order. ", 12)
	steps := lines(6, func(i int) string { return fmt.Sprintf("Step %d of the fix is listed in the runbook.", i+1) })
	checkVerdicts(t, s, []verdictCase{
		{"prose", text(prose + "\n\n" + prose2), ""},
		{"repeated log lines", text("The checkout fails with:\n" + lines(8, func(int) string { return logLine })), "quality-repetition-lines"},
		{"repeated paragraphs", text(repeat(prose2+"\n\n", 4) + steps), "quality-repetition-paragraphs"},
		{"a paragraph twice", text(prose + "\n\n" + prose + "\n\n" + prose2), "quality-repetition-line-chars"},
		{"a repeated pair of words", text(prose + repeat(" very sorry", 80)), "quality-repetition-top-2gram"},
		{"short text is not measured", text(strings.Repeat("thanks again ", 10)), ""},
	})
	// Loops and pastes fail one n-gram rule or another, by their lengths.
	for _, c := range []string{loop, prose + " " + prose + " " + prose2} {
		if got, _ := verdict(t, s, text(c)); !strings.HasPrefix(got, "quality-repetition-") {
			t.Errorf("%.40q...: got %q, want a repetition drop", c, got)
		}
	}
	// The measures near the thresholds.
	var m measures
	m.analyze(prose + " " + prose)
	var ng ngramScratch
	_, dup := ngrams(m.words, &ng)
	if share := float64(dup[0]) / float64(m.bytes); share < 0.45 || share > 0.5 {
		t.Errorf("a text pasted twice: duplicate 5-gram share %.3f, want just under 0.5", share)
	}
	if dups, bytes := dupSpans([]span{{1, 10}, {2, 5}, {1, 10}, {1, 10}}, &ng.tables[0]); dups != 2 || bytes != 20 {
		t.Errorf("dupSpans = %d, %d", dups, bytes)
	}
}

// naiveNgrams is the reference for ngrams: datatrove's algorithms on
// strings, with the top n-gram counted only when it repeats.
func naiveNgrams(toks []string) (top [topNgrams]int, dup [dupNgrams]int) {
	gram := func(i, n int) string { return strings.Join(toks[i:i+n], " ") }
	for n := 2; n <= 4; n++ {
		count := map[string]int{}
		for i := 0; i+n <= len(toks); i++ {
			count[gram(i, n)]++
		}
		for g, c := range count {
			if c >= 2 {
				top[n-2] = max(top[n-2], c*len(g))
			}
		}
	}
	for n := 5; n <= 10; n++ {
		seen := map[string]bool{}
		for i := 0; i+n <= len(toks); {
			g := gram(i, n)
			if seen[g] {
				dup[n-5] += len(g)
				i += n
				continue
			}
			seen[g] = true
			i++
		}
	}
	return top, dup
}

func TestNgramsMatchReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	vocab := strings.Fields("the order was late and we are sorry for it please check again a b")
	var ng ngramScratch
	for round := range 300 {
		n := rng.IntN(120)
		toks := make([]string, 0, n)
		for len(toks) < n {
			if len(toks) > 10 && rng.IntN(4) == 0 { // paste a stretch again
				from := rng.IntN(len(toks) - 5)
				toks = append(toks, toks[from:from+5+rng.IntN(min(10, len(toks)-from-5)+1)]...)
				continue
			}
			toks = append(toks, vocab[rng.IntN(len(vocab)-round%5)])
		}
		var m measures
		m.analyze(strings.Join(toks, " "))
		top, dup := ngrams(m.words, &ng)
		wantTop, wantDup := naiveNgrams(toks)
		if top != wantTop || dup != wantDup {
			t.Fatalf("round %d, %d words: ngrams %v %v, reference %v %v", round, len(toks), top, dup, wantTop, wantDup)
		}
	}
}
