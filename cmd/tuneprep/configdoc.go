package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// configJSONSchema derives the JSON Schema of the config file from the
// config structs' yaml and doc tags.
func configJSONSchema() ([]byte, error) {
	s := typeSchema(reflect.TypeOf(Config{}), "")
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = "tuneprep/config.schema.json"
	s["title"] = "tuneprep configuration"
	b, err := json.MarshalIndent(s, "", "  ")
	return append(b, '\n'), err
}

func typeSchema(t reflect.Type, doc string) map[string]any {
	s := map[string]any{}
	if doc != "" {
		s["description"] = doc
	}
	switch t.Kind() {
	case reflect.Struct:
		props := map[string]any{}
		addProps(t, props)
		s["type"] = "object"
		s["properties"] = props
		s["additionalProperties"] = false
	case reflect.Slice:
		s["type"] = []string{"array", "null"}
		s["items"] = typeSchema(t.Elem(), "")
	case reflect.String:
		s["type"] = "string"
	case reflect.Bool:
		s["type"] = "boolean"
	case reflect.Int, reflect.Int64:
		s["type"] = "integer"
	case reflect.Uint64:
		s["type"] = "integer"
		s["minimum"] = 0
	case reflect.Float64:
		s["type"] = "number"
	case reflect.Map:
		s["type"] = "object"
		s["additionalProperties"] = typeSchema(t.Elem(), "")
	}
	return s
}

func addProps(t reflect.Type, props map[string]any) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if opts == "inline" {
			addProps(sf.Type, props)
			continue
		}
		if name == "" || name == "-" || !sf.IsExported() {
			continue
		}
		props[name] = typeSchema(sf.Type, sf.Tag.Get("doc"))
	}
}

// configReference renders the Markdown table of every setting: key,
// environment variable, default and meaning. README.md holds a copy.
func configReference() string {
	var b strings.Builder
	b.WriteString("| key | environment | default | meaning |\n|---|---|---|---|\n")
	def := defaultConfig()
	for _, l := range leaves(reflect.ValueOf(&def).Elem(), nil) {
		env := "`" + l.env() + "`"
		if l.value.Kind() == reflect.Slice && l.value.Type().Elem().Kind() != reflect.String {
			env = "(file only)"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", l.key(), env, defaultText(l.value), cell(l.field.Tag.Get("doc")))
		if l.value.Kind() == reflect.Slice && l.value.Type().Elem().Kind() == reflect.Struct {
			elem := reflect.New(l.value.Type().Elem()).Elem()
			for _, sub := range leaves(elem, []string{l.key() + "[]"}) {
				fmt.Fprintf(&b, "| `%s` | (file only) |  | %s |\n", sub.key(), cell(sub.field.Tag.Get("doc")))
			}
		}
	}
	return b.String()
}

// cell escapes text for a Markdown table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

func defaultText(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Slice:
		if v.Len() == 0 {
			return ""
		}
		if v.Type().Elem().Kind() != reflect.String {
			return fmt.Sprintf("%d entries", v.Len())
		}
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = v.Index(i).String()
		}
		return "`" + strings.Join(parts, ",") + "`"
	case reflect.String:
		if v.String() == "" {
			return ""
		}
	}
	return fmt.Sprintf("`%v`", v.Interface())
}
