package pii

import "strings"

// US geography: street addresses ("1600 N Main St, Apt 4B, Springfield, IL
// 62704"), PO boxes, cities next to a state ("Springfield, IL") and ZIP codes
// next to a state or the word ZIP. Safe Harbor removes every geographic unit
// smaller than a state; the state itself may stay, and so may the first three
// digits of most ZIP codes (see Replacer).

// stateCodes are the USPS codes of the states, DC and the territories.
var stateCodes = setOf(`AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS
MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP`)

// ambiguousCodes are state codes that are also words or credentials
// ("Jane Roe, MD", "PA-C", "or"): after a city they need a ZIP or a listed city.
var ambiguousCodes = setOf(`MD PA OR IN OK ME OH HI CO DE AS`)

// stateNames are the full names; multi-word names are matched by their words.
var stateNames = strings.Split(`Alabama,Alaska,Arizona,Arkansas,California,Colorado,Connecticut,Delaware,Florida,Georgia,Hawaii,Idaho,Illinois,Indiana,Iowa,Kansas,Kentucky,Louisiana,Maine,Maryland,Massachusetts,Michigan,Minnesota,Mississippi,Missouri,Montana,Nebraska,Nevada,New Hampshire,New Jersey,New Mexico,New York,North Carolina,North Dakota,Ohio,Oklahoma,Oregon,Pennsylvania,Rhode Island,South Carolina,South Dakota,Tennessee,Texas,Utah,Vermont,Virginia,Washington,West Virginia,Wisconsin,Wyoming,District of Columbia,Puerto Rico`, ",")

// usCities are large US cities (Census population estimates), matched after
// "in", "from", "to", "near" or before ", ST". Names that are common words or
// given names (Mobile, Orange, Jackson, Lincoln) are left out on purpose.
var usCities = strings.Split(`New York,Los Angeles,Chicago,Houston,Phoenix,Philadelphia,San Antonio,San Diego,Dallas,San Jose,Austin,Jacksonville,Fort Worth,Columbus,Charlotte,San Francisco,Indianapolis,Seattle,Denver,Oklahoma City,Nashville,El Paso,Boston,Portland,Las Vegas,Detroit,Memphis,Louisville,Baltimore,Milwaukee,Albuquerque,Tucson,Fresno,Sacramento,Kansas City,Mesa,Atlanta,Omaha,Colorado Springs,Raleigh,Long Beach,Virginia Beach,Miami,Oakland,Minneapolis,Tulsa,Bakersfield,Wichita,Arlington,Tampa,New Orleans,Cleveland,Honolulu,Anaheim,Henderson,Lexington,Stockton,Riverside,Corpus Christi,Newark,Saint Paul,St. Paul,Santa Ana,Cincinnati,Irvine,Pittsburgh,St. Louis,Saint Louis,Greensboro,Anchorage,Plano,Durham,Buffalo,Chandler,Chula Vista,Toledo,Madison,Gilbert,Reno,Fort Wayne,Laredo,Scottsdale,Glendale,Lubbock,Norfolk,Winston-Salem,Chesapeake,Garland,Irving,Hialeah,Fremont,Boise,Richmond,Baton Rouge,Spokane,Des Moines,Tacoma,San Bernardino,Modesto,Fontana,Santa Clarita,Birmingham,Oxnard,Fayetteville,Moreno Valley,Rochester,Huntington Beach,Salt Lake City,Grand Rapids,Amarillo,Yonkers,Montgomery,Akron,Little Rock,Augusta,Tallahassee,Knoxville,Worcester,Providence,Brownsville,Chattanooga,Sioux Falls,Overland Park,Springfield,Vancouver,Fort Lauderdale,Ontario,Rancho Cucamonga,Pasadena,Santa Rosa,Eugene,Salem,Cape Coral,Peoria,Syracuse,Hartford,New Haven,Albany,Ann Arbor,Cambridge,Berkeley,Savannah,Charleston,Dayton,Trenton,Burlington,Concord,Manchester,Worcester,Bridgeport,Stamford,Scranton,Allentown,Harrisburg,Camden,Paterson,Jersey City,Hoboken,Brooklyn,Queens,Bronx,Staten Island,Evanston,Naperville,Joliet,Rockford,Toledo,Flint,Lansing,Kalamazoo,Duluth,Bismarck,Fargo,Billings,Missoula,Cheyenne,Casper,Provo,Ogden,Santa Fe,Flagstaff,Yuma,Boulder,Aurora,Pueblo,Topeka,Lawrence,Tulsa,Norman,Shreveport,Lafayette,Biloxi,Gulfport,Pensacola,Gainesville,Orlando,St. Petersburg,Sarasota,Naples,Key West,Macon,Athens,Asheville,Wilmington,Greenville,Columbia,Roanoke,Alexandria,Annapolis,Dover,Newport,Bangor,Portsmouth,Montpelier,Juneau,Fairbanks,Hilo,Sacramento,Palo Alto,Oakland,Santa Barbara,Santa Monica,San Mateo,Redding,Eureka,Medford,Bend,Olympia,Yakima,Bellevue,Everett`, ",")

