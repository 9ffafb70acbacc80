package benchcorpus

import (
	"strconv"
	"strings"
)

// The built-in vocabulary: word lists and sentence templates written for
// this package (no corpus text). A template's {slot} is replaced by a random
// entry of the list of that name, or by a generated value (order numbers,
// amounts, days, company names). Templates keep their fixed runs short
// (at most four words between slots), so that two records drawn at random
// share few word 3-grams and 5-grams: ordinary records stay far below the
// near-duplicate threshold and the leakage threshold.
var slots = map[string][]string{
	"product": {"pair of hiking boots", "rain jacket", "trail backpack", "sleeping bag", "camp stove", "water filter",
		"headlamp", "set of trekking poles", "fleece pullover", "pack of wool socks", "tent footprint", "climbing harness",
		"bike helmet", "kayak paddle", "vacuum bottle", "down vest", "pair of snowshoes", "pair of ski goggles",
		"pair of running shoes", "duffel bag", "travel hammock", "folding camp chair", "soft cooler", "solar lantern",
		"baseplate compass", "pair of gaiters", "merino base layer", "sun hat", "roll-top dry bag", "first aid kit",
		"two-person tent", "bivy sack", "chalk bag", "hydration pack", "pair of approach shoes", "pair of softshell pants"},
	"color": {"black", "navy", "olive", "red", "charcoal", "sand", "teal", "orange", "gray", "forest green",
		"burgundy", "sky blue", "mustard", "white", "plum", "rust", "slate", "coral"},
	"size": {"small", "medium", "large", "extra large", "size 9", "size 10", "size 11", "one-size", "youth",
		"wide", "tall", "petite"},
	"weekday": {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"},
	"month": {"January", "February", "March", "April", "May", "June", "July", "August", "September",
		"October", "November", "December"},
	"city": {"Denver", "Portland", "Austin", "Boise", "Tucson", "Duluth", "Asheville", "Spokane", "Madison",
		"Burlington", "Flagstaff", "Missoula", "Tacoma", "Reno", "Omaha", "Savannah", "Eugene", "Bend",
		"Anchorage", "Santa Fe", "Bozeman", "Ithaca", "Fresno", "Laramie", "Provo", "Juneau", "Helena",
		"Albany", "Raleigh", "Dayton", "Chattanooga", "Durango"},
	"place": {"Yosemite", "the Cascades", "Lake Tahoe", "the Smokies", "Zion", "Acadia", "the Rockies",
		"Big Sur", "the Adirondacks", "Glacier", "the Ozarks", "Joshua Tree", "the Tetons", "Moab",
		"the Boundary Waters", "Olympic", "the White Mountains", "Big Bend"},
	"carrier": {"the courier", "UPS", "FedEx", "the postal service", "a regional carrier", "DHL", "the freight company"},
	"channel": {"website", "mobile app", "outlet store", "phone line", "spring catalog", "pop-up shop", "online shop"},
	"feeling": {"frustrated", "confused", "a bit worried", "disappointed", "annoyed", "puzzled", "stressed",
		"anxious", "unhappy", "concerned", "impatient", "let down"},
	"ago": {"two days ago", "last week", "yesterday", "about a month ago", "three weeks ago", "on Friday",
		"ten days ago", "this morning", "over the weekend", "earlier today", "last Tuesday", "a fortnight ago"},
	"purpose": {"for my brother's birthday", "for a trip to {place}", "for a school camp", "for my daughter",
		"as a wedding gift", "for a hike next month", "for work", "for a race in {city}", "for my husband",
		"for a scout troop", "for a canoe trip", "for my first thru-hike"},
	"given": {"Maya", "Jonah", "Priya", "Luis", "Ingrid", "Tomas", "Aisha", "Wen", "Carmen", "Declan",
		"Noor", "Mateo", "Hana", "Elliot", "Sofia", "Kwame", "Rosa", "Felix", "Yuki", "Omar", "Greta",
		"Dmitri", "Leila", "Silas", "Imani", "Pablo", "Astrid", "Rafael", "Mina", "Caleb"},
	"surname": {"Okafor", "Lindqvist", "Haddad", "Moreno", "Castellanos", "Nakamura", "Brennan", "Sokolov",
		"Achterberg", "Delgado", "Fairweather", "Kowalski", "Mbeki", "Petrov", "Quintero", "Ramsey",
		"Szabo", "Thibodeaux", "Underwood", "Vasquez", "Whitlock", "Yilmaz", "Zamora", "Abernathy",
		"Bergstrom", "Calloway", "Dunmore", "Eastwick", "Falk", "Granger"},
	"agent": {"our returns desk", "the warehouse team", "our billing team", "a shipping specialist",
		"the product team", "our warranty desk", "the store manager", "our account team"},
	"adverb":   {"honestly", "frankly", "really", "truly", "genuinely", "quite", "simply"},
	"part":     {"zipper", "buckle", "seam", "strap", "sole", "lid", "hinge", "valve", "hood", "cuff", "clip", "lace"},
	"flaw":     {"torn", "cracked", "scuffed", "bent", "leaking", "stained", "loose", "missing", "frayed", "dented"},
	"wait":     {"wait", "pay", "keep waiting", "hold on"},
	"hours":    {"two hours", "one day", "thirty minutes", "six hours"},
	"months":   {"three", "five", "eight", "eleven", "fourteen", "twenty"},
	"relative": {"brother", "sister", "partner", "son", "daughter", "mother", "father", "roommate", "neighbour", "cousin"},
	"depot":    {"the warehouse", "our Reno depot", "the Dayton hub", "the packing team", "our east coast depot", "the returns centre"},
	"contact":  {"email", "text message", "the app", "a phone call", "the chat window"},
	"soon":     {"today", "this morning", "within the hour", "right away", "before noon", "this afternoon", "tonight"},
	"speed":    {"express", "overnight", "two-day shipping", "priority", "next-day delivery"},
	"payment":  {"card", "debit card", "PayPal account", "store credit", "gift card", "bank account"},
	"device":   {"phone", "laptop", "tablet", "work computer", "old phone"},
	"attempts": {"a few attempts", "three tries", "several wrong passwords", "five failed logins", "one bad guess too many"},
	"season":   {"winter", "summer", "three-season", "shoulder-season", "spring"},
	"clead":    {"", "", "", "", "Also, ", "To be clear, ", "On top of that, ", "Honestly, ", "By the way, ", "Just so you know, ", "And ", "Anyway, "},
	"alead":    {"", "", "", "", "Good news: ", "For your records, ", "To confirm, ", "Just so you know, ", "Also, ", "On our side, ", "As of now, "},

	// Contracts.
	"coadj": {"Bluefield", "Northgate", "Silverline", "Redwood", "Harbor", "Summit", "Ironbridge", "Clearwater",
		"Oakmont", "Stonebrook", "Brightwave", "Cedarpoint", "Granite", "Westfall", "Lakeshore", "Pinecrest"},
	"conoun": {"Logistics", "Analytics", "Therapeutics", "Media", "Robotics", "Foods", "Energy", "Software",
		"Capital", "Materials", "Health", "Systems", "Outfitters", "Labs", "Holdings", "Networks"},
	"cosuffix": {"LLC", "Inc.", "Corp.", "Ltd.", "L.P.", "Co."},
	"state":    {"Delaware", "New York", "California", "Texas", "Illinois", "Washington", "Massachusetts", "Colorado", "Nevada", "Georgia"},
	"county":   {"New Castle County", "the Borough of Manhattan", "Santa Clara County", "Travis County", "Cook County", "King County", "Suffolk County", "Denver County"},
	"subject": {"the Services", "the Licensed Software", "the Products", "the Deliverables", "the Licensed Marks",
		"the Work Product", "the Equipment", "the Platform", "the Content", "the Collaboration Compounds"},
	"days":    {"ten (10) days", "fifteen (15) days", "thirty (30) days", "forty-five (45) days", "sixty (60) days", "ninety (90) days", "five (5) business days"},
	"years":   {"one (1) year", "two (2) years", "three (3) years", "five (5) years", "seven (7) years"},
	"breach":  {"a material breach", "a breach of its payment obligations", "any failure to perform", "a violation of Section {sec}", "an insolvency event"},
	"remedy":  {"injunctive relief", "specific performance", "equitable relief", "reimbursement of reasonable costs", "a refund of prepaid fees"},
	"writing": {"in writing", "by written notice", "upon prior written notice", "by notice in writing"},
	"party":   {"either Party", "the Licensor", "the Licensee", "the Supplier", "the Customer", "the Company", "the Consultant", "the Distributor"},
	"event": {"fire, flood or earthquake", "war, terrorism or civil unrest", "epidemic or quarantine", "strikes or labor disputes",
		"acts of government", "failure of public utilities", "acts of God"},
	"info":  {"trade secrets", "pricing information", "customer lists", "source code", "business plans", "technical data", "financial statements"},
	"claim": {"third-party claims", "losses, damages and expenses", "suits and proceedings", "fines and penalties", "reasonable attorneys' fees"},
	"cause": {"negligence", "willful misconduct", "breach of this Agreement", "infringement of any patent", "violation of applicable law",
		"gross negligence", "fraud", "breach of its data duties", "misuse of the Licensed Marks"},
	"agr":        {"this Agreement", "the Agreement", "this Contract", "this Master Agreement", "the Services Agreement", "this License"},
	"shall":      {"shall", "will", "must", "shall", "agrees to"},
	"may":        {"may", "is entitled to", "has the right to", "may at its option"},
	"other":      {"the other Party", "the breaching Party", "its counterparty", "the defaulting Party", "the indemnified Party"},
	"notice":     {"prompt notice", "prior written notice", "reasonable notice", "notice under Section {sec}", "{days} notice"},
	"promptly":   {"promptly", "without undue delay", "as soon as practicable", "within {days}", "immediately"},
	"efforts":    {"reasonable efforts", "commercially reasonable efforts", "best efforts", "good faith efforts", "diligent efforts"},
	"defect":     {"breach", "failure", "default", "alleged breach", "deficiency"},
	"staff":      {"employees", "contractors", "advisors", "affiliates", "auditors", "subcontractors", "professional advisers"},
	"rules":      {"AAA Commercial Rules", "JAMS Rules", "ICC Rules", "UNCITRAL Rules", "CPR Rules"},
	"period":     {"month", "quarter", "calendar year", "week", "billing cycle"},
	"currency":   {"United States dollars", "US dollars", "euros", "the currency of the invoice", "immediately available funds"},
	"delivery":   {"hand or courier", "certified mail", "overnight courier", "registered post", "a recognized courier service"},
	"insolvency": {"bankruptcy proceedings", "an assignment for creditors", "receivership", "liquidation", "administration"},
	"care":       {"reasonable", "the same degree of", "industry-standard", "no less than reasonable"},
	"purpose2":   {"legal compliance", "backup archives", "audit purposes", "regulatory filings"},
	"malware":    {"viruses", "malicious code", "time bombs", "disabling devices", "open-source components without notice"},
	"dept":       {"legal", "procurement", "finance", "compliance", "operations"},
	"lead": {"", "", "", "", "", "Notwithstanding the foregoing, ", "For clarity, ", "In addition, ", "Subject to Section {sec}, ",
		"Except as provided in Section {sec}, ", "During the term, ", "Unless the Parties agree otherwise, "},
}

// dynamic fills the slots whose values are generated rather than listed.
func dynamic(r *rng, name string) (string, bool) {
	switch name {
	case "order":
		return "NW-" + pad(r.intn(100000), 5), true
	case "day":
		return strconv.Itoa(r.between(1, 28)), true
	case "amount":
		return "$" + strconv.Itoa(r.between(12, 480)) + "." + pad(r.intn(100), 2), true
	case "fee":
		return "$" + strconv.Itoa(r.between(1, 99)) + "," + pad(r.intn(1000), 3), true
	case "percent":
		return strconv.Itoa(r.between(2, 40)) + " percent", true
	case "sec":
		return strconv.Itoa(r.between(2, 19)) + "." + strconv.Itoa(r.between(1, 9)), true
	case "company":
		return pick(r, slots["coadj"]) + " " + pick(r, slots["conoun"]) + " " + pick(r, slots["cosuffix"]), true
	case "year":
		return strconv.Itoa(r.between(2015, 2026)), true
	case "cust": // the customer's name, when the record has not fixed it
		return pick(r, slots["given"]), true
	}
	return "", false
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// expand fills a template's slots. Slot values may hold slots themselves
// (one level is enough for the lists above).
func expand(r *rng, tmpl string) string {
	var b strings.Builder
	for depth := 0; depth < 3 && strings.IndexByte(tmpl, '{') >= 0; depth++ {
		b.Reset()
		for {
			i := strings.IndexByte(tmpl, '{')
			if i < 0 {
				b.WriteString(tmpl)
				break
			}
			j := strings.IndexByte(tmpl[i:], '}')
			if j < 0 {
				b.WriteString(tmpl)
				break
			}
			b.WriteString(tmpl[:i])
			name := tmpl[i+1 : i+j]
			if v, ok := dynamic(r, name); ok {
				b.WriteString(v)
			} else if list := slots[name]; len(list) > 0 {
				b.WriteString(pick(r, list))
			} else {
				b.WriteString(name)
			}
			tmpl = tmpl[i+j+1:]
		}
		tmpl = b.String()
	}
	return tmpl
}

// supportIntent is one kind of customer request: what the customer says is
// wrong, what they ask for, and what the agent does about it.
type supportIntent struct {
	name     string
	problems []string
	requests []string
	actions  []string
}

var supportIntents = []supportIntent{
	{"cancel_order",
		[]string{"I changed my mind about the {color} {product} and would rather not {wait} until {weekday}.",
			"My plans for {place} in {month} fell through, so the {product} is no longer needed.",
			"I found the same {product} cheaper at a shop in {city} {ago}.",
			"My {relative} already bought me a {color} {product} {purpose}."},
		[]string{"Please cancel order {order} before it leaves {depot}.",
			"Can you stop order {order} and confirm by {contact}?",
			"Could you cancel {order} and tell me if the {amount} fee applies?",
			"I'd like {order} cancelled {soon}, if that is still possible."},
		[]string{"I cancelled order {order} before {depot} packed it, so nothing ships.",
			"The cancellation of {order} went through and the {amount} hold on your card is released.",
			"Order {order} is now marked cancelled and {agent} has been told by {contact}.",
			"{order} was stopped {soon}; you will see {amount} back within {hours}."}},
	{"change_order",
		[]string{"I picked the {size} {product} but I need the {color} one {purpose}.",
			"Right after ordering {ago} I noticed the {product} should be {size}.",
			"My {relative} already has a {color} {product}, so I'd like a {product} instead."},
		[]string{"Please swap the item on order {order} before {carrier} collects it.",
			"Can you change order {order} to the {size} in {color}?",
			"Could you edit {order} so the {product} comes in {color} by {weekday}?"},
		[]string{"I changed order {order} to the {size} {product} in {color} at the same price.",
			"The {product} on {order} is now {color}, and the new total is {amount}.",
			"Order {order} now holds the {size} version; {depot} removed the old item {soon}."}},
	{"track_order",
		[]string{"The tracking link for my {product} has said label created since {weekday}.",
			"I cannot tell whether {carrier} still has the {product} or lost it near {city}.",
			"The {product} showed as shipped {ago} but nothing has moved since {city}."},
		[]string{"Where exactly is order {order} right now, and when will it reach {city}?",
			"Can you look up {order} with {carrier} and give me a date before {weekday}?",
			"Could you tell me {soon} when {order} should reach {city}?"},
		[]string{"Order {order} left {depot} on {weekday} and is with {carrier} in {city}.",
			"{carrier} scanned {order} in {city} {ago}; it is moving again toward {city}.",
			"The parcel for {order} is at the {city} hub and due on {weekday}, {month} {day}."}},
	{"delivery_delay",
		[]string{"The {product} was promised by {weekday} and it still has not come to {city}.",
			"Delivery of my {color} {product} slipped twice and I leave for {place} on {month} {day}.",
			"{carrier} keeps moving the date for my {product} without a reason, {adverb}."},
		[]string{"Can you speed up order {order} or upgrade it to {speed}?",
			"Please tell me whether {order} will arrive before {month} {day}.",
			"Could you refund the {amount} shipping on {order} given the delay?"},
		[]string{"I upgraded {order} to {speed} at no cost, so it should reach {city} by {weekday}.",
			"The delay on {order} came from {carrier}; I refunded the {amount} shipping charge.",
			"I asked {carrier} to prioritise {order} and added a credit of {amount} to your account."}},
	{"damaged_item",
		[]string{"The {product} arrived {ago} with a {flaw} {part} straight out of the box.",
			"When I unpacked the {color} {product} on {weekday}, the {part} was {flaw}.",
			"The box from {carrier} was crushed and the {product} inside has a {flaw} {part}."},
		[]string{"Can you send a replacement for order {order} before {month} {day}?",
			"Please tell me how to return the {flaw} {product} from {order}.",
			"Could I get a new {product} in {color} rather than the {amount} refund?"},
		[]string{"A replacement {color} {product} leaves {depot} {soon} and the damaged one goes back free.",
			"I logged the {flaw} {part} against {order} and sent a prepaid label by {contact}.",
			"We will replace the {product} on {order}; {agent} does not need the old one back."}},
	{"wrong_item",
		[]string{"I ordered a {color} {product} but got a {product} in {color}.",
			"The box for order {order} held someone else's {color} {product}.",
			"Instead of the {size} {product}, a {size} one turned up {ago}."},
		[]string{"Please send the right {product} and tell me what to do with this one.",
			"Can you fix order {order} {soon}? I need it {purpose}.",
			"Could you arrange a swap for {order} before {weekday}?"},
		[]string{"The right {product} for {order} is on its way and the {color} one is yours to keep.",
			"I sent a label for the mix-up on {order} by {contact} and shipped the {color} item.",
			"{depot} picked the wrong bin for {order}; the correct {product} left {soon}."}},
	{"refund_request",
		[]string{"I returned the {product} {ago} and the {amount} is still not back.",
			"The {size} {product} did not fit and I sent it back from {city} on {weekday}.",
			"I was charged {amount} for a {color} {product} I never received."},
		[]string{"When will the refund for order {order} reach my {payment}?",
			"Please refund {amount} for {order} to my {payment}.",
			"Can you check why the refund on {order} has taken since {weekday}?"},
		[]string{"The refund of {amount} for {order} went to your {payment} {soon}; banks take {hours}.",
			"I pushed the refund on {order} through by hand, {amount} back to your {payment}.",
			"Your return for {order} reached {depot} {ago}, and {agent} approved {amount}."}},
	{"return_item",
		[]string{"The {size} {product} is too tight across the {part}.",
			"The {color} shade of the {product} looks different from the {channel} photos.",
			"I bought two {color} {product} sets by mistake {ago}."},
		[]string{"How do I return one {product} from order {order}?",
			"Can I send the {product} back to the {city} store instead of {carrier}?",
			"Please send a return label for {order} by {contact}."},
		[]string{"I sent a prepaid label for {order} by {contact}; drop the parcel with {carrier}.",
			"Returns to the {city} store are fine until {month} {day}; bring the receipt for {order}.",
			"I opened a return for one {product} on {order}, and {agent} waived the {amount} fee."}},
	{"payment_issue",
		[]string{"My {payment} was charged twice for the {product}, {amount} each time.",
			"Checkout on the {channel} kept failing at the payment step {ago}.",
			"The gift card balance of {amount} did not apply to my {product} order."},
		[]string{"Please remove the duplicate {amount} charge on order {order}.",
			"Can you tell me if order {order} for the {product} went through?",
			"Could you apply my gift card to {order} after the fact, {adverb}?"},
		[]string{"The second charge of {amount} on {order} was a pending hold that {agent} voided {soon}.",
			"Order {order} went through once on {weekday}; I removed the failed attempts.",
			"I applied the gift card to {order} and refunded {amount} to your {payment}."}},
	{"update_address",
		[]string{"I moved to {city} {ago} and the old address is still on my profile.",
			"The apartment number is missing from the address on my {color} {product} order.",
			"I want the {product} to go to my office in {city} instead of my home."},
		[]string{"Please change the delivery address on order {order} to {city}.",
			"Can you update the address for {order} before {carrier} picks it up on {weekday}?",
			"Could you redirect {order} to my {relative} in {city}?"},
		[]string{"I updated the address on {order}; {carrier} will deliver in {city} by {weekday}.",
			"Your profile and order {order} both show the new address in {city} as of {ago}.",
			"{carrier} accepted the redirect, and {order} goes to {city} on {month} {day}."}},
	{"account_access",
		[]string{"I cannot log in to the {channel} since I changed my password {ago}.",
			"The reset link from {contact} expires before I can open it on my {device}.",
			"My account got locked after {attempts} on {weekday}."},
		[]string{"Can you unlock my account so I can see order {order}?",
			"Please send a fresh reset link to my {device} by {contact}.",
			"Could you check whether someone in {city} used my account {ago}?"},
		[]string{"I unlocked your account and sent a reset link by {contact}, valid for {hours}.",
			"The lock came from {attempts} on {weekday}; {agent} cleared it {soon}.",
			"I found no sign-ins from {city} and reset the password on your {device}."}},
	{"subscription_change",
		[]string{"I signed up for the {season} gear box {ago} but it comes too often.",
			"The monthly {product} refill is more than I can use before {month}.",
			"My membership renewed at {amount} on {weekday} without a reminder."},
		[]string{"Please switch my {season} subscription to every other month.",
			"Can you pause the plan until {month} while I am in {place}?",
			"Could you cancel the renewal and refund {amount} to my {payment}?"},
		[]string{"Your {season} plan now ships every other month, starting in {month}.",
			"I paused the subscription until {month}, and nothing will be charged to your {payment}.",
			"The renewal is cancelled and {amount} goes back to your {payment} within {hours}."}},
	{"warranty_claim",
		[]string{"The {part} on my {product} gave out after {months} months of use.",
			"My {color} {product} is under warranty and the {part} is now {flaw}.",
			"Halfway up a trail near {place} the {part} of my {product} failed."},
		[]string{"Can you repair or replace it under warranty? It was order {order} in {month}.",
			"Please tell me what photos of the {flaw} {part} you need.",
			"Could you cover the {flaw} {part} under the lifetime promise, {adverb}?"},
		[]string{"The warranty covers the {part}; send photos by {contact} and {depot} ships a new one.",
			"I opened warranty case {order}, and {agent} will review the {flaw} {part} by {weekday}.",
			"A failed {part} after {months} months is covered, so the repair in {city} is free."}},
	{"product_question",
		[]string{"I am choosing between the {product} and the {product} {purpose}.",
			"I wonder whether the {color} {product} runs small like my last {product}.",
			"Nobody in the {city} store could tell me if the {product} works near {place} in {month}."},
		[]string{"Which one would you pick for {place} in {month}?",
			"Is the {size} the right pick for a {relative} who wears {size}?",
			"Can you tell me the weight of the {color} {product} and its {season} rating?"},
		[]string{"For {place} in {month} the {product} is the better pick; it is lighter than the {product}.",
			"The {product} runs true to size, so the {size} should fit your {relative}.",
			"The {color} {product} is rated for {season} nights and ships from {depot} {soon}."}},
}

// Customer sentences around the intent's own: who, what, when.
var supportOpeners = []string{
	"Hi, I bought a {color} {product} from your {channel} {ago} {purpose}.",
	"Hello, this is {cust} from {city}, I ordered a {size} {product} {ago}.",
	"Good morning, {cust} here; my {product} order came through the {channel} {ago}.",
	"Hey there, I picked up a {color} {product} {purpose} on the {channel}.",
	"Hi team, {cust} {surname} writing from {city} about a {product}.",
	"Hello, I am {adverb} {feeling} about my {product} order from {month}.",
	"Hi, I ordered the {size} {product} {ago}, the {color} one, {purpose}.",
	"Dear support, I shop with you a lot and bought a {product} {ago}.",
}

var supportDetails = []string{
	"I leave for {place} on {month} {day}, so timing matters.",
	"It is the second {product} I have ordered since {month}.",
	"My neighbour in {city} had the same trouble {ago}.",
	"I already tried the help page on the {channel} without luck.",
	"I am {adverb} {feeling} because this was {purpose}.",
	"The confirmation email said {weekday} and nothing else.",
	"I called the {channel} on {weekday} but the queue was long.",
	"I still have the box, the receipt and the {color} tag.",
	"We are heading to {place} with the kids in {month}.",
	"My partner {given} usually handles orders but is away until {weekday}.",
}

var supportClosings = []string{
	"Thanks, {cust}.",
	"Thank you for the help, {cust} {surname}.",
	"Appreciate it, cheers from {city}.",
	"Looking forward to hearing back by {weekday}.",
	"Many thanks, and greetings from {city}.",
}

var supportAcks = []string{
	"Hi {cust}, I'm sorry the {product} left you {feeling}.",
	"Thanks for writing in, {cust}, and sorry for the trouble with the {product}.",
	"Hello {cust}, I understand why you're {feeling} about this.",
	"Hi {cust}, thanks for the details about your {color} {product}.",
	"Sorry about this, {cust}; a {color} {product} should just work.",
	"Good to hear from {city}, {cust}, and sorry for the hassle.",
}

var supportNexts = []string{
	"You will get an email from {agent} with the details by {weekday}.",
	"{agent} will follow up if anything else is needed from you.",
	"Keep the box for now in case {carrier} asks for it.",
	"If it hasn't changed by {weekday}, reply here and quote {order}.",
	"A confirmation for {order} should land in your inbox within {hours}.",
	"I added a note to {order} so {agent} can see the history.",
}

var supportSignoffs = []string{
	"Enjoy {place}, and thanks for shopping with us.",
	"Have a great week, {cust}.",
	"Happy trails from the team in {city}.",
	"Thanks again for your patience.",
	"Take care, and enjoy the {product}.",
	"All the best from {agent}.",
}

// Short agent replies for leaked prompts: the same question answered
// differently, so the pair is not a duplicate.
var supportShortReplies = []string{
	"I've passed this to {agent}, who will reply by {weekday}.",
	"Thanks {cust}, {agent} now has your request and will answer soon.",
	"Noted; {agent} is handling it and will email you within {hours}.",
	"Got it, {cust}, I've escalated this to {agent}.",
}

// Lead-ins a customer puts before a question they already asked.
var leakLeadIns = []string{"Following up:", "Sending this again:", "Second try:", "Re:", "Quick reminder:", "Still waiting:"}

// clauseType is a kind of contract clause with sentences of its own.
type clauseType struct {
	name      string
	sentences []string
}

var clauseTypes = []clauseType{
	{"termination", []string{
		"{lead}{company} {may} end {agr} on {days} notice if {subject} fail acceptance twice.",
		"Upon any termination {party} {shall} pay {company} for {subject} delivered through {month} {day}.",
		"{party} {may} terminate {agr} {promptly} if {other} becomes subject to {insolvency}.",
		"{lead}{party} {may} terminate {agr} {writing} if {other} commits {breach}.",
		"Such notice {shall} describe the {defect}, and {other} {shall} have {days} to cure it.",
		"After the initial term of {years}, {party} {may} terminate for convenience on {days} notice.",
		"{lead}on termination {party} {shall} return or destroy all copies of {subject} within {days}.",
		"Termination {shall} not relieve {party} of {fee} in fees accrued before {month} {day}, {year}.",
		"Sections {sec}, {sec} and {sec} survive any expiry or termination of {agr}.",
		"{company} {may} terminate {promptly} if {company} undergoes a change of control.",
		"{lead}{party} {may} suspend {subject} while {breach} remains uncured for {days}.",
	}},
	{"confidentiality", []string{
		"{lead}{party} {shall} protect {info} with at least {care} care.",
		"{company} {shall} notify {company} {promptly} of any unauthorized access to {info}.",
		"Copies of {info} kept for {purpose2} remain subject to Section {sec} for {years}.",
		"{lead}each Party {shall} hold the other's {info} in strict confidence for {years}.",
		"Confidential Information includes {info}, {info} and {info} disclosed under {agr}.",
		"{party} {shall} use it only to perform its duties regarding {subject} in {state}.",
		"Disclosure to {staff} is permitted on a need-to-know basis under duties no less protective.",
		"{lead}these duties do not apply to {info} that becomes public through no fault of {party}.",
		"{party} {may} disclose {info} required by a court in {county}, after {notice}.",
		"A breach of Section {sec} entitles {company} to seek {remedy} and {remedy}.",
		"On request {party} {shall} return all {info} to {company} within {days}.",
	}},
	{"governing-law", []string{
		"{lead}each Party submits to the courts of {county} for {subject} disputes.",
		"{company} {may} enforce an award from {county} in any court holding assets of {company}.",
		"Claims about {subject} worth under {fee} go to small claims court in {county}.",
		"{lead}{agr} is governed by the laws of the State of {state}, without regard to conflict rules.",
		"The state and federal courts in {county} have exclusive jurisdiction over {subject}.",
		"{company} and {company} each waive any objection to venue in {county}.",
		"{lead}the United Nations Convention on the International Sale of Goods does not apply to {subject}.",
		"Any dispute {shall} first be escalated to senior executives of {company} for {days}.",
		"{party} {may} seek {remedy} in any court of competent jurisdiction in {state}.",
		"Disputes over {fee} or less {shall} be settled by arbitration in {county} under the {rules}.",
	}},
	{"indemnification", []string{
		"{lead}{party} {shall} cooperate with {company} in the defense at the cost of {company}.",
		"{company} {may} join any claim about {subject} with counsel of its choosing at its own cost.",
		"Indemnified {claim} are capped at {fee} unless caused by {cause}.",
		"{lead}{party} {shall} indemnify and hold harmless {other} against {claim} arising from its {cause}.",
		"{other} {shall} give {notice} of any claim relating to {subject} within {days}.",
		"{party} {shall} control the defense, with counsel reasonably acceptable to {company}.",
		"No settlement admitting fault of {company} {may} be entered without its consent {writing}.",
		"{lead}this duty extends to {claim} resulting from {cause} by {staff}.",
		"The indemnity does not cover {claim} caused by {cause} of {company}.",
		"{company} {shall} reimburse {claim} of up to {fee} within {days} of an invoice.",
	}},
	{"payment", []string{
		"{lead}{company} {may} offset {fee} owed by {company} against amounts due under Section {sec}.",
		"Expenses over {fee} require the approval of {company} {writing}.",
		"{party} {shall} keep records of {subject} fees for {years} and allow one audit per {period}.",
		"{lead}{party} {shall} pay {company} a fee of {fee} per {period} for {subject}.",
		"Invoices are due within {days} of receipt and are payable in {currency}.",
		"Late amounts bear interest at {percent} per year or the maximum lawful rate in {state}.",
		"{party} {may} suspend {subject} if any undisputed invoice stays unpaid for {days}.",
		"{lead}all fees exclude taxes, which {party} {shall} pay except taxes on the income of {company}.",
		"Fees for {subject} rise by no more than {percent} on each anniversary from {year}.",
		"A disputed invoice {shall} be raised {writing} within {days} with reasonable detail.",
		"{company} {shall} send invoices each {period} to the accounts team of {company}.",
	}},
	{"warranty", []string{
		"{lead}{company} {shall} correct any nonconformity in {subject} reported within {days}.",
		"{party} warrants that {subject} contain no {malware} as of delivery.",
		"The warranty for {subject} lapses if {staff} of {company} alter them without {notice}.",
		"{lead}{company} warrants that {subject} will perform materially as described for {years}.",
		"The sole remedy for breach of this warranty is repair, replacement or {remedy}.",
		"{party} warrants that it has full power and authority to enter into {agr} in {state}.",
		"{lead}except as stated in Section {sec}, {subject} are provided as is, without implied warranties.",
		"This warranty does not apply to defects caused by misuse, accident or {cause}.",
		"Warranty claims {shall} be made {writing} within {days} after {company} learns of the defect.",
		"{company} warrants that {subject} comply with the laws of {state} as of {month} {day}, {year}.",
	}},
	{"limitation-of-liability", []string{
		"{lead}the cap in Section {sec} applies per claim and in total for each {period}.",
		"{company} {shall} not recover the same loss twice under {agr} and Section {sec}.",
		"Each Party {shall} use {efforts} to mitigate losses arising from {subject}.",
		"{lead}in no event {shall} {party} be liable for indirect, incidental or consequential damages.",
		"The total liability of {company} {shall} not exceed {fee} or the fees paid in the preceding {years}.",
		"These limits do not apply to {cause} or to duties under Section {sec}.",
		"{lead}{company} and {company} agree the limits reflect a fair allocation of risk for {subject}.",
		"No action arising from {agr} {may} be brought more than {years} after it accrued.",
		"Neither Party limits liability for death or personal injury caused by its {cause}.",
		"{party} {shall} not be liable for lost profits arising from {subject}, even if advised of them.",
	}},
	{"assignment", []string{
		"{lead}{company} {may} assign payments due under {agr} to a lender in {state}.",
		"{party} {shall} give {notice} of any assignment to {company} within {days}.",
		"An assignee of {company} {shall} assume all duties for {subject} {writing}.",
		"{lead}neither Party {may} assign {agr} without the consent of {party} {writing}.",
		"{company} {may} assign it to an affiliate or to a buyer of its business in {subject}.",
		"Any attempted assignment in breach of Section {sec} is void.",
		"{lead}{agr} binds and benefits {company}, {company} and their permitted assigns.",
		"{party} {may} subcontract {subject} to {staff} but remains responsible for them.",
		"A change of control of {company} after {month} {year} counts as an assignment.",
	}},
	{"notices", []string{
		"{lead}notices to {company} about {subject} {shall} copy its head of {dept}.",
		"Routine notices about {subject} {may} be sent by email to {company} each {period}.",
		"A notice sent by {delivery} is deemed received {days} after dispatch from {city}.",
		"{lead}all notices under {agr} {shall} be given {writing} and delivered by {delivery}.",
		"Notices to {company} {shall} go to its General Counsel at its offices in {city}.",
		"A notice is effective on receipt by {party} or, if refused, on the date of refusal.",
		"{lead}{party} {may} change its notice address by giving {notice} to {company}.",
		"Notices by email are valid only if confirmed by {delivery} within {days}.",
		"Copies of notices of breach {shall} also be sent to outside counsel of {company} in {city}.",
	}},
	{"intellectual-property", []string{
		"{lead}{company} grants {party} a limited sublicense for {subject} in {state}.",
		"Feedback from {staff} of {company} about {subject} may be used freely by {party}.",
		"{party} {shall} keep all proprietary notices on {subject} and copies of them.",
		"{lead}{company} retains all right, title and interest in {subject} and all improvements.",
		"{party} receives a non-exclusive license to use {subject} in {state} during the term of {years}.",
		"Work product created for {company} under Section {sec} {shall} be owned by {party}.",
		"{lead}no license is granted by implication or estoppel except as stated in Section {sec}.",
		"{party} {shall} not reverse engineer, decompile or create derivative works of {subject}.",
		"{company} {shall} report any suspected infringement of {subject} within {days}.",
		"{party} {may} use the name of {company} in marketing for {subject} after {notice}.",
	}},
	{"force-majeure", []string{
		"{lead}{party} {shall} invoke this Section by {notice} describing {event}.",
		"A strike limited to {staff} of {company} is not a force majeure event for {subject}.",
		"{company} {may} source {subject} elsewhere while {event} prevents delivery from {city}.",
		"{lead}neither Party is liable for delay caused by {event} beyond its reasonable control.",
		"The affected Party {shall} notify {party} {promptly} and use {efforts} to resume performance.",
		"If {event} continues for more than {days}, {party} {may} terminate {agr} {writing}.",
		"{lead}payment duties for {subject} already delivered are not excused by {event}.",
		"Events such as {event} or {event} qualify under Section {sec}.",
		"{company} {shall} keep {company} informed each {period} while {event} lasts.",
	}},
	{"insurance", []string{
		"{lead}{party} {shall} provide certificates for {subject} each {period} on request.",
		"Deductibles above {fee} {shall} be borne by {company}.",
		"{company} {shall} require {staff} to carry coverage of at least {fee}.",
		"{lead}{company} {shall} carry general liability insurance of at least {fee} per occurrence.",
		"Policies {shall} name {party} as an additional insured for {subject}.",
		"Certificates of insurance {shall} reach {company} within {days} of {month} {day}, {year}.",
		"{lead}coverage {shall} remain in force for {years} after {agr} ends.",
		"{party} {shall} give {days} notice before any cancellation or material change in coverage.",
		"{company} {shall} also carry cyber insurance of {fee} covering {subject}.",
	}},
}

// Openings of a clause: who the parties are. Keeps clauses of one type apart.
var clauseOpeners = []string{
	"This Section applies between {company} and {company} with effect from {month} {day}, {year}.",
	"As between {company} (the Supplier) and {company} (the Customer), the following applies.",
	"For purposes of the agreement dated {month} {day}, {year}, {party} and {company} agree as follows.",
	"The provisions below bind {company} and its affiliates in {state} from {year}.",
}

// Short sentences a leaked clause ends with instead of the original's rest.
var clauseShortEnds = []string{
	"The remaining terms are set out in Schedule {sec}.",
	"Further details appear in the exhibit agreed in {month} {year}.",
	"Section {sec} governs any remaining questions.",
}

// PII sentences: each holds exactly one value, with the context word its
// detector wants nearby (card, SSN, phone) so that the default detectors
// find it whatever its digits.
var piiSentences = map[string]map[string][]string{
	"support": {
		typeEmail: {"You can email me at {value} if that is easier.", "My email on the account is {value}.", "Please reply to {value} rather than the old address."},
		typePhone: {"Please call me at {value} after five.", "My phone number is {value} if you need it.", "You can reach me by phone at {value}."},
		typeCard:  {"The card I paid with is {value}, in case you need it.", "It was charged to my credit card {value}.", "My Visa card number is {value}."},
		typeSSN:   {"For the tax form, my SSN is {value}.", "The account was opened with my social security number {value}.", "You asked for ID before, so my SSN is {value}."},
	},
	"contracts": {
		typeEmail: {"Notices to {company} shall be sent to the attention of {given} {surname} at {value}.", "Invoices shall be emailed to {value} with a copy to the Controller."},
		typePhone: {"{given} {surname} may be reached by phone at {value} for operational matters.", "Emergency contact: call {value} at any hour."},
		typeCard:  {"Fees shall be charged to the corporate credit card number {value} on file.", "The Customer authorises charges to its card {value} for each invoice."},
		typeSSN:   {"For tax reporting, the Consultant's Social Security Number is {value}.", "The Contractor's SSN is {value}, to be used only for Form 1099 filings."},
	},
}

// Variants are groups of interchangeable words, one table per kind (a word
// can mean something else in the other). vary replaces about half of the
// words found in a table by a member of their group, which breaks up the
// fixed runs of the templates: two sentences from one template then share
// few 5-grams, as two people writing the same thing would.
var contractVariants = newVariants([][]string{
	{"breach", "violation"}, {"remedy", "recourse"}, {"warranty", "guarantee"}, {"repair", "fix"},
	{"defects", "faults", "flaws"}, {"misuse", "abuse"}, {"accident", "mishap"}, {"described", "documented", "specified"},
	{"materially", "substantially"}, {"power", "capacity"}, {"apply", "extend"},
	{"caused", "triggered"}, {"total", "aggregate", "overall"}, {"exceed", "surpass"}, {"preceding", "prior", "previous"},
	{"limits", "caps", "ceilings"}, {"fair", "balanced"}, {"allocation", "division", "sharing"},
	{"risk", "exposure"}, {"arising", "resulting"}, {"brought", "commenced", "filed"}, {"liable", "responsible"},
	{"death", "fatality"}, {"injury", "harm"}, {"profits", "revenue", "earnings"}, {"advised", "told"},
	{"consent", "approval"}, {"buyer", "purchaser"}, {"attempted", "purported"}, {"void", "invalid", "null"},
	{"binds", "obligates"}, {"benefits", "favours"}, {"delivered", "sent", "dispatched"}, {"offices", "premises", "headquarters"},
	{"effective", "valid", "operative"}, {"receipt", "delivery", "arrival"}, {"refused", "rejected", "declined"},
	{"confirmed", "verified"}, {"retains", "keeps", "reserves"}, {"improvements", "enhancements", "modifications"},
	{"granted", "conferred"}, {"suspected", "alleged", "possible"}, {"marketing", "promotion", "advertising"},
	{"delay", "lateness"}, {"resume", "restart"}, {"performance", "delivery", "execution"}, {"continues", "persists", "lasts"},
	{"excused", "waived", "released"}, {"qualify", "count"}, {"informed", "updated", "apprised"}, {"carry", "maintain"},
	{"insured", "beneficiary"}, {"remain", "stay"}, {"cancellation", "termination", "lapse"},
	{"covering", "protecting"}, {"governed", "construed", "interpreted"},
	{"objection", "challenge"}, {"dispute", "disagreement", "controversy"}, {"escalated", "referred", "elevated"},
	{"executives", "officers", "managers"}, {"settled", "resolved", "decided"}, {"indemnify", "defend", "compensate"},
	{"claim", "demand", "action"}, {"defense", "defence"}, {"counsel", "lawyers", "attorneys"}, {"settlement", "compromise"},
	{"admitting", "conceding", "acknowledging"}, {"duty", "obligation", "undertaking"},
	{"reimburse", "repay"}, {"due", "payable"}, {"bear", "accrue"}, {"maximum", "highest"}, {"lawful", "legal"},
	{"suspend", "pause", "withhold"}, {"undisputed", "uncontested"}, {"unpaid", "outstanding", "overdue"}, {"exclude", "omit"},
	{"rise", "increase", "grow"}, {"disputed", "contested", "challenged"}, {"raised", "notified", "flagged"},
	{"detail", "explanation", "support"}, {"strict", "full", "complete"}, {"includes", "covers", "comprises"},
	{"disclosed", "shared"}, {"perform", "fulfil", "discharge"}, {"regarding", "concerning", "relating to"},
	{"permitted", "allowed"}, {"protective", "strict", "stringent"}, {"public", "publicly known"}, {"fault", "wrongdoing"},
	{"required", "compelled", "ordered"}, {"entitles", "allows", "permits"}, {"seek", "pursue", "obtain"},
	{"request", "demand"}, {"return", "give back", "hand back"}, {"describe", "specify", "explain"}, {"cure", "remedy", "fix"},
	{"relieve", "release", "discharge"}, {"accrued", "incurred", "owed"}, {"survive", "outlast", "continue after"},
	{"expiry", "expiration"}, {"undergoes", "experiences"}, {"destroy", "delete", "erase"}, {"copies", "duplicates", "versions"},
})

var supportVariants = newVariants([][]string{
	{"cheaper", "for less"}, {"confirm", "verify"}, {"released", "lifted", "dropped"}, {"packed", "boxed"},
	{"stopped", "halted"}, {"noticed", "realised", "saw"}, {"removed", "took off", "dropped"}, {"exactly", "precisely"},
	{"promised", "due", "expected"}, {"slipped", "shifted"}, {"prioritise", "rush", "expedite"}, {"credit", "voucher"},
	{"arrived", "turned up"}, {"unpacked", "took out"}, {"crushed", "squashed", "dented"}, {"replacement", "substitute"},
	{"logged", "recorded", "noted"}, {"replace", "exchange"}, {"someone", "somebody"}, {"arrange", "organise", "set up"},
	{"correct", "proper"}, {"returned", "sent back"}, {"pushed", "forced"},
	{"approved", "okayed", "signed off"}, {"tight", "snug", "narrow"}, {"shade", "tone", "colour"}, {"mistake", "accident"},
	{"failing", "breaking", "erroring"}, {"balance", "amount", "value"}, {"duplicate", "double", "repeated"},
	{"attempts", "tries"}, {"missing", "absent", "left off"}, {"office", "workplace"}, {"update", "change"},
	{"redirect", "reroute", "forward"}, {"accepted", "okayed"}, {"expires", "runs out", "times out"},
	{"fresh", "brand-new"}, {"unlock", "unblock", "reopen"}, {"cleared", "lifted"}, {"often", "frequently"},
	{"pause", "suspend"}, {"reminder", "warning", "heads-up"}, {"choosing", "deciding"},
	{"wonder", "ask myself"}, {"weight", "heft"}, {"lighter", "less heavy"}, {"fit", "suit"}, {"trouble", "problem", "issue"},
	{"details", "information", "specifics"}, {"hassle", "bother", "inconvenience"},
	{"patience", "understanding"}, {"questions", "queries"}, {"handling", "dealing with", "working on"},
	{"escalated", "passed", "forwarded"},
})

// variantTable maps a lower-case word to its group.
type variantTable struct {
	groups [][]string
	of     map[string]int
}

func newVariants(groups [][]string) *variantTable {
	t := &variantTable{groups: groups, of: map[string]int{}}
	for i, g := range groups {
		for _, w := range g {
			if _, ok := t.of[w]; !ok && !strings.Contains(w, " ") {
				t.of[w] = i
			}
		}
	}
	return t
}

// vary replaces about half of the words of text that have variants.
func vary(r *rng, t *variantTable, text string) string {
	return replaceWords(text, func(lower string) (string, bool) {
		if g, ok := t.of[lower]; ok && r.chance(0.5) {
			return pick(r, t.groups[g]), true
		}
		return "", false
	})
}

// replaceWords rewrites each ASCII-letter word of text for which alt (given
// the word in lower case) returns a replacement, keeping an initial capital.
// alt is called once per word, in order, so a seeded caller stays
// deterministic.
func replaceWords(text string, alt func(lower string) (string, bool)) string {
	var b strings.Builder
	b.Grow(len(text) + 16)
	for i := 0; i < len(text); {
		if !isLetter(text[i]) {
			b.WriteByte(text[i])
			i++
			continue
		}
		j := i
		for j < len(text) && isLetter(text[j]) {
			j++
		}
		w := text[i:j]
		if a, ok := alt(strings.ToLower(w)); ok {
			if w[0] >= 'A' && w[0] <= 'Z' {
				a = strings.ToUpper(a[:1]) + a[1:]
			}
			w = a
		}
		b.WriteString(w)
		i = j
	}
	return b.String()
}
