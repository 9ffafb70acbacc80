package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/stages/ingest"
	"github.com/tuneprep/tuneprep/stages/split"
)

// supportWords are the words the generated questions are drawn from.
var supportWords = strings.Fields(`account address app bank bill billing box card cart charge code coupon
credit date delivery device discount email error fee gift invoice item label link login mail menu method
number offer order package page password payment phone plan points price product profile promo purchase
receipt refund reward screen setting shipment size store subscription support tax ticket tracking transfer
voucher wallet warranty week yesterday today morning evening twice again still never already changed
missing wrong broken late early blocked expired pending failed declined duplicate extra partial full new old`)

// cannedSupport writes templated support tickets: 20 intents, each with one
// canned answer and 30 differently worded questions. copies maps a ticket
// (its 0-based row) to the row whose question it repeats with one word
// changed, under the same intent.
func cannedSupport(copies map[int]int) string {
	const intents, perIntent = 20, 30
	openers := []string{"hi there i need some help with my", "hello could you please tell me about the", "i would like to know what happened to my",
		"good morning i have a question about the", "can you explain the"}
	question := func(row int) string {
		r := rand.New(rand.NewPCG(uint64(row), 99))
		var b strings.Builder
		b.WriteString(openers[r.IntN(len(openers))])
		for range 12 + r.IntN(6) {
			b.WriteString(" " + supportWords[r.IntN(len(supportWords))])
		}
		return b.String() + "?"
	}
	answer := func(intent int) string {
		r := rand.New(rand.NewPCG(uint64(intent), 7))
		var b strings.Builder
		b.WriteString("Thank you for reaching out. I understand how important this is for you and I am here to help.")
		for range 25 {
			b.WriteString(" " + supportWords[r.IntN(len(supportWords))])
		}
		return b.String() + ". If anything is unclear you can reach our customer service team at any time."
	}
	var out strings.Builder
	for row := range intents * perIntent {
		q := question(row)
		if orig, ok := copies[row]; ok {
			q = question(orig)
			q = q[:strings.LastIndexByte(q, ' ')] + " please?"
		}
		line, _ := json.Marshal(map[string]string{"intent": fmt.Sprintf("intent%02d", row%intents), "question": q, "answer": answer(row % intents)})
		out.Write(append(line, '\n'))
	}
	return out.String()
}

const cannedConfig = `input:
  include: ["tickets.jsonl"]
  text_fields: [question, answer]
  label_fields: [intent]
dedup:
  # The planted question copies must reach the split for the leakage check
  # to see them; near-duplicate removal would drop them first.
  near:
    enabled: false
template:
  rules:
    - system: You are a helpful customer-support agent. Be concise and concrete.
      user: "{{.question}}"
      assistant: "{{.answer}}"
split:
  method: exact
`

// splitsOf reads the split of every record from the ids sidecars.
func splitsOf(t *testing.T, out string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, sp := range split.Names() {
		paths, _ := filepath.Glob(filepath.Join(out, "finetune", "*", sp+".ids.jsonl"))
		more, _ := filepath.Glob(filepath.Join(out, "finetune", sp+".ids.jsonl"))
		for _, p := range append(paths, more...) {
			for _, l := range readJSONL(t, p) {
				got[l["id"].(string)] = sp
			}
		}
	}
	return got
}

// splitReport reads the split stage's report.
func splitReport(t *testing.T, out string) split.Stats {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(out, "reports", "*-split.json"))
	if len(matches) != 1 {
		t.Fatalf("split reports: %v", matches)
	}
	b, _ := os.ReadFile(matches[0])
	var r struct{ Stats split.Stats }
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r.Stats
}

// TestOverlapTemplatedSupport: templated support data (20 intents, one
// canned answer each, 30 differently worded questions; exact split with
// intent labels; chat template). Every intent gets a full few-shot bank, and
// the leakage report lists exactly the 5 training tickets whose question
// repeats a test question near-verbatim, not every ticket that shares a
// canned answer with an evaluation ticket.
func TestOverlapTemplatedSupport(t *testing.T) {
	dir := t.TempDir()
	in := writeFiles(t, map[string]string{"tickets.jsonl": cannedSupport(nil), "c.yaml": cannedConfig})
	out := filepath.Join(dir, "first")
	runOK(t, "--config", filepath.Join(in, "c.yaml"), "--in", in, "--out", out)
	first := splitsOf(t, out)
	if len(first) != 600 {
		t.Fatalf("%d records in the splits, want 600", len(first))
	}
	if lk := splitReport(t, out).Leakage; lk == nil || lk.Pairs != 0 {
		t.Fatalf("leakage without copies: %+v", lk)
	}

	// Pick 5 test tickets of different intents and, for each, a training
	// ticket of its intent whose question becomes a copy of the test
	// question. Editing a question moves no record: the exact split deals
	// groups (here, records) by a seeded hash of the record ID (path and
	// line) within each label.
	idOf := func(row int) string { return ingest.RecordID("tickets.jsonl", row+1) }
	copies := map[int]int{}
	want := map[string]string{} // train ID -> test ID
	done := map[int]bool{}      // intents with a copy
	for row := 0; row < 600 && len(copies) < 5; row++ {
		intent := row % 20
		if first[idOf(row)] != split.Test || done[intent] {
			continue
		}
		done[intent] = true
		for tr := intent; tr < 600; tr += 20 {
			if first[idOf(tr)] == split.Train {
				copies[tr] = row
				want[idOf(tr)] = idOf(row)
				break
			}
		}
	}
	if len(copies) != 5 {
		t.Fatalf("planted %d copies, want 5", len(copies))
	}
	os.WriteFile(filepath.Join(in, "tickets.jsonl"), []byte(cannedSupport(copies)), 0o644)
	out = filepath.Join(dir, "second")
	runOK(t, "--config", filepath.Join(in, "c.yaml"), "--in", in, "--out", out)
	checkBalance(t, out)
	second := splitsOf(t, out)
	for id, sp := range first {
		if second[id] != sp {
			t.Fatalf("%s moved from %s to %s", id, sp, second[id])
		}
	}

	st := splitReport(t, out)
	lk := st.Leakage
	if lk == nil || lk.Fields != "prompt" || lk.Pairs != 5 || lk.Records != 5 || len(lk.Worst) != 5 {
		b, _ := json.MarshalIndent(lk, "", "  ")
		t.Fatalf("leakage: want exactly the 5 planted pairs\n%s", b)
	}
	for _, p := range lk.Worst {
		if want[p.Train] != p.Other || p.Split != split.Test {
			t.Errorf("reported %+v; planted %v", p, want)
		}
	}

	fs, lines := readBanks(t, out)
	excluded := 0
	for _, b := range fs.Banks {
		excluded += b.OverlapsEval
		if b.Selected != 5 {
			t.Errorf("bank %s: %d examples, want 5", b.Label, b.Selected)
		}
	}
	if len(fs.Banks) != 20 || excluded != 5 {
		t.Errorf("%d banks, %d candidates excluded for overlap; want 20 banks and the 5 copies excluded", len(fs.Banks), excluded)
	}
	for _, l := range lines {
		if _, ok := want[l["id"].(string)]; ok {
			t.Errorf("bank example %s repeats a test question", l["id"])
		}
	}
	if fs.Overlap.Side != lk.Fields {
		t.Errorf("few-shot exclusion compares %q, leakage %q", fs.Overlap.Side, lk.Fields)
	}
	if !fs.Overlap.Shared {
		t.Log("the few-shot stage indexed validation and test itself: cmd_run.go does not pass split's index (split.LeakageConfig.Share) yet")
	}
}
