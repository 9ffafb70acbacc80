package schemas

import (
	"encoding/json"
	"sort"
	"strings"
)

// JSONText renders a JSON value (a Raw field's value) as text a model and a
// duplicate detector can read; text that is not JSON is returned as is. See
// ValueText for the rendering.
func JSONText(raw string) string {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return raw
	}
	return ValueText(v)
}

// textKeys name the part of an object that is its text; the other keys
// (ids, order numbers) are left out when it has one.
var textKeys = []string{"text", "content", "value", "body", "table", "rows"}

// ValueText renders a decoded JSON value (from encoding/json with
// UseNumber) as text: a table (a list of rows) as one line per row with
// cells separated by " | " (a row's outer spaces trimmed), a list of scalars joined with ", ", a list of
// objects as paragraphs, an object by its text key when it has one, else
// as "key: value" lines in key order without identifiers.
func ValueText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	case []any:
		return listText(v)
	case map[string]any:
		for _, k := range textKeys {
			if x, ok := v[k]; ok {
				return ValueText(x)
			}
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		for _, k := range keys {
			t := ValueText(v[k])
			if t == "" || IsIdentifier(k, t) {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(k + ": " + t)
		}
		return b.String()
	}
	return ""
}

func listText(l []any) string {
	if len(l) == 0 {
		return ""
	}
	rows, objects := true, true
	for _, x := range l {
		_, isList := x.([]any)
		_, isObject := x.(map[string]any)
		rows, objects = rows && isList, objects && isObject
	}
	var b strings.Builder
	switch {
	case rows:
		var row strings.Builder
		for i, r := range l {
			if i > 0 {
				b.WriteByte('\n')
			}
			row.Reset()
			for j, cell := range r.([]any) {
				if j > 0 {
					row.WriteString(" | ")
				}
				row.WriteString(strings.TrimSpace(ValueText(cell)))
			}
			b.WriteString(strings.TrimSpace(row.String())) // an empty corner cell leaves no dangling space
		}
	case objects:
		for _, o := range l {
			if t := ValueText(o); t != "" {
				if b.Len() > 0 {
					b.WriteString("\n\n")
				}
				b.WriteString(t)
			}
		}
	default:
		for _, x := range l {
			if t := ValueText(x); t != "" {
				if b.Len() > 0 {
					b.WriteString(", ")
				}
				b.WriteString(t)
			}
		}
	}
	return b.String()
}
