package quality

import (
	"fmt"
	"strings"

	"github.com/tuneprep/tuneprep/stages/langid"
)

// Config sets the quality filters. Each filter has enabled and its
// thresholds; a record is dropped by the first check it fails, in the order
// junk, chat, language, gopher, repetition.
//
// Where a threshold comes from Rae et al. 2021, "Scaling Language Models:
// Methods, Analysis & Insights from Training Gopher", appendix A, the doc
// says "Gopher". Gopher's rules were written for web pages of 50 words and
// more; tuneprep's records are often support tickets of 10-60 words, chat
// turns and clauses, so the rules that only make sense on long texts apply
// from a minimum length (min_words of each filter).
type Config struct {
	Enabled    bool             `yaml:"enabled" doc:"run the quality filters"`
	Language   LanguageConfig   `yaml:"language" doc:"language identification and the languages to keep"`
	Gopher     GopherConfig     `yaml:"gopher" doc:"Gopher quality heuristics: word count, word length, symbols, bullets, ellipses, alphabetic words, stop words"`
	Repetition RepetitionConfig `yaml:"repetition" doc:"Gopher repetition rules: duplicate lines and paragraphs, top and duplicate n-grams"`
	Junk       JunkConfig       `yaml:"junk" doc:"blobs, hex dumps, URL lists, lorem ipsum, auto-replies and placeholder texts"`
	Chat       ChatConfig       `yaml:"chat" doc:"checks on chat and prompt/completion examples read from the input"`
}

// LanguageConfig identifies the language of the main text.
type LanguageConfig struct {
	Enabled bool `yaml:"enabled" doc:"identify the language of every record (reported, and kept on the record)"`
	// Languages empty keeps every language.
	Languages []string `yaml:"languages" doc:"ISO 639-1 codes to keep (e.g. [en, de]); empty keeps every language"`
	// MinConfidence: a detection below it counts as undetermined ("und"),
	// and an undetermined record is always kept.
	MinConfidence float64 `yaml:"min_confidence" doc:"a detection less confident than this is undetermined (und); undetermined records are kept"`
	// MinWords: on shorter texts (names, noun phrases, short questions)
	// the detector errs too often to drop on it; they are undetermined.
	MinWords int `yaml:"min_words" doc:"texts with fewer words are undetermined (und) and kept (scripts without spaces: fewer letters)"`
}

// GopherConfig holds the Gopher quality heuristics.
type GopherConfig struct {
	Enabled bool `yaml:"enabled" doc:"apply the Gopher quality heuristics"`
	// MinWords is 0 by default: Gopher's minimum of 50 words would drop
	// most support tickets and chat turns.
	MinWords int `yaml:"min_words" doc:"fewest words (Gopher: 50 for web pages; default 0, off, since tickets and turns are short)"`
	MaxWords int `yaml:"max_words" doc:"most words (Gopher: 100000)"`
	// RatioMinWords: the ratio rules below are measured only on texts of
	// at least this many words; on a handful of words a ratio says little.
	RatioMinWords int `yaml:"ratio_min_words" doc:"the ratio rules (word length, symbols, bullets, ellipses, alphabetic) apply to texts of at least this many words"`
	// RatioMinLines: the line rules (bullets, ellipses) apply to texts of
	// at least this many non-empty lines. Gopher aimed them at navigation
	// menus; a short answer that is a list of three steps is good data.
	RatioMinLines    int     `yaml:"ratio_min_lines" doc:"the line rules (bullets, ellipses) apply to texts of at least this many non-empty lines"`
	MinMeanWordLen   float64 `yaml:"min_mean_word_length" doc:"shortest mean word length, in characters (Gopher: 3)"`
	MaxMeanWordLen   float64 `yaml:"max_mean_word_length" doc:"longest mean word length, in characters (Gopher: 10)"`
	MaxSymbolRatio   float64 `yaml:"max_symbol_ratio" doc:"most '#' and ellipses ('...', '…') per word (Gopher: 0.1)"`
	MaxBulletLines   float64 `yaml:"max_bullet_lines" doc:"largest share of lines starting with a bullet (Gopher: 0.9)"`
	MaxEllipsisLines float64 `yaml:"max_ellipsis_lines" doc:"largest share of lines ending with an ellipsis (Gopher: 0.3)"`
	MinAlphaWords    float64 `yaml:"min_alpha_words" doc:"smallest share of words with an alphabetic character (Gopher: 0.8; default 0.5, as dates, amounts and tables are mostly numbers)"`
	// The stop-word rule is English (the, be, to, of, and, that, have,
	// with): it applies to texts identified as English, of at least
	// StopWordsMinWords words. Short English tickets often have none.
	MinStopWords      int `yaml:"min_stop_words" doc:"fewest of the stop words the, be, to, of, and, that, have, with (Gopher: 2); English texts only"`
	StopWordsMinWords int `yaml:"stop_words_min_words" doc:"the stop-word rule applies to English texts of at least this many words (default 100: at 50 it drops doctor-patient dialogue)"`
}

