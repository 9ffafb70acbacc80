package tokenizer

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestGet(t *testing.T) {
	tests := []struct {
		enc     string
		wantErr bool
	}{
		{CL100KBase, false},
		{O200KBase, false},
		{P50KBase, false},
		{R50KBase, false},
		{"gpt2", true},
		{"", true},
		{"CL100K_BASE", true},
	}
	for _, tt := range tests {
		tok, err := Get(tt.enc)
		if (err != nil) != tt.wantErr {
			t.Errorf("Get(%q) error = %v, wantErr %v", tt.enc, err, tt.wantErr)
			continue
		}
		if err == nil && tok.Name() != tt.enc {
			t.Errorf("Get(%q).Name() = %q", tt.enc, tok.Name())
		}
	}
	a, _ := Get(O200KBase)
	b, _ := Get(O200KBase)
	if a != b {
		t.Error("Get returned two tokenizers for one encoding; the vocabulary must load once")
	}
}

// TestLoadWaits checks that a tokenizer whose tables are still loading
// waits for them: called from several goroutines at once it counts, encodes
// and decodes as a loaded one does. A vocabulary that fails to load makes
// the first call panic with the reason.
func TestLoadWaits(t *testing.T) {
	if _, err := Load("gpt2"); err == nil {
		t.Error(`Load("gpt2"): no error`)
	}
	if a, _ := Load(O200KBase); a != mustGet(t, O200KBase) {
		t.Error("Load and Get returned two tokenizers for one encoding")
	}
	ref := mustGet(t, R50KBase)
	fresh := &loaded{tok: &Tokenizer{name: R50KBase, next: specs[R50KBase].next, done: make(chan struct{})}}
	go fresh.once.Do(fresh.load) // as Load does, on a tokenizer nobody loaded yet
	text := strings.Repeat("The parties agree that Section 4.2 survives termination. ", 20)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if got, want := fresh.tok.Count(text), ref.Count(text); got != want {
				t.Errorf("Count while loading: %d, want %d", got, want)
			}
			ids := fresh.tok.Encode(text)
			if back, err := fresh.tok.Decode(ids); err != nil || back != text || !slices.Equal(ids, ref.Encode(text)) {
				t.Errorf("Encode/Decode while loading: %v %q", err, back)
			}
		})
	}
	wg.Wait()

	broken := &loaded{tok: &Tokenizer{name: "none_base", done: make(chan struct{})}}
	go broken.once.Do(broken.load)
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "load none_base") {
			t.Errorf("Count on a vocabulary that failed to load: recovered %v, want its load error", r)
		}
	}()
	broken.tok.Count("x")
}