// streetSuffixes are USPS street suffixes and their common abbreviations.
// Suffixes that are ordinary words after a number in prose (Path, Run, Walk,
// Point, Pt, Mall, Landing) are left out: "1 Support Escalation Path".
var streetSuffixes = setOf(`Street St Avenue Ave Av Road Rd Boulevard Blvd Drive Dr Lane Ln Way Court Ct Place Pl
Terrace Ter Parkway Pkwy Highway Hwy Circle Cir Square Sq Trail Trl Crescent Cres Alley Aly Pike
Plaza Plz Ridge Crossing Xing Expressway Expy Freeway Fwy Turnpike Tpke Causeway Cswy Heights Hts Cove Cv Broadway`)

// unitWords start the unit part of an address.
var unitWords = setOf(`Apt Apartment Suite Ste Unit Rm Room Fl Floor Bldg Building Lot Spc`)

// directions are pre- and post-directionals ("N Main St", "5th Ave NW").
var directions = setOf(`N S E W NE NW SE SW North South East West`)

// notStreetName are capitalised words that start sentences, not street names.
var notStreetName = setOf(`The A An And Or Of In On At To For From With My Your Our His Her Their This That These Those By Per Every Each All Some`)

// restrictedZIP3 are the 3-digit ZIP prefixes HHS lists as covering 20,000
// people or fewer: Safe Harbor replaces all five digits there.
var restrictedZIP3 = setOf(`036 059 063 102 203 556 692 790 821 823 830 831 878 879 884 890 893`)

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// cityFirst indexes usCities by their first word.
var cityFirst = func() map[string][]string {
	m := map[string][]string{}
	for _, c := range usCities {
		f, _, _ := strings.Cut(c, " ")
		m[f] = append(m[f], c)
	}
	return m
}()

var stateFirst = func() map[string][]string {
	m := map[string][]string{}
	for _, c := range stateNames {
		f, _, _ := strings.Cut(c, " ")
		m[f] = append(m[f], c)
	}
	return m
}()

// phraseAt returns the end of the longest of cands that starts at i and ends
// a word, or 0.
func phraseAt(t string, i int, cands []string) int {
	best := 0
	for _, c := range cands {
		if e := i + len(c); strings.HasPrefix(t[i:], c) && boundaryAfter(t, e) && e > best {
			best = e
		}
	}
	return best
}

// stateAt returns the end of a state code or name at i, or 0.
func stateAt(t string, i int) int {
	e := wordEnd(t, i)
	if e-i == 2 && stateCodes[t[i:e]] {
		return e
	}
	if e > i && isUpper(t[i]) {
		return phraseAt(t, i, stateFirst[t[i:e]])
	}
	return 0
}

// cityAt returns the end of a listed city at i, or 0.
func cityAt(t string, i int) int {
	e := wordEnd(t, i)
	if e == i || !isUpper(t[i]) {
		return 0
	}
	if e < len(t) && t[e] == '.' { // "St. Louis"
		if c := phraseAt(t, i, cityFirst[t[i:e+1]]); c > 0 {
			return c
		}
	}
	return phraseAt(t, i, cityFirst[t[i:e]])
}

// zipAt returns the end of "62704" or "62704-1234" at i, or 0.
func zipAt(t string, i int) int {
	e := digitsAt(t, i, 5, 5)
	if e == 0 || (i > 0 && (isWordByte(t[i-1]) || t[i-1] == '-')) {
		return 0
	}
	if e+5 <= len(t) && t[e] == '-' && digitsAt(t, e+1, 4, 4) == e+5 && boundaryAfter(t, e+5) {
		return e + 5
	}
	if !boundaryAfter(t, e) || (e+1 < len(t) && (t[e] == '-' || t[e] == '.' || t[e] == '/') && isDigit(t[e+1])) {
		return 0
	}
	return e
}

