package fewshot

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/stages/minhash"
	"github.com/tuneprep/tuneprep/stages/pricing"
	"github.com/tuneprep/tuneprep/stages/tokenizer"
)

// cannedTickets is templated support data: 20 intents, each with one canned
// answer and 30 differently worded questions (8 of 10 in train, 1 in
// validation, 1 in test), plus 5 training tickets whose question copies a
// test question of the same intent with one word changed. It returns the
// records and the IDs of the 5 copies.
func cannedTickets() (docs, map[string]bool) {
	// seeded draws from a large vocabulary: two texts share no 5-gram by chance
	vocab := func(seed, n int) string {
		r := rand.New(rand.NewPCG(uint64(seed), 7))
		var b strings.Builder
		for range n {
			fmt.Fprintf(&b, " v%d", r.IntN(100000))
		}
		return b.String()
	}
	answer := func(intent int) string {
		return "Thank you for reaching out. I understand how important this is and I am here to help." + vocab(intent+9000, 30) +
			". If anything is unclear you can reach our customer service team at any time."
	}
	question := func(intent, q int) string {
		return []string{"hi there i need some help with", "could you please tell me about", "i would like to know about"}[q%3] + vocab(intent*100+q, 12)
	}
	var in docs
	splits := []string{"train", "train", "train", "train", "train", "train", "train", "train", "validation", "test"}
	for q := range 30 {
		for intent := range 20 {
			in = append(in, qa(fmt.Sprintf("i%02dq%02d", intent, q), splits[q%10], fmt.Sprintf("intent%02d", intent), question(intent, q), answer(intent)))
		}
	}
	copies := map[string]bool{}
	for k := range 5 {
		intent, q := k*3, 9+10*(k%3) // a test question
		orig := question(intent, q)
		id := fmt.Sprintf("copy%d", k)
		in = append(in, qa(id, "train", fmt.Sprintf("intent%02d", intent), orig[:strings.LastIndexByte(orig, ' ')]+" please", answer(intent)))
		copies[id] = true
	}
	return in, copies
}

// TestBanksOnCannedAnswers: every label gets k examples although all
// examples of a label share their answer with its validation and test
// records; only the 5 training questions copied from test are excluded.
// The same holds with the index the split stage shares.
func TestBanksOnCannedAnswers(t *testing.T) {
	in, copies := cannedTickets()
	check := func(name string, st Stats, lines []bankLine) {
		t.Helper()
		excluded := 0
		for _, b := range st.Banks {
			excluded += b.OverlapsEval
			if b.Selected != 5 {
				t.Errorf("%s: bank %s has %d examples, want 5", name, b.Label, b.Selected)
			}
		}
		if len(st.Banks) != 20 || excluded != 5 {
			t.Errorf("%s: %d banks, %d candidates excluded for overlap; want 20 and the 5 copies", name, len(st.Banks), excluded)
		}
		for _, l := range lines {
			if copies[l.ID] {
				t.Errorf("%s: bank holds %s, a copy of a test question", name, l.ID)
			}
		}
	}
	own, lines, _ := runBanks(t, Defaults(), in)
	check("own index", own, lines)
	if own.Overlap.Shared || own.Overlap.Side != "prompt" || own.Overlap.N != 5 {
		t.Errorf("own index: %+v", own.Overlap)
	}

	// What the split stage does with a Share: offer, index, seal.
	h := &minhash.Handoff{}
	idx, _ := minhash.NewContainmentIndex(5, minhash.ShingleConfig{})
	h.Offer(idx, minhash.SidePrompt)
	n := 0
	for _, d := range in {
		if d.Split == "validation" || d.Split == "test" {
			idx.Add(uint32(n), minhash.SidePrompt.Text(d.Example, d.Text))
			n++
		}
	}
	h.Seal()
	cfg := Defaults()
	cfg.EvalIndex = h
	shared, lines, _ := runBanks(t, cfg, in)
	check("shared index", shared, lines)
	if !shared.Overlap.Shared || idx.Stats().References != n {
		t.Errorf("shared index: %+v, %d records indexed (want %d: the stage adds none)", shared.Overlap, idx.Stats().References, n)
	}
}

// TestSharedIndexNotSealed: a shared index whose stage has not finished is
// an error at Finish, not a silent empty check.
func TestSharedIndexNotSealed(t *testing.T) {
	h := &minhash.Handoff{}
	idx, _ := minhash.NewContainmentIndex(5, minhash.ShingleConfig{})
	h.Offer(idx, minhash.SidePrompt)
	cfg := Defaults()
	cfg.EvalIndex = h
	tok, _ := tokenizer.Get(tokenizer.O200KBase)
	s, err := New(cfg, tok, pricing.Model{Name: "m"})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := cannedTickets()
	_, err = pipeline.Run(context.Background(), pipeline.RunOptions{Plan: pipeline.Plan{Source: in, Stages: []pipeline.Stage{s}}, OutDir: filepath.Join(t.TempDir(), "out")})
	if err == nil || !strings.Contains(err.Error(), "not complete") {
		t.Errorf("run: %v, want an error about the incomplete index", err)
	}
}
