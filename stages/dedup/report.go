package dedup

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/tuneprep/tuneprep/stages/minhash"
)

// counts are the stage's running tallies.
type counts struct {
	Exact      int64 `json:"exact_duplicates"`
	Near       int64 `json:"near_duplicates"`
	Conflicts  int64 `json:"conflicts"`
	Grouped    int64 `json:"grouped_variants"`
	TooShort   int64 `json:"too_short_for_near"`
	Candidates int64 `json:"lsh_candidates"`
}

// Stats is the dedup report's statistics.
type Stats struct {
	counts
	Survivor  string          `json:"survivor"`
	Conflict  string          `json:"conflict_policy"`
	Near      *NearReport     `json:"near,omitempty"`
	Clusters  int             `json:"clusters"`
	SizeHist  []SizeBucket    `json:"cluster_sizes"`
	Largest   []ClusterRecord `json:"largest_clusters"`
	KeptIndex int64           `json:"kept_records_indexed"`
	// IndexOffHeap is the part of the near-duplicate index kept off the Go
	// heap (mapped memory), which heap statistics do not show.
	IndexOffHeap int64 `json:"index_off_heap_bytes"`
	// BytesPerKept is the stage's memory per kept record: the
	// near-duplicate index (band keys and 8-bit signatures), the exact-key
	// map, the IDs and, with conflict fields or a holding survivor rule,
	// their tables (see Stage).
	BytesPerKept float64 `json:"bytes_per_kept_record"`
}

// NearReport states the near-duplicate settings and the LSH parameters the
// formula chose, with its inputs.
type NearReport struct {
	Shingle string         `json:"shingle"`
	N       int            `json:"n"`
	Verify  string         `json:"verify"`
	Params  minhash.Params `json:"lsh"`
	Formula string         `json:"formula"`
	// BucketCap and PastCap: each band bucket keeps its first BucketCap
	// records; PastCap band entries found their bucket full (templated
	// text: many records sharing a band).
	BucketCap int   `json:"bucket_cap"`
	PastCap   int64 `json:"band_entries_past_bucket_cap"`
}

// SizeBucket counts clusters of one size.
type SizeBucket struct {
	Size     int `json:"size"`
	Clusters int `json:"clusters"`
}

// ClusterRecord is one line of dedup/clusters.jsonl: a cluster, its
// survivor and every member with its similarity to the cluster's first
// record (the one the others were compared with).
type ClusterRecord struct {
	Cluster  string         `json:"cluster"`
	Survivor string         `json:"survivor"`
	Size     int            `json:"size"`
	Conflict bool           `json:"conflict,omitempty"`
	Members  []MemberRecord `json:"members"`
}

// MemberRecord is a cluster member.
type MemberRecord struct {
	ID         string  `json:"id"`
	Similarity float64 `json:"similarity"`
	Match      string  `json:"match"`
	Kept       bool    `json:"kept"`
}

func (s *Stage) record(c *cluster) ClusterRecord {
	survivor := c.survivor
	if survivor == "" && !(c.conflict && s.cfg.Conflicts == "drop-all") {
		survivor = c.id
	}
	r := ClusterRecord{Cluster: c.id, Survivor: survivor, Size: len(c.members) + 1, Conflict: c.conflict}
	r.Members = append(r.Members, MemberRecord{ID: c.id, Similarity: 1, Match: "first", Kept: survivor == c.id})
	for _, m := range c.members {
		id := s.members.get(m.id)
		r.Members = append(r.Members, MemberRecord{ID: id, Similarity: round3(m.sim), Match: m.match(), Kept: m.kept || id == survivor})
	}
	return r
}

func round3(x float64) float64 { return float64(int(x*1000+0.5)) / 1000 }

// Finish writes dedup/clusters.jsonl, clusters in the order of their
// first record, and lets the near-duplicate index go: every record has
// passed, and the later stages' Finish (the overlap index, the banks) may
// use the memory.
func (s *Stage) Finish(context.Context) error {
	if s.dd != nil {
		x := s.dd.Index()
		s.index.docs, s.index.bytes, s.index.full, s.index.offHeap = int64(x.Len()), int64(x.Bytes()), x.Full(), x.OffHeap()
		s.dd.Release()
		s.dd = nil
	}
	sort.Slice(s.order, func(i, j int) bool { return s.order[i].rep < s.order[j].rep })
	enc := json.NewEncoder(s.out)
	enc.SetEscapeHTML(false)
	for _, c := range s.order {
		if err := enc.Encode(s.record(c)); err != nil {
			return fmt.Errorf("clusters: %w", err)
		}
	}
	return s.out.Close()
}

// Stats implements pipeline.Reporter.
func (s *Stage) Stats() any {
	st := Stats{counts: s.st, Survivor: s.cfg.Survivor, Conflict: s.cfg.Conflicts, Clusters: len(s.order)}
	if s.params.NumPerm > 0 {
		n := s.cfg.Near
		st.Near = &NearReport{Shingle: n.Shingle, N: s.mh.Shingler().Config().N, Verify: n.Verify, Params: s.params,
			Formula:   "bands x rows minimise fp_weight x integral[0,t] P + fn_weight x integral[t,1] (1-P), P(s) = 1-(1-s^rows)^bands",
			BucketCap: minhash.BucketCap, PastCap: s.index.full}
		st.KeptIndex = s.index.docs
		st.IndexOffHeap = s.index.offHeap
	}
	sizes := map[int]int{}
	for _, c := range s.order {
		sizes[len(c.members)+1]++
	}
	for size, n := range sizes {
		st.SizeHist = append(st.SizeHist, SizeBucket{size, n})
	}
	sort.Slice(st.SizeHist, func(i, j int) bool { return st.SizeHist[i].Size < st.SizeHist[j].Size })
	largest := append([]*cluster(nil), s.order...)
	sort.SliceStable(largest, func(i, j int) bool { return len(largest[i].members) > len(largest[j].members) })
	for _, c := range largest[:min(20, len(largest))] {
		st.Largest = append(st.Largest, s.record(c))
	}
	if st.SizeHist == nil {
		st.SizeHist, st.Largest = []SizeBucket{}, []ClusterRecord{}
	}
	kept := int64(s.ids.len())
	if kept > 0 {
		idx := s.index.bytes
		// The exact map takes about 30 bytes per key (measured by
		// BenchmarkRetainedPerRecord).
		n := idx + s.ids.bytes() + int64(len(s.exact))*30 + int64(8*cap(s.conflicts)+16*cap(s.reps))
		st.BytesPerKept = float64(int64(float64(n)/float64(kept)*10)) / 10
	}
	return st
}
