package benchcorpus

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Kinds of record in a stream's plan.
const (
	kBase uint8 = iota
	kExact
	kNear
	kLeak
	kPII // kPII + i: a base record carrying a value of piiTypes[i]
)

func isBase(k uint8) bool { return k == kBase || k >= kPII }

// RNG purposes: independent draws for one record.
const (
	purposePlan = iota + 1
	purposeText
	purposePII
	purposePlant
)

// stream generates the records of one kind.
type stream struct {
	kind  string
	id    uint64 // rng stream
	n     int
	src   source
	cfg   Config
	plan  []uint8
	m     *measure
	taken map[int]bool // originals of leaks, each used once
}

func newStream(kind string, n int, src source, cfg Config) *stream {
	id := uint64(1)
	if kind == "contracts" {
		id = 2
	}
	s := &stream{kind: kind, id: id, n: n, src: src, cfg: cfg, taken: map[int]bool{}}
	s.plan = s.makePlan()
	return s
}

// makePlan decides what each record is: round(rate x n) records of each
// planted kind at seeded random positions after the first (which is always
// ordinary, so that every copy has an earlier original).
func (s *stream) makePlan() []uint8 {
	n := s.n
	plan := make([]uint8, n)
	pos := 1
	put := func(k uint8, rate float64) {
		for c := 0; c < int(math.Round(rate*float64(n))) && pos < n; c++ {
			plan[pos] = k
			if k == kPII { // the types in turn
				plan[pos] += uint8(c % len(piiTypes))
			}
			pos++
		}
	}
	put(kExact, s.cfg.DupRate)
	put(kNear, s.cfg.NearRate)
	put(kLeak, s.cfg.LeakRate)
	put(kPII, s.cfg.PIIRate)
	r := newRNG(s.cfg.Seed, s.id, 0, purposePlan)
	for i := n - 1; i > 1; i-- { // shuffle plan[1:]
		j := 1 + r.intn(i)
		plan[i], plan[j] = plan[j], plan[i]
	}
	return plan
}

// base regenerates ordinary record i, with its PII value if it has one.
func (s *stream) base(i int) (record, *PIIValue) {
	rec := s.src.draw(newRNG(s.cfg.Seed, s.id, i, purposeText))
	if k := s.plan[i]; k >= kPII {
		v := plantPII(newRNG(s.cfg.Seed, s.id, i, purposePII), &rec, s.kind, piiTypes[k-kPII])
		return rec, &v
	}
	return rec, nil
}

// original picks an ordinary record before i (with PII or not).
func (s *stream) original(r *rng, i int, plain bool) int {
	j := r.intn(i)
	for !isBase(s.plan[j]) || plain && s.plan[j] != kBase {
		j--
	}
	return j
}

// sourceOf is where record i is written.
func (s *stream) sourceOf(i int, rec record) Source {
	if s.kind == "contracts" {
		return Source{Path: fmt.Sprintf("contracts/%s/c%09d.txt", rec.label, i+1)}
	}
	return Source{Path: fmt.Sprintf("support/tickets-%05d.jsonl", i/s.cfg.ShardRecords+1), Line: i%s.cfg.ShardRecords + 1}
}

