package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/tuneprep/tuneprep/schemas"
)

// benchResult is one row of `tuneprep bench`: one run of one corpus.
type benchResult struct {
	Kind    string `json:"kind"`
	Records int64  `json:"records"`
	Bytes   int64  `json:"bytes"`
	// MB is Bytes in millions, the unit of MBPerSecond.
	MB          float64 `json:"mb"`
	WallSeconds float64 `json:"wall_seconds"`
	// CPUSeconds is the run's user and system time, both cores together:
	// what the machine spent, where wall time also shows what it waited.
	CPUSeconds       float64 `json:"cpu_seconds"`
	MBPerSecond      float64 `json:"mb_per_second"`
	RecordsPerSecond float64 `json:"records_per_second"`
	// PeakRSSMB is the child's peak resident set (10^6 bytes); null where
	// the platform does not report it.
	PeakRSSMB *float64 `json:"peak_rss_mb"`
	// DiskReadMB is what the run read from storage rather than from the
	// page cache (10^6 bytes; null where the platform does not say): 0
	// when its input was cached, as --warm makes it.
	DiskReadMB *float64 `json:"disk_read_mb"`
	// PeakLiveMB is the largest heap a garbage collection left live (10^6
	// bytes), from the child's GC trace; LiveBytesPerRecord divides it by
	// the records read: the state a run keeps per record.
	PeakLiveMB         float64 `json:"peak_live_heap_mb"`
	LiveBytesPerRecord float64 `json:"live_bytes_per_record"`
	// OffHeapMB is the indexes kept off the Go heap: near-duplicate (the
	// dedup report's index_off_heap_bytes) and leakage (the split report's
	// leakage.index.off_heap_bytes); StateBytesPerRecord adds it to the
	// peak live heap, per record read: all the state a run keeps.
	OffHeapMB           float64 `json:"index_off_heap_mb"`
	StateBytesPerRecord float64 `json:"state_bytes_per_record"`
	Workers             int     `json:"workers"`
	Emitted             int64   `json:"emitted"`
	Dropped             int64   `json:"dropped"`
	Rejected            int64   `json:"rejected"`
	ExitCode            int     `json:"exit_code"`
	GenerateSeconds     float64 `json:"generate_seconds,omitempty"`
	// WarmSeconds is the time --warm took to read the corpus once before
	// the run (not part of the run's figures).
	WarmSeconds float64      `json:"warm_seconds,omitempty"`
	Stages      []benchStage `json:"stages"`
	Corpus      string       `json:"corpus,omitempty"`
	Out         string       `json:"out,omitempty"`
}

// benchStage is a stage's busy time and its share of all stages' busy time.
type benchStage struct {
	Stage       string  `json:"stage"`
	BusySeconds float64 `json:"busy_seconds"`
	Share       float64 `json:"share"`
}

