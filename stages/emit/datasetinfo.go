package emit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"

	"github.com/tuneprep/tuneprep/stages/formats"
)

// dataset is one named entry of a dataset_info.json.
type dataset struct {
	name string
	info formats.LlamaFactoryDataset
}

// writeDatasetInfo writes, in each folder holding split files of a format
// LLaMA-Factory reads (alpaca, alpaca-jsonl, sharegpt), a dataset_info.json
// with one entry per split.
func (s *Stage) writeDatasetInfo() error {
	dirs, entries := s.datasetInfos()
	for _, dir := range dirs {
		b, err := marshalDatasets(entries[dir])
		if err != nil {
			return fmt.Errorf("emit %s/dataset_info.json: %w", dir, err)
		}
		out, err := s.env.Create(dir + "/dataset_info.json")
		if err != nil {
			return fmt.Errorf("emit: %w", err)
		}
		if _, err := out.Write(b); err != nil {
			return fmt.Errorf("emit %s: %w", out.Path(), err)
		}
		out.SetRecords(int64(len(entries[dir])))
		if err := out.Close(); err != nil {
			return fmt.Errorf("emit: %w", err)
		}
	}
	return nil
}

// datasetInfos returns the folders that get a dataset_info.json, in format
// order, and their entries: tuneprep_<split>, or tuneprep_<format>_<split>
// when several LLaMA-Factory formats share the folder; formats, then
// splits, in configured order, so the file is the same on every run.
func (s *Stage) datasetInfos() (dirs []string, entries map[string][]dataset) {
	byDir := map[string][]formats.Format{}
	for i, f := range s.formats {
		if _, ok := f.LlamaFactory(""); !ok || s.files[i] == nil || len(s.cfg.Splits) == 0 {
			continue
		}
		dir := path.Dir(s.path(f, s.cfg.Splits[0]))
		if byDir[dir] == nil {
			dirs = append(dirs, dir)
		}
		byDir[dir] = append(byDir[dir], f)
	}
	entries = map[string][]dataset{}
	for _, dir := range dirs {
		fs := byDir[dir]
		for _, f := range fs {
			for _, sp := range s.cfg.Splits {
				name := "tuneprep_" + sp
				if len(fs) > 1 {
					name = "tuneprep_" + f.Name + "_" + sp
				}
				info, _ := f.LlamaFactory(path.Base(s.path(f, sp)))
				entries[dir] = append(entries[dir], dataset{name, info})
			}
		}
	}
	return dirs, entries
}

// marshalDatasets encodes the entries as one JSON object, keys in order,
// indented by two spaces.
func marshalDatasets(entries []dataset) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range entries {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(e.name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(e.info)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
