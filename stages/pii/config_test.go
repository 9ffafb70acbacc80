package pii

import (
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
)

func TestZeroConfig(t *testing.T) {
	s := mustScanner(t, Config{})
	for _, d := range Detectors {
		// The Safe Harbor detectors are off by default like PERSON; the
		// hipaa profile turns them on (TestProfileHIPAA).
		want := d.Default
		if d.Type == TypePerson && d.Default {
			t.Errorf("PERSON must stay off by default")
		}
		if s.Enabled(d.Name) != want {
			t.Errorf("zero Config: detector %s enabled=%v, want %v", d.Name, s.Enabled(d.Name), want)
		}
	}
	if s.region != "US" {
		t.Errorf("default region %q, want US", s.region)
	}
}

func TestConfigSelection(t *testing.T) {
	text := "mail a@b.co, call (415) 555-0132, Dr. Jane Smith"
	cases := []struct {
		name string
		cfg  Config
		want []string // types found, in order
	}{
		{"default", Config{}, []string{TypeEmail, TypePhone}},
		{"enabled by type", Config{Enabled: []string{TypeEmail}}, []string{TypeEmail}},
		{"enabled by detector", Config{Enabled: []string{"phone"}}, []string{TypePhone}},
		{"disabled", Config{Disabled: []string{TypeEmail}}, []string{TypePhone}},
		{"person on", Config{PersonNames: true}, []string{TypeEmail, TypePhone, TypePerson}},
		{"person enabled explicitly", Config{Enabled: []string{TypePerson}}, []string{TypePerson}},
		{"min score", Config{MinScore: 0.95}, []string{TypeEmail}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, sp := range mustScanner(t, c.cfg).Scan(text) {
				got = append(got, sp.Type)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("types = %v, want %v", got, c.want)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		name  string
		cfg   Config
		field string
	}{
		{"unknown enabled", Config{Enabled: []string{"EMIAL"}}, "enabled[0]"},
		{"unknown disabled", Config{Disabled: []string{"x"}}, "disabled[0]"},
		{"bad region", Config{PhoneRegion: "XX"}, "phone_region"},
		{"bad extra region", Config{PhoneExtraRegions: []string{"GB", "ZZZ"}}, "phone_extra_regions[1]"},
		{"negative window", Config{ContextWindow: -1}, "context_window"},
		{"min score range", Config{MinScore: 2}, "min_score"},
		{"custom no name", Config{Custom: []CustomPattern{{Regex: "x"}}}, "custom[0]"},
		{"custom bad regex", Config{Custom: []CustomPattern{{Name: "MRN", Regex: "("}}}, "custom[0]"},
		{"custom bad score", Config{Custom: []CustomPattern{{Name: "MRN", Regex: "x", Score: 3}}}, "custom[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(c.cfg)
			if err == nil || !strings.Contains(err.Error(), c.field) {
				t.Errorf("New() error = %v, want it to name %q", err, c.field)
			}
		})
	}
}

func TestConfigYAMLTags(t *testing.T) {
	snake := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	for _, typ := range []reflect.Type{reflect.TypeOf(Config{}), reflect.TypeOf(CustomPattern{}), reflect.TypeOf(ReplacerConfig{})} {
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			tag := f.Tag.Get("yaml")
			if tag == "-" {
				continue
			}
			if !snake.MatchString(tag) {
				t.Errorf("%s.%s: yaml tag %q is not snake_case", typ.Name(), f.Name, tag)
			}
		}
	}
}

func TestCustomPatterns(t *testing.T) {
	s := mustScanner(t, Config{Custom: []CustomPattern{
		{Name: "MRN", Regex: `\b[0-9]{7}\b`, ContextWords: []string{"MRN", "medical record"}},
		{Name: "CASE_NUMBER", Regex: `\bCASE-[0-9]{4}-[0-9]{5}\b`, Score: 0.9},
	}})
	runCases(t, s, []detCase{
		{"mrn with context", "MRN: 1234567", "MRN:1234567"},
		{"mrn without context", "qty 1234567", ""},
		{"case number", "see CASE-2024-00123.", "CASE_NUMBER:CASE-2024-00123"},
	})
	if got := mustScanner(t, Config{
		Custom:   []CustomPattern{{Name: "MRN", Regex: `[0-9]{7}`}},
		Disabled: []string{"MRN"},
	}).Scan("1234567"); len(got) != 0 {
		t.Errorf("disabled custom pattern still reports %+v", got)
	}
}

func TestOverlapResolution(t *testing.T) {
	s := mustScanner(t, Config{})
	mk := func(start, end int, det string) cand {
		d := s.det[det]
		return cand{Span{Start: start, End: end, Type: d.typ, Detector: det}, d.prio}
	}
	spans := resolve([]cand{
		mk(0, 10, "phone"), mk(0, 10, "uk-nhs"), mk(5, 20, "email"), mk(20, 25, "ipv4"), mk(21, 23, "jwt"),
		mk(30, 40, "phone"), mk(30, 40, "uk-nhs"), mk(38, 42, "ipv4"),
	})
	var got []string
	for _, sp := range spans {
		got = append(got, sp.Detector)
	}
	// email is longest; the 0-10 pair overlaps it; ipv4 beats the nested jwt;
	// at equal length uk-nhs (priority 9) beats phone (14).
	if want := []string{"email", "ipv4", "uk-nhs"}; !reflect.DeepEqual(got, want) {
		t.Errorf("resolve = %v, want %v", got, want)
	}
}

func TestScanConcurrent(t *testing.T) {
	s := mustScanner(t, Config{PersonNames: true})
	text := "Dr. Jane Smith, jane@example.org, +1 415 555 0132, 4111 1111 1111 1111, 8.8.8.8"
	want := s.Scan(text)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if got := s.Scan(text); !reflect.DeepEqual(got, want) {
					t.Errorf("concurrent Scan differs: %+v", got)
					return
				}
			}
		}()
	}
	wg.Wait()
}
