package fewshot

import (
	"container/heap"
	"fmt"
	"sort"
	"strings"

	"github.com/tuneprep/tuneprep/stages/minhash"
)

// pool keeps the limit candidates with the smallest seeded hash: a uniform
// sample of the training split that does not depend on input order or on
// how much data follows.
type pool struct {
	limit int
	seen  int
	h     maxHeap
}

func (p *pool) offer(c *candidate) {
	p.seen++
	if len(p.h) < p.limit {
		heap.Push(&p.h, c)
		return
	}
	if c.key < p.h[0].key {
		p.h[0] = c
		heap.Fix(&p.h, 0)
	}
}

// sorted returns the pool in hash order.
func (p *pool) sorted() []*candidate {
	out := append([]*candidate(nil), p.h...)
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

type maxHeap []*candidate

func (h maxHeap) Len() int           { return len(h) }
func (h maxHeap) Less(i, j int) bool { return h[i].key > h[j].key }
func (h maxHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *maxHeap) Push(x any)        { *h = append(*h, x.(*candidate)) }
func (h *maxHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// bank is one label's selection.
type bank struct {
	label    string
	examples []*candidate
	tokens   int
	stats    BankStats
}

// choose filters a pool (budget, overlap with evaluation records) and
// selects up to K examples by the strategy within the bank budget.
func (s *Stage) choose(label string, p *pool, evalIdx *minhash.ContainmentIndex) (bank, error) {
	b := bank{label: label, stats: BankStats{Label: label, Seen: p.seen, Sampled: len(p.h)}}
	var eligible []*candidate
	for _, c := range p.sorted() {
		c.tokens = s.count.Count(rendered(c))
		if c.tokens > s.cfg.MaxExampleTokens {
			b.stats.OverBudget++
			continue
		}
		if len(evalIdx.QueryEither(c.overlap, s.cfg.OverlapThreshold)) > 0 {
			b.stats.OverlapsEval++
			continue
		}
		sig, n := s.mh.Sign(c.input + "\n" + c.output)
		if n == 0 {
			sig, _ = s.mh.Sign(c.input + " " + c.output + " " + c.input) // very short: still comparable
		}
		c.sig = sig
		eligible = append(eligible, c)
	}
	b.stats.Pool = len(eligible)
	var order []*candidate
	switch s.cfg.Strategy {
	case "diverse":
		order = diverse(eligible, s.cfg.K)
	case "representative":
		order = representative(eligible)
	case "random":
		order = eligible // already in seeded-hash order
	case "shortest":
		order = append([]*candidate(nil), eligible...)
		sort.SliceStable(order, func(i, j int) bool { return order[i].tokens < order[j].tokens })
	default:
		return b, fmt.Errorf("strategy %q", s.cfg.Strategy)
	}
	for _, c := range order {
		if len(b.examples) == s.cfg.K {
			break
		}
		if b.tokens+c.tokens > s.cfg.MaxBankTokens {
			b.stats.SkippedForBankBudget++
			continue
		}
		b.examples = append(b.examples, c)
		b.tokens += c.tokens
	}
	b.stats.Selected = len(b.examples)
	b.stats.MinPairwiseDistance = minPairwise(b.examples)
	if b.stats.Selected < s.cfg.K {
		b.stats.Short = s.short(b.stats)
	}
	return b, nil
}

// short explains a bank with fewer than k examples: the candidates there
// were and what each rule removed.
func (s *Stage) short(st BankStats) string {
	from := s.cfg.From + " records"
	if st.Label != "" {
		from = fmt.Sprintf("%s records labelled %q", s.cfg.From, st.Label)
	}
	why := []string{fmt.Sprintf("%d usable %s", st.Seen, from)}
	if st.Sampled < st.Seen {
		why = append(why, fmt.Sprintf("%d sampled (fewshot.pool)", st.Sampled))
	}
	if st.OverBudget > 0 {
		why = append(why, fmt.Sprintf("%d over max_example_tokens %d", st.OverBudget, s.cfg.MaxExampleTokens))
	}
	if st.OverlapsEval > 0 {
		why = append(why, fmt.Sprintf("%d overlapping validation or test (containment >= %g)", st.OverlapsEval, s.cfg.OverlapThreshold))
	}
	if st.SkippedForBankBudget > 0 {
		why = append(why, fmt.Sprintf("%d skipped to stay within max_bank_tokens %d", st.SkippedForBankBudget, s.cfg.MaxBankTokens))
	}
	msg := strings.Join(why, ", ")
	if st.Sampled < st.Seen && st.SkippedForBankBudget == 0 {
		msg += "; a larger fewshot.pool would consider more candidates"
	}
	return msg
}

// Warnings implements pipeline.Warner: every bank with fewer than k
// examples, and why.
func (s *Stage) Warnings() []string {
	var w []string
	for _, b := range s.banks {
		if b.stats.Short == "" {
			continue
		}
		name := "the bank"
		if b.stats.Label != "" {
			name = fmt.Sprintf("bank %q", b.stats.Label)
		}
		w = append(w, fmt.Sprintf("%s has %d of %d examples: %s", name, b.stats.Selected, s.cfg.K, b.stats.Short))
	}
	return w
}

// diverse is greedy max-min selection: start from the first candidate in
// seeded order, then repeatedly take the candidate farthest (1 - estimated
// Jaccard) from everything chosen so far; ties go to the earlier candidate.
// It returns the chosen ones first, then the rest in seeded order, so that
// budget skips fall back gracefully.
func diverse(cands []*candidate, k int) []*candidate {
	if len(cands) == 0 {
		return nil
	}
	nearest := make([]float64, len(cands)) // distance to the nearest chosen
	for i := range nearest {
		nearest[i] = 2
	}
	taken := make([]bool, len(cands))
	var order []*candidate
	next := 0
	for len(order) < min(len(cands), 4*k) {
		taken[next] = true
		order = append(order, cands[next])
		best, bestD := -1, -1.0
		for i, c := range cands {
			if taken[i] {
				continue
			}
			if d := 1 - minhash.Similarity(c.sig, cands[next].sig); d < nearest[i] {
				nearest[i] = d
			}
			if nearest[i] > bestD {
				best, bestD = i, nearest[i]
			}
		}
		if best < 0 {
			break
		}
		next = best
	}
	for i, c := range cands {
		if !taken[i] {
			order = append(order, c)
		}
	}
	return order
}

// representative orders candidates by mean similarity to the whole pool,
// highest first: the examples most typical of their label.
func representative(cands []*candidate) []*candidate {
	mean := make(map[*candidate]float64, len(cands))
	for i, a := range cands {
		for _, b := range cands[i+1:] {
			sim := minhash.Similarity(a.sig, b.sig)
			mean[a] += sim
			mean[b] += sim
		}
	}
	order := append([]*candidate(nil), cands...)
	sort.SliceStable(order, func(i, j int) bool { return mean[order[i]] > mean[order[j]] })
	return order
}

// minPairwise is the smallest distance (1 - estimated Jaccard) between two
// examples of a bank: how different its most similar pair is.
func minPairwise(cs []*candidate) float64 {
	if len(cs) < 2 {
		return 0
	}
	m := 1.0
	for i, a := range cs {
		for _, b := range cs[i+1:] {
			m = min(m, 1-minhash.Similarity(a.sig, b.sig))
		}
	}
	return float64(int(m*1000+0.5)) / 1000
}