func TestEncodingForModel(t *testing.T) {
	tests := []struct {
		model, want string
	}{
		{"gpt-4o", O200KBase},
		{"gpt-4o-2024-08-06", O200KBase},
		{"gpt-4o-mini", O200KBase},
		{"gpt-4o-mini-2024-07-18", O200KBase},
		{"chatgpt-4o-latest", O200KBase},
		{"gpt-4.1", O200KBase},
		{"gpt-4.1-mini", O200KBase},
		{"gpt-4.1-nano-2025-04-14", O200KBase},
		{"gpt-4.5-preview", O200KBase},
		{"gpt-5", O200KBase},
		{"gpt-5-mini", O200KBase},
		{"gpt-5-nano-2025-08-07", O200KBase},
		{"o1", O200KBase},
		{"o1-mini", O200KBase},
		{"o3", O200KBase},
		{"o3-mini-2025-01-31", O200KBase},
		{"o4-mini", O200KBase},
		{"ft:gpt-4o-mini-2024-07-18:acme::abc123", O200KBase},
		{"ft:gpt-4.1-2025-04-14:acme:legal:xyz", O200KBase}, // tiktoken's prefix table says cl100k here
		{"ft:gpt-3.5-turbo-0125:acme::id", CL100KBase},
		{"ft:davinci-002:acme::id", CL100KBase},
		{"gpt-4", CL100KBase},
		{"gpt-4-0613", CL100KBase},
		{"gpt-4-turbo-2024-04-09", CL100KBase},
		{"gpt-4-32k", CL100KBase},
		{"gpt-3.5-turbo", CL100KBase},
		{"gpt-3.5-turbo-0125", CL100KBase},
		{"gpt-35-turbo-16k", CL100KBase},
		{"text-embedding-3-small", CL100KBase},
		{"text-embedding-3-large", CL100KBase},
		{"text-embedding-ada-002", CL100KBase},
		{"davinci-002", CL100KBase},
		{"babbage-002", CL100KBase},
		{"text-davinci-003", P50KBase},
		{"davinci", R50KBase},
		{"gpt2", R50KBase},
	}
	for _, tt := range tests {
		got, err := EncodingForModel(tt.model)
		if err != nil || got != tt.want {
			t.Errorf("EncodingForModel(%q) = %q, %v; want %q", tt.model, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "llama-3", "gpt", "ft:", "claude-3", "o2"} {
		if got, err := EncodingForModel(bad); err == nil {
			t.Errorf("EncodingForModel(%q) = %q, want an error", bad, got)
		}
	}
	tok, err := ForModel("gpt-4o-mini")
	if err != nil || tok.Name() != O200KBase {
		t.Errorf("ForModel(gpt-4o-mini) = %v, %v", tok, err)
	}
	if _, err := ForModel("nope"); err == nil {
		t.Error("ForModel(nope): want an error")
	}
}

// TestSpecialTokenText proves that special-token text is ordinary text: the
// ids equal npm tiktoken's encode_ordinary (checked in TestReferenceEdgeCases
// too) and never include a special token id.
func TestSpecialTokenText(t *testing.T) {
	special := map[string][]int{
		CL100KBase: {100257, 100258, 100259, 100260, 100276},
		O200KBase:  {199999, 200018},
	}
	// npm tiktoken 1.0.22 encode_ordinary("<|endoftext|>").
	want := map[string][]int{
		CL100KBase: {27, 91, 8862, 728, 428, 91, 29},
		O200KBase:  {27, 91, 419, 1440, 919, 91, 29},
	}
	text := "Hi <|endoftext|><|fim_prefix|><|fim_middle|><|fim_suffix|><|endofprompt|> bye"
	for enc, ids := range special {
		tok := mustGet(t, enc)
		if got := tok.Encode("<|endoftext|>"); !slices.Equal(got, want[enc]) {
			t.Errorf("%s Encode(<|endoftext|>) = %v, want %v", enc, got, want[enc])
		}
		got := tok.Encode(text)
		for _, id := range got {
			if slices.Contains(ids, id) {
				t.Errorf("%s: special token id %d in %v", enc, id, got)
			}
		}
		if dec, err := tok.Decode(got); err != nil || dec != text {
			t.Errorf("%s: Decode = %q, %v; want the input back", enc, dec, err)
		}
		if _, err := tok.Decode(ids[:1]); err == nil {
			t.Errorf("%s: Decode of special id %d: want an error", enc, ids[0])
		}
	}
}

func TestValidUTF8(t *testing.T) {
	const r = "\uFFFD"
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\xffb", "a" + r + "b"},
		{"\xe2\x82", r},                     // truncated 3-byte sequence: one replacement
		{"\xc0\xaf", r + r},                 // C0 can never start a sequence
		{"\xed\xa0\x80", r + r + r},         // surrogate: ED A0 is not a valid prefix
		{"\xf0\x9f\x98", r},                 // truncated emoji
		{"\xf0\x9f\x98 x", r + " x"},        // ... followed by text
		{"\x80\x80\x80a", r + r + r + "a"},  // lone continuations
		{"\xf4\x90\x80\x80", r + r + r + r}, // above U+10FFFF
		{"ok \uFFFD", "ok \uFFFD"},          // a real U+FFFD stays
		{"caf\xe9, na\xefve", "caf" + r + ", na" + r + "ve"},
	}
	for _, tt := range tests {
		if got := validUTF8(tt.in); got != tt.want {
			t.Errorf("validUTF8(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// The ids of invalid input are those of its replacement, as in npm tiktoken.
	tok := mustGet(t, CL100KBase)
	for _, tt := range tests {
		if got, want := tok.Encode(tt.in), tok.Encode(tt.want); !slices.Equal(got, want) {
			t.Errorf("Encode(%q) = %v, want %v", tt.in, got, want)
		}
	}
}

func TestAppendEncode(t *testing.T) {
	tok := mustGet(t, O200KBase)
	buf := []int{-1}
	buf = tok.AppendEncode(buf, "Hello world")
	if want := append([]int{-1}, tok.Encode("Hello world")...); !slices.Equal(buf, want) {
		t.Errorf("AppendEncode = %v, want %v", buf, want)
	}
	if got := tok.Encode(""); len(got) != 0 || tok.Count("") != 0 {
		t.Errorf("empty text: %v", got)
	}
}

// TestConcurrent runs many goroutines over shared tokenizers and a shared
// cache (meaningful under -race) and checks that they agree.
func TestConcurrent(t *testing.T) {
	texts := make([]string, 40)
	for i := range texts {
		texts[i] = strings.Repeat(fmt.Sprintf("Document %d: the Licensee's obligations (Section %d.%d) — ", i, i%7, i%3), 1+i%5)
	}
	for _, enc := range []string{CL100KBase, O200KBase} {
		tok := mustGet(t, enc)
		want := make([][]int, len(texts))
		for i, s := range texts {
			want[i] = tok.Encode(s)
		}
		var wg sync.WaitGroup
		errs := make(chan string, 8*len(texts))
		for g := range 8 {
			wg.Go(func() {
				for i := range texts {
					k := (i + g*5) % len(texts)
					if got := tok.Encode(texts[k]); !slices.Equal(got, want[k]) {
						errs <- fmt.Sprintf("%s goroutine %d text %d: ids differ", enc, g, k)
					}
					if n := tok.Count(texts[k]); n != len(want[k]) {
						errs <- fmt.Sprintf("%s goroutine %d text %d: count %d, want %d", enc, g, k, n, len(want[k]))
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	}
}

// TestCountNoAllocs checks that counting text whose multi-token pieces are
// cached allocates nothing.
func TestCountNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	text := "The Licensee shall indemnify the Licensor's affiliates, 12345 times:\n\n\t— naïve café 日本語 👍"
	for _, enc := range []string{CL100KBase, O200KBase} {
		tok := mustGet(t, enc)
		tok.Count(text) // fill the cache
		if n := testing.AllocsPerRun(20, func() { tok.Count(text) }); n != 0 {
			t.Errorf("%s: Count allocates %.1f times per call", enc, n)
		}
	}
}
