package schemas

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

// RunManifest is run.json, written last.
type RunManifest struct {
	Tool    string         `json:"tool"`
	Version string         `json:"version"`
	Config  any            `json:"config"`
	Inputs  []FileEntry    `json:"inputs"`
	Outputs []FileEntry    `json:"outputs"`
	Totals  Totals         `json:"totals"`
	Stages  []StageSummary `json:"stages"`
	// Gates lists the quality gates that failed (empty when all passed).
	Gates []Gate `json:"gates"`
	// Warnings are findings that do not fail the run, by stage.
	Warnings  []Gate    `json:"warnings,omitempty"`
	Execution Execution `json:"execution"`
}
