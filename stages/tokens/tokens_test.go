package tokens

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/pricing"
)

func resolve(t *testing.T, model string) *Resolved {
	t.Helper()
	r, err := Resolve(Config{Model: model})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestStats(t *testing.T) {
	s := New(resolve(t, "gpt-4o-mini"))
	for i := 1; i <= 100; i++ {
		d := &schemas.Document{Example: &schemas.Example{Kind: schemas.KindText, Text: string(make([]byte, 0)) + repeat("word ", i)}}
		s.Process(context.Background(), d)
		s.Sequence(context.Background(), d)
	}
	st := s.Stats().(Stats)
	b, _ := json.Marshal(st)
	if st.Examples != 100 || st.Percentiles["max"] != 100 || st.Percentiles["p50"] != 50 || len(st.Histogram) != 3 {
		t.Errorf("%s", b)
	}
}

// TestStatsDistribution: lengths 1..100 (a text of i words is i tokens):
// percentiles by the lower nearest rank, buckets by powers of two, and the
// examples over each model's limit.
func TestStatsDistribution(t *testing.T) {
	r, err := Resolve(Config{Model: "tiny", Encoding: "o200k_base", Models: []pricing.Model{{Name: "tiny", TrainLimit: 60}}})
	if err != nil {
		t.Fatal(err)
	}
	s := New(r)
	if st := s.Stats().(Stats); len(st.Percentiles) != 0 || len(st.Histogram) != 0 || st.Histogram == nil {
		t.Errorf("empty: %+v", st)
	}
	for i := 100; i >= 1; i-- { // any order
		d := &schemas.Document{Example: &schemas.Example{Kind: schemas.KindText, Text: repeat("word ", i)}}
		s.Process(context.Background(), d)
		s.Sequence(context.Background(), d)
	}
	st := s.Stats().(Stats)
	want := map[string]int{"min": 1, "p50": 50, "p90": 90, "p95": 95, "p99": 99, "max": 100, "mean": 50}
	if !maps.Equal(st.Percentiles, want) {
		t.Errorf("percentiles %v, want %v", st.Percentiles, want)
	}
	if !slices.Equal(st.Histogram, []Bucket{{32, 32}, {64, 32}, {128, 36}}) {
		t.Errorf("histogram %v", st.Histogram)
	}
	for _, o := range st.OverLimit {
		if o.Model == "tiny" && o.Examples != 40 || o.Model != "tiny" && o.Examples != 0 {
			t.Errorf("over limit %+v", o)
		}
	}
}

func repeat(s string, n int) string {
	out := ""
	for i := 0; i < n; i++ {
		out += s
	}
	return out[:len(out)-1]
}

func TestResolve(t *testing.T) {
	r := resolve(t, "gpt-3.5-turbo")
	if r.Tokenizer.Name() != "cl100k_base" || r.Model.TrainLimit != 16385 {
		t.Errorf("%s %+v", r.Tokenizer.Name(), r.Model)
	}
	if _, err := Resolve(Config{Model: "llama-3"}); err == nil {
		t.Error("unknown model without an encoding accepted")
	}
}
