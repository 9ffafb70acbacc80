package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/formats"
)

// Property tests draw their inputs from a seeded RNG. The seed is new on
// every run and logged; TUNEPREP_TEST_SEED=N repeats a run. TUNEPREP_LONG=1
// runs many more iterations and kill trials than CI does (the environment,
// like TUNEPREP_SLURM, so that `go test ./...` takes it too).

// testSeed returns TUNEPREP_TEST_SEED, else a seed from the clock, and logs it.
func testSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s, ok := os.LookupEnv("TUNEPREP_TEST_SEED"); ok {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("TUNEPREP_TEST_SEED=%q: %v", s, err)
		}
		seed = n
	}
	t.Logf("seed %d (repeat with TUNEPREP_TEST_SEED=%d)", seed, seed)
	return seed
}

// longMode reports whether TUNEPREP_LONG=1 asks for the long runs.
func longMode() bool { return os.Getenv("TUNEPREP_LONG") == "1" }

// TestConservation: whatever the input (good records mixed with exact and
// near duplicates, empty and overlong records, malformed lines, invalid
// UTF-8, PII, junk) and whatever valid config, every record read is
// emitted, dropped or rejected exactly once, each stage's in is its out
// plus its drops, and every drop and reject is recorded with its reason.
func TestConservation(t *testing.T) {
	seed := testSeed(t)
	iterations := 6
	if longMode() {
		iterations = 100
	}
	// pseudonym mode and the hash policy need a key
	t.Setenv("TUNEPREP_REDACT_KEY", "conservation-test-key-31f6a0")
	for i := range iterations {
		s := seed + uint64(i)
		t.Run(fmt.Sprintf("seed=%d", s), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(s, 0x7e57))
			in, records := conservationInput(t, rng)
			conf := conservationConfig(rng)
			cfg := filepath.Join(t.TempDir(), "tuneprep.yaml")
			if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "out")
			args := []string{"run", "--quiet", "--config", cfg, "--in", in, "--out", out}
			switch rng.IntN(4) { // how it runs must not matter either
			case 1:
				args = append(args, "--workers", "1")
			case 2:
				args = append(args, "--tasks", strconv.Itoa(1+rng.IntN(3)))
			case 3:
				args = append(args, "--state", filepath.Join(t.TempDir(), "state"))
			}
			code, _, stderr := cli(t, args...)
			// A gate (the built-in ones, max_residual_pii) may fail: the
			// output is written all the same, and must balance.
			if code != exitOK && code != exitGate {
				t.Fatalf("exit %d (repeat with TUNEPREP_TEST_SEED=%d)\n%v\nconfig:\n%s\n%s", code, s, args, conf, stderr)
			}
			checkConservation(t, out, records)
			if t.Failed() {
				t.Logf("repeat with TUNEPREP_TEST_SEED=%d\n%v\nconfig:\n%s", s, args, conf)
			}
		})
	}
}

