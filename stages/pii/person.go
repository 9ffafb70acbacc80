package pii

import "strings"

// The PERSON detector is rule based (no model) and off by default. It covers:
//   - an honorific and capitalised words: "Dr. Jane Smith", "Mr. Mayers";
//   - a field label and capitalised words: "Patient: John Doe", "Signed: A. Lee",
//     "From: Maria Garcia", "Dear Tom";
//   - a self-introduction: "my name is Dan", "I am Sarah Connor";
//   - a given name (list below, plus the SSA list in names.go) followed by a
//     capitalised surname; a given name that is also a word ("Will") only
//     before a census surname;
//   - "Surname, Given" with a census surname and a listed given name;
//   - a lower-case title before a capitalised word: "ms. Wijtze".
// It misses lower-case names, names from outside the list without a cue, and
// names in running text without a title; it can fire on capitalised product or
// place names after a label.

var honorifics = []string{"Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Sir", "Dame", "Madam", "Mister"}

var personLabels = []string{
	"Patient", "Name", "Signed", "Signature", "From", "Dear", "Attn", "Attention", "Client",
	"Physician", "Doctor", "Customer", "Employee", "Witness", "Contact", "Sincerely", "Regards",
	"Recipient", "Sender", "Applicant", "Tenant", "Cardholder", "Beneficiary", "Guardian", "Insured",
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
	"By": true, "Title": true, "Facsimile": true, "Fax": true, "Email": true, "Phone": true, "Tel": true, "Signature": true,
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
	for e < len(t) {
		switch {
		case isLower(t[e]) || t[e] >= 0x80:
			e++ // letters, non-ASCII letters (Kupcová)
		case (t[e] == '\'' || t[e] == '-') && e+2 < len(t) && isUpper(t[e+1]) && isLower(t[e+2]):
			e += 2 // O'Neil, Smith-Jones
		default:
			goto done
		}
	}
done:
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
	kindAmbiguous // a given name that is also a word: needs a census surname
)

