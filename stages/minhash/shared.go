package minhash

import (
	"fmt"
	"strings"
	"sync"

	"github.com/tuneprep/tuneprep/schemas"
)

// Side says which part of an example the overlap checks (leakage,
// decontamination, few-shot exclusion) compare. The zero value is
// SidePrompt.
type Side string

// Sides of an example.
const (
	// SidePrompt is what the model is given: the user turns of a chat (never
	// the system prompt, which every example shares), the prompt of a
	// completion. Leakage that matters is a test input seen in training; two
	// questions that get the same canned answer are not a leak.
	SidePrompt Side = "prompt"
	// SideCompletion is what the model learns to write: the assistant turns,
	// the completion.
	SideCompletion Side = "completion"
	// SideAll is every turn but the system prompt, or prompt and completion.
	SideAll Side = "all"
)

// ParseSide checks a configured side; "" means SidePrompt.
func ParseSide(s string) (Side, error) {
	switch Side(s) {
	case "":
		return SidePrompt, nil
	case SidePrompt, SideCompletion, SideAll:
		return Side(s), nil
	}
	return "", fmt.Errorf("%q is not prompt, completion or all", s)
}

// Text returns the side of ex that overlap checks compare, its parts
// joined by blank lines. A text example is its text whatever the side; a
// record without an example (ex nil) is its main text, fallback.
func (s Side) Text(ex *schemas.Example, fallback string) string {
	if ex == nil {
		return fallback
	}
	switch ex.Kind {
	case schemas.KindText:
		return ex.Text
	case schemas.KindCompletion:
		switch s {
		case SideCompletion:
			return ex.Completion
		case SideAll:
			return joinParts(ex.Prompt, ex.Completion)
		}
		return ex.Prompt
	}
	var parts []string
	for _, m := range ex.Messages {
		if m.Role == "system" || m.Content == "" {
			continue
		}
		want := "user"
		if s == SideCompletion {
			want = "assistant"
		}
		if s == SideAll || m.Role == want {
			parts = append(parts, m.Content)
		}
	}
	return joinParts(parts...)
}

// joinParts joins the non-empty parts with blank lines, without copying a
// single part.
func joinParts(parts ...string) string {
	n, last := 0, ""
	for _, p := range parts {
		if p != "" {
			n, last = n+1, p
		}
	}
	if n <= 1 {
		return last
	}
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(p)
	}
	return b.String()
}

// Handoff passes a containment index from the stage that fills it to a
// later stage that reads it, so that one set of records is indexed once:
// the split stage indexes the validation and test records for its leakage
// report, and the few-shot stage excludes bank candidates that overlap them.
//
// The filling stage offers the index when it is constructed (so the reader
// knows, before any record flows, not to build its own) and seals it once it
// has seen every record; the reader queries it only after that (in its
// Finish, which runs after the earlier stages' Finish). The zero value is
// ready to use; a nil *Handoff offers nothing.
type Handoff struct {
	mu     sync.Mutex
	idx    *ContainmentIndex
	side   Side
	sealed bool
}

// Offer records the index the caller will fill with the given side of each
// record. It is an error to offer twice.
func (h *Handoff) Offer(idx *ContainmentIndex, side Side) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.idx != nil {
		return fmt.Errorf("minhash: handoff offered twice")
	}
	h.idx, h.side = idx, side
	return nil
}

// Seal marks the offered index complete: every reference is in it.
func (h *Handoff) Seal() {
	h.mu.Lock()
	h.sealed = true
	h.mu.Unlock()
}

// Offered returns the side of the records the offered index holds and
// whether an index was offered (a reader with none builds its own).
func (h *Handoff) Offered() (Side, bool) {
	if h == nil {
		return SidePrompt, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.side, h.idx != nil
}

// Index returns the offered index once it is sealed; an error when none
// was offered or it is not yet complete (a stage order mistake).
func (h *Handoff) Index() (*ContainmentIndex, error) {
	if h == nil {
		return nil, fmt.Errorf("minhash: no handoff")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.idx == nil:
		return nil, fmt.Errorf("minhash: no index was offered")
	case !h.sealed:
		return nil, fmt.Errorf("minhash: the offered index is not complete yet (its stage has not finished)")
	}
	return h.idx, nil
}