// RepetitionConfig holds the Gopher repetition rules. Fractions are of the
// text's bytes, except the two element fractions (lines, paragraphs).
// Gopher's thresholds drop 22% of the CUAD contracts, 3% of their clauses
// and 39% of the TAT-QA report contexts: legal and financial drafting
// repeats long phrases on purpose. The defaults are looser; a text pasted
// twice, a generation loop or a repeated log line still fails them.
type RepetitionConfig struct {
	Enabled bool `yaml:"enabled" doc:"apply the Gopher repetition rules"`
	// MinWords: one repeated phrase in a 20-word ticket is a large share
	// of it, so the rules apply to longer texts only.
	MinWords               int       `yaml:"min_words" doc:"the repetition rules apply to texts of at least this many words (Gopher's minimum length: 50)"`
	MaxDupLines            float64   `yaml:"max_duplicate_lines" doc:"largest share of lines that repeat an earlier line (Gopher: 0.30; default 0.50, as table rows and signature lines repeat in good records)"`
	MaxDupParagraphs       float64   `yaml:"max_duplicate_paragraphs" doc:"largest share of paragraphs that repeat an earlier one (Gopher: 0.30; default 0.50)"`
	MaxDupLineChars        float64   `yaml:"max_duplicate_line_chars" doc:"largest share of bytes in repeated lines (Gopher: 0.20; default 0.30)"`
	MaxDupParagraphChars   float64   `yaml:"max_duplicate_paragraph_chars" doc:"largest share of bytes in repeated paragraphs (Gopher: 0.20; default 0.30)"`
	MaxTopNgramChars       []float64 `yaml:"max_top_ngram_chars" doc:"largest share of bytes in the most frequent repeated 2-, 3- and 4-gram (Gopher: 0.20, 0.18, 0.16; default twice that, 0.40, 0.36, 0.32)"`
	MaxDuplicateNgramChars []float64 `yaml:"max_duplicate_ngram_chars" doc:"largest share of bytes in repeated 5- to 10-grams (Gopher: 0.15, 0.14, 0.13, 0.12, 0.11, 0.10; default three times that, 0.45 to 0.30)"`
}

// JunkConfig holds the junk filters.
type JunkConfig struct {
	Enabled bool `yaml:"enabled" doc:"apply the junk filters"`
	// MaxRun catches base64 and similar blobs; URLs are not runs.
	MaxRun int `yaml:"max_run" doc:"longest run of letters, digits and + / = without a space (base64, keys); URLs do not count"`
	// MaxHexLines catches hex dumps: lines of 8 or more tokens, most of
	// them two hex digits.
	MaxHexLines float64 `yaml:"max_hex_lines" doc:"largest share of lines that look like a hex dump (8+ tokens, mostly 2-digit hex)"`
	MaxURLShare float64 `yaml:"max_url_share" doc:"largest share of the text's characters inside URLs"`
	Lorem       bool    `yaml:"lorem" doc:"drop texts containing \"lorem ipsum\""`
	// Autoreply phrases match case-insensitively in texts of at most
	// AutoreplyMaxWords words: a long ticket may quote an auto-reply.
	Autoreply         []string `yaml:"autoreply" doc:"phrases of auto-reply and out-of-office bodies (case-insensitive)"`
	AutoreplyMaxWords int      `yaml:"autoreply_max_words" doc:"the auto-reply phrases drop texts of at most this many words"`
	// Placeholders match the whole text, case and punctuation aside.
	Placeholders []string `yaml:"placeholders" doc:"whole texts that are placeholders (\"test\", \"asdf\"), compared without case, punctuation or spacing"`
}

// ChatConfig holds the checks on examples read from the input.
type ChatConfig struct {
	Enabled bool `yaml:"enabled" doc:"check chat and prompt/completion examples read from the input"`
	// MinAssistantWords is 1: a classifier's answer is one word, so
	// one-word answers are kept unless this is raised to 2.
	MinAssistantWords int  `yaml:"min_assistant_words" doc:"fewest words in an assistant turn (1 drops empty turns; 2 also one-word turns); turns that only call tools are exempt"`
	Echo              bool `yaml:"echo" doc:"drop examples whose assistant turn repeats the user turn before it verbatim (case and spacing aside)"`
	// Boilerplate phrases match case-insensitively in assistant turns.
	Boilerplate []string `yaml:"boilerplate" doc:"phrases of refusals and AI boilerplate in assistant turns (case-insensitive)"`
}

