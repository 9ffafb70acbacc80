package redact

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/pipeline/stashtest"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/pii"
)

// stashConfigs: tag mode, with field policies and a custom detector that
// matches its own tags (so residual findings remain), and drop mode.
func stashConfigs() map[string]Config {
	tag := Defaults()
	tag.Fields = []FieldPolicy{{"email", "mask"}, {"*_id", "hash"}, {"secret", "drop"}}
	tag.Detectors.Custom = []pii.CustomPattern{{Name: "TAG", Regex: `\[[A-Z]+\]`}}
	drop := tag
	drop.Mode = "drop"
	return map[string]Config{"tag": tag, "drop": drop}
}

func stashDocs() []*schemas.Document {
	unsafe := doc("3", "meta", `{"note": kim@example.com}`)
	unsafe.Fields[0].Raw = true
	chat := doc("4", "user_id", "u-77")
	chat.Example = &schemas.Example{Messages: []schemas.Message{{Role: "user", Content: "I am kim@example.com"}, {Role: "assistant", Content: "Noted, call +1 415 555 0139."}}}
	return []*schemas.Document{
		doc("0", "text", "Write to ann.lee@example.com or call +1 415 555 0139 today.", "email", "bob@example.net", "user_id", "u-1234", "secret", "hunter2"),
		doc("1", "text", "Nothing to see here."),
		doc("2", "text", "Card 4111 1111 1111 1111 from 10.1.2.3, see [NOTE]."),
		unsafe, chat,
	}
}

// TestStashRoundTrip: every found reads back equal, and a second stage
// running Sequence over the decoded ones writes the same audit bytes and
// gives the same drops and stats as the first over the originals.
func TestStashRoundTrip(t *testing.T) {
	for name, cfg := range stashConfigs() {
		var stages [2]*Stage
		var audits [2]bytes.Buffer
		for i := range stages {
			s, err := New(cfg, env)
			if err != nil {
				t.Fatal(err)
			}
			s.enc = json.NewEncoder(&audits[i])
			stages[i] = s
		}
		docs := stashDocs()
		orig, dec := make([]any, len(docs)), make([]any, len(docs))
		for i, d := range docs {
			if drop, err := stages[0].Process(context.Background(), d); drop != nil || err != nil {
				t.Fatalf("Process = %v, %v", drop, err)
			}
			orig[i] = d.Stash
			enc, err := stages[0].AppendStash(nil, d.Stash)
			if err != nil {
				t.Fatal(err)
			}
			if dec[i], err = stages[1].ReadStash(enc); err != nil {
				t.Fatalf("%s %s: %v", name, d.ID, err)
			}
			if !reflect.DeepEqual(dec[i], orig[i]) {
				t.Fatalf("%s %s: read back %+v, want %+v", name, d.ID, dec[i], orig[i])
			}
		}
		var out [2]string
		stashes := [2][]any{orig, dec}
		for i, s := range stages {
			var drops strings.Builder
			for j, d := range docs {
				d.Stash = stashes[i][j]
				drop, err := s.Sequence(context.Background(), d)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(&drops, "%s %+v\n", d.ID, drop)
			}
			st, _ := json.Marshal(s.Stats())
			out[i] = drops.String() + string(st) + "\n" + audits[i].String()
		}
		st := stages[0].st
		if len(st.ByType) < 3 || (name == "tag") != (st.Residual > 0) || st.FieldsMasked == 0 || st.FieldsHashed == 0 || st.FieldsDropped == 0 || !strings.Contains(out[0], "Reason:") {
			t.Errorf("%s: the records do not exercise the stash:\n%s", name, out[0])
		}
		if out[0] != out[1] {
			t.Errorf("%s: decoded stashes give other drops, stats or audit:\n%s\nvs\n%s", name, out[0], out[1])
		}
	}
}

// TestStashFields: every field of AuditSpan, pii.Span and schemas.Drop, set
// by reflection, reads back; a field added to them (or to found) that the
// codec does not write fails here.
func TestStashFields(t *testing.T) {
	fill := func(p any) {
		v := reflect.ValueOf(p).Elem()
		for i := range v.NumField() {
			f, name := v.Field(i), v.Type().Field(i).Name
			switch {
			case !f.CanSet():
				t.Fatalf("%s.%s is unexported: does the stash need it?", v.Type(), name)
			case f.Kind() == reflect.String:
				f.SetString(name + "-é")
			case f.Kind() == reflect.Int:
				f.SetInt(-1000 * int64(i+1))
			case f.Kind() == reflect.Float64:
				f.SetFloat(0.25 + float64(i))
			default:
				t.Fatalf("%s.%s is a %s: teach the stash codec and this test", v.Type(), name, f.Kind())
			}
		}
	}
	var sp AuditSpan
	var res pii.Span
	var drop schemas.Drop
	fill(&sp)
	fill(&res)
	fill(&drop)
	var names []string
	for f := range reflect.TypeFor[found]().Fields() {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, " "); got != "spans residual masked hashed dropped drop" {
		t.Fatalf("found has fields %s: teach the stash codec and this test", got)
	}
	s, err := New(Defaults(), env)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []*found{
		{spans: []AuditSpan{sp, {}}, residual: []pii.Span{res}, masked: 1, hashed: -2, dropped: 300, drop: &drop},
		{spans: []AuditSpan{}, residual: []pii.Span{}, drop: &schemas.Drop{}},
		{},
	} {
		enc, err := s.AppendStash(nil, f)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.ReadStash(enc); err != nil || !reflect.DeepEqual(got, f) {
			t.Errorf("read back %+v, %v; want %+v", got, err, f)
		}
	}
}

// TestStashBadBytes: every truncation, a byte left over, a bad drop flag and
// a wrong stash type are errors.
func TestStashBadBytes(t *testing.T) {
	for _, cfg := range stashConfigs() {
		s, err := New(cfg, env)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range stashDocs() {
			if _, err := s.Process(context.Background(), d); err != nil {
				t.Fatal(err)
			}
			enc, err := s.AppendStash(nil, d.Stash)
			if err != nil {
				t.Fatal(err)
			}
			stashtest.Damaged(t, s, enc, d.ID)
		}
		if _, err := s.ReadStash([]byte{0, 0, 0, 0, 0, 2}); err == nil {
			t.Error("drop flag 2 read without an error")
		}
		for _, x := range []any{true, found{}, (*found)(nil)} {
			if _, err := s.AppendStash(nil, x); err == nil {
				t.Errorf("AppendStash(%T) gave no error", x)
			}
		}
	}
}
