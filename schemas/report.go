package schemas

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// StageReport is reports/NN-<stage>.json. Stage, In, Out and Dropped are fixed
// names tools rely on: In = Out + the sum of Dropped. Timing is the only part
// that varies between identical runs.
type StageReport struct {
	Stage   string           `json:"stage"`
	Index   int              `json:"index"`
	In      int64            `json:"in"`
	Out     int64            `json:"out"`
	Dropped map[string]int64 `json:"dropped"`
	// FirstDetail is, per drop reason, the detail of the first record
	// dropped for it (never record text).
	FirstDetail map[string]string `json:"first_detail,omitempty"`
	// BytesIn is the size, as read, of the records that entered the stage.
	BytesIn int64       `json:"bytes_in"`
	Timing  StageTiming `json:"timing"`
	// Held is what a stage that needs the whole input before any record
	// leaves it (an exact split, a survivor rule) held, and how much of it
	// went to disk.
	Held *HeldReport `json:"held,omitempty"`
	// Stats holds stage-specific statistics (cluster sizes, PII counts, ...).
	Stats any `json:"stats,omitempty"`
	// Samples are, per drop reason, the first records (in input order, at
	// most MaxDropSamples) the stage dropped for it: for a person to see
	// what a reason means. An excerpt is never raw sensitive text.
	Samples map[string][]DropSample `json:"samples,omitempty"`
}

// MaxDropSamples is how many records a stage report shows per drop reason.
const MaxDropSamples = 5

// DropSample is one record a stage dropped (or the source rejected), as
// report.html shows it: where it came from, why, and the start of its text
// with sensitive values replaced by their type ("" when the run has no
// excerpt function or the record had no text).
type DropSample struct {
	ID      string `json:"id,omitempty"`
	Source  Source `json:"source"`
	Detail  string `json:"detail,omitempty"`
	Excerpt string `json:"excerpt,omitempty"`
}

// HeldReport counts the records a holding stage kept until the input
// ended: those kept in memory (their estimated size) and those spilled to
// the staging directory (bytes written).
type HeldReport struct {
	Records        int64 `json:"records"`
	MemoryBytes    int64 `json:"memory_bytes"`
	SpilledRecords int64 `json:"spilled_records"`
	SpilledBytes   int64 `json:"spilled_bytes"`
}

// StageTiming is how long a stage worked: BusySeconds sums the time its
// workers spent on records, so it can exceed the wall time of the run.
type StageTiming struct {
	BusySeconds      float64 `json:"busy_seconds"`
	RecordsPerSecond float64 `json:"records_per_second"`
	MBPerSecond      float64 `json:"mb_per_second"`
}

// Totals is the outcome of every record read: Read = Emitted + Dropped + Rejected.
type Totals struct {
	Read     int64 `json:"read"`
	Emitted  int64 `json:"emitted"`
	Dropped  int64 `json:"dropped"`
	Rejected int64 `json:"rejected"`
}

// FileEntry describes an input or output file.
type FileEntry struct {
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	// Records is the number of records in an output file (lines of a JSONL
	// file, rows of a Parquet file); absent for inputs.
	Records *int64 `json:"records,omitempty"`
}

// InputFile is an input file in run.json, written as a FileEntry without a
// record count. It keeps its digest as bytes, not as a hex string: a run
// holds every input until run.json is written, two million of them in a
// run over two million files.
type InputFile struct {
	Path   string
	Bytes  int64
	SHA256 [32]byte
}

