// Package report reads a finished tuneprep run (run.json and the stage
// reports) into one summary and presents it: the terminal page of
// `tuneprep report` and the comparison of two runs, the sections of
// report.html, the dataset card and Prometheus metrics. It reads the
// stages' statistics as the JSON they are written as, so a run that is
// finishing (pipeline.Facts) and a run on disk give the same summary.
package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
)

// Run is a finished run: the figures a person looks at first.
type Run struct {
	Dir      string               `json:"dir,omitempty"`
	Version  string               `json:"version"`
	Status   string               `json:"status"`
	RunID    string               `json:"run_id,omitempty"`
	Started  string               `json:"started"`
	Seconds  float64              `json:"seconds"`
	Workers  int                  `json:"workers"`
	Totals   schemas.Totals       `json:"totals"`
	Stages   []Stage              `json:"stages"`
	Input    *Input               `json:"input,omitempty"`
	PII      *PII                 `json:"pii,omitempty"`
	Dups     *Duplicates          `json:"duplicates,omitempty"`
	Tokens   Tokens               `json:"tokens"`
	Leakage  *Leakage             `json:"leakage,omitempty"`
	Banks    *Banks               `json:"banks,omitempty"`
	Gates    []schemas.GateResult `json:"gates"`
	Failed   []schemas.Gate       `json:"failed_gates"`
	Warnings []schemas.Gate       `json:"warnings,omitempty"`
	// Targets are the split stage's shares (splits with a share > 0).
	Targets map[string]float64 `json:"split_targets,omitempty"`
	// Config is the run's effective configuration (run.json's config).
	Config  map[string]any      `json:"-"`
	Inputs  schemas.Inputs      `json:"-"`
	Outputs []schemas.FileEntry `json:"-"`
}

// Stage is one stage of the funnel.
type Stage struct {
	Name        string  `json:"stage"`
	In          int64   `json:"in"`
	Out         int64   `json:"out"`
	Dropped     []Count `json:"dropped"` // most records first
	BusySeconds float64 `json:"busy_seconds"`
	MBPerSecond float64 `json:"mb_per_second"`
}

// Count is a named count.
type Count struct {
	Name string `json:"name"`
	N    int64  `json:"count"`
}

// Input is what the source read.
type Input struct {
	Files         int64   `json:"files"`
	Bytes         int64   `json:"bytes"`
	FilesByFormat []Count `json:"files_by_format"`
}

// PII is what the redact stage found and replaced.
type PII struct {
	Mode     string  `json:"mode"`
	Records  int64   `json:"records_with_findings"`
	Found    int64   `json:"found"`
	ByType   []Count `json:"by_type"` // most first
	Residual int64   `json:"residual"`
	// Fields counts the fields the field policies dropped, masked, hashed.
	FieldsDropped, FieldsMasked, FieldsHashed int64
}

// Duplicates is what the dedup stage found.
type Duplicates struct {
	Exact     int64         `json:"exact"`
	Near      int64         `json:"near"`
	Conflicts int64         `json:"conflicts"`
	Clusters  int           `json:"clusters"`
	Sizes     []ClusterSize `json:"cluster_sizes"`
}

// ClusterSize counts the clusters of one size.
type ClusterSize struct {
	Size     int `json:"size"`
	Clusters int `json:"clusters"`
}

// Tokens are the emitted examples' token counts per split, against the
// target model's training limit (0: unknown).
type Tokens struct {
	Encoding string                 `json:"encoding,omitempty"`
	Model    string                 `json:"model,omitempty"`
	Limit    int                    `json:"limit,omitempty"`
	Splits   []schemas.SplitSummary `json:"splits"`
}

// Leakage is the split stage's train/evaluation overlap check.
type Leakage struct {
	Pairs   int64 `json:"leaking_pairs"`
	Records int64 `json:"leaking_train_records"`
}

// Banks are the few-shot banks and what they add to every request.
type Banks struct {
	Model      string `json:"model"`
	PricesAsOf string `json:"prices_as_of,omitempty"`
	K          int    `json:"k"`
	Banks      []Bank `json:"banks"`
}

// Bank is one few-shot bank.
type Bank struct {
	Label    string `json:"label"`
	Examples int    `json:"examples"`
	Tokens   int    `json:"tokens_per_request"`
	// CostPer1000 is the input cost of the bank per 1,000 requests in USD
	// (nil: the model's price is unknown).
	CostPer1000 *float64 `json:"cost_per_1000_requests_usd"`
	Short       string   `json:"short,omitempty"`
}