// personWord classifies cue words with one map lookup per capitalised word.
var personWord = func() map[string]uint8 {
	m := map[string]uint8{}
	for _, n := range listedGivenNames() {
		m[n] = givenKind(n)
	}
	for _, n := range givenNames {
		m[n] = givenKind(n)
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
	if end-i > 12 {
		return
	}
	if !isUpper(t[i]) {
		if end-i <= 3 {
			st.lowerTitle(i, end)
		}
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
		if p == end && w != "Dear" && w != "Doctor" {
			return
		}
		p = skipBytes(t, p, " \t\n")
		title := w == "Doctor" && p == end+1 // "Doctor Kumar said": a title, not a speaker label
		if e := nameRun(t, p); e > 0 && (e-p > 3 || w == "Dear") && (likelyName(t, p, e, false) || title && !commonStarters[t[p:wordEnd(t, p)]]) {
			st.add(p, e, "person", 0.7)
		}
	case kindGiven:
		if p+1 < len(t) && t[p] == ' ' {
			if e := nameRun(t, p+1); e > 0 && !streetName(t, e) {
				st.add(i, e, "person", 0.75)
				return
			}
		}
		st.surnameFirst(i, end)
		st.introducedName(i, end, true)
	case kindAmbiguous:
		if p+1 < len(t) && t[p] == ' ' {
			if e := capWordAt(t, p+1); e > 0 && surnames[t[p+1:e]] {
				if e = nameRun(t, p+1); !streetName(t, e) {
					st.add(i, e, "person", 0.7)
					return
				}
			}
		}
		st.introducedName(i, end, true)
	default:
		st.surnameFirst(i, end)
		st.introducedName(i, end, false)
	}
	st.cuedName(i)
}

// likelyName rejects a run after a label or cue that starts with a common
// sentence word ("Patient: Sure, ...") or is one word going on as a sentence
// ("Patient: Tylenol helps").
func likelyName(t string, s, e int, cued bool) bool {
	first := t[s:wordEnd(t, s)]
	if commonStarters[first] {
		return false
	}
	for _, w := range strings.Fields(t[s:e]) {
		if orgWords[w] {
			return false
		}
	}
	if personWord[first] == kindGiven || cued {
		return true
	}
	if strings.IndexByte(t[s:e], ' ') >= 0 {
		return true
	}
	// One word: not an adverb ("Doctor: Mostly."), not going on as a sentence.
	return !strings.HasSuffix(first, "ly") && (e+1 >= len(t) || t[e] != ' ' || !isLower(t[e+1]))
}

// cuedName: a capitalised run right after a clinical cue ("seen by").
func (st *scanState) cuedName(i int) {
	t := st.text
	if i < 3 || t[i-1] != ' ' {
		return
	}
	for _, cue := range clinicalCues {
		k := i - len(cue)
		if k < 0 || !hasFoldPrefix(t, k, cue) || (k > 0 && isAlpha(t[k-1])) {
			continue
		}
		if e := nameRun(t, i); e > 0 && likelyName(t, i, e, true) && !honorificOrLabel(t[i:wordEnd(t, i)]) {
			st.add(i, e, "person", 0.7)
		}
		return
	}
}

var introCues = []string{"name is ", "i am ", "i'm ", "call me "}

// clinicalCues are lower-case words of clinical notes that a name follows:
// "seen by Alan Reyes", "referred by Kumar", "pt Garcia", "daughter Mary".
var clinicalCues = []string{
	"seen by ", "referred by ", "evaluated by ", "examined by ", "treated by ", "followed by ", "performed by ",
	"dictated by ", "signed by ", "reviewed by ", "patient ", "pt ", "pt. ", "daughter ", "daughter, ", "son ", "son, ",
	"wife ", "wife, ", "husband ", "husband, ", "mother ", "father ", "sister ", "brother ", "named ", "nurse ",
	"attending ", "surgeon ", "spoke with ", "caregiver ", "partner ", "friend ", "nephew ", "niece ", "grandson ",
	"granddaughter ", "grandson, ", "granddaughter, ", "niece, ", "nephew, ", "neighbor ", "roommate ", "name, ",
}

// orgWords make a capitalised run an organisation or a place, not a person
// ("Patient: Blue Shield, member ID ...").
var orgWords = setOf(`Shield Cross Care Health Healthcare Insurance Medical Medicine Center Centre Clinic Group Hospital
Pharmacy Services Associates Partners Foundation Institute Labs Laboratory County State City University College
Counsel Payable Receivable Director Manager President Officer Title Sample Samples Department Team`)

// commonStarters are capitalised words that begin sentences or speaker
// turns ("Patient: Sure, ...", "Doctor: Great."), never names. Written for
// this package.
var commonStarters = setOf(`About After Again Ago Alright All Also Although Always Am Any Anything Are Around As Ask
Aside Back Bad Based Be Because Been Before Being Best Better Both But Can Cannot Certainly Could Did Do Does Doing Done
Down During Each Either Else Even Ever Every Everything Excellent Exactly Fair Few Fine First For Further Get Go Going
Good Got Great Guess Had Has Have Having He Hello Her Here Hey Him His Honestly How However If Important Is It Its Just
Keep Last Later Least Let Lets Like Likely Little Look Looks Lot Made Make Many Maybe Me Mine Mmm More Most Much Must
Nah Need Never Next Nice Nine Nobody None Nope Nor Not Nothing Now Off Oh Ok Okay Once One Only Other Our Out Over
Perfect Perhaps Please Possibly Pretty Probably Quite Rather Really Right Same See Seems Seven She Should Since Six So
Some Something Sometimes Soon Sorry Still Such Sure Take Tell Ten Than That Thats Their Them Then There These They
Things Think This Those Though Three Today Tomorrow Too Totally Two Uh Uhm Um Under Unfortunately Until Up Us Usually
Very Wait Want Was We Well Were What Whatever When Where Whether Which While Who Why Will Would Wow Yeah Yep Yes Yesterday
Yet You Your Yours Absolutely Actually Alright Anyway Definitely Fortunately Hmm Huh Nothing Oops Otherwise Thankfully
Ah Alas Awesome Correct Wonderful Understood Certainly Sounds Thank Thanks Bye Goodbye Morning Afternoon Evening Night
Patient Doctor Nurse Family History Medications Allergies Assessment Plan Diagnosis Exam Review Chief Complaint
Denies Reports States Presents Tylenol Advil Motrin Aspirin Ibuprofen No Negative Positive Normal`)

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

// surnameFirst: "Garcia, Maria" — a census surname, a comma and a listed
// (unambiguous) given name that ends the run.
func (st *scanState) surnameFirst(i, end int) {
	t := st.text
	if end+2 >= len(t) || t[end] != ',' || t[end+1] != ' ' || !surnames[t[i:end]] {
		return
	}
	p := end + 2
	e := capWordAt(t, p)
	if e == 0 || personWord[t[p:e]] != kindGiven || (e+1 < len(t) && t[e] == ' ' && isUpper(t[e+1])) {
		return
	}
	st.add(i, e, "person", 0.7)
}

// lowerTitle: a title typed in lower case before a capitalised name
// ("join accounts with ms. Wijtze"). The period is required, and a number
// before it makes "10 ms." a unit.
func (st *scanState) lowerTitle(i, end int) {
	t := st.text
	switch t[i:end] {
	case "mr", "ms", "mrs", "dr":
	default:
		return
	}
	if end+2 >= len(t) || t[end] != '.' || t[end+1] != ' ' || (i > 0 && isAlnum(t[i-1])) || (i > 1 && isDigit(t[i-2])) {
		return
	}
	p := end + 2
	if e := nameRun(t, p); e > 0 && !commonStarters[t[p:wordEnd(t, p)]] {
		st.add(i, e, "person", 0.7)
	}
}

// streetName: the name run ending at e goes on as a street ("Nelson Mandela
// Drive", "Kate Edger Place"), where a person's name is a place name.
func streetName(t string, e int) bool {
	if e+1 >= len(t) || t[e] != ' ' {
		return false
	}
	return streetSuffixes[t[e+1:wordEnd(t, e+1)]]
}
