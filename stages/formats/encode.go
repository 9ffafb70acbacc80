package formats

import (
	"strconv"
	"unicode/utf8"
)

// appendLine encodes the records most runs write (openai-chat without tool
// calls, trl-text) as marshalLine does, without reflection or an encoder;
// ok is false for anything else. encoding/json is the specification: tests
// hold the two to the same bytes.
func appendLine(dst []byte, v any) ([]byte, bool) {
	switch r := v.(type) {
	case textRecord:
		dst = append(dst, `{"text":`...)
		dst = appendString(dst, r.Text)
		return append(dst, "}\n"...), true
	case chatRecord:
		if r.Tools != nil {
			return dst, false
		}
		if r.Messages == nil {
			return append(dst, "{\"messages\":null}\n"...), true
		}
		dst = append(dst, `{"messages":[`...)
		for i, m := range r.Messages {
			if m.ToolCalls != nil {
				return dst, false
			}
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"role":`...)
			dst = appendString(dst, m.Role)
			if m.Content != nil {
				dst = append(dst, `,"content":`...)
				dst = appendString(dst, *m.Content)
			}
			if m.Name != "" {
				dst = append(dst, `,"name":`...)
				dst = appendString(dst, m.Name)
			}
			if m.Weight != nil {
				dst = append(dst, `,"weight":`...)
				dst = strconv.AppendInt(dst, int64(*m.Weight), 10)
			}
			if m.ToolCallID != "" {
				dst = append(dst, `,"tool_call_id":`...)
				dst = appendString(dst, m.ToolCallID)
			}
			dst = append(dst, '}')
		}
		return append(dst, "]}\n"...), true
	}
	return dst, false
}

// lineSize guesses the length of appendLine's output, to allocate once.
func lineSize(v any) int {
	switch r := v.(type) {
	case textRecord:
		return len(r.Text) + len(r.Text)/16 + 16
	case chatRecord:
		n := 16
		for _, m := range r.Messages {
			n += 32 + len(m.Role)
			if m.Content != nil {
				n += len(*m.Content) + len(*m.Content)/16
			}
		}
		return n
	}
	return 0
}

// AppendJSONString appends s as a JSON string exactly as encoding/json
// writes it with HTML escaping off (see appendString), for callers that
// write their own small JSON lines.
func AppendJSONString(dst []byte, s string) []byte { return appendString(dst, s) }

// appendString appends s as a JSON string the way encoding/json writes it
// without HTML escaping: short escapes for \b \f \n \r \t, \u00XX for other
// control characters, U+FFFD for bytes that are not UTF-8, and U+2028 and
// U+2029 escaped.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		for i+8 <= len(s) && !special8(s, i) {
			i += 8 // eight bytes that stand as they are
		}
		if i == len(s) {
			break
		}
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= ' ' && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// special8 reports whether s[i:i+8] may hold a byte appendString does not
// copy as it is: a control character, '"', '\\' or a non-ASCII byte (the
// word tests of "Bit Twiddling Hacks"; a false positive only costs the
// byte-by-byte path).
func special8(s string, i int) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	_ = s[i+7]
	v := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
	zero := func(x uint64) uint64 { return (x - ones) & ^x & highs }
	return (v&highs)|((v-0x20*ones) & ^v & highs)|zero(v^('"'*ones))|zero(v^('\\'*ones)) != 0
}
