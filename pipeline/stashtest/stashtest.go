// Package stashtest helps test a pipeline.StashCodec.
package stashtest

import "testing"

// Reader is the half of a pipeline.StashCodec that reads.
type Reader interface {
	ReadStash(b []byte) (any, error)
}

// Damaged checks that r refuses every truncation of the encoding enc and
// enc with a byte left over; name says whose encoding it is in failures.
func Damaged(t testing.TB, r Reader, enc []byte, name string) {
	t.Helper()
	for n := range len(enc) {
		if _, err := r.ReadStash(enc[:n]); err == nil {
			t.Fatalf("%s: %d of %d bytes read without an error", name, n, len(enc))
		}
	}
	if _, err := r.ReadStash(append(enc[:len(enc):len(enc)], 0)); err == nil {
		t.Fatalf("%s: a byte left over read without an error", name)
	}
}
