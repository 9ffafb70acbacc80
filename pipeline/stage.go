// Package pipeline is tuneprep's engine: it runs a source and a list of
// stages over bounded channels, keeps input order at any worker count,
// observes every stage (counts by outcome, busy time, bytes), and writes the
// run's outputs atomically with a manifest. It knows no concrete stage.
package pipeline

import (
	"context"
	"log/slog"
	"strings"
	"sync"

	"github.com/tuneprep/tuneprep/schemas"
)

// Stage is a named step of the pipeline. A stage implements Processor,
// Sequencer or both; optional interfaces add set-up, finishing and statistics.
type Stage interface {
	Name() string
}

// Processor handles records independently of one another. The engine calls
// Process from many goroutines at once and restores input order afterwards.
// A non-nil Drop removes the record with a reason; an error stops the run.
// A record that Process drops does not reach the stage's Sequence, and its
// Stash is discarded.
//
// Stash carries a stage's per-record data from its Process to its own
// Sequence, and no further: the engine clears it after Sequence, before a
// hold, so a later stage, a Release, a Replay or a spill file never sees it.
type Processor interface {
	Stage
	Process(ctx context.Context, d *schemas.Document) (*schemas.Drop, error)
}

// Sequencer sees the records one at a time in input order, on one goroutine,
// after Process when the stage has both: the place for state that spans
// records (a duplicate index, split counters).
//
// A stage that must account for the records it drops (an audit file,
// statistics) decides in Process, notes the decision in the record's Stash
// and returns the drop from Sequence, after accounting for the record there.
// The engine counts a drop once, under the stage's name, whichever of the two
// returned it, and writes it to dropped.jsonl.
type Sequencer interface {
	Stage
	Sequence(ctx context.Context, d *schemas.Document) (*schemas.Drop, error)
}

// Holder is a Sequencer that must see every record before any leaves the
// stage: a survivor rule that may prefer a later record, exact split
// proportions. When Holds reports true, the engine keeps the stage's batches
// after Sequence and calls Release once the input has ended; Release may
// drop any record it saw, through drop. A Holder keeps the Documents it
// decides on, so the engine keeps all of them in memory: memory grows with
// the input. A stage that can decide from compact keys should be a
// Replayer instead, whose records the engine spills to disk.
type Holder interface {
	Sequencer
	Holds() bool
	Release(ctx context.Context, drop func(d *schemas.Document, why *schemas.Drop)) error
}

// Replayer is a holding stage that keeps compact keys (a sequence number, a
// length, a group), not Documents. When Holds reports true, the engine keeps
// the stage's batches after Sequence: in memory up to Plan.HoldMemory bytes,
// the rest in a temporary file in the run's staging directory. Once the
// input has ended it calls Decide, then hands each held record that is still
// alive to Replay, in input order on one goroutine; Replay applies what
// Decide decided (an annotation, a drop). A replayed record may be a copy
// read back from disk, so the stage finds its decision by the record's Seq
// or content, never by pointer, and changes made to a Document after its
// Sequence are lost. Its Stash is nil (see schemas.Document.Stash). A stage
// that is both a Holder and a Replayer is run as a Replayer.
type Replayer interface {
	Sequencer
	Holds() bool
	Decide(ctx context.Context) error
	Replay(ctx context.Context, d *schemas.Document) (*schemas.Drop, error)
}

// StashCodec is a Processor whose Stash can be written to bytes and read
// back: a sharded run (see Sharder) runs Process in its shard tasks and
// Sequence in the merge, which reads each record's Stash back from the
// task's files. ReadStash(AppendStash(nil, x)) must give a Stash that
// Sequence treats exactly as x (same counts, same drop, same audit lines).
// Both are called only for a non-nil Stash, and must be safe for
// concurrent use. StashDrops reports whether Sequence will drop the record
// that Process left stash on whatever other records hold (a drop Process
// decided on): a shard task then runs no later stage on it.
type StashCodec interface {
	Processor
	AppendStash(dst []byte, stash any) ([]byte, error)
	ReadStash(b []byte) (any, error)
	StashDrops(stash any) bool
}

// Opener prepares a stage for a run, e.g. creates its output files.
type Opener interface {
	Open(ctx context.Context, env *Env) error
}

// Finisher runs after the last record has passed every stage, in stage order:
// flush files, write what needs the whole data set.
type Finisher interface {
	Finish(ctx context.Context) error
}

// Reporter adds stage-specific statistics to the stage's report. It is called
// after Finish.
type Reporter interface {
	Stats() any
}

// Gater is a stage with quality gates. Gates is called after Finish; each
// message is a gate that failed. The run still completes and its output is
// committed (a person should see what failed), but Run returns a *GateError.
type Gater interface {
	Gates() []string
}

// Warner is a stage with findings a person should see that do not fail the
// run (e.g. a training split below a provider's minimum). Warnings is called
// after Finish; they go to run.json and the summary.
type Warner interface {
	Warnings() []string
}

// Hinter is a stage that can say what to change when most records are
// dropped for one of its reasons (e.g. "set template.rules"). Hint returns
// "" for a reason it has no advice on.
type Hinter interface {
	Hint(reason string) string
}

// GateError lists the quality gates a completed run failed.
type GateError struct {
	Failed []schemas.Gate
}

func (e *GateError) Error() string {
	msgs := make([]string, len(e.Failed))
	for i, g := range e.Failed {
		msgs[i] = g.Stage + ": " + g.Message
	}
	return "quality gate failed: " + strings.Join(msgs, "; ")
}

// Source produces the run's records in a deterministic order. Records that
// cannot be read are emitted too, with Reject set, so that every record read
// has an outcome.
type Source interface {
	Stage
	Read(ctx context.Context, env *Env, emit func(*schemas.Document) error) error
}

// Env is what a run offers its stages. Run makes the Env of a run; an Env a
// caller makes (&Env{Logger: l}) serves a Source's Read outside a run, e.g. a
// preview, and has no output directory: Create returns an error.
type Env struct {
	out     *output // nil in an Env a caller made
	Logger  *slog.Logger
	Workers int
	inputs  schemas.Inputs
	mu      sync.Mutex // guards inputs and files
	files   []*OutFile
}

// Dropf returns a Drop with a reason and an optional detail.
func Dropf(reason, detail string) *schemas.Drop {
	return &schemas.Drop{Reason: reason, Detail: detail}
}
