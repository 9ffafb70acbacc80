package pii

import "strings"

// Dates are everywhere in documents and are not personal on their own; a date
// becomes a date of birth only next to a cue ("DOB", "date of birth", "born",
// "birthday"). The cue word is the anchor, so plain dates cost nothing.

var months = []string{
	"january", "february", "march", "april", "may", "june", "july", "august",
	"september", "october", "november", "december",
}

// monthAt returns the end of a month name or 3-letter abbreviation (with an
// optional '.') at i.
func monthAt(t string, i int) int {
	for _, m := range months {
		if hasFoldPrefix(t, i, m) && boundaryAfter(t, i+len(m)) {
			return i + len(m)
		}
		if hasFoldPrefix(t, i, m[:3]) {
			e := i + 3
			if m == "september" && hasFoldPrefix(t, i, "sept") {
				e = i + 4
			}
			if boundaryAfter(t, e) {
				if e < len(t) && t[e] == '.' {
					e++
				}
				return e
			}
		}
	}
	return 0
}

func digitsAt(t string, i, min, max int) int {
	e := runEnd(t, i, isDigit)
	if e-i < min || e-i > max {
		return 0
	}
	return e
}

// yearAt returns the end of a year of minDigits to four digits at i, or 0.
func yearAt(t string, i, minDigits int) int {
	if y := digitsAt(t, i, minDigits, 4); y > 0 && boundaryAfter(t, y) {
		return y
	}
	return 0
}

// dayAt reads 1-2 digits with an optional ordinal suffix.
func dayAt(t string, i int) int {
	e := digitsAt(t, i, 1, 2)
	if e == 0 {
		return 0
	}
	for _, suf := range []string{"st", "nd", "rd", "th"} {
		if hasFoldPrefix(t, e, suf) {
			return e + 2
		}
	}
	return e
}

func skipBytes(t string, i int, set string) int {
	for i < len(t) && strings.IndexByte(set, t[i]) >= 0 {
		i++
	}
	return i
}

// dateAt parses a date starting at i and returns its end, or 0.
func dateAt(t string, i int) int {
	if i >= len(t) {
		return 0
	}
	if isDigit(t[i]) {
		if e := numericDate(t, i); e > 0 {
			return e
		}
		d := dayAt(t, i)
		if d == 0 {
			return 0
		}
		p := skipBytes(t, d, " -/.")
		if hasFoldPrefix(t, p, "of ") {
			p += 3
		}
		m := monthAt(t, p)
		if m == 0 {
			return 0
		}
		return yearAt(t, skipBytes(t, m, " -/.,"), 2)
	}
	m := monthAt(t, i)
	if m == 0 {
		return 0
	}
	p := skipBytes(t, m, " ")
	d := dayAt(t, p)
	if d == 0 {
		return 0
	}
	return yearAt(t, skipBytes(t, d, " ,"), 4)
}

// numericDate: d{1,4} sep d{1,2} sep d{2,4} with one separator kind.
func numericDate(t string, i int) int {
	a := digitsAt(t, i, 1, 4)
	if a == 0 || a >= len(t) || strings.IndexByte("-/.", t[a]) < 0 {
		return 0
	}
	sep := t[a]
	b := digitsAt(t, a+1, 1, 2)
	if b == 0 || b >= len(t) || t[b] != sep {
		return 0
	}
	c := digitsAt(t, b+1, 2, 4)
	if c == 0 || !boundaryAfter(t, c) || (c < len(t) && t[c] == sep && c+1 < len(t) && isDigit(t[c+1])) {
		return 0
	}
	x := [3]string{t[i:a], t[a+1 : b], t[b+1 : c]}
	if !looksLikeDate(x) {
		return 0
	}
	return c
}

var dobCues = []string{"date of birth", "birth date", "birthdate", "birthday", "born", "dob", "d.o.b"}

// dateOfBirth runs at words starting with 'b' or 'd'.
func (st *scanState) dateOfBirth(i, end int) {
	t := st.text
	cueEnd := 0
	for _, c := range dobCues {
		if hasFoldPrefix(t, i, c) {
			cueEnd = i + len(c)
			break
		}
	}
	if cueEnd == 0 || !boundaryAfter(t, cueEnd) {
		return
	}
	// Forward: the first date within 64 bytes, not crossing a line end twice.
	// The cue binds to that date only: when it is the placeholder of a date
	// already redacted (Redact rescans its output), a later date is not a
	// birth date in its place.
	limit := min(len(t), cueEnd+64)
	for p := cueEnd; p < limit; p++ {
		if t[p] == '\n' && p > cueEnd+2 {
			break
		}
		if dobPlaceholderAt(t, p) {
			return
		}
		if !isAlnum(t[p]) || (p > 0 && isWordByte(t[p-1])) {
			continue
		}
		if e := dateAt(t, p); e > 0 {
			st.add(p, e, "date-of-birth", 0.9)
			return
		}
	}
	// Backward ("1985-01-01 is my birthday"): a date ending within 24 bytes.
	for p := max(0, i-40); p < i; p++ {
		if !isAlnum(t[p]) || (p > 0 && isWordByte(t[p-1])) {
			continue
		}
		if e := dateAt(t, p); e > 0 && e <= i && i-e <= 24 {
			st.add(p, e, "date-of-birth", 0.8)
			return
		}
	}
}

// dobPlaceholderAt reports whether a Replacer's placeholder for a date of
// birth starts at i: "[DATE_OF_BIRTH]", "<DATE_OF_BIRTH_1>" or
// "<DATE_OF_BIRTH_7f3a9c12>".
func dobPlaceholderAt(t string, i int) bool {
	if t[i] != '[' && t[i] != '<' {
		return false
	}
	rest := t[i+1:]
	if !strings.HasPrefix(rest, TypeDateOfBirth) {
		return false
	}
	rest = rest[len(TypeDateOfBirth):]
	return t[i] == '[' && strings.HasPrefix(rest, "]") || t[i] == '<' && strings.HasPrefix(rest, "_")
}