// capRun reads capitalised words ("Salt Lake City", "Winston-Salem") from i,
// at most max, separated by single spaces; it returns the end of the last.
func capRun(t string, i, max int) int {
	end := 0
	for k := 0; k < max; k++ {
		if i >= len(t) || !isUpper(t[i]) {
			break
		}
		e := i + 1
		for e < len(t) && (isAlpha(t[e]) || (t[e] == '-' && e+1 < len(t) && isUpper(t[e+1])) || (t[e] == '.' && e-i == 2)) {
			e++
		}
		if !boundaryAfter(t, e) || notStreetName[t[i:e]] || (e-i == 2 && stateCodes[t[i:e]]) {
			break
		}
		end = e
		if e+1 >= len(t) || t[e] != ' ' {
			break
		}
		i = e + 1
	}
	return end
}

// placeTail reads ", City, ST 12345" (also newline-separated, commas
// optional) after a street line at p and returns its end, or p when no state
// follows the city.
func placeTail(t string, p int) int {
	q := p
	if q < len(t) && t[q] == ',' {
		q++
	}
	if q < len(t) && (t[q] == ' ' || t[q] == '\n') {
		q++
	} else {
		return p
	}
	ce := capRun(t, q, 3)
	if ce == 0 {
		return p
	}
	r := ce
	if r < len(t) && t[r] == ',' {
		r++
	}
	if r >= len(t) || t[r] != ' ' {
		return p
	}
	se := stateAt(t, r+1)
	if se == 0 {
		return p
	}
	if se+1 < len(t) && t[se] == ' ' {
		if z := zipAt(t, se+1); z > 0 {
			return z
		}
	}
	return se
}

// streetAt parses a street address whose house number starts at i and
// returns its end, or 0: number, street name words, a suffix, an optional
// post-directional, unit, and city/state/ZIP.
func streetAt(t string, i int) int {
	p := digitsAt(t, i, 1, 6)
	if p == 0 || t[i] == '0' {
		return 0
	}
	if p < len(t) && isUpper(t[p]) && (p+1 >= len(t) || !isWordByte(t[p+1])) {
		p++ // "12B Elm St"
	}
	if p+2 >= len(t) || t[p] != ' ' || !boundaryAfter(t, p) {
		return 0
	}
	p++
	names, realNames, end := 0, 0, 0
	for k := 0; k < 6 && p < len(t); k++ {
		e := wordEnd(t, p)
		if e == p {
			break
		}
		w := t[p:e]
		saint := w == "St" && realNames == 0 && e+2 < len(t) && t[e] == '.' && t[e+1] == ' ' && isUpper(t[e+2]) // "325 N. St. Paul Street"
		if !directions[w] {
			realNames++
		}
		switch {
		case saint:
			names++
			e++
		case end > 0 && !streetSuffixes[w]:
			k = 6 // the suffix ended the street name
			continue
		case streetSuffixes[w] && names > 0:
			end = e // a following suffix extends it ("Pine Ridge Ct")
		case isUpper(w[0]) && !notStreetName[w] && (allLetters(w) || w[0] == 'O' && strings.IndexByte(w, '\'') > 0):
			names++
		case isOrdinal(w):
			names++
		default:
			return 0
		}
		if e < len(t) && t[e] == '.' && (directions[w] || end == e) {
			e++
		}
		if e+1 >= len(t) || t[e] != ' ' {
			break
		}
		p = e + 1
	}
	if end == 0 {
		return 0
	}
	if end < len(t) && t[end] == '.' {
		// "St." ends the address or abbreviates: the dot belongs to the span
		// only when more of the address follows it.
		if e := streetRest(t, end+1); e > end+1 {
			return e
		}
		return streetRest(t, end)
	}
	return streetRest(t, end)
}

// streetRest reads a post-directional, unit and city/state/ZIP after the
// street suffix ending at end.
func streetRest(t string, end int) int {
	if end+2 < len(t) && t[end] == ' ' {
		if e := wordEnd(t, end+1); directions[t[end+1:e]] && e-end-1 <= 2 {
			end = e
		}
	}
	end = unitTail(t, end)
	return placeTail(t, end)
}

// unitTail reads ", Apt 4B", " Suite 200", " #12" after a street at p.
func unitTail(t string, p int) int {
	q := p
	if q < len(t) && t[q] == ',' {
		q++
	}
	if q >= len(t) || t[q] != ' ' {
		return p
	}
	q++
	if q < len(t) && t[q] == '#' {
		q++
	} else {
		e := wordEnd(t, q)
		if !unitWords[t[q:e]] {
			return p
		}
		q = e
		if q < len(t) && t[q] == '.' {
			q++
		}
		if q < len(t) && t[q] == ' ' {
			q++
		}
		if q < len(t) && t[q] == '#' {
			q++
		}
	}
	e := runEnd(t, q, func(c byte) bool { return isAlnum(c) || c == '-' })
	if e == q || e-q > 8 {
		return p
	}
	return e
}

