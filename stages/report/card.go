package report

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/formats"
)

// CardName is the dataset card's path in the output.
const CardName = "README.md"

// cardHeader is the YAML header of a Hugging Face dataset card.
type cardHeader struct {
	PrettyName     string       `yaml:"pretty_name"`
	License        string       `yaml:"license"`
	TaskCategories []string     `yaml:"task_categories"`
	Tags           []string     `yaml:"tags"`
	SizeCategories []string     `yaml:"size_categories"`
	Configs        []cardConfig `yaml:"configs"`
	DatasetInfo    []cardInfo   `yaml:"dataset_info"`
}

type cardConfig struct {
	Name      string     `yaml:"config_name"`
	Default   bool       `yaml:"default,omitempty"`
	DataFiles []cardFile `yaml:"data_files"`
}

type cardFile struct {
	Split string `yaml:"split"`
	Path  string `yaml:"path"`
}

type cardInfo struct {
	Name         string      `yaml:"config_name"`
	Splits       []cardSplit `yaml:"splits"`
	DownloadSize int64       `yaml:"download_size"`
	DatasetSize  int64       `yaml:"dataset_size"`
}

type cardSplit struct {
	Name     string `yaml:"name"`
	Bytes    int64  `yaml:"num_bytes"`
	Examples int64  `yaml:"num_examples"`
}

// cardSet is one config of the card: the files of one format (or the banks).
type cardSet struct {
	name, format string
	files        []cardFile
	splits       []cardSplit
}

// licensePlaceholder marks the licence as unknown until someone who knows
// the sources' terms sets it.
const licensePlaceholder = "license: unknown # placeholder: set the licence of the source data (e.g. cc-by-4.0, other) before publishing"

// Card renders the output's dataset card, README.md: a Hugging Face
// dataset-card YAML header (one config per output format, its files and
// split sizes, a licence placeholder, task and size tags), then how the
// data was made: sources, stages, what was dropped and redacted, token
// statistics, banks and gates. It holds no time, timing or local path, so
// identical runs write identical cards.
func Card(r *Run) ([]byte, error) {
	sets := cardSets(r)
	h := cardHeader{PrettyName: prettyName(r), License: "unknown", TaskCategories: []string{"text-generation"},
		Tags: []string{"tuneprep", "fine-tuning"}, SizeCategories: []string{sizeCategory(r.Totals.Emitted)}}
	for i, s := range sets {
		h.Configs = append(h.Configs, cardConfig{Name: s.name, Default: i == 0 && len(sets) > 1, DataFiles: s.files})
		info := cardInfo{Name: s.name, Splits: s.splits}
		for _, sp := range s.splits {
			info.DatasetSize += sp.Bytes
		}
		info.DownloadSize = info.DatasetSize
		h.DatasetInfo = append(h.DatasetInfo, info)
		if s.format != "" {
			h.Tags = append(h.Tags, s.format)
		}
	}
	if r.Banks != nil {
		h.Tags = append(h.Tags, "few-shot")
	}
	var y bytes.Buffer
	enc := yaml.NewEncoder(&y)
	enc.SetIndent(2)
	if err := enc.Encode(h); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("---\n")
	b.WriteString(strings.Replace(y.String(), "license: unknown\n", licensePlaceholder+"\n", 1))
	b.WriteString("---\n\n")
	writeCardBody(&b, r, sets, h.PrettyName)
	return b.Bytes(), nil
}

// cardSets groups the example files of the output by format: the files
// finetune/<split>.<ext> (one format) or finetune/<format>/<split>.<ext>,
// and fewshot/bank.jsonl; sidecars are left out.
func cardSets(r *Run) []cardSet {
	single := ""
	if fs := configList(r.Config, "emit", "formats"); len(fs) == 1 {
		single = fs[0]
	}
	byName := map[string]*cardSet{}
	var order []string
	add := func(name, format, split, file string, bytes, records int64) {
		s := byName[name]
		if s == nil {
			s = &cardSet{name: name, format: format}
			byName[name] = s
			order = append(order, name)
		}
		s.files = append(s.files, cardFile{Split: split, Path: file})
		s.splits = append(s.splits, cardSplit{Name: split, Bytes: bytes, Examples: records})
	}
	for _, f := range r.Outputs {
		if f.Records == nil {
			continue
		}
		dir, base := path.Split(f.Path)
		ext := path.Ext(base)
		split := strings.TrimSuffix(base, ext)
		switch {
		case f.Path == "fewshot/bank.jsonl":
			add("fewshot-banks", "", "bank", f.Path, f.Bytes, *f.Records)
		case !strings.HasPrefix(dir, "finetune/") || (ext != ".jsonl" && ext != ".json") ||
			strings.HasSuffix(base, ".ids.jsonl") || base == "dataset_info.json":
		case dir == "finetune/":
			name := single
			if name == "" {
				name = "default"
			}
			add(name, single, split, f.Path, f.Bytes, *f.Records)
		default:
			format := strings.TrimSuffix(strings.TrimPrefix(dir, "finetune/"), "/")
			add(format, format, split, f.Path, f.Bytes, *f.Records)
		}
	}
	formats := configList(r.Config, "emit", "formats")
	rank := func(name string) int { // the configured order, the banks last
		for i, f := range formats {
			if f == name {
				return i
			}
		}
		if name == "fewshot-banks" {
			return len(formats) + 1
		}
		return len(formats)
	}
	sort.SliceStable(order, func(i, j int) bool { return rank(order[i]) < rank(order[j]) })
	out := make([]cardSet, len(order))
	for i, name := range order {
		s := byName[name]
		sort.SliceStable(s.files, func(i, j int) bool { return splitRank(s.files[i].Split) < splitRank(s.files[j].Split) })
		sort.SliceStable(s.splits, func(i, j int) bool { return splitRank(s.splits[i].Name) < splitRank(s.splits[j].Name) })
		out[i] = *s
	}
	return out
}

