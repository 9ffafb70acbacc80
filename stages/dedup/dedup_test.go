package dedup

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

func mustNew(t testing.TB, cfg Config) *Stage {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// feed passes the records through the stage as the engine does: sequence
// numbers in input order, Process, then Sequence in input order, with Stash
// cleared after the stage. It returns the drop of each record (nil when kept).
func feed(t testing.TB, s *Stage, docs []*schemas.Document) []*schemas.Drop {
	t.Helper()
	ctx := context.Background()
	drops := make([]*schemas.Drop, len(docs))
	for i, d := range docs {
		d.Seq = int64(i)
		drop, err := s.Process(ctx, d)
		if err != nil || drop != nil {
			t.Fatalf("Process(%s): %v %v", d.ID, drop, err)
		}
		drops[i], err = s.Sequence(ctx, d)
		if err != nil {
			t.Fatalf("Sequence(%s): %v", d.ID, err)
		}
		d.Stash = nil
	}
	return drops
}

// exactOnly is exact deduplication on the main text, near-duplicates off.
func exactOnly() Config { return Config{Exact: true} }

// keptID is the ID a drop detail "of <id>, similarity ..." names.
func keptID(detail string) string {
	if !strings.HasPrefix(detail, "of ") {
		return "?" + detail
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(detail, "of "), ",")
	return id
}

func textDoc(id, text string) *schemas.Document {
	d := &schemas.Document{ID: id, Text: text}
	d.Fields.Set("text", text)
	return d
}

func qaDoc(id, q, a string) *schemas.Document {
	d := &schemas.Document{ID: id, Text: q + "\n\n" + a}
	d.Fields.Set("question", q)
	d.Fields.Set("answer", a)
	return d
}

func TestExact(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		docs []*schemas.Document
		want []string // "" kept, else the ID the drop detail names
	}{
		{
			name: "first occurrence kept",
			cfg:  exactOnly(),
			docs: []*schemas.Document{textDoc("a", "one"), textDoc("b", "two"), textDoc("c", "one"), textDoc("d", "one"), textDoc("e", "two")},
			want: []string{"", "", "a", "a", "b"},
		},
		{
			name: "near but not equal texts kept",
			cfg:  exactOnly(),
			docs: []*schemas.Document{textDoc("a", "one"), textDoc("b", "one "), textDoc("c", "One"), textDoc("d", "")},
			want: []string{"", "", "", ""},
		},
		{
			name: "empty texts are duplicates of each other",
			cfg:  exactOnly(),
			docs: []*schemas.Document{textDoc("a", ""), textDoc("b", "")},
			want: []string{"", "a"},
		},
		{
			name: "key fields: same question, other answer is a duplicate",
			cfg:  Config{Exact: true, Key: []string{"question"}},
			docs: []*schemas.Document{qaDoc("a", "Q1", "A1"), qaDoc("b", "Q1", "A2"), qaDoc("c", "Q2", "A1")},
			want: []string{"", "a", ""},
		},
		{
			name: "several key fields",
			cfg:  Config{Exact: true, Key: []string{"question", "answer"}},
			docs: []*schemas.Document{qaDoc("a", "Q1", "A1"), qaDoc("b", "Q1", "A2"), qaDoc("c", "Q1", "A1")},
			want: []string{"", "", "a"},
		},
		{
			name: "key fields are separated, not concatenated",
			cfg:  Config{Exact: true, Key: []string{"question", "answer"}},
			docs: []*schemas.Document{qaDoc("a", "ab", "c"), qaDoc("b", "a", "bc")},
			want: []string{"", ""},
		},
		{
			name: "exact=false passes everything",
			cfg:  Config{Exact: false},
			docs: []*schemas.Document{textDoc("a", "one"), textDoc("b", "one"), textDoc("c", "one")},
			want: []string{"", "", ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			drops := feed(t, mustNew(t, tt.cfg), tt.docs)
			for i, d := range tt.docs {
				got := ""
				if drops[i] != nil {
					if drops[i].Reason != "exact-duplicate" {
						t.Errorf("%s: reason %q, want exact-duplicate", d.ID, drops[i].Reason)
					}
					got = keptID(drops[i].Detail)
					if d.Cluster != got {
						t.Errorf("%s: duplicate's cluster is %q, want the kept record %q", d.ID, d.Cluster, got)
					}
				}
				if got != tt.want[i] {
					t.Errorf("%s: drop detail %q, want %q", d.ID, got, tt.want[i])
				}
				if drops[i] == nil && d.Cluster != d.ID {
					t.Errorf("%s: kept record's cluster is %q, want its own ID", d.ID, d.Cluster)
				}
			}
		})
	}
}

// The key is read by Process and judged by Sequence; Process on its own
// decides nothing, so records may be hashed in any order.
func TestProcessOrderDoesNotMatter(t *testing.T) {
	s := mustNew(t, exactOnly())
	ctx := context.Background()
	docs := []*schemas.Document{textDoc("a", "x"), textDoc("b", "x"), textDoc("c", "y")}
	for i, d := range docs {
		d.Seq = int64(i)
	}
	for i := len(docs) - 1; i >= 0; i-- {
		if drop, err := s.Process(ctx, docs[i]); err != nil || drop != nil {
			t.Fatal(drop, err)
		}
	}
	var details []string
	for _, d := range docs {
		drop, err := s.Sequence(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if drop != nil {
			details = append(details, d.ID+" of "+keptID(drop.Detail))
		}
	}
	if strings.Join(details, ",") != "b of a" {
		t.Errorf("drops = %v, want [b of a]", details)
	}
}

func TestStats(t *testing.T) {
	docs := func() []*schemas.Document {
		var docs []*schemas.Document
		for i := range 100 {
			docs = append(docs, textDoc(strconv.Itoa(i), "text "+strconv.Itoa(i%30)))
		}
		return docs
	}
	s := mustNew(t, exactOnly())
	feed(t, s, docs())
	st := s.Stats().(Stats)
	if st.Exact != 70 || st.counts.Near != 0 || st.Clusters != 30 {
		t.Errorf("stats = %+v, want 70 exact duplicates in 30 clusters", st)
	}
	if st.BytesPerKept <= 0 {
		t.Errorf("BytesPerKept = %v, want an estimate > 0", st.BytesPerKept)
	}

	off := mustNew(t, Config{})
	feed(t, off, docs())
	if st := off.Stats().(Stats); st.Exact != 0 || st.Clusters != 0 {
		t.Errorf("stats with exact=false = %+v, want no duplicates", st)
	}
}

func BenchmarkDedup(b *testing.B) {
	s := mustNew(b, exactOnly())
	ctx := context.Background()
	text := strings.Repeat("A paragraph of a support ticket that is long enough to matter. ", 16)
	docs := make([]*schemas.Document, 4096)
	for i := range docs {
		docs[i] = &schemas.Document{ID: strconv.Itoa(i), Text: text + strconv.Itoa(i%1024)}
	}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d := docs[i%len(docs)]
		d.Seq, d.Drop = int64(i), nil
		s.Process(ctx, d)
		s.Sequence(ctx, d)
		i++
	}
}