// Defaults returns conservative thresholds: Gopher's where they hold on
// tuneprep's kind of data, looser where the shared corpora showed them
// dropping good records (see the doc of each key), and the rules that need
// length applied only to long texts.
func Defaults() Config {
	return Config{
		Enabled: true,
		Language: LanguageConfig{
			Enabled:       true,
			MinConfidence: 0.5,
			MinWords:      10,
		},
		Gopher: GopherConfig{
			Enabled:           true,
			MinWords:          0,
			MaxWords:          100_000,
			RatioMinWords:     20,
			RatioMinLines:     10,
			MinMeanWordLen:    3,
			MaxMeanWordLen:    10,
			MaxSymbolRatio:    0.1,
			MaxBulletLines:    0.9,
			MaxEllipsisLines:  0.3,
			MinAlphaWords:     0.5,
			MinStopWords:      2,
			StopWordsMinWords: 100,
		},
		Repetition: RepetitionConfig{
			Enabled:                true,
			MinWords:               50,
			MaxDupLines:            0.50,
			MaxDupParagraphs:       0.50,
			MaxDupLineChars:        0.30,
			MaxDupParagraphChars:   0.30,
			MaxTopNgramChars:       []float64{0.40, 0.36, 0.32},
			MaxDuplicateNgramChars: []float64{0.45, 0.42, 0.39, 0.36, 0.33, 0.30},
		},
		Junk: JunkConfig{
			Enabled:           true,
			MaxRun:            100,
			MaxHexLines:       0.5,
			MaxURLShare:       0.6,
			Lorem:             true,
			Autoreply:         DefaultAutoreply(),
			AutoreplyMaxWords: 120,
			Placeholders:      DefaultPlaceholders(),
		},
		Chat: ChatConfig{
			Enabled:           true,
			MinAssistantWords: 1,
			Echo:              true,
			Boilerplate:       DefaultBoilerplate(),
		},
	}
}

// DefaultAutoreply returns the default auto-reply phrases: the openings of
// out-of-office and automatic replies, not words a customer might use
// about them ("I got an automatic reply").
func DefaultAutoreply() []string {
	return []string{
		"i am currently out of the office",
		"i'm currently out of the office",
		"i am out of the office",
		"i'm out of the office",
		"i will be out of the office",
		"i am currently out of office",
		"i am away from the office",
		"i will have limited access to email",
		"i will respond to your message when i return",
		"i will reply to your email when i return",
		"automatic reply:",
		"auto-reply:",
		"autoreply:",
		"out of office:",
		"out of office reply",
		"this is an automated response",
		"this is an automatic reply",
		"this is an automatically generated",
		"this mailbox is not monitored",
		"please do not reply to this email",
		"please do not reply to this message",
	}
}

// DefaultPlaceholders returns the texts that are placeholders when they are
// the whole text. Short answers that are real data ("None.", "N/A", "TBD"
// in a form's field) are not among them.
func DefaultPlaceholders() []string {
	return []string{
		"test", "testing", "test test", "test 123", "testing 123", "test 1 2 3", "testing 1 2 3", "testing testing",
		"this is a test", "just a test", "test ticket", "test message", "test please ignore",
		"asdf", "asdfasdf", "asdfgh", "asdfghjkl", "qwerty", "hello world", "foo bar", "foobar",
		"xxx", "xxxx", "placeholder", "dummy", "dummy text", "sample text", "lorem ipsum",
	}
}

// DefaultBoilerplate returns the default refusal and AI boilerplate
// phrases: what chatbots say about themselves, not a support agent's
// legitimate "I'm sorry, but I can't refund this order".
func DefaultBoilerplate() []string {
	return []string{
		"as an ai language model",
		"as a language model",
		"as a large language model",
		"as an ai developed by",
		"as an ai assistant, i",
		"i am an ai language model",
		"i'm an ai language model",
		"i'm just an ai",
		"i am just an ai",
		"my knowledge cutoff",
		"i cannot fulfill that request",
		"i cannot fulfill this request",
		"i can't fulfill that request",
		"i can't fulfill this request",
		"i'm sorry, but i can't assist with that",
		"i'm sorry, but i cannot assist with that",
		"i'm sorry, i can't assist with that",
		"i'm sorry, i cannot assist with that",
	}
}

