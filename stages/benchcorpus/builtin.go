package benchcorpus

import (
	"slices"
	"strings"
)

// source draws ordinary records of one kind.
type source interface {
	// name says where the text comes from: builtin, bitext or cuad.
	name() string
	// draw returns a new ordinary record made with r.
	draw(r *rng) record
}

// builtinSupport writes tickets from the built-in vocabulary: a customer
// message of four to six sentences (about 45-65 words) and an agent reply of
// five or six (about 65-90 words), longer as replies tend to be.
type builtinSupport struct{}

func (builtinSupport) name() string { return "builtin" }

func (builtinSupport) draw(r *rng) record {
	in := pick(r, supportIntents)
	q := []string{pick(r, supportOpeners)}
	q = append(q, withLead(r, "{clead}", pick(r, in.problems)), withLead(r, "{clead}", pick(r, supportDetails)),
		withLead(r, "{clead}", pick(r, in.requests)))
	if r.chance(0.3) {
		q = append(q, withLead(r, "{clead}", pick(r, supportDetails)))
	}
	if r.chance(0.6) {
		q = append(q, pick(r, supportClosings))
	}
	act := r.intn(len(in.actions))
	a := []string{pick(r, supportAcks), withLead(r, "{alead}", in.actions[act]),
		withLead(r, "{alead}", in.actions[(act+1+r.intn(len(in.actions)-1))%len(in.actions)])} // two different actions
	a = append(a, withLead(r, "{alead}", pick(r, supportNexts)))
	if r.chance(0.7) {
		a = append(a, withLead(r, "{alead}", pick(r, supportNexts)))
	}
	a = append(a, pick(r, supportSignoffs))
	cust := pick(r, slots["given"])
	for _, s := range [][]string{q, a} {
		for i, t := range s {
			s[i] = strings.ReplaceAll(t, "{cust}", cust)
		}
	}
	return record{label: in.name, prompt: fill(r, supportVariants, q), reply: fill(r, supportVariants, a), promptField: "instruction"}
}

// withLead puts a connecting phrase ("Also, ", often none) before a
// sentence template, lowering its first letter unless that starts "I" or a
// slot (names, order numbers).
func withLead(r *rng, slot, tmpl string) string {
	lead := expand(r, slot)
	if lead == "" {
		return tmpl
	}
	first, _, _ := strings.Cut(tmpl, " ")
	if first != "I" && !strings.HasPrefix(first, "I'") && tmpl[0] != '{' {
		tmpl = strings.ToLower(tmpl[:1]) + tmpl[1:]
	}
	return lead + tmpl
}

// fill expands each template into a sentence, varies its words and joins
// the sentences with spaces. A template drawn twice is expanded twice, with
// different slot values.
func fill(r *rng, v *variantTable, templates []string) string {
	out := make([]string, len(templates))
	for i, t := range templates {
		s := vary(r, v, expand(r, t))
		out[i] = strings.ToUpper(s[:1]) + s[1:]
	}
	return strings.Join(out, " ")
}

// builtinContracts writes clauses from the built-in vocabulary: an opening
// that names the parties and three to five of the nine or ten sentences of
// one clause type (about 70-120 words).
type builtinContracts struct{}

func (builtinContracts) name() string { return "builtin" }

func (builtinContracts) draw(r *rng) record {
	ct := pick(r, clauseTypes)
	n := r.between(3, 5)
	order := make([]int, len(ct.sentences))
	for i := range order {
		order[i] = i
	}
	for i := 0; i < n; i++ { // n distinct sentences, in their usual order
		j := i + r.intn(len(order)-i)
		order[i], order[j] = order[j], order[i]
	}
	chosen := order[:n]
	slices.Sort(chosen)
	s := []string{pick(r, clauseOpeners)}
	for _, i := range chosen {
		s = append(s, ct.sentences[i])
	}
	return record{label: ct.name, prompt: fill(r, contractVariants, s), promptField: "text"}
}
