package split

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/stages/keyhash"
)

// LedgerFile is where the stable method records each group's split, in the
// output; the next run into the same output reads it back.
const LedgerFile = "split/assignments.jsonl"

// LedgerStats says how much of the split came from the previous run.
type LedgerStats struct {
	Previous    string `json:"previous"`
	Known       int    `json:"groups_kept_from_previous_run"`
	New         int    `json:"groups_assigned_now"`
	Carried     int    `json:"groups_carried_over"`
	IgnoredWhy  string `json:"ledger_ignored,omitempty"`
	WrittenRows int    `json:"ledger_rows"`
}

// ledgerHeader is the first line: a ledger is only reused by a run with the
// same seed and shares (a new seed asks for a new draw).
type ledgerHeader struct {
	Seed   uint64     `json:"seed"`
	Shares [4]float64 `json:"shares"`
}

type ledgerRow struct {
	Group uint64 `json:"g"` // FNV-64 of the group key
	Split string `json:"s"`
}

// ledger is the previous run's group assignments and this run's file.
type ledger struct {
	head ledgerHeader
	prev map[uint64]int // group hash -> split index
	out  *pipeline.OutFile
	st   LedgerStats
}

func openLedger(env *pipeline.Env, cfg Config) (*ledger, error) {
	l := &ledger{head: ledgerHeader{Seed: cfg.Seed, Shares: [4]float64{cfg.Train, cfg.Validation, cfg.Test, cfg.Bank}}, prev: map[uint64]int{}}
	if prev := env.Previous(); prev != "" { // "" outside a run: no previous output to read
		l.st.Previous = LedgerFile
		if err := l.read(filepath.Join(prev, filepath.FromSlash(LedgerFile))); err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
			l.st.Previous = ""
		}
	}
	out, err := env.Create(LedgerFile)
	if err != nil {
		return nil, err
	}
	l.out = out
	return l, nil
}

func (l *ledger) read(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return sc.Err()
	}
	var h ledgerHeader
	if err := json.Unmarshal(sc.Bytes(), &h); err != nil {
		return fmt.Errorf("%s: header: %w", path, err)
	}
	if h != l.head {
		l.st.IgnoredWhy = "the seed or the shares changed"
		return nil
	}
	index := map[string]int{}
	for i, n := range names {
		index[n] = i
	}
	for line := 2; sc.Scan(); line++ {
		var r ledgerRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
		i, ok := index[r.Split]
		if !ok || l.head.Shares[i] == 0 {
			return fmt.Errorf("%s:%d: split %q has no share", path, line, r.Split)
		}
		l.prev[r.Group] = i
	}
	return sc.Err()
}

// groupHash is a ledger row's key. It is not seeded: a ledger is reused
// only under the same seed (see ledgerHeader).
func groupHash(key string) uint64 { return keyhash.Sum64(key) }

// fix gives the groups the previous run knew their old split.
func (l *ledger) fix(groups []group) {
	for j := range groups {
		if i, ok := l.prev[groups[j].hash]; ok {
			groups[j].fixed = int8(i)
			l.st.Known++
		} else {
			l.st.New++
		}
	}
}

// write records every group of this run and carries over the previous
// run's groups that did not appear, so that they keep their split if they
// come back; rows are sorted by group hash.
func (l *ledger) write(groups []group) error {
	rows := map[uint64]string{}
	for h, i := range l.prev {
		rows[h] = names[i]
	}
	seen := 0
	for _, g := range groups {
		if _, ok := rows[g.hash]; ok {
			seen++
		}
		rows[g.hash] = names[g.split]
	}
	l.st.Carried = len(l.prev) - seen
	if l.st.Carried < 0 {
		l.st.Carried = 0
	}
	keys := make([]uint64, 0, len(rows))
	for h := range rows {
		keys = append(keys, h)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	enc := json.NewEncoder(l.out)
	if err := enc.Encode(l.head); err != nil {
		return err
	}
	for _, h := range keys {
		if err := enc.Encode(ledgerRow{h, rows[h]}); err != nil {
			return err
		}
	}
	l.st.WrittenRows = len(keys)
	l.out.SetRecords(int64(len(keys)))
	return l.out.Close()
}
