package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/tuneprep/tuneprep/pipeline"
	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/template"
)

// previewStages are the stages a preview runs on each record: what the
// example will look like, redacted, without dedup, splits or files.
var previewStages = map[string]bool{"normalize": true, "redact": true, "template": true}

// errPreviewDone stops the input walk once every rule has its examples.
var errPreviewDone = errors.New("preview complete")

// preview renders the first n examples of each template rule to w and
// writes nothing. It reads at most maxRecords records.
func preview(ctx context.Context, plan pipeline.Plan, n int, w io.Writer) error {
	var tmpl *template.Stage
	var stages []pipeline.Processor
	for _, s := range plan.Stages {
		if !previewStages[s.Name()] {
			continue
		}
		if t, ok := s.(*template.Stage); ok {
			tmpl = t
		}
		if p, ok := s.(pipeline.Processor); ok {
			stages = append(stages, p)
		}
	}
	rules := tmpl.Rules()
	shown := make([]int, len(rules))
	drops := map[string]int{}
	read, rejected, full := 0, 0, 0
	maxRecords := max(1000, 100*n)
	env := &pipeline.Env{Logger: slog.New(slog.DiscardHandler)}
	err := plan.Source.Read(ctx, env, func(d *schemas.Document) error {
		read++
		if d.Reject != nil {
			rejected++
			return nil
		}
		rule := tmpl.RuleFor(d.Source.Path)
		if rule >= 0 && shown[rule] >= n {
			return stopWhen(read >= maxRecords)
		}
		for _, s := range stages {
			drop, err := s.Process(ctx, d)
			if err != nil {
				return err
			}
			if drop != nil {
				drops[s.Name()+"/"+drop.Reason]++
				return stopWhen(read >= maxRecords)
			}
		}
		if shown[rule]++; shown[rule] == n {
			full++
		}
		printExample(w, rule, rules[rule], d)
		return stopWhen(full == len(rules) || read >= maxRecords)
	})
	if err != nil && !errors.Is(err, errPreviewDone) {
		return err
	}
	fmt.Fprintf(w, "previewed %d records read: %d rejected", read, rejected)
	for _, k := range sortedKeys(drops) {
		fmt.Fprintf(w, ", %d dropped as %s", drops[k], k)
	}
	fmt.Fprintln(w)
	for i, c := range shown {
		if c == 0 {
			fmt.Fprintf(w, "rule %d %s made no example\n", i+1, describeRule(rules[i]))
		}
	}
	return nil
}

func stopWhen(done bool) error {
	if done {
		return errPreviewDone
	}
	return nil
}

func describeRule(r template.Rule) string {
	m := "all paths"
	if len(r.Match) > 0 {
		m = strings.Join(r.Match, ", ")
	}
	return fmt.Sprintf("(%s, kind %s)", m, r.Kind)
}

// printExample prints one example as a person reads it: each turn with its
// role, the prompt and completion, or the text.
func printExample(w io.Writer, rule int, r template.Rule, d *schemas.Document) {
	fmt.Fprintf(w, "── rule %d %s · %s:%d", rule+1, describeRule(r), d.Source.Path, d.Source.Line)
	if d.Source.Item > 0 {
		fmt.Fprintf(w, " item %d", d.Source.Item)
	}
	if d.Label != "" {
		fmt.Fprintf(w, " · label %q", d.Label)
	}
	fmt.Fprintln(w)
	ex := d.Example
	switch ex.Kind {
	case schemas.KindCompletion:
		fmt.Fprintf(w, "[prompt] %q\n[completion] %q\n", ex.Prompt, ex.Completion)
	case schemas.KindText:
		fmt.Fprintf(w, "[text] %s\n", clip(ex.Text))
	default:
		for _, m := range ex.Messages {
			fmt.Fprintf(w, "[%s] %s\n", m.Role, clip(m.Content))
		}
	}
	fmt.Fprintln(w)
}

// clip shortens long text for the terminal, keeping its start and end.
func clip(s string) string {
	const keep = 600
	if len(s) <= 2*keep {
		return s
	}
	head, tail := s[:keep], s[len(s)-keep:]
	for !utf8Start(head, len(head)) {
		head = head[:len(head)-1]
	}
	for len(tail) > 0 && !utf8Start(tail, 0) {
		tail = tail[1:]
	}
	return fmt.Sprintf("%s\n[... %d bytes ...]\n%s", head, len(s)-len(head)-len(tail), tail)
}

func utf8Start(s string, i int) bool { return i >= len(s) || s[i]&0xC0 != 0x80 }
