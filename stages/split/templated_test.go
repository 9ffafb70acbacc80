package split

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
)

// templatedSystem is the system prompt every templated example shares.
const templatedSystem = "You are a helpful customer support agent. Be concise, polite and concrete about the next steps."

// templatedAnswer is the canned answer of an intent: a stock opening and
// closing that every answer shares around 30 words of the intent's own.
func templatedAnswer(intent int) string {
	r := rand.New(rand.NewPCG(uint64(intent), 1<<40))
	var b strings.Builder
	b.WriteString("Thank you for reaching out. I understand how important this is for you and I am here to help.")
	for range 30 {
		fmt.Fprintf(&b, " a%d", r.IntN(50000))
	}
	b.WriteString(". If anything is unclear you can reach our customer service team at any time and we will be glad to assist you further.")
	return b.String()
}

// templatedQuestion is question q of an intent: a few shared openers and
// closers around words drawn from a large vocabulary, so that two questions
// share at most a stock phrase.
func templatedQuestion(intent, q int) string {
	r := rand.New(rand.NewPCG(uint64(intent), uint64(q)))
	openers := []string{"hi there i need some help", "hello could you please tell me", "i would like to know", "can you help me understand", "good morning i have a question"}
	closers := []string{"thanks a lot", "thank you in advance", "please help me", "any help is appreciated", ""}
	var b strings.Builder
	b.WriteString(openers[r.IntN(len(openers))])
	fmt.Fprintf(&b, " about intent%d", intent)
	for range 8 + r.IntN(6) {
		fmt.Fprintf(&b, " v%d", r.IntN(50000))
	}
	if c := closers[r.IntN(len(closers))]; c != "" {
		b.WriteString(" " + c)
	}
	return b.String()
}

// templatedDoc is a support ticket as the chat template makes it: the
// shared system prompt, the customer's question, the intent's canned answer.
// Its main text is question and answer, as text_fields [instruction,
// response] give.
func templatedDoc(id string, intent int, question string) *schemas.Document {
	answer := templatedAnswer(intent)
	return &schemas.Document{ID: id, Label: fmt.Sprintf("intent%02d", intent), Text: question + "\n\n" + answer,
		Source: schemas.Source{Path: "tickets.csv", Line: 1},
		Example: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{
			{Role: "system", Content: templatedSystem}, {Role: "user", Content: question}, {Role: "assistant", Content: answer}}}}
}

// templatedTickets returns n tickets over the given number of intents, in
// input order; ticket i asks question i/intents of intent i%intents.
func templatedTickets(n, intents int) []*schemas.Document {
	out := make([]*schemas.Document, n)
	for i := range out {
		out[i] = templatedDoc(fmt.Sprintf("t%06d", i), i%intents, templatedQuestion(i%intents, i/intents))
	}
	return out
}

// docSource emits the given records in order.
type docSource []*schemas.Document

func (ds docSource) Name() string { return "src" }

func (ds docSource) Read(_ context.Context, _ *pipeline.Env, emit func(*schemas.Document) error) error {
	for _, d := range ds {
		if err := emit(d); err != nil {
			return err
		}
	}
	return nil
}

// plantedTickets is 20 intents x 30 questions with one canned answer per
// intent, plus 5 near-verbatim copies of questions (one word changed)
// asked again under the same intent. Group field g places each planted
// original in test and its copy in train (hash method, group_key g); every
// other ticket is its own group. It returns the records and the planted
// pairs as train ID -> test ID.
func plantedTickets(t *testing.T, cfg Config) ([]*schemas.Document, map[string]string) {
	st, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	groupIn := func(prefix, split string) string {
		for j := 0; ; j++ {
			if g := fmt.Sprintf("%s-%d", prefix, j); st.assign("field:"+g) == split {
				return g
			}
		}
	}
	docs := templatedTickets(600, 20)
	for _, d := range docs {
		d.Fields = schemas.Fields{{Name: "g", Value: d.ID}}
	}
	planted := map[string]string{}
	for k := range 5 {
		orig := docs[k*97]
		intent := k * 97 % 20
		q := orig.Example.Messages[1].Content
		copyQ := q[:strings.LastIndexByte(q, ' ')] + " whatever" // one word changed
		cp := templatedDoc(fmt.Sprintf("copy%d", k), intent, copyQ)
		orig.Fields[0].Value = groupIn(fmt.Sprintf("orig%d", k), Test)
		cp.Fields = schemas.Fields{{Name: "g", Value: groupIn(fmt.Sprintf("copy%d", k), Train)}}
		docs = append(docs, cp)
		planted[cp.ID] = orig.ID
	}
	return docs, planted
}
