package pii

import "strings"

// The PERSON detector is rule based (no model) and off by default. It covers:
//   - an honorific and capitalised words: "Dr. Jane Smith", "Mr. Mayers";
//   - a field label and capitalised words: "Patient: John Doe", "Signed: A. Lee",
//     "From: Maria Garcia", "Dear Tom";
//   - a self-introduction: "my name is Dan", "I am Sarah Connor";
//   - a common given name (list below) followed by a capitalised surname.
// It misses lower-case names, names from outside the list without a cue, and
// names in running text without a title; it can fire on capitalised product or
// place names after a label.

var honorifics = []string{"Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Sir", "Dame", "Madam", "Mister"}

var personLabels = []string{
	"Patient", "Name", "Signed", "Signature", "From", "Dear", "Attn", "Attention", "Client",
	"Physician", "Doctor", "Customer", "Employee", "Witness", "Contact", "Sincerely", "Regards",
}

// givenNames is a small list of common given names (English-speaking countries
// and frequent international ones). Written for this package.
var givenNames = strings.Fields(`
Aaron Adam Adrian Ahmed Aisha Alan Albert Alex Alexander Alice Alicia Amanda Amy Ana Andrea Andrew
Angela Ann Anna Anne Anthony Antonio Arthur Ashley Barbara Benjamin Betty Beverly Bill Bob Brandon
Brenda Brian Bruce Carl Carlos Carol Caroline Catherine Charles Charlotte Chen Cheryl Chris
Christina Christine Christopher Claire Daniel Danielle David Deborah Debra Dennis Diana Diane Donald
Donna Dorothy Douglas Dylan Edward Elizabeth Emily Emma Eric Ethan Eugene Evelyn Fatima Frances
Frank Gabriel Gary George Gerald Gloria Grace Gregory Hannah Harold Harry Heather Helen Henry
Isabella Jack Jacob James Jane Janet Janice Jason Jean Jeffrey Jennifer Jeremy Jerry Jessica Joan
Joe John Jonathan Jordan Jose Joseph Joshua Joyce Juan Judith Judy Julia Julie Justin Karen
Katherine Kathleen Kathy Keith Kelly Kenneth Kevin Kimberly Kyle Larry Laura Lauren Lawrence Linda
Lisa Liam Logan Lucas Luis Margaret Maria Marie Marilyn Mark Martha Mary Matthew Megan Melissa
Michael Michelle Mike Mohammed Muhammad Nancy Natalie Nathan Nicholas Nicole Noah Olivia Oliver
Pamela Patricia Patrick Paul Peter Philip Rachel Ralph Raymond Rebecca Richard Robert Roger Ronald
Rose Roy Russell Ruth Ryan Samantha Samuel Sandra Sara Sarah Scott Sean Sharon Shirley Sophia
Stephanie Stephen Steven Susan Teresa Terry Thomas Timothy Tom Tyler Victoria Vincent Virginia
Walter Wayne William Willie Zachary Dan Jim Tim Ben Sam Tony Steve Nick Kate Liz Jen Meg`)

// notSurname: capitalised words that follow names or labels but are not names.
var notSurname = map[string]bool{
	"The": true, "And": true, "Or": true, "Of": true, "In": true, "On": true, "At": true, "To": true,
	"For": true, "From": true, "With": true, "Is": true, "Was": true, "Has": true, "Had": true,
	"Inc": true, "Ltd": true, "Llc": true, "LLC": true, "Corp": true, "Company": true, "Street": true,
	"Road": true, "Avenue": true, "Hospital": true, "Clinic": true, "University": true, "Agreement": true,
	"Section": true, "Article": true, "Date": true, "Name": true, "Patient": true, "Doctor": true,
	"Monday": true, "Tuesday": true, "Wednesday": true, "Thursday": true, "Friday": true,
	"Saturday": true, "Sunday": true, "I": true, "A": true, "An": true, "My": true, "Your": true,
	"Thanks": true, "Thank": true, "Hello": true, "Hi": true, "Yes": true, "No": true,
	"Place": true, "Lane": true, "Drive": true, "Court": true, "Square": true, "Park": true,
}

// capWordAt returns the end of a capitalised name word at i ("Smith",
// "O'Neil", "Smith-Jones") or of an initial ("M."), else 0.
func capWordAt(t string, i int) int {
	if i >= len(t) || !isUpper(t[i]) {
		return 0
	}
	e := i + 1
	if e < len(t) && t[e] == '.' { // initial
		return e + 1
	}
	for e < len(t) && (isLower(t[e]) || t[e] >= 0x80 || ((t[e] == '\'' || t[e] == '-') && e+2 < len(t) && isUpper(t[e+1]))) {
		e++ // letters, non-ASCII letters (Kupcová), O'Neil, Smith-Jones
	}
	if e-i < 2 || !boundaryAfter(t, e) || notSurname[t[i:e]] {
		return 0
	}
	return e
}

// nameRun reads up to three capitalised words separated by single spaces.
func nameRun(t string, i int) int {
	end := 0
	p := i
	for k := 0; k < 3; k++ {
		e := capWordAt(t, p)
		if e == 0 {
			break
		}
		end = e
		if e+1 >= len(t) || t[e] != ' ' {
			break
		}
		p = e + 1
	}
	if end > 0 && t[end-1] == '.' && end-i == 2 {
		return 0 // a lone initial is not a name
	}
	return end
}

const (
	kindHonorific = 1 + iota
	kindLabel
	kindGiven
)

// personWord classifies cue words with one map lookup per capitalised word.
var personWord = func() map[string]uint8 {
	m := map[string]uint8{}
	for _, n := range givenNames {
		m[n] = kindGiven
	}
	for _, w := range personLabels {
		m[w] = kindLabel
	}
	for _, w := range honorifics {
		m[w] = kindHonorific
	}
	return m
}()

func (st *scanState) person(i, end int) {
	t := st.text
	if !isUpper(t[i]) || end-i > 12 {
		return
	}
	w := t[i:end]
	p := end
	switch personWord[w] {
	case kindHonorific:
		if p < len(t) && t[p] == '.' {
			p++
		}
		if p < len(t) && t[p] == ' ' {
			if e := nameRun(t, p+1); e > 0 {
				st.add(i, e, "person", 0.85) // the title goes too: "Dr. <PERSON>" reads as a name
			}
		}
	case kindLabel:
		p = skipBytes(t, p, ":,")
		if p == end && w != "Dear" {
			return
		}
		p = skipBytes(t, p, " \t\n")
		if e := nameRun(t, p); e > 0 && (e-p > 3 || w == "Dear") {
			st.add(p, e, "person", 0.7)
		}
	case kindGiven:
		if p+1 < len(t) && t[p] == ' ' {
			if e := nameRun(t, p+1); e > 0 {
				st.add(i, e, "person", 0.75)
				return
			}
		}
		st.introducedName(i, end, true)
	default:
		st.introducedName(i, end, false)
	}
}

var introCues = []string{"name is ", "i am ", "i'm ", "call me "}

// introducedName: "my name is Dan", "I am Sarah", "call me Mike".
func (st *scanState) introducedName(i, end int, given bool) {
	t := st.text
	for _, cue := range introCues {
		if i < len(cue) || !hasFoldPrefix(t, i-len(cue), cue) {
			continue
		}
		if e := nameRun(t, i); e > 0 && (e > end || given) {
			st.add(i, e, "person", 0.7)
		}
		return
	}
}
