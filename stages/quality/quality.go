// Package quality drops records not worth training on and says why: the
// wrong language, Gopher's quality heuristics and repetition rules, junk
// (blobs, hex dumps, URL lists, lorem ipsum, auto-replies, placeholders)
// and, for chat examples read from the input, empty, echoed and
// boilerplate assistant turns. It runs after normalize and before dedup, so
// that junk never becomes a duplicate cluster's survivor.
package quality

import (
	"context"
	"strings"
	"sync"
	"unicode"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
)

// Stage is the quality stage. Process measures each record in parallel and
// notes the verdict in its Stash; Sequence counts it and returns the drop,
// in input order, so the report does not depend on the worker count.
type Stage struct {
	cfg          Config
	keep         map[string]bool // languages to keep; nil keeps all
	placeholders map[string]struct{}
	autoreply    *phrases
	boilerplate  *phrases
	onLanguage   func(d *schemas.Document, code string, confidence float64)
	scratch      freeList
	results      sync.Pool // *result, back from Sequence
	st           stats
}

// scratch is one worker's reusable memory.
type scratch struct {
	m  measures
	ng ngramScratch
}

// freeList holds the scratch of idle workers. Unlike a sync.Pool it is not
// emptied by each GC, which would rebuild a long text's n-gram tables
// (megabytes) after every collection; it holds at most one scratch per
// worker that ever ran at once.
type freeList struct {
	mu   sync.Mutex
	idle []*scratch
}

func (f *freeList) get() *scratch {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.idle); n > 0 {
		sc := f.idle[n-1]
		f.idle = f.idle[:n-1]
		return sc
	}
	return new(scratch)
}

func (f *freeList) put(sc *scratch) {
	f.mu.Lock()
	f.idle = append(f.idle, sc)
	f.mu.Unlock()
}

// New validates cfg.
func New(cfg Config) (*Stage, error) {
	cfg, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	s := &Stage{cfg: cfg}
	if len(cfg.Language.Languages) > 0 {
		s.keep = map[string]bool{}
		for _, code := range cfg.Language.Languages {
			s.keep[code] = true
		}
	}
	if cfg.Junk.Enabled && len(cfg.Junk.Placeholders) > 0 {
		s.placeholders = map[string]struct{}{}
		for _, p := range cfg.Junk.Placeholders {
			s.placeholders[p] = struct{}{}
		}
	}
	s.autoreply, s.boilerplate = newPhrases(cfg.Junk.Autoreply), newPhrases(cfg.Chat.Boilerplate)
	s.st.init()
	return s, nil
}

// Name implements pipeline.Stage.
func (s *Stage) Name() string { return "quality" }

// OnLanguage sets a function that Process calls with every record's
// detected language (ISO 639-1, "" when undetermined) and its confidence,
// e.g. to keep them on the record for corpus.parquet. It is called
// concurrently, for different records; set it before the run.
func (s *Stage) OnLanguage(fn func(d *schemas.Document, code string, confidence float64)) {
	s.onLanguage = fn
}

// Language identifies the language of d's main text as the stage does:
// the ISO 639-1 code and its confidence, ok false when the text has fewer
// than language.min_words words or the detection is below
// language.min_confidence.
func (s *Stage) Language(d *schemas.Document) (code string, confidence float64, ok bool) {
	sc := s.scratch.get()
	defer s.scratch.put(sc)
	sc.m.analyze(d.Text)
	return s.language(&sc.m, d.Text)
}

func (s *Stage) language(m *measures, text string) (string, float64, bool) {
	if min := s.cfg.Language.MinWords; len(m.words) < min && (m.spaceless == 0 || m.spaceless < min) {
		return "", 0, false
	}
	code, conf := detect(m, text)
	if code == "" || conf < s.cfg.Language.MinConfidence {
		return "", conf, false
	}
	return code, conf, true
}

// Process measures the record and decides; Sequence returns the drop.
func (s *Stage) Process(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	if !s.cfg.Enabled {
		return nil, nil
	}
	sc := s.scratch.get()
	defer s.scratch.put(sc)
	m := &sc.m
	m.analyze(d.Text)
	r, _ := s.results.Get().(*result)
	if r == nil {
		r = new(result)
	}
	*r = result{fail: -1}
	if s.cfg.Junk.Enabled {
		s.junk(r, m, d.Text)
	}
	if s.cfg.Chat.Enabled && d.Example != nil {
		s.chat(r, d.Example)
	}
	if s.cfg.Language.Enabled {
		code, conf, ok := s.language(m, d.Text)
		r.langRan = true
		if ok {
			r.lang, r.conf = code, conf
		}
		if s.onLanguage != nil {
			s.onLanguage(d, r.lang, r.conf)
		}
		if ok {
			r.set(cLanguage, conf, s.keep != nil && !s.keep[code], func() string {
				return "language " + code + " (" + ftoa(conf) + ") not in [" + strings.Join(s.cfg.Language.Languages, ", ") + "]"
			})
		}
	}
	if s.cfg.Gopher.Enabled {
		s.gopher(r, m)
	}
	if s.cfg.Repetition.Enabled {
		s.repetition(r, m, &sc.ng)
	}
	d.Stash = r
	return nil, nil
}

// Sequence counts the record's measures and returns its drop.
func (s *Stage) Sequence(_ context.Context, d *schemas.Document) (*schemas.Drop, error) {
	r, ok := d.Stash.(*result)
	if !ok {
		return nil, nil
	}
	s.st.add(r, d.ID)
	d.Stash = nil
	defer s.results.Put(r)
	if r.fail < 0 {
		return nil, nil
	}
	return pipeline.Dropf(checks[r.fail].reason, r.detail), nil
}

// Hint implements pipeline.Hinter.
func (s *Stage) Hint(reason string) string {
	for _, c := range checks {
		if c.reason == reason {
			return "see the " + c.filter + " measure's histogram in the quality report; set quality." + c.filter + ".enabled: false or loosen its threshold"
		}
	}
	return ""
}

func isAlnum(r rune) bool {
	if r < 0x80 {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}