// stageReport is a stage report with its statistics left as JSON.
type stageReport struct {
	Stage   string              `json:"stage"`
	Index   int                 `json:"index"`
	In      int64               `json:"in"`
	Out     int64               `json:"out"`
	Dropped map[string]int64    `json:"dropped"`
	Timing  schemas.StageTiming `json:"timing"`
	Stats   json.RawMessage     `json:"stats"`
}

// ErrNotOutput is returned by Load for a directory without run.json.
var ErrNotOutput = errors.New("not a tuneprep output")

// Load reads the run in an output directory.
func Load(dir string) (*Run, error) {
	b, err := os.ReadFile(filepath.Join(dir, "run.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w (no run.json)", dir, ErrNotOutput)
	}
	if err != nil {
		return nil, err
	}
	var m schemas.RunManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: run.json: %w", dir, err)
	}
	if m.Tool != "tuneprep" {
		return nil, fmt.Errorf("%s: %w (run.json is not tuneprep's)", dir, ErrNotOutput)
	}
	paths, err := filepath.Glob(filepath.Join(dir, "reports", "[0-9][0-9]-*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	reports := make([]stageReport, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var r stageReport
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		reports = append(reports, r)
	}
	r, err := build(&m, reports)
	if err != nil {
		return nil, err
	}
	r.Dir = dir
	return r, nil
}

// FromFacts summarises a run that is finishing, as pipeline.Run's hooks see it.
func FromFacts(f *pipeline.Facts) (*Run, error) {
	reports := make([]stageReport, len(f.Reports))
	for i, rep := range f.Reports {
		b, err := json.Marshal(rep)
		if err != nil {
			return nil, fmt.Errorf("report %s: %w", rep.Stage, err)
		}
		if err := json.Unmarshal(b, &reports[i]); err != nil {
			return nil, fmt.Errorf("report %s: %w", rep.Stage, err)
		}
	}
	return build(f.Manifest, reports)
}

func build(m *schemas.RunManifest, reports []stageReport) (*Run, error) {
	r := &Run{Version: m.Version, Status: m.Status, RunID: m.Execution.RunID, Started: m.Execution.Started,
		Seconds: m.Execution.Seconds, Workers: m.Execution.Workers, Totals: m.Totals,
		Gates: m.GateResults, Failed: m.Gates, Warnings: m.Warnings,
		Tokens: Tokens{Splits: m.Splits}, Inputs: m.Inputs, Outputs: m.Outputs}
	if r.Status == "" { // written before statuses existed
		r.Status = schemas.StatusOK
		if len(m.Gates) > 0 {
			r.Status = schemas.StatusFailed
		}
	}
	r.Config, _ = m.Config.(map[string]any)
	var filterLimit int
	for _, rep := range reports {
		st := Stage{Name: rep.Stage, In: rep.In, Out: rep.Out, Dropped: counts(rep.Dropped),
			BusySeconds: rep.Timing.BusySeconds, MBPerSecond: rep.Timing.MBPerSecond}
		r.Stages = append(r.Stages, st)
		if len(rep.Stats) == 0 || string(rep.Stats) == "null" {
			continue
		}
		var err error
		switch rep.Stage {
		case "ingest":
			err = r.readIngest(rep.Stats)
		case "redact":
			err = r.readRedact(rep.Stats)
		case "dedup":
			err = r.readDedup(rep.Stats)
		case "tokens":
			err = r.readTokens(rep.Stats)
		case "filter":
			var s struct {
				MaxTokens int `json:"max_tokens"`
			}
			err = json.Unmarshal(rep.Stats, &s)
			filterLimit = s.MaxTokens
		case "split":
			err = r.readSplit(rep.Stats)
		case "fewshot":
			err = r.readFewshot(rep.Stats)
		}
		if err != nil {
			return nil, fmt.Errorf("report %s: %w", rep.Stage, err)
		}
	}
	if r.Tokens.Limit == 0 {
		r.Tokens.Limit = filterLimit
	}
	if r.Tokens.Encoding == "" {
		for _, s := range r.Tokens.Splits {
			if s.Tokens != nil {
				r.Tokens.Encoding = s.Tokens.Encoding
			}
		}
	}
	return r, nil
}

