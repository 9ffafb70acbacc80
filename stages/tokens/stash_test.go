package tokens

import (
	"context"
	"reflect"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline/stashtest"
	"github.com/tuneprep/tuneprep/schemas"
)

// TestStashRoundTrip: the counts Process gives a chat read back equal; every
// truncation and a byte left over are errors, and so is a wrong stash type.
func TestStashRoundTrip(t *testing.T) {
	s := New(resolve(t, "gpt-4o-mini"))
	d := &schemas.Document{Example: &schemas.Example{Kind: schemas.KindChat, Messages: []schemas.Message{
		{Role: "system", Content: "You are terse."},
		{Role: "user", Content: "Name " + repeat("three colours ", 50)},
		{Role: "assistant", Content: "Red, green, blue."},
	}}}
	if _, err := s.Process(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	tc, ok := d.Stash.(schemas.TokenCounts)
	if !ok || tc.Encoding == "" || tc.System == 0 || tc.User < 100 || tc.Assistant == 0 || tc.Trained == 0 || tc.Total <= tc.User {
		t.Fatalf("Process left %#v", d.Stash)
	}
	enc, err := s.AppendStash(nil, d.Stash)
	if err != nil {
		t.Fatal(err)
	}
	got, err := New(resolve(t, "gpt-4o-mini")).ReadStash(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d.Stash) {
		t.Errorf("read back %#v, want %#v", got, d.Stash)
	}
	stashtest.Damaged(t, s, enc, "token counts")
	for _, x := range []any{&tc, true, nil} {
		if _, err := s.AppendStash(nil, x); err == nil {
			t.Errorf("AppendStash(%T) gave no error", x)
		}
	}
}