// checkConservation checks what checkBalance does (totals, each stage's
// in = out + dropped, stages chained, one dropped.jsonl and rejects.jsonl
// line per record, the emitted records in the training files and not
// dropped), and that the run read every record written, that run.json and
// the reports agree, that each drop and reject names its stage (file and
// line) and reason with the counts the reports give, that no record is
// dropped or rejected twice, and that each emitted record is in exactly
// one split.
func checkConservation(t *testing.T, out string, records int64) {
	t.Helper()
	m := checkBalance(t, out)
	if m.Totals.Read != records {
		t.Errorf("read %d records, the input has %d", m.Totals.Read, records)
	}
	stages := map[string]bool{}
	for _, s := range m.Stages {
		stages[s.Stage] = true
		var r schemas.StageReport
		if err := json.Unmarshal(reportBytes(t, out, s.Stage), &r); err != nil {
			t.Fatal(err)
		}
		if r.In != s.In || r.Out != s.Out || !maps.Equal(r.Dropped, s.Dropped) {
			t.Errorf("%s: report %d/%d/%v, run.json %d/%d/%v", s.Stage, r.In, r.Out, r.Dropped, s.In, s.Out, s.Dropped)
		}
	}
	if len(m.Stages) == 0 || m.Stages[0].Stage != "ingest" {
		t.Fatalf("the first stage is not ingest: %+v", m.Stages)
	}

	// dropped.jsonl: one line per drop, with its stage and reason, as the
	// reports count them; each record dropped once.
	seen := map[string]string{}
	byReason := map[string]map[string]int64{}
	forEachLine(t, filepath.Join(out, "dropped.jsonl"), func(n int, line []byte) {
		var d struct {
			ID     string
			Stage  string
			Reason string
			Source struct {
				Path string
				Line *int
			}
		}
		if err := json.Unmarshal(line, &d); err != nil || d.ID == "" || d.Stage == "" || d.Reason == "" || d.Source.Path == "" || d.Source.Line == nil {
			t.Errorf("dropped.jsonl:%d lacks id, stage, reason or source: %s", n, line)
			return
		}
		if d.Stage == "ingest" || !stages[d.Stage] {
			t.Errorf("dropped.jsonl:%d: stage %q is not a stage that drops", n, d.Stage)
		}
		if prev, dup := seen[d.ID]; dup {
			t.Errorf("dropped.jsonl:%d: record %s dropped twice (%s, %s/%s)", n, d.ID, prev, d.Stage, d.Reason)
		}
		seen[d.ID] = d.Stage + "/" + d.Reason
		if byReason[d.Stage] == nil {
			byReason[d.Stage] = map[string]int64{}
		}
		byReason[d.Stage][d.Reason]++
	})
	for _, s := range m.Stages[1:] {
		if !maps.Equal(byReason[s.Stage], s.Dropped) {
			t.Errorf("%s: dropped.jsonl counts %v, the report %v", s.Stage, byReason[s.Stage], s.Dropped)
		}
	}

	// rejects.jsonl: one line per reject, with its file, line and reason,
	// as ingest counts them; each record rejected once.
	rejects := map[string]int64{}
	where := map[string]bool{}
	forEachLine(t, filepath.Join(out, "rejects.jsonl"), func(n int, line []byte) {
		var r struct {
			Source struct {
				Path string
				Line *int
				Item int
			}
			Reason string
		}
		if err := json.Unmarshal(line, &r); err != nil || r.Source.Path == "" || r.Source.Line == nil || *r.Source.Line < 0 || r.Reason == "" {
			t.Errorf("rejects.jsonl:%d lacks file, line or reason: %s", n, line)
			return
		}
		at := fmt.Sprintf("%s:%d:%d", r.Source.Path, *r.Source.Line, r.Source.Item)
		if where[at] {
			t.Errorf("rejects.jsonl:%d: %s rejected twice", n, at)
		}
		where[at] = true
		rejects[r.Reason]++
	})
	if !maps.Equal(rejects, m.Stages[0].Dropped) {
		t.Errorf("rejects.jsonl counts %v, ingest %v", rejects, m.Stages[0].Dropped)
	}

	// Each emitted record is in one split: in every format it is written
	// in, under the same split, once.
	split := map[string]string{}
	sidecars, _ := filepath.Glob(filepath.Join(out, "finetune", "*.ids.jsonl"))
	nested, _ := filepath.Glob(filepath.Join(out, "finetune", "*", "*.ids.jsonl"))
	for _, p := range append(sidecars, nested...) {
		name := strings.TrimSuffix(filepath.Base(p), ".ids.jsonl")
		inFile := map[string]bool{}
		forEachLine(t, p, func(n int, line []byte) {
			var r struct{ ID string }
			if err := json.Unmarshal(line, &r); err != nil || r.ID == "" {
				t.Errorf("%s:%d: no id: %s", p, n, line)
				return
			}
			if inFile[r.ID] {
				t.Errorf("%s:%d: record %s twice", p, n, r.ID)
			}
			inFile[r.ID] = true
			if s, ok := split[r.ID]; ok && s != name {
				t.Errorf("record %s is in splits %s and %s", r.ID, s, name)
			}
			split[r.ID] = name
		})
		data := strings.TrimSuffix(p, ".ids.jsonl") + ".jsonl"
		if _, err := os.Stat(data); err == nil && countLines(data) != int64(len(inFile)) {
			t.Errorf("%s has %d lines, its sidecar %d", data, countLines(data), len(inFile))
		}
	}
	var examples int64
	for _, s := range m.Splits {
		examples += s.Examples
	}
	if examples != m.Totals.Emitted {
		t.Errorf("run.json's splits hold %d examples, %d emitted", examples, m.Totals.Emitted)
	}
	t.Logf("read %d = emitted %d + dropped %d + rejected %d", m.Totals.Read, m.Totals.Emitted, m.Totals.Dropped, m.Totals.Rejected)
}

