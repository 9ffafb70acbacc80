package pipeline

import (
	"fmt"
	"sort"

	"github.com/tuneprep/tuneprep/schemas"
)

// emptyRunGates are the gates every run has: a run that read nothing, or
// emitted nothing, has failed even though no stage erred. The message names
// what removed the most records and, where the stage knows, what to change.
func emptyRunGates(p Plan, reports []schemas.StageReport, t schemas.Totals) []schemas.Gate {
	source := "input"
	if p.Source != nil {
		source = p.Source.Name()
	}
	switch {
	case t.Read == 0:
		return []schemas.Gate{{Stage: source, Message: "no records read: the input has no file tuneprep reads " +
			"(.jsonl, .json, .csv, .tsv, .parquet, .txt, .md, .html, .docx, .eml, .mbox, optionally .gz or .zst); see the skipped files in " + reportName(1, source)}}
	case t.Emitted > 0:
		return nil
	}
	stage, reason, n := "", "", t.Rejected
	var hinter Hinter
	detail := ""
	for _, r := range reports {
		for _, why := range sortedReasons(r.Dropped) {
			if c := r.Dropped[why]; c > n {
				stage, reason, n, detail = r.Stage, why, c, r.FirstDetail[why]
				hinter = nil
				for _, s := range p.Stages {
					if s.Name() == r.Stage {
						hinter, _ = s.(Hinter)
					}
				}
			}
		}
	}
	if stage == "" {
		return []schemas.Gate{{Stage: source, Message: fmt.Sprintf("nothing emitted: all %d records were rejected as unreadable; see rejects.jsonl", t.Read)}}
	}
	msg := fmt.Sprintf("nothing emitted: %s dropped %d of %d records as %s", stage, n, t.Read, reason)
	if detail != "" {
		msg += " (first: " + detail + ")"
	}
	if hinter != nil {
		if h := hinter.Hint(reason); h != "" {
			msg += "; " + h
		}
	}
	return []schemas.Gate{{Stage: stage, Message: msg}}
}

func sortedReasons(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