// leak builds the leak at i: it tries a few unused originals without PII
// and keeps the first whose leak stays below leakMaxJaccard and reaches
// leakMinContainment over the main texts, else the best one (the texts of
// some sources have short prompts: their leaks show on the prompt side only).
func (s *stream) leak(r *rng, i int) (record, Truth) {
	var best record
	var bt Truth
	bestScore, bestJ := math.Inf(-1), 0
	for attempt := 0; attempt < 16; attempt++ {
		j := s.original(r, i, true)
		if s.taken[j] && attempt < 15 {
			continue
		}
		orig, _ := s.base(j)
		l := leakOf(r, orig)
		t := Truth{Kind: KindLeak, Edits: 1,
			Jaccard:           round3(s.m.jaccard(orig.mainText(), l.mainText())),
			Containment:       round3(s.m.containment(orig.mainText(), l.mainText())),
			PromptContainment: round3(s.m.containment(orig.prompt, l.prompt))}
		o := s.sourceOf(j, orig)
		t.Original = &o
		score := t.Containment
		if t.Jaccard > leakMaxJaccard {
			score -= 10 + t.Jaccard
		}
		if score > bestScore {
			best, bt, bestScore, bestJ = l, t, score, j
		}
		if t.Jaccard <= leakMaxJaccard && t.Containment >= leakMinContainment {
			break
		}
	}
	s.taken[bestJ] = true
	return best, bt
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// generate writes the stream's records and reports each planted item.
func (s *stream) generate(ctx context.Context, root string, truth func(Truth) error, sum *Summary) (StreamSummary, error) {
	ss := StreamSummary{Kind: s.kind, Records: s.n, Text: s.src.name()}
	w := &recordWriter{root: root, dirs: map[string]bool{}}
	defer w.close()
	for i := 0; i < s.n; i++ {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return ss, err
			}
		}
		var rec record
		var t *Truth
		r := newRNG(s.cfg.Seed, s.id, i, purposePlant)
		switch k := s.plan[i]; {
		case k == kBase:
			rec, _ = s.base(i)
		case k >= kPII:
			var v *PIIValue
			rec, v = s.base(i)
			t = &Truth{Kind: KindPII, PII: v}
			sum.Planted.PII++
			sum.PIIByType.add(v.Type)
		case k == kExact:
			j := s.original(r, i, false)
			rec, _ = s.base(j)
			o := s.sourceOf(j, rec)
			t = &Truth{Kind: KindExact, Original: &o, Jaccard: 1, Containment: 1, PromptContainment: 1}
			sum.Planted.ExactDuplicate++
		case k == kNear:
			j := s.original(r, i, false)
			orig, _ := s.base(j)
			o := s.sourceOf(j, orig)
			var edits int
			var jac float64
			rec, edits, jac = nearCopy(r, s.m, orig)
			t = &Truth{Kind: KindNear, Original: &o, Edits: edits, Jaccard: round3(jac),
				Containment:       round3(s.m.containment(orig.mainText(), rec.mainText())),
				PromptContainment: round3(s.m.containment(orig.prompt, rec.prompt))}
			sum.Planted.NearDuplicate++
		case k == kLeak:
			var lt Truth
			rec, lt = s.leak(r, i)
			t = &lt
			sum.Planted.Leak++
			if lt.Containment >= leakMinContainment {
				sum.LeaksFullText++
			}
		}
		src := s.sourceOf(i, rec)
		if t != nil {
			t.Source = src
			if err := truth(*t); err != nil {
				return ss, err
			}
		}
		if err := w.write(src, s.kind, i, rec); err != nil {
			return ss, err
		}
	}
	if err := w.close(); err != nil {
		return ss, err
	}
	ss.Files, ss.Bytes = w.files, w.bytes
	return ss, nil
}

// recordWriter writes support records to JSONL shards and clauses to files.
type recordWriter struct {
	root  string
	dirs  map[string]bool
	path  string // open shard
	f     *os.File
	bw    *bufio.Writer
	files int
	bytes int64
}

// ticket is one support record as written.
type ticket struct {
	TicketID    string `json:"ticket_id"`
	Instruction string `json:"instruction"`
	Response    string `json:"response"`
	Intent      string `json:"intent"`
}

func (w *recordWriter) write(src Source, kind string, i int, rec record) error {
	full := filepath.Join(w.root, filepath.FromSlash(src.Path))
	if d := filepath.Dir(full); !w.dirs[d] {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		w.dirs[d] = true
	}
	if kind == "contracts" {
		w.files++
		w.bytes += int64(len(rec.prompt) + 1)
		return os.WriteFile(full, []byte(rec.prompt+"\n"), 0o644)
	}
	if src.Path != w.path {
		if err := w.close(); err != nil {
			return err
		}
		f, err := os.Create(full)
		if err != nil {
			return err
		}
		w.f, w.bw, w.path = f, bufio.NewWriterSize(f, 1<<20), src.Path
		w.files++
	}
	b, err := json.Marshal(ticket{TicketID: ticketID(i), Instruction: rec.prompt, Response: rec.reply, Intent: rec.label})
	if err != nil {
		return err
	}
	w.bytes += int64(len(b) + 1)
	w.bw.Write(b)
	return w.bw.WriteByte('\n')
}

func (w *recordWriter) close() error {
	if w.f == nil {
		return nil
	}
	err := w.bw.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	w.f, w.bw, w.path = nil, nil, ""
	return err
}

// ticketID is a record's ticket number: base 36, so that it holds no digit
// run a PII detector could take for a number.
func ticketID(i int) string {
	s := strconv.FormatInt(int64(i+1), 36)
	return "tk-" + strings.Repeat("0", max(0, 6-len(s))) + s
}
