package jsonl

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Valid reports whether b is one JSON value, white space around it allowed,
// exactly as json.Valid does (which also limits nesting to 10,000 levels and
// lets any byte that is not a control character stand in a string). It is a
// byte loop with a table for the bytes of strings, several times faster than
// encoding/json's scanner.
func Valid(b []byte) bool {
	end, ok := scanValue(b, skipSpace(b, 0))
	return ok && skipSpace(b, end) == len(b)
}

// strByte marks the bytes that stand for themselves in a JSON string: not
// the quote, the backslash or a control character.
var strByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanValue returns the end of the well-formed JSON value at b[i], or false.
// Brackets are kept on an explicit stack, so that depth costs no recursion.
func scanValue(b []byte, i int) (int, bool) {
	var buf [64]byte
	stack := buf[:0]
	for {
		// A value starts at i (white space skipped).
		if i >= len(b) {
			return i, false
		}
		ok := true
		switch c := b[i]; c {
		case '{', '[':
			if len(stack) >= maxDepth {
				return i, false
			}
			stack = append(stack, c)
			i = skipSpace(b, i+1)
			if i < len(b) && b[i] == c+2 { // '}' and ']' follow '{' and '[' by two
				stack = stack[:len(stack)-1]
				i++
				break
			}
			if c == '{' {
				if i, ok = scanKey(b, i); !ok {
					return i, false
				}
			}
			continue
		case '"':
			i, ok = scanString(b, i)
		case 't':
			i, ok = scanLiteral(b, i, "true")
		case 'f':
			i, ok = scanLiteral(b, i, "false")
		case 'n':
			i, ok = scanLiteral(b, i, "null")
		default:
			i, ok = scanNumber(b, i)
		}
		if !ok {
			return i, false
		}
		// After a value: close what ends here, then a comma, or the end.
		for {
			if len(stack) == 0 {
				return i, true
			}
			if i = skipSpace(b, i); i >= len(b) {
				return i, false
			}
			open := stack[len(stack)-1]
			if b[i] == open+2 {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			if b[i] != ',' {
				return i, false
			}
			i = skipSpace(b, i+1)
			if open == '{' {
				if i, ok = scanKey(b, i); !ok {
					return i, false
				}
			}
			break
		}
	}
}

// scanKey reads an object member's key and colon; the value follows at the
// returned index.
func scanKey(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return i, false
	}
	i, ok := scanString(b, i)
	if !ok {
		return i, false
	}
	if i = skipSpace(b, i); i >= len(b) || b[i] != ':' {
		return i, false
	}
	return skipSpace(b, i+1), true
}

// scanString returns the end of the JSON string that starts at b[i] ('"').
func scanString(b []byte, i int) (int, bool) {
	for i++; i < len(b); i++ {
		for i+8 <= len(b) && plain8(b[i:i+8]) {
			i += 8
		}
		for end := min(i+8, len(b)); i < end && strByte[b[i]]; {
			i++
		}
		if i == len(b) {
			break
		}
		if strByte[b[i]] {
			continue
		}
		switch b[i] {
		case '"':
			return i + 1, true
		case '\\':
			i++
			if i >= len(b) {
				return i, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(b) || !isHex4(b[i+1:i+5]) {
					return i, false
				}
				i += 4
			default:
				return i, false
			}
		default: // a control character
			return i, false
		}
	}
	return i, false
}

// plain8 reports whether the eight bytes stand for themselves in a JSON
// string: no quote, backslash or control character (word tests from "Bit
// Twiddling Hacks", exact for these: a byte of 0x80 or more is plain).
func plain8(w []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	v := binary.LittleEndian.Uint64(w)
	zero := func(x uint64) uint64 { return (x - ones) & ^x & highs }
	return ((v-0x20*ones) & ^v & highs)|zero(v^('"'*ones))|zero(v^('\\'*ones)) == 0
}

func isHex4(h []byte) bool {
	for _, c := range h {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func scanLiteral(b []byte, i int, lit string) (int, bool) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, false
	}
	return i + len(lit), true
}

// scanNumber reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func scanNumber(b []byte, i int) (int, bool) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return i, false
	case b[i] == '0':
		i++
	case '1' <= b[i] && b[i] <= '9':
		i = digits(b, i+1)
	default:
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return j, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return j, false
		}
		i = j
	}
	return i, true
}

func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// unquote decodes a well-formed JSON string literal as encoding/json does:
// escapes, surrogate pairs, and U+FFFD for a lone surrogate or a byte that
// is not UTF-8. Most strings have no escapes and are copied as they stand.
func unquote(raw []byte) (string, error) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", errors.New("not a JSON string")
	}
	s := raw[1 : len(raw)-1]
	i := 0
	for i < len(s) && s[i] != '\\' && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) || bytes.IndexByte(s[i:], '\\') < 0 && utf8.Valid(s[i:]) {
		return string(s), nil
	}
	return unescape(s, i)
}