// forEachLine calls fn with each non-empty line of a file (1-based).
func forEachLine(t *testing.T, path string, fn func(n int, line []byte)) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
		return
	}
	for i, line := range bytes.Split(b, []byte("\n")) {
		if len(line) > 0 {
			fn(i+1, line)
		}
	}
}

func countLines(path string) int64 {
	b, _ := os.ReadFile(path)
	return int64(bytes.Count(b, []byte("\n")))
}

// words make up the generated records: English enough for the quality
// filters and the language check.
var words = strings.Fields(`the order was late and the parcel arrived with a broken lid so I would like
to return it for a refund or get a new one sent out as soon as you can please let me know what
happens next with my account because the invoice shows two charges for the same jacket and the
tent poles were missing from the box when it came on Monday morning after the driver left it at
the door of the shop near the station where we usually collect our gear for weekend trips into
the hills with friends who also bought boots backpacks stoves lanterns and sleeping bags last year`)

// sentence returns n words drawn from words.
func sentence(rng *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = words[rng.IntN(len(words))]
	}
	return strings.Join(w, " ")
}

// piiValues are planted in some records: the redact stage (or its drop
// mode) has to deal with them.
var piiValues = []string{"maria.lopez@example.org", "(415) 555-0139", "4111 1111 1111 1111", "078-05-1121", "DE89 3704 0044 0532 0130 00", "203.0.113.77"}