// inputJSON is InputFile as run.json has it.
type inputJSON struct {
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// MarshalJSON writes the digest in hex.
func (f InputFile) MarshalJSON() ([]byte, error) {
	return json.Marshal(inputJSON{f.Path, f.Bytes, hex.EncodeToString(f.SHA256[:])})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (f *InputFile) UnmarshalJSON(b []byte) error {
	var j inputJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	sum, err := hex.DecodeString(j.SHA256)
	if err != nil || len(sum) != len(f.SHA256) {
		return fmt.Errorf("input %s: sha256 %q is not 64 hex digits", j.Path, j.SHA256)
	}
	f.Path, f.Bytes = j.Path, j.Bytes
	copy(f.SHA256[:], sum)
	return nil
}

// StageSummary is one stage's counts in run.json.
type StageSummary struct {
	Stage   string           `json:"stage"`
	In      int64            `json:"in"`
	Out     int64            `json:"out"`
	Dropped map[string]int64 `json:"dropped"`
}

// Execution describes how the run was carried out; like Timing it may differ
// between runs that produce identical data.
type Execution struct {
	// RunID names the run in its logs (every line carries it) and metrics.
	RunID     string  `json:"run_id,omitempty"`
	Workers   int     `json:"workers"`
	GoVersion string  `json:"go_version"`
	Started   string  `json:"started"`
	Finished  string  `json:"finished"`
	Seconds   float64 `json:"seconds"`
}

// Gate is a quality gate that failed.
type Gate struct {
	Stage   string `json:"stage"`
	Message string `json:"message"`
}

// GateResult is the verdict of one configured quality gate, passed or not.
// Value is the figure compared with Threshold (for a gate over several
// splits, labels or banks, the worst of them); nil when the run has no such
// figure (e.g. no redact report), which fails the gate.
type GateResult struct {
	Gate      string   `json:"gate"`
	Threshold float64  `json:"threshold"`
	Value     *float64 `json:"value"`
	Passed    bool     `json:"passed"`
	// Message says what was measured, and for a failed gate what failed.
	Message string `json:"message"`
}

// Run statuses (RunManifest.Status).
const (
	// StatusOK: every gate passed.
	StatusOK = "ok"
	// StatusFailed: a gate failed; the output was committed all the same.
	StatusFailed = "failed"
	// StatusBlocked: a gate failed and gates.block_output kept the previous
	// output; this output was set aside beside it (see RunManifest.Status).
	StatusBlocked = "blocked"
)

// SplitSummary is what a run emitted into one split (train, validation,
// test, bank; "" for records that no split stage assigned): examples and
// the distribution of their token counts.
type SplitSummary struct {
	Split    string        `json:"split"`
	Examples int64         `json:"examples"`
	Labels   int           `json:"labels"`
	Tokens   *TokenSummary `json:"tokens,omitempty"`
}

// TokenSummary is the distribution of the examples' token counts in one
// split: exact percentiles by the lower nearest rank, and a histogram with
// power-of-two bins (UpTo 16, 32, 64, ...).
type TokenSummary struct {
	Encoding  string      `json:"encoding,omitempty"`
	Total     int64       `json:"total"`
	Min       int         `json:"min"`
	P50       int         `json:"p50"`
	P95       int         `json:"p95"`
	Max       int         `json:"max"`
	Mean      int         `json:"mean"`
	Histogram []LengthBin `json:"histogram"`
}

// LengthBin counts the examples longer than the previous bin's UpTo and at
// most UpTo tokens long.
type LengthBin struct {
	UpTo     int   `json:"up_to"`
	Examples int64 `json:"examples"`
}

// RunManifest is run.json, written last.
type RunManifest struct {
	Tool    string         `json:"tool"`
	Version string         `json:"version"`
	Config  any            `json:"config"`
	Inputs  Inputs         `json:"inputs"`
	Outputs []FileEntry    `json:"outputs"`
	Totals  Totals         `json:"totals"`
	Stages  []StageSummary `json:"stages"`
	// Status is StatusOK, StatusFailed or StatusBlocked.
	Status string `json:"status"`
	// Gates lists the quality gates that failed (empty when all passed).
	Gates []Gate `json:"gates"`
	// GateResults are the configured gates' verdicts, passed or not.
	GateResults []GateResult `json:"gate_results"`
	// Splits are the emitted examples per split, in the order train,
	// validation, test, bank, then any other.
	Splits []SplitSummary `json:"splits"`
	// Warnings are findings that do not fail the run, by stage.
	Warnings  []Gate    `json:"warnings,omitempty"`
	Execution Execution `json:"execution"`
}