// unescape decodes s (a well-formed string literal's body) from s[i] on,
// where the first escape or non-ASCII byte is: runs between escapes are
// copied whole when they are UTF-8.
func unescape(s []byte, i int) (string, error) {
	var out strings.Builder
	out.Grow(len(s))
	out.Write(s[:i])
	for i < len(s) {
		j := bytes.IndexByte(s[i:], '\\')
		if j < 0 {
			j = len(s) - i
		}
		writeUTF8(&out, s[i:i+j])
		if i += j; i == len(s) {
			break
		}
		if i+1 >= len(s) {
			return "", errors.New("bad escape in JSON string")
		}
		switch e := s[i+1]; e {
		case '"', '\\', '/':
			out.WriteByte(e)
		case 'b':
			out.WriteByte('\b')
		case 'f':
			out.WriteByte('\f')
		case 'n':
			out.WriteByte('\n')
		case 'r':
			out.WriteByte('\r')
		case 't':
			out.WriteByte('\t')
		case 'u':
			r := u4(s[i:])
			if r < 0 {
				return "", errors.New("bad \\u escape in JSON string")
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if dec := utf16.DecodeRune(r, u4(s[i:])); dec != utf8.RuneError {
					out.WriteRune(dec)
					i += 6
					continue
				}
				r = utf8.RuneError
			}
			out.WriteRune(r)
			continue
		default:
			return "", errors.New("bad escape in JSON string")
		}
		i += 2
	}
	return out.String(), nil
}

// writeUTF8 writes run, each byte that is not part of valid UTF-8 replaced
// by U+FFFD, as encoding/json does.
func writeUTF8(out *strings.Builder, run []byte) {
	if utf8.Valid(run) {
		out.Write(run)
		return
	}
	for k := 0; k < len(run); {
		r, n := utf8.DecodeRune(run[k:])
		if r == utf8.RuneError && n == 1 {
			out.WriteRune(utf8.RuneError)
		} else {
			out.Write(run[k : k+n])
		}
		k += n
	}
}

// u4 decodes the \uXXXX escape at the start of s, or returns -1.
func u4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	r, err := strconv.ParseUint(string(s[2:6]), 16, 16)
	if err != nil {
		return -1
	}
	return rune(r)
}

// Value decodes the record as a json.Decoder with UseNumber decodes into an
// interface value: map[string]any (the last of duplicate keys wins), []any,
// string, json.Number, bool or nil. It is the input JSON Schema validators
// take, made without reflection.
func (r Record) Value() (any, error) {
	if r.Reject != nil {
		return nil, errors.New(r.Reject.Reason + ": " + r.Reject.Detail)
	}
	if !r.valid && !Valid(r.Raw) {
		return nil, json.Unmarshal(r.Raw, new(json.RawMessage))
	}
	v, _, err := value(r.Raw, skipSpace(r.Raw, 0))
	return v, err
}

// value decodes the well-formed JSON value at b[i] and returns the index
// after it.
func value(b []byte, i int) (any, int, error) {
	switch c := b[i]; {
	case c == '{':
		m := map[string]any{}
		i = skipSpace(b, i+1)
		for b[i] != '}' {
			end := stringEnd(b, i)
			key, err := unquote(b[i:end])
			if err != nil {
				return nil, i, err
			}
			v, j, err := value(b, skipSpace(b, skipSpace(b, end)+1))
			if err != nil {
				return nil, j, err
			}
			m[key] = v
			if i = skipSpace(b, j); b[i] == ',' {
				i = skipSpace(b, i+1)
			}
		}
		return m, i + 1, nil
	case c == '[':
		a := make([]any, 0)
		i = skipSpace(b, i+1)
		for b[i] != ']' {
			v, j, err := value(b, i)
			if err != nil {
				return nil, j, err
			}
			a = append(a, v)
			if i = skipSpace(b, j); b[i] == ',' {
				i = skipSpace(b, i+1)
			}
		}
		return a, i + 1, nil
	case c == '"':
		end := stringEnd(b, i)
		s, err := unquote(b[i:end])
		return s, end, err
	case c == 't':
		return true, i + 4, nil
	case c == 'f':
		return false, i + 5, nil
	case c == 'n':
		return nil, i + 4, nil
	}
	end := valueEnd(b, i)
	return json.Number(b[i:end]), end, nil
}

// Unquote decodes a JSON string literal, as encoding/json decodes it into a
// string. raw must be well-formed (see Valid).
func Unquote(raw []byte) (string, error) { return unquote(raw) }

// Object calls fn with the key and the value of each member of b, a JSON
// value that Valid accepted, in order, and reports whether b is an object.
// A false from fn stops the walk. Keys and values are slices of b (a key
// with escapes is decoded into a new slice), valid as long as b is.
func Object(b []byte, fn func(key, v []byte) bool) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	for i = skipSpace(b, i+1); b[i] != '}'; {
		end := stringEnd(b, i)
		key := b[i+1 : end-1]
		if bytes.IndexByte(key, '\\') >= 0 || !utf8.Valid(key) {
			k, err := unquote(b[i:end])
			if err != nil {
				return false
			}
			key = []byte(k)
		}
		i = skipSpace(b, skipSpace(b, end)+1) // past the colon
		vend := valueEnd(b, i)
		if !fn(key, b[i:vend]) {
			return true
		}
		if i = skipSpace(b, vend); b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return true
}

// Array calls fn with each element of b, a JSON value that Valid accepted,
// nulls included, and reports whether b is an array. A false from fn stops
// the walk.
func Array(b []byte, fn func(v []byte) bool) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return false
	}
	for i = skipSpace(b, i+1); b[i] != ']'; {
		end := valueEnd(b, i)
		if !fn(b[i:end]) {
			return true
		}
		if i = skipSpace(b, end); b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return true
}