// conservationInput writes 2 to 7 files of random formats into a folder
// and returns it with the number of records they hold (what ingest must
// read: blank JSONL lines are not records).
func conservationInput(t *testing.T, rng *rand.Rand) (string, int64) {
	t.Helper()
	in := t.TempDir()
	var records int64
	var pairs [][2]string // earlier good pairs, for duplicates
	pair := func() (string, string) {
		switch k := rng.IntN(20); {
		case k < 3 && len(pairs) > 0: // exact duplicate
			p := pairs[rng.IntN(len(pairs))]
			return p[0], p[1]
		case k < 6 && len(pairs) > 0: // near duplicate: one word changed
			p := pairs[rng.IntN(len(pairs))]
			r := strings.Fields(p[1])
			r[rng.IntN(len(r))] = words[rng.IntN(len(words))] + "s"
			return p[0], strings.Join(r, " ")
		case k == 6: // empty
			return "", ""
		case k == 7: // PII
			v := piiValues[rng.IntN(len(piiValues))]
			return "Please update my details to " + v + " " + sentence(rng, 8), "Done, we changed it to " + v + " as asked."
		case k == 8: // junk the quality stage drops
			return "Lorem ipsum dolor sit amet, consectetur adipiscing elit.", "Lorem ipsum dolor sit amet."
		case k == 9: // overlong: over max_record_bytes or the token limit when they are set
			return "Summarise this: " + sentence(rng, 400+rng.IntN(400)), sentence(rng, 20)
		case k == 10: // one word: too short for some min_tokens
			return "Hi", "Hello"
		}
		q, a := fmt.Sprintf("Question %d: %s?", rng.IntN(1e6), sentence(rng, 6+rng.IntN(14))), sentence(rng, 15+rng.IntN(30))+"."
		pairs = append(pairs, [2]string{q, a})
		return q, a
	}
	label := func() string { return []string{"refund", "delivery", "account", "other"}[rng.IntN(4)] }
	write := func(name string, b []byte) {
		p := filepath.Join(in, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files := 2 + rng.IntN(6)
	for f := range files {
		dir := []string{"", "support/", "archive/2024/"}[rng.IntN(3)]
		n := 1 + rng.IntN(40)
		var b bytes.Buffer
		switch kind := rng.IntN(5); kind {
		case 0: // JSONL
			for range n {
				switch k := rng.IntN(25); {
				case k == 0:
					b.WriteString(`{"instruction": "broken` + "\n")
				case k == 1:
					b.WriteString("[1, 2]\n")
				case k == 2:
					b.WriteString("{\"instruction\":\"bad \xff\xfe bytes\",\"response\":\"" + sentence(rng, 10) + "\"}\n")
				case k == 3:
					b.WriteString("\n") // blank: skipped, not a record
					records--
				case k == 4: // a training example as input
					q, a := pair()
					line, _ := json.Marshal(map[string]any{"messages": []map[string]string{{"role": "user", "content": q}, {"role": "assistant", "content": a}}, "category": label()})
					b.Write(append(line, '\n'))
				default:
					q, a := pair()
					line, _ := json.Marshal(struct {
						Instruction string `json:"instruction"`
						Response    string `json:"response"`
						Category    string `json:"category"`
						Prio        int    `json:"prio"`
						Email       string `json:"owner_email"`
					}{q, a, label(), rng.IntN(9), piiValues[0]})
					b.Write(append(line, '\n'))
				}
				records++
			}
			write(fmt.Sprintf("%sf%d.jsonl", dir, f), b.Bytes())
		case 1: // CSV
			w := csv.NewWriter(&b)
			w.Write([]string{"instruction", "response", "category", "prio"})
			for range n {
				q, a := pair()
				switch rng.IntN(15) {
				case 0:
					w.Write([]string{q, a}) // ragged
				case 1:
					w.Write([]string{q + "\nsecond line of it", a, label(), "1"}) // multi-line cell
				default:
					w.Write([]string{q, a, label(), strconv.Itoa(rng.IntN(9))})
				}
				records++
			}
			w.Flush()
			if rng.IntN(6) == 0 { // invalid UTF-8 in one row
				b.WriteString("bad \xc3\x28 row,answer,other,1\n")
				records++
			}
			write(fmt.Sprintf("%sf%d.csv", dir, f), b.Bytes())
		case 2, 3: // text documents, one record per file
			ext := []string{".txt", ".md"}[kind-2]
			switch rng.IntN(8) {
			case 0:
				b.WriteString("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.")
			case 1:
				b.WriteString("caf\xe9 au lait " + sentence(rng, 20)) // Latin-1, not UTF-8
			case 2:
				b.WriteString("Contact " + piiValues[rng.IntN(len(piiValues))] + " about " + sentence(rng, 30))
			default:
				b.WriteString("# Notes\n\n" + sentence(rng, 20+rng.IntN(200)) + ".\n")
			}
			write(fmt.Sprintf("%sdoc%d%s", dir, f, ext), b.Bytes())
			records++
		case 4: // JSON array
			var items []any
			for range n {
				q, a := pair()
				items = append(items, map[string]any{"instruction": q, "output": a, "category": label()})
			}
			j, _ := json.MarshalIndent(items, "", " ")
			write(fmt.Sprintf("%sf%d.json", dir, f), j)
			records += int64(n)
		}
	}
	return in, records
}

// conservationConfig draws a valid config from the documented options.
func conservationConfig(rng *rand.Rand) string {
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	coin := func() bool { return rng.IntN(2) == 0 }
	var c strings.Builder
	fmt.Fprintf(&c, "input:\n  invalid_utf8: %s\n", pick("reject", "repair"))
	if coin() {
		c.WriteString("  label_fields: [category]\n")
	}
	if coin() {
		fmt.Fprintf(&c, "  max_record_bytes: %d\n", 1500+rng.IntN(3000))
	}
	if coin() {
		c.WriteString("  text_fields: [instruction, response, output, text]\n")
	}
	fmt.Fprintf(&c, "quality:\n  enabled: %t\n", rng.IntN(4) != 0)

	survivor := pick("first", "first", "longest", "priority")
	fmt.Fprintf(&c, "dedup:\n  exact: %t\n  survivor: %s\n  near:\n    enabled: %t\n    threshold: %s\n",
		rng.IntN(4) != 0, survivor, coin(), pick("0.6", "0.7", "0.85"))
	if survivor == "priority" {
		c.WriteString("  priority_field: prio\n")
	}
	if coin() {
		fmt.Fprintf(&c, "  conflict_fields: [response]\n  conflicts: %s\n", pick("keep-first", "drop-all", "keep-and-report"))
	}

	fmt.Fprintf(&c, "redact:\n  enabled: %t\n  mode: %s\n", rng.IntN(5) != 0, pick("tag", "indexed", "pseudonym", "mask", "drop"))
	if coin() {
		fmt.Fprintf(&c, "  fields:\n    - match: owner_email\n      policy: %s\n", pick("drop", "mask", "hash", "keep", "scan"))
	}
	if coin() {
		c.WriteString("  detectors:\n    person_names: true\n")
	}

	fmt.Fprintf(&c, "filter:\n  min_tokens: %d\n  truncate: %t\n", 1+rng.IntN(8), coin())
	if coin() {
		fmt.Fprintf(&c, "  max_tokens: %d\n", 80+rng.IntN(400))
	}

	shares := [][4]float64{{0.8, 0.1, 0.1, 0}, {0.6, 0.2, 0.2, 0}, {0.7, 0.1, 0.1, 0.1}, {1, 0, 0, 0}, {0.5, 0.5, 0, 0}}[rng.IntN(5)]
	fmt.Fprintf(&c, "split:\n  train: %g\n  validation: %g\n  test: %g\n  bank: %g\n  seed: %d\n  method: %s\n",
		shares[0], shares[1], shares[2], shares[3], rng.IntN(100), pick("hash", "exact", "stable"))
	if coin() {
		c.WriteString("  group_key: category\n")
	}
	from := "train"
	if shares[3] > 0 && coin() {
		from = "bank"
	}
	fmt.Fprintf(&c, "fewshot:\n  enabled: %t\n  from: %s\n  k: %d\n", coin(), from, 1+rng.IntN(5))
	fmt.Fprintf(&c, "corpus:\n  enabled: %t\n", coin())

	names := formats.Names()
	switch rng.IntN(3) {
	case 0: // auto
	case 1:
		fmt.Fprintf(&c, "emit:\n  formats: [%s]\n  parquet: %t\n", pick(names...), rng.IntN(4) == 0)
	case 2:
		rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		fmt.Fprintf(&c, "emit:\n  formats: [%s]\n", strings.Join(names[:2+rng.IntN(3)], ", "))
	}
	switch rng.IntN(3) {
	case 0: // the default rule: auto
	case 1: // chat from instruction/response; records without them render empty
		c.WriteString("template:\n  rules:\n    - kind: chat\n      system: \"You answer support questions.\"\n      user: \"{{.instruction}}\"\n      assistant: \"{{.response}}\"\n")
	case 2: // text documents as text, the rest as auto
		c.WriteString("template:\n  rules:\n    - match: [\"**/*.txt\", \"**/*.md\"]\n      kind: text\n    - kind: auto\n")
	}
	return c.String()
}