// validate checks cfg and returns it with codes and phrases lower-cased.
func (cfg Config) validate() (Config, error) {
	frac := func(key string, v float64) error {
		if v < 0 || v > 1 {
			return fmt.Errorf("%s: %v is not between 0 and 1", key, v)
		}
		return nil
	}
	nonneg := func(key string, v int) error {
		if v < 0 {
			return fmt.Errorf("%s: %d is negative", key, v)
		}
		return nil
	}
	l, g, r, j, c := &cfg.Language, &cfg.Gopher, &cfg.Repetition, &cfg.Junk, &cfg.Chat
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	codes := make([]string, 0, len(l.Languages))
	for _, code := range l.Languages {
		code = strings.ToLower(strings.TrimSpace(code))
		if !langid.Known(code) {
			add(fmt.Errorf("language.languages: %q is not an ISO 639-1 code the detector knows", code))
		}
		codes = append(codes, code)
	}
	l.Languages = codes
	add(frac("language.min_confidence", l.MinConfidence))
	add(nonneg("language.min_words", l.MinWords))
	add(nonneg("gopher.min_words", g.MinWords))
	add(nonneg("gopher.max_words", g.MaxWords))
	if g.MaxWords > 0 && g.MinWords > g.MaxWords {
		add(fmt.Errorf("gopher.min_words: %d is above max_words %d", g.MinWords, g.MaxWords))
	}
	add(nonneg("gopher.ratio_min_words", g.RatioMinWords))
	add(nonneg("gopher.ratio_min_lines", g.RatioMinLines))
	if g.MinMeanWordLen < 0 || (g.MaxMeanWordLen > 0 && g.MinMeanWordLen > g.MaxMeanWordLen) {
		add(fmt.Errorf("gopher.min_mean_word_length: need 0 <= min_mean_word_length <= max_mean_word_length (got %v, %v)", g.MinMeanWordLen, g.MaxMeanWordLen))
	}
	if g.MaxMeanWordLen < 0 {
		add(fmt.Errorf("gopher.max_mean_word_length: %v is negative", g.MaxMeanWordLen))
	}
	if g.MaxSymbolRatio < 0 {
		add(fmt.Errorf("gopher.max_symbol_ratio: %v is negative", g.MaxSymbolRatio))
	}
	add(frac("gopher.max_bullet_lines", g.MaxBulletLines))
	add(frac("gopher.max_ellipsis_lines", g.MaxEllipsisLines))
	add(frac("gopher.min_alpha_words", g.MinAlphaWords))
	add(nonneg("gopher.min_stop_words", g.MinStopWords))
	add(nonneg("gopher.stop_words_min_words", g.StopWordsMinWords))
	add(nonneg("repetition.min_words", r.MinWords))
	add(frac("repetition.max_duplicate_lines", r.MaxDupLines))
	add(frac("repetition.max_duplicate_paragraphs", r.MaxDupParagraphs))
	add(frac("repetition.max_duplicate_line_chars", r.MaxDupLineChars))
	add(frac("repetition.max_duplicate_paragraph_chars", r.MaxDupParagraphChars))
	if len(r.MaxTopNgramChars) != topNgrams {
		add(fmt.Errorf("repetition.max_top_ngram_chars: need %d values (2-, 3- and 4-grams), got %d", topNgrams, len(r.MaxTopNgramChars)))
	}
	for _, v := range r.MaxTopNgramChars {
		add(frac("repetition.max_top_ngram_chars", v))
	}
	if len(r.MaxDuplicateNgramChars) != dupNgrams {
		add(fmt.Errorf("repetition.max_duplicate_ngram_chars: need %d values (5- to 10-grams), got %d", dupNgrams, len(r.MaxDuplicateNgramChars)))
	}
	for _, v := range r.MaxDuplicateNgramChars {
		add(frac("repetition.max_duplicate_ngram_chars", v))
	}
	add(nonneg("junk.max_run", j.MaxRun))
	add(frac("junk.max_hex_lines", j.MaxHexLines))
	add(frac("junk.max_url_share", j.MaxURLShare))
	add(nonneg("junk.autoreply_max_words", j.AutoreplyMaxWords))
	j.Autoreply = lowerPhrases(j.Autoreply)
	ph := make([]string, 0, len(j.Placeholders))
	for _, p := range j.Placeholders {
		if k := placeholderKey(p); k != "" {
			ph = append(ph, k)
		}
	}
	j.Placeholders = ph
	add(nonneg("chat.min_assistant_words", c.MinAssistantWords))
	c.Boilerplate = lowerPhrases(c.Boilerplate)
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return cfg, fmt.Errorf("%s", strings.Join(msgs, "; "))
	}
	return cfg, nil
}

func lowerPhrases(ps []string) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			out = append(out, p)
		}
	}
	return out
}
