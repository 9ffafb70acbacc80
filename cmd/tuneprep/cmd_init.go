package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

func initCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("init", "init [--in DIR] [--force] [FILE|-]  (default FILE: tuneprep.yaml)", stderr)
	force := fs.Bool("force", false, "overwrite an existing file")
	in := fs.String("in", "", "write a config for the records in this directory, guessed from a sample of them")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usageError{"init takes at most one file name"}
	}
	path := "tuneprep.yaml"
	if fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	var text string
	var err error
	if *in != "" {
		text, err = inferConfig(ctx, *in, path)
	} else {
		text, err = commentedConfig(defaultConfig())
	}
	if err != nil {
		return err
	}
	if path == "-" {
		_, err := io.WriteString(stdout, text)
		return err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if *force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		if os.IsExist(err) {
			return usageError{fmt.Sprintf("%s exists; use --force to overwrite", path)}
		}
		return err
	}
	if _, err := io.WriteString(f, text); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", path)
	return nil
}

// commentedConfig renders cfg as YAML with each key's doc tag as a comment
// above it.
func commentedConfig(cfg Config) (string, error) {
	var node yaml.Node
	if err := node.Encode(cfg); err != nil {
		return "", err
	}
	annotate(&node, reflect.TypeOf(cfg))
	var b bytes.Buffer
	b.WriteString("# tuneprep configuration. Precedence: flags > TUNEPREP_* environment > this file > defaults.\n")
	b.WriteString("# Every key is optional; unknown keys are an error.\n\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&node); err != nil {
		return "", err
	}
	return b.String(), nil
}

// annotate copies doc tags onto the mapping keys of node, which encodes a
// value of type t.
func annotate(node *yaml.Node, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch node.Kind {
	case yaml.DocumentNode:
		for _, c := range node.Content {
			annotate(c, t)
		}
	case yaml.SequenceNode:
		if t.Kind() == reflect.Slice {
			for _, c := range node.Content {
				annotate(c, t.Elem())
			}
		}
	case yaml.MappingNode:
		if t.Kind() != reflect.Struct {
			return
		}
		docs := fieldDocs(t)
		for i := 0; i+1 < len(node.Content); i += 2 {
			k, v := node.Content[i], node.Content[i+1]
			if f, ok := docs[k.Value]; ok {
				k.HeadComment = f.doc
				annotate(v, f.typ)
			}
		}
	}
}

type fieldDoc struct {
	doc string
	typ reflect.Type
}

// fieldDocs maps yaml keys of struct t (with inline fields) to their docs.
func fieldDocs(t reflect.Type) map[string]fieldDoc {
	out := map[string]fieldDoc{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if opts == "inline" {
			for k, v := range fieldDocs(sf.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" || name == "-" {
			continue
		}
		out[name] = fieldDoc{doc: sf.Tag.Get("doc"), typ: sf.Type}
	}
	return out
}