func allLetters(w string) bool {
	for k := 0; k < len(w); k++ {
		if !isAlpha(w[k]) {
			return false
		}
	}
	return true
}

// isOrdinal: "5th", "42nd", "1st", "103rd".
func isOrdinal(w string) bool {
	d := runEnd(w, 0, isDigit)
	if d == 0 || d > 3 || len(w) != d+2 {
		return false
	}
	switch strings.ToLower(w[d:]) {
	case "st", "nd", "rd", "th":
		return true
	}
	return false
}

// poBoxAt matches "PO Box 123", "P.O. Box 123", "Post Office Box 123".
func poBoxAt(t string, i int) int {
	p := 0
	for _, pre := range []string{"P.O. Box ", "PO Box ", "P. O. Box ", "Post Office Box ", "P.O. BOX ", "PO BOX "} {
		if strings.HasPrefix(t[i:], pre) {
			p = i + len(pre)
			break
		}
	}
	if p == 0 {
		return 0
	}
	e := digitsAt(t, p, 1, 6)
	if e == 0 || !boundaryAfter(t, e) {
		return 0
	}
	return placeTail(t, e)
}

// street is called at a digit-start word.
func (st *scanState) street(i int) {
	if e := streetAt(st.text, i); e > 0 {
		st.add(i, e, "street-address", 0.85)
	}
}

var zipWords = newWordList("zip", "postal code", "postcode")

// zip reports a ZIP code at i that follows a state or the word ZIP.
func (st *scanState) zip(i int) {
	t := st.text
	e := zipAt(t, i)
	if e == 0 {
		return
	}
	p := i
	for p > 0 && (t[p-1] == ' ' || t[p-1] == ',') && i-p < 3 {
		p--
	}
	s := p
	for s > 0 && isAlpha(t[s-1]) {
		s--
	}
	state := p > s && p < i && ((p-s == 2 && stateCodes[t[s:p]]) || (isUpper(t[s]) && stateAt(t, stateStart(t, s)) == p))
	if state || zipWords.in(t[max(0, i-st.s.window):i]) {
		st.add(i, e, "us-zip", 0.85)
	}
}

// stateStart steps back over the first word of a two-word state name
// ("New York", "North Carolina") that ends at s.
func stateStart(t string, s int) int {
	if s >= 2 && t[s-1] == ' ' {
		b := s - 1
		for b > 0 && isAlpha(t[b-1]) {
			b--
		}
		if b < s-1 && stateAt(t, b) > s {
			return b
		}
	}
	return s
}

// cityBeforeState reports the city before ", ST" or ", State" whose state
// word starts at i (already known to follow ", ").
func (st *scanState) cityBeforeState(i int) {
	t := st.text
	se := stateAt(t, i)
	if se == 0 {
		return
	}
	code := t[i:se]
	ce := i - 2 // the city ends before ", "
	cs, p := ce, ce
	for k := 0; k < 3; k++ { // up to three capitalised words back
		b := p
		for b > 0 && (isAlpha(t[b-1]) || t[b-1] == '-' || t[b-1] == '.') {
			b--
		}
		if b == p || !isUpper(t[b]) || notStreetName[t[b:p]] || honorificOrLabel(t[b:p]) {
			break
		}
		cs = b
		if b < 2 || t[b-1] != ' ' {
			break
		}
		p = b - 1
	}
	if cs >= ce {
		return
	}
	if ambiguousCodes[code] {
		zipFollows := se+1 < len(t) && t[se] == ' ' && zipAt(t, se+1) > 0
		if !zipFollows && phraseAt(t, cs, cityFirst[t[cs:wordEnd(t, cs)]]) != ce {
			return
		}
	}
	st.add(cs, ce, "city", 0.75)
}

func honorificOrLabel(w string) bool { k := personWord[w]; return k == kindHonorific || k == kindLabel }

var cityCues = []string{"in ", "from ", "to ", "near ", "of "}

// listedCity reports a listed city after "in", "from", "to", "near".
func (st *scanState) listedCity(i int) {
	t := st.text
	e := cityAt(t, i)
	if e == 0 {
		return
	}
	comma := e+2 < len(t) && t[e] == ',' && t[e+1] == ' '
	if !cueBefore(t, i, cityCues) && !(comma && stateAt(t, e+2) > 0) {
		return
	}
	st.add(i, e, "city", 0.75)
	if comma && st.s.det["us-zip"].on {
		if z := zipAt(t, e+2); z > 0 { // "Ann Arbor, 48104"
			st.add(e+2, z, "us-zip", 0.8)
		}
	}
}
