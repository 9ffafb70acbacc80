package dedup

import "strings"

// idTable keeps record IDs by number, compactly: an ID of 16 lowercase hex
// digits (what ingest derives from the source) in 8 bytes, any other ID in
// a map beside.
type idTable struct {
	packed []uint64
	other  map[int]string
}

// add stores id and returns its number: 0, 1, 2...
func (t *idTable) add(id string) int {
	i := len(t.packed)
	v, ok := packHex(id)
	if !ok {
		if t.other == nil {
			t.other = map[int]string{}
		}
		t.other[i] = strings.Clone(id) // not the record's memory
	}
	t.packed = append(t.packed, v)
	return i
}

// get returns the ID numbered i.
func (t *idTable) get(i int) string {
	if s, ok := t.other[i]; ok {
		return s
	}
	const digits = "0123456789abcdef"
	var b [16]byte
	for j, v := 15, t.packed[i]; j >= 0; j, v = j-1, v>>4 {
		b[j] = digits[v&15]
	}
	return string(b[:])
}

func (t *idTable) len() int { return len(t.packed) }

// bytes is the memory the table holds, for the report.
func (t *idTable) bytes() int64 {
	n := int64(8 * cap(t.packed))
	for _, s := range t.other {
		n += 48 + int64(len(s)) // map slot, string header and bytes
	}
	return n
}

// packHex reads 16 lowercase hex digits; an ID in any other form (upper
// case included, which would not come back the same) is not packed.
func packHex(id string) (uint64, bool) {
	if len(id) != 16 {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | uint64(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}