func splitRank(s string) int {
	if i, ok := map[string]int{"train": 0, "validation": 1, "test": 2, "bank": 3}[s]; ok {
		return i
	}
	return 4
}

// sizeCategory is the Hugging Face size category of n examples.
func sizeCategory(n int64) string {
	bounds := []struct {
		max  int64
		name string
	}{{1e3, "n<1K"}, {1e4, "1K<n<10K"}, {1e5, "10K<n<100K"}, {1e6, "100K<n<1M"}, {1e7, "1M<n<10M"},
		{1e8, "10M<n<100M"}, {1e9, "100M<n<1B"}}
	for _, b := range bounds {
		if n < b.max {
			return b.name
		}
	}
	return "n>1B"
}

// prettyName names the dataset after its output directory.
func prettyName(r *Run) string {
	out, _ := r.Config["output"].(map[string]any)
	if dir, _ := out["dir"].(string); dir != "" {
		if base := path.Base(strings.ReplaceAll(dir, "\\", "/")); base != "." && base != "/" {
			return base
		}
	}
	return "tuneprep dataset"
}

// configList reads a list of strings from the effective config.
func configList(cfg map[string]any, section, key string) []string {
	sec, _ := cfg[section].(map[string]any)
	list, _ := sec[key].([]any)
	var out []string
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// configValue reads a scalar of the effective config by its path.
func configValue(cfg map[string]any, keys ...string) any {
	var v any = cfg
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// maxCardInputs is how many input files the card lists; run.json has all.
const maxCardInputs = 20

func writeCardBody(b *bytes.Buffer, r *Run, sets []cardSet, name string) {
	p := &mdWriter{b: b}
	p.f("# %s\n\n", name)
	p.f("Training data for adapting a language model, made by tuneprep %s from %s input records: %s examples", r.Version, Group(r.Totals.Read), Group(r.Totals.Emitted))
	var names []string
	for _, s := range sets {
		if s.name != "fewshot-banks" {
			names = append(names, "`"+s.name+"`")
		}
	}
	if len(names) > 0 {
		p.f(" (config %s)", strings.Join(names, ", "))
	}
	if r.Banks != nil && len(r.Banks.Banks) > 0 {
		p.f(", and few-shot banks drawn from the training split (config `fewshot-banks`)")
	}
	p.f(". The header above is a [Hugging Face dataset card](https://huggingface.co/docs/hub/datasets-cards): ")
	p.f("with this folder uploaded as a dataset repository, `load_dataset(\"<user>/<name>\", \"<config>\")` reads it.\n\n")

	p.f("## Files\n\n| config | split | file | examples | bytes |\n|---|---|---|---:|---:|\n")
	for _, s := range sets {
		for i, f := range s.files {
			p.f("| `%s` | %s | `%s` | %s | %s |\n", s.name, f.Split, f.Path, Group(s.splits[i].Examples), Group(s.splits[i].Bytes))
		}
	}
	p.f("\n")
	for _, s := range sets {
		if f, ok := formats.Lookup(s.format); ok {
			p.f("- `%s`: one example per %s: %s.\n", s.name, unit(f), f.Doc)
		}
		if s.name == "fewshot-banks" {
			p.f("- `fewshot-banks`: the few-shot examples, one per line (label, id, source, messages, tokens); `fewshot/bank.json` holds them by label for prompt libraries.\n")
		}
	}
	p.f("- Next to each split file, `<split>.ids.jsonl` gives every line's record ID, source file and line, and label, in the same order.\n")
	p.f("- `run.json` records the effective configuration, the sha256 of every input and output, and the outcome of every record.\n\n")

	p.f("## How the data was made\n\n### Sources\n\n")
	if in := r.Input; in != nil {
		var fm []string
		for _, c := range in.FilesByFormat {
			fm = append(fm, fmt.Sprintf("%s %s", Group(c.N), c.Name))
		}
		p.f("%s files, %s bytes (%s).", Group(in.Files), Group(in.Bytes), strings.Join(fm, ", "))
	}
	p.f(" Each record's ID is derived from its file and line, so records keep their ID from run to run.\n\n")
	if r.Inputs.Len() > 0 {
		p.f("| input file | bytes | sha256 |\n|---|---:|---|\n")
		i := 0
		for f := range r.Inputs.All() {
			if i++; i > maxCardInputs {
				p.f("| ... %d more in run.json | | |\n", r.Inputs.Len()-maxCardInputs)
				break
			}
			p.f("| `%s` | %s | `%.16x` |\n", mdCell(schemas.PrintablePath(f.Path)), Group(f.Bytes), f.SHA256[:8])
		}
		p.f("\n")
	}

	p.f("### Stages\n\nEvery record read ends emitted, dropped by a stage (with its reason, in `dropped.jsonl`) or rejected as unreadable (in `rejects.jsonl`); neither file holds record text.\n\n")
	p.f("| stage | in | out | dropped |\n|---|---:|---:|---|\n")
	for _, s := range r.Stages {
		var parts []string
		for _, c := range s.Dropped {
			parts = append(parts, fmt.Sprintf("%s %s", c.Name, Group(c.N)))
		}
		p.f("| %s | %s | %s | %s |\n", s.Name, Group(s.In), Group(s.Out), strings.Join(parts, ", "))
	}
	p.f("\n")
	if d := r.Dups; d != nil {
		p.f("Duplicates: %s exact and %s near duplicates were removed (%d clusters; `dedup/clusters.jsonl` names each kept record)", Group(d.Exact), Group(d.Near), d.Clusters)
		if d.Conflicts > 0 {
			p.f("; %s duplicates had conflicting outputs", Group(d.Conflicts))
		}
		p.f(".")
		if l := r.Leakage; l != nil {
			p.f(" The leakage check found %s pairs of training and evaluation records that overlap.", Group(l.Pairs))
		}
		p.f("\n\n")
	}

	p.f("### Sensitive values\n\n")
	if pii := r.PII; pii != nil {
		p.f("Redacted in mode `%s`: %s values in %s records", pii.Mode, Group(pii.Found), Group(pii.Records))
		if len(pii.ByType) > 0 {
			var parts []string
			for _, c := range pii.ByType {
				parts = append(parts, fmt.Sprintf("%s %s", c.Name, Group(c.N)))
			}
			p.f(" (%s)", strings.Join(parts, ", "))
		}
		p.f("; a second scan found %s left. `redact/spans.jsonl` lists where each was found, never the value.", Group(pii.Residual))
		if pn, _ := configValue(r.Config, "redact", "detectors", "person_names").(bool); !pn {
			p.f(" Person names were not looked for (`redact.detectors.person_names` is off): review the data for names before publishing.")
		}
		p.f("\n\n")
	} else {
		p.f("Redaction was off: the examples hold whatever the sources held. Review them before publishing.\n\n")
	}

	p.f("### Tokens\n\n")
	t := r.Tokens
	p.f("Counted%s.\n\n", tokenHead(t))
	p.f("| split | examples | tokens | min | p50 | p95 | max | mean |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range t.Splits {
		if tc := s.Tokens; tc != nil {
			p.f("| %s | %s | %s | %s | %s | %s | %s | %s |\n", SplitName(s.Split), Group(s.Examples), Group(tc.Total),
				Group(int64(tc.Min)), Group(int64(tc.P50)), Group(int64(tc.P95)), Group(int64(tc.Max)), Group(int64(tc.Mean)))
		} else {
			p.f("| %s | %s | | | | | | |\n", SplitName(s.Split), Group(s.Examples))
		}
	}
	p.f("\n")
	if bk := r.Banks; bk != nil && len(bk.Banks) > 0 {
		p.f("### Few-shot banks\n\n%s, for %s%s.\n\n", bankLine(bk), bk.Model, asOf(bk.PricesAsOf))
	}

	p.f("### Quality gates\n\n")
	if len(r.Gates) == 0 && len(r.Failed) == 0 {
		p.f("None were configured.\n\n")
	} else {
		p.f("| gate | verdict | value | threshold |\n|---|---|---:|---:|\n")
		for _, g := range r.Gates {
			v := "n/a"
			if g.Value != nil {
				v = strconv.FormatFloat(*g.Value, 'g', -1, 64)
			}
			p.f("| %s | %s | %s | %s |\n", g.Gate, verdictOf(g, true), v, strconv.FormatFloat(g.Threshold, 'g', -1, 64))
		}
		for _, g := range r.Failed {
			if g.Stage != "gates" {
				p.f("| %s | FAILED: %s | | |\n", g.Stage, mdCell(g.Message))
			}
		}
		p.f("\n")
	}

	p.f("## Licence\n\nThe licence of this data is that of its sources. The header's `license: unknown` is a placeholder: set it (and say here who may use the data, and how) before the data is published or handed over.\n\n")
	p.f("## Limitations\n\nDuplicates, sensitive values and overlaps were found by automatic detectors with thresholds (see `run.json` for the configuration); they miss what they were not built to find. Drop reasons and counts are in `reports/`, and `reports/report.html` shows them for a person.\n")
}

func unit(f formats.Format) string {
	if f.Array() {
		return "element of the JSON array"
	}
	return "line"
}

func mdCell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

// mdWriter appends formatted Markdown to a buffer.
type mdWriter struct{ b *bytes.Buffer }

func (m *mdWriter) f(format string, args ...any) { fmt.Fprintf(m.b, format, args...) }