func (r *Run) readIngest(raw json.RawMessage) error {
	var s struct {
		Files   int64            `json:"files"`
		ByFmt   map[string]int64 `json:"files_by_format"`
		InBytes int64            `json:"input_bytes"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return err
	}
	r.Input = &Input{Files: s.Files, Bytes: s.InBytes, FilesByFormat: counts(s.ByFmt)}
	return nil
}

func (r *Run) readRedact(raw json.RawMessage) error {
	var s struct {
		Mode          string           `json:"mode"`
		Records       int64            `json:"records_with_findings"`
		ByType        map[string]int64 `json:"by_type"`
		Residual      int64            `json:"residual_findings"`
		FieldsDropped int64            `json:"fields_dropped"`
		FieldsMasked  int64            `json:"fields_masked"`
		FieldsHashed  int64            `json:"fields_hashed"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return err
	}
	p := &PII{Mode: s.Mode, Records: s.Records, ByType: counts(s.ByType), Residual: s.Residual,
		FieldsDropped: s.FieldsDropped, FieldsMasked: s.FieldsMasked, FieldsHashed: s.FieldsHashed}
	for _, c := range p.ByType {
		p.Found += c.N
	}
	r.PII = p
	return nil
}

func (r *Run) readDedup(raw json.RawMessage) error {
	var s struct {
		Exact     int64         `json:"exact_duplicates"`
		Near      int64         `json:"near_duplicates"`
		Conflicts int64         `json:"conflicts"`
		Clusters  int           `json:"clusters"`
		Sizes     []ClusterSize `json:"cluster_sizes"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return err
	}
	r.Dups = &Duplicates{Exact: s.Exact, Near: s.Near, Conflicts: s.Conflicts, Clusters: s.Clusters, Sizes: s.Sizes}
	if r.Dups.Sizes == nil {
		r.Dups.Sizes = []ClusterSize{}
	}
	return nil
}

func (r *Run) readTokens(raw json.RawMessage) error {
	var s struct {
		Encoding  string `json:"encoding"`
		Model     string `json:"model"`
		OverLimit []struct {
			Model string `json:"model"`
			Limit int    `json:"limit"`
		} `json:"over_limit"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return err
	}
	r.Tokens.Encoding, r.Tokens.Model = s.Encoding, s.Model
	for _, o := range s.OverLimit {
		if o.Model == s.Model {
			r.Tokens.Limit = o.Limit
		}
	}
	return nil
}

func (r *Run) readSplit(raw json.RawMessage) error {
	var s struct {
		Targets map[string]float64 `json:"targets"`
		Leakage *Leakage           `json:"leakage"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return err
	}
	r.Targets = map[string]float64{}
	for n, share := range s.Targets {
		if share > 0 {
			r.Targets[n] = share
		}
	}
	r.Leakage = s.Leakage
	return nil
}

func (r *Run) readFewshot(raw json.RawMessage) error {
	var s struct {
		Model      string `json:"model"`
		PricesAsOf string `json:"prices_as_of"`
		K          int    `json:"k"`
		Banks      []struct {
			Label    string   `json:"label"`
			Selected int      `json:"selected"`
			Tokens   int      `json:"tokens_per_request"`
			Cost     *float64 `json:"input_cost_per_1000_requests_usd"`
			Short    string   `json:"short"`
		} `json:"banks"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return err
	}
	b := &Banks{Model: s.Model, PricesAsOf: s.PricesAsOf, K: s.K, Banks: []Bank{}}
	for _, x := range s.Banks {
		b.Banks = append(b.Banks, Bank{Label: x.Label, Examples: x.Selected, Tokens: x.Tokens, CostPer1000: x.Cost, Short: x.Short})
	}
	r.Banks = b
	return nil
}

// counts turns a map into counts, most first, then by name.
func counts(m map[string]int64) []Count {
	out := make([]Count, 0, len(m))
	for k, v := range m {
		out = append(out, Count{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Split returns the summary of a split (zero when the run emitted none into it).
func (r *Run) Split(name string) schemas.SplitSummary {
	for _, s := range r.Tokens.Splits {
		if s.Split == name {
			return s
		}
	}
	return schemas.SplitSummary{Split: name}
}

// Stage returns a stage of the funnel, or nil.
func (r *Run) Stage(name string) *Stage {
	for i := range r.Stages {
		if r.Stages[i].Name == name {
			return &r.Stages[i]
		}
	}
	return nil
}

// DroppedBy is the records a stage dropped (rejected, at the source).
func (s *Stage) DroppedBy() int64 {
	var n int64
	for _, c := range s.Dropped {
		n += c.N
	}
	return n
}
