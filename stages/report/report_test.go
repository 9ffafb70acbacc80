package report

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/tuneprep/tuneprep/schemas"
)

// TestHistogramMarksTheLimit: the histogram runs to the bin holding the
// model's limit, and the marker sits at the limit on the doubling scale.
func TestHistogramMarksTheLimit(t *testing.T) {
	tc := &schemas.TokenSummary{Histogram: []schemas.LengthBin{{UpTo: 16}, {UpTo: 32, Examples: 2}, {UpTo: 64}, {UpTo: 128, Examples: 1}}}
	for _, c := range []struct {
		limit int
		bins  int
		at    float64
	}{
		{65536, 13, 13}, // the right edge of the last bin
		{16385, 12, 11 + math.Log2(16385.0/16384)}, // just past 16,384: in the bin up to 32K
		{100, 4, 3 + math.Log2(100.0/64)},
		{10, 4, 10.0 / 16},
		{0, 4, -1},
	} {
		ch := histogram("train", tc, c.limit, "m")
		if len(ch.Bars) != c.bins || ch.Bars[len(ch.Bars)-1].Label != "≤"+short(16<<(c.bins-1)) {
			t.Errorf("limit %d: %d bins, last %q", c.limit, len(ch.Bars), ch.Bars[len(ch.Bars)-1].Label)
		}
		switch {
		case c.at < 0 && ch.Marker != nil:
			t.Errorf("limit %d: a marker", c.limit)
		case c.at >= 0 && (ch.Marker == nil || math.Abs(ch.Marker.At-c.at) > 1e-9):
			t.Errorf("limit %d: marker %+v, want at %v", c.limit, ch.Marker, c.at)
		}
	}
}

// TestMetricsEscaping: label values are escaped as the text format asks.
func TestMetricsEscaping(t *testing.T) {
	r := &Run{Stages: []Stage{{Name: "odd", Dropped: []Count{{Name: "a \"quoted\" \\ reason\nwith a newline", N: 2}}}}}
	var b bytes.Buffer
	now := time.Unix(1700000000, 500000000)
	if err := Metrics(&b, r, Outcome{Output: `/data/"x"`, ExitCode: 3, Started: now.Add(-2 * time.Second), Finished: now}); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, want := range []string{
		`tuneprep_dropped_records{output="/data/\"x\"",stage="odd",reason="a \"quoted\" \\ reason\nwith a newline"} 2`,
		`tuneprep_run_duration_seconds{output="/data/\"x\""} 2`,
		`tuneprep_run_timestamp_seconds{output="/data/\"x\""} 1.7000000005e+09`,
		`tuneprep_run_success{output="/data/\"x\""} 0`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("no line %s in\n%s", want, text)
		}
	}
	if strings.Contains(text, "last_success") {
		t.Error("a last success that never was")
	}
	if got := LastSuccess([]byte(text)); !got.IsZero() {
		t.Errorf("last success of a failed run: %v", got)
	}
	b.Reset()
	Metrics(&b, nil, Outcome{Output: "/o", Finished: now, Started: now})
	if got := LastSuccess(b.Bytes()); !got.Equal(now) {
		t.Errorf("last success %v, want %v", got, now)
	}
}

func num(v float64) *float64 { return &v }

// TestCompare: only what changed is listed, with the difference.
func TestCompare(t *testing.T) {
	old := &Run{Dir: "a", Status: "ok", Totals: schemas.Totals{Read: 100, Emitted: 80, Dropped: 20},
		Stages: []Stage{{Name: "dedup", In: 100, Out: 80, Dropped: []Count{{"exact-duplicate", 20}}}},
		PII:    &PII{ByType: []Count{{"EMAIL", 3}}},
		Gates:  []schemas.GateResult{{Gate: "min_examples", Threshold: 5, Value: num(8), Passed: true}}}
	cur := &Run{Dir: "b", Status: "failed", Totals: schemas.Totals{Read: 100, Emitted: 70, Dropped: 30},
		Stages: []Stage{{Name: "dedup", In: 100, Out: 70, Dropped: []Count{{"exact-duplicate", 25}, {"near-duplicate", 5}}}},
		PII:    &PII{ByType: []Count{{"EMAIL", 3}, {"PHONE", 1}}},
		Gates:  []schemas.GateResult{{Gate: "min_examples", Threshold: 5, Value: num(4)}},
		Failed: []schemas.Gate{{Stage: "gates", Message: "min_examples: ..."}, {Stage: "split", Message: "split train has no records"}}}
	c := Compare(old, cur)
	got := map[string]string{}
	for _, ch := range c.Changes {
		got[ch.What] = ch.Diff
	}
	want := map[string]string{
		"status": "ok -> failed", "emitted": "-10 (-12.5%)", "dropped": "+10 (+50.0%)", "dedup out": "-10 (-12.5%)",
		"dedup dropped exact-duplicate": "+5 (+25.0%)", "dedup dropped near-duplicate": "+5", "PII PHONE": "+1",
		"gate min_examples": "passed -> FAILED", "gate split": "passed -> FAILED",
	}
	if len(got) != len(want) {
		t.Errorf("changes %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	var b bytes.Buffer
	WriteCompare(&b, c)
	if !strings.Contains(b.String(), "a -> b: 9 of ") || !strings.Contains(b.String(), "dedup dropped near-duplicate") {
		t.Errorf("%s", b.String())
	}
}

// TestCardSets: the card has a config per format and one for the banks,
// with the split files only (no sidecars).
func TestCardSets(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	r := &Run{Config: map[string]any{"emit": map[string]any{"formats": []any{"openai-chat", "alpaca"}}},
		Outputs: []schemas.FileEntry{
			{Path: "finetune/alpaca/test.json", Bytes: 5, Records: n(1)},
			{Path: "finetune/alpaca/train.json", Bytes: 50, Records: n(10)},
			{Path: "finetune/alpaca/train.ids.jsonl", Bytes: 9, Records: n(10)},
			{Path: "finetune/dataset_info.json", Bytes: 9, Records: n(1)},
			{Path: "finetune/openai-chat/train.jsonl", Bytes: 70, Records: n(10)},
			{Path: "fewshot/bank.jsonl", Bytes: 7, Records: n(2)},
			{Path: "reports/01-ingest.json", Bytes: 7, Records: n(1)},
		}}
	sets := cardSets(r)
	var got []string
	for _, s := range sets {
		for i, f := range s.files {
			got = append(got, s.name+":"+f.Split+":"+f.Path+":"+Group(s.splits[i].Examples))
		}
	}
	want := "openai-chat:train:finetune/openai-chat/train.jsonl:10 alpaca:train:finetune/alpaca/train.json:10 " +
		"alpaca:test:finetune/alpaca/test.json:1 fewshot-banks:bank:fewshot/bank.jsonl:2"
	if strings.Join(got, " ") != want {
		t.Errorf("%s\nwant %s", strings.Join(got, " "), want)
	}
	card, err := Card(r)
	if err != nil || !strings.Contains(string(card), "license: unknown # placeholder") || !strings.Contains(string(card), "\n    default: true\n") {
		t.Errorf("%v\n%s", err, card)
	}
}
