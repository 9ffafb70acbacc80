package dedup

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline/stashtest"
	"github.com/tuneprep/tuneprep/schemas"
)

// FuzzReadStash: no bytes make ReadStash panic; a prep it reads writes and
// reads back the same (see stashtest.Fuzz), and a stage of each of
// stashConfigs takes it, twice (the second time against the first in the
// index): Sequence, Decide and Replay, and the report.
func FuzzReadStash(f *testing.F) {
	cfgs := stashConfigs()
	s, err := New(cfgs["first"])
	if err != nil {
		f.Fatal(err)
	}
	var seeds [][]byte
	err = stashRecords().Read(context.Background(), nil, func(d *schemas.Document) error {
		if _, err := s.Process(context.Background(), d); err != nil {
			return err
		}
		enc, err := s.AppendStash(nil, d.Stash)
		seeds = append(seeds, enc)
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	stashtest.Fuzz(f, s, func(t *testing.T, stash any) {
		ctx := context.Background()
		for _, cfg := range cfgs {
			st, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			docs := []*schemas.Document{{ID: "a", Seq: 0}, {ID: "b", Seq: 1}}
			for _, d := range docs {
				d.Stash = stash
				if d.Drop, err = st.Sequence(ctx, d); err != nil {
					t.Fatal(err)
				}
				d.Stash = nil
			}
			if st.Holds() {
				if err := st.Decide(ctx); err != nil {
					t.Fatal(err)
				}
				for _, d := range docs {
					if d.Alive() {
						if _, err := st.Replay(ctx, d); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			if _, err := json.Marshal(st.Stats()); err != nil {
				t.Fatal(err)
			}
		}
	}, seeds...)
}