// fill completes a result from the run's manifest and stage reports.
func (m measured) fill(res *benchResult, out string) error {
	b, err := os.ReadFile(filepath.Join(out, "run.json"))
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	var man schemas.RunManifest
	if err := json.Unmarshal(b, &man); err != nil {
		return fmt.Errorf("bench: run.json: %w", err)
	}
	for f := range man.Inputs.All() {
		res.Bytes += f.Bytes
	}
	t := man.Totals
	res.Records, res.Emitted, res.Dropped, res.Rejected = t.Read, t.Emitted, t.Dropped, t.Rejected
	res.Workers, res.ExitCode = man.Execution.Workers, m.exitCode
	wall := m.wall.Seconds()
	res.WallSeconds = round2(wall)
	res.CPUSeconds = round2(m.cpu.Seconds())
	res.MB = round2(float64(res.Bytes) / 1e6)
	res.MBPerSecond = round2(float64(res.Bytes) / 1e6 / wall)
	res.RecordsPerSecond = math.Round(float64(t.Read) / wall)
	if m.peakRSS > 0 {
		mb := round2(float64(m.peakRSS) / 1e6)
		res.PeakRSSMB = &mb
	}
	if m.diskKnown {
		mb := round2(float64(m.diskRead) / 1e6)
		res.DiskReadMB = &mb
	}
	res.PeakLiveMB = round2(float64(m.peakLive) / 1e6)
	reports, err := filepath.Glob(filepath.Join(out, "reports", "*.json"))
	if err != nil {
		return err
	}
	total := 0.0
	for _, p := range reports { // NN-<stage>.json: pipeline order
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		var r schemas.StageReport
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("bench: %s: %w", filepath.Base(p), err)
		}
		res.Stages = append(res.Stages, benchStage{Stage: r.Stage, BusySeconds: r.Timing.BusySeconds})
		if r.Stage == "dedup" || r.Stage == "split" {
			var st struct {
				OffHeap int64 `json:"index_off_heap_bytes"`
				Leakage struct {
					Index struct {
						OffHeap int64 `json:"off_heap_bytes"`
					} `json:"index"`
				} `json:"leakage"`
			}
			if raw, err := json.Marshal(r.Stats); err == nil && json.Unmarshal(raw, &st) == nil {
				res.OffHeapMB = round2(res.OffHeapMB + float64(st.OffHeap+st.Leakage.Index.OffHeap)/1e6)
			}
		}
		total += r.Timing.BusySeconds
	}
	if t.Read > 0 {
		res.LiveBytesPerRecord = math.Round(float64(m.peakLive) / float64(t.Read))
		res.StateBytesPerRecord = math.Round((float64(m.peakLive) + res.OffHeapMB*1e6) / float64(t.Read))
	}
	for i := range res.Stages {
		if total > 0 {
			res.Stages[i].Share = math.Round(res.Stages[i].BusySeconds/total*1000) / 1000
		}
		res.Stages[i].BusySeconds = math.Round(res.Stages[i].BusySeconds*1000) / 1000
	}
	return nil
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// orNA prints a figure the platform may not report.
func orNA(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.0f", *v)
}

// printBenchTable prints one row per run: size, time, throughput, memory,
// disk reads, and each stage's share of the summed busy time, in per cent.
func printBenchTable(w io.Writer, results []benchResult) {
	var stages []string // union, in pipeline order
	seen := map[string]bool{}
	for _, r := range results {
		for _, s := range r.Stages {
			if !seen[s.Stage] {
				seen[s.Stage] = true
				stages = append(stages, s.Stage)
			}
		}
	}
	head := []string{"records", "MB", "wall s", "CPU s", "MB/s", "records/s", "peak RSS MB", "state B/rec", "disk MB"}
	rows := [][]string{append(head, stages...)}
	for _, r := range results {
		row := []string{fmt.Sprint(r.Records), fmt.Sprintf("%.1f", r.MB), fmt.Sprintf("%.2f", r.WallSeconds), fmt.Sprintf("%.2f", r.CPUSeconds),
			fmt.Sprintf("%.2f", r.MBPerSecond), fmt.Sprintf("%.0f", r.RecordsPerSecond), orNA(r.PeakRSSMB), fmt.Sprintf("%.0f", r.StateBytesPerRecord), orNA(r.DiskReadMB)}
		share := map[string]float64{}
		for _, s := range r.Stages {
			share[s.Stage] = s.Share
		}
		for _, s := range stages {
			row = append(row, fmt.Sprintf("%.1f%%", share[s]*100))
		}
		rows = append(rows, row)
	}
	width := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], len(c))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, c := range row {
			if i > 0 {
				b.WriteString("  ")
			}
			fmt.Fprintf(&b, "%*s", width[i], c)
		}
		fmt.Fprintln(w, b.String())
	}
	if len(results) > 0 {
		r := results[0]
		fmt.Fprintf(w, "%s corpus, workers %d; MB = 10^6 bytes of input; wall time, CPU time (user and system) and peak RSS of the tuneprep run process; state B/rec: the largest heap a GC left live plus the indexes off the heap (near-duplicate and leakage), per record read; disk MB: what the run read from storage, not from the page cache (0: its input was cached); stage columns: share of the stages' summed busy time\n", r.Kind, r.Workers)
	}
}
