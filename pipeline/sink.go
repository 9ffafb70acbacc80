package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"

	"github.com/tuneprep/tuneprep/schemas"
)

// Fixed output names of the records that did not make it.
const (
	DroppedFile  = "dropped.jsonl"
	RejectedFile = "rejects.jsonl"
)

// sink receives every record after the last stage, in input order, and
// writes the outcome of those that were dropped or rejected. Records still
// alive there were emitted by the stages.
type sink struct {
	dropped, rejected       *OutFile
	droppedEnc, rejectedEnc *json.Encoder
	emitted                 emitted
}

func newSink(env *Env) (*sink, error) {
	d, err := env.Create(DroppedFile)
	if err != nil {
		return nil, err
	}
	r, err := env.Create(RejectedFile)
	if err != nil {
		return nil, err
	}
	s := &sink{dropped: d, rejected: r, droppedEnc: json.NewEncoder(d), rejectedEnc: json.NewEncoder(r)}
	s.droppedEnc.SetEscapeHTML(false)
	s.rejectedEnc.SetEscapeHTML(false)
	return s, nil
}

func (s *sink) drain(ctx context.Context, in <-chan *batch, t *schemas.Totals, done *atomic.Int64) error {
	for b := range in {
		done.Add(int64(len(b.docs)))
		for _, d := range b.docs {
			t.Read++
			var err error
			switch {
			case d.Reject != nil:
				t.Rejected++
				err = s.rejectedEnc.Encode(schemas.RejectedRecord{Source: d.Source, Reason: d.Reject.Reason, Detail: d.Reject.Detail})
			case d.Drop != nil:
				t.Dropped++
				err = s.droppedEnc.Encode(schemas.DroppedRecord{ID: d.ID, Source: d.Source, Stage: d.Drop.Stage, Reason: d.Drop.Reason, Detail: d.Drop.Detail})
			default:
				t.Emitted++
				s.emitted.add(d)
			}
			if err != nil {
				return fmt.Errorf("outcomes: %w", err)
			}
		}
	}
	return ctx.Err()
}

func (s *sink) close() error {
	if err := s.dropped.Close(); err != nil {
		return err
	}
	return s.rejected.Close()
}
