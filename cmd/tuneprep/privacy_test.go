package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
	"github.com/tuneprep/tuneprep/stages/parquetio"
	"github.com/tuneprep/tuneprep/stages/pii"
)

// A plant is a sensitive value written into the input, in a text that
// makes its detector find it.
type plant struct {
	detector string
	text     string
	// values must not appear in any output: the value, or for a value
	// that spans lines (a private key) its distinctive parts.
	values []string
	// found is what the detector must find, when it is not values[0]
	// (the age in "92-year-old").
	found string
}

// privacyPlants returns a value for every built-in detector, default and
// HIPAA profile alike (secrets assembled from a prefix and a seeded random
// body, so that no real-looking token sits in the source).
func privacyPlants() []plant {
	rng := rand.New(rand.NewPCG(7, 11))
	const (
		alnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		b64url = alnum + "-_"
		upB32  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
		hexLo  = "0123456789abcdef"
		letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		digits = "0123456789"
	)
	r := func(n int, alphabet string) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	p := func(detector, before, value, after string) plant {
		return plant{detector: detector, text: before + value + after, values: []string{value}}
	}
	pem1, pem2 := r(64, alnum), r(64, alnum)
	pem := "-----BEGIN RSA " + "PRIVATE KEY-----\n" + pem1 + "\n" + pem2 + "\n-----END RSA " + "PRIVATE KEY-----"
	webhook := "hooks." + "slack.com/services/T" + r(8, upB32) + "/B" + r(8, upB32) + "/" + r(24, alnum)
	urlPass := r(14, alnum)
	return []plant{
		{detector: "private-key", text: "my key:\n" + pem + "\nkeep it safe", values: []string{pem1, pem2}, found: pem},
		p("aws-access-key-id", "aws_access_key_id = ", "AK"+"IA"+r(16, upB32), " in the config"),
		p("aws-secret-access-key", "aws_secret_access_key = ", r(40, alnum+"/+"), " in the config"),
		p("github-pat", "my token ", "gh"+"p_"+r(36, alnum), " stopped working"),
		p("github-oauth", "oauth token ", "gh"+"o_"+r(36, alnum), " expired"),
		p("github-app-token", "the app uses ", "gh"+"s_"+r(36, alnum), " today"),
		p("github-refresh-token", "refresh with ", "gh"+"r_"+r(36, alnum), " please"),
		p("github-fine-grained-pat", "token ", "github"+"_pat_"+r(22, alnum)+"_"+r(59, alnum), " for the repo"),
		p("gitlab-pat", "GITLAB=", "gl"+"pat-"+r(20, alnum), " set"),
		p("slack-token", "bot token ", "xo"+"xb-"+r(12, digits)+"-"+r(13, digits)+"-"+r(24, alnum), " is live"),
		p("slack-webhook-url", "post to https://", webhook, " for alerts"),
		p("stripe-key", "billing key ", "sk"+"_live_"+r(24, alnum), " leaked"),
		p("openai-api-key", "the key ", "sk-"+"proj-"+r(30, b64url)+"T3Blbk"+"FJ"+r(30, b64url), " works"),
		p("anthropic-api-key", "the key ", "sk-"+"ant-api03-"+r(80, b64url)+"AA", " works"),
		p("huggingface-token", "hub token ", "h"+"f_"+r(34, letter), " for the model"),
		p("google-api-key", "maps key=", "AI"+"za"+r(35, b64url), " for the site"),
		p("jwt", "Authorization: Bearer ", "ey"+"J"+r(30, b64url)+".ey"+r(40, b64url)+"."+r(43, b64url), " was sent"),
		p("npm-token", "publish with ", "np"+"m_"+r(36, alnum), " on CI"),
		p("pypi-token", "upload with ", "pypi-"+"AgEIcHlwaS5vcmc"+r(60, b64url), " on CI"),
		p("sendgrid-api-key", "mail key ", "S"+"G."+r(22, b64url)+"."+r(43, b64url), " for alerts"),
		p("twilio-api-key", "sms key ", "S"+"K"+r(32, hexLo), " for texts"),
		p("vault-token", "vault login ", "hv"+"s."+r(95, b64url), " worked"),
		p("azure-client-secret", "use ", "aB3"+"4Q~"+r(34, alnum+"._-"), " for the app"),
		p("cli-credentials", "curl -s --user 'api:", "Zq"+r(12, alnum), "' https://api.example.com/v1"),
		p("generic-secret", "DB_PASSWORD=", "Xk9"+r(12, alnum), " on the server"),
		p("url-credentials", "db postgres://admin:", urlPass, "@db.internal:5432/orders"),
		p("credit-card", "I paid with card ", "4012 8888 8888 1881", " yesterday"),
		p("iban", "refund to IBAN ", "GB82 WEST 1234 5698 7654 32", " please"),
		p("us-ssn", "my SSN ", "219-09-9998", " is on file"),
		p("us-itin", "my ITIN ", "912-70-1234", " is on file"),
		p("uk-nhs", "NHS number ", "943 476 5919", " on the letter"),
		p("us-npi", "the doctor's NPI: ", "1234567893", " on the claim"),
		p("aba-routing", "routing number ", "121000358", " for the transfer"),
		p("email", "write to ", "harold.jenkins.planted@example.org", " today"),
		p("bitcoin-address", "send it to ", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", " now"),
		p("ethereum-address", "my wallet ", "0x52908400098527886E0F7030069857D2E4169EE7", " got nothing"),
		p("phone", "call me on ", "(415) 867-5309", " after six"),
		p("ipv4", "I log in from ", "198.51.100.23", " every day"),
		p("ipv6", "the server at ", "2001:4860:4860::8844", " is down"),
		p("mac-address", "device MAC ", "00:1A:2B:3C:4D:5E", " was blocked"),
		p("date-of-birth", "DOB: ", "02.12.1979", " as on my card"),
		p("uk-nino", "NI number ", "AB 12 34 56 C", " on file"),
		p("swift-bic", "SWIFT/BIC: ", "DEUTDEFF500", " for the wire"),
		p("us-passport", "Passport No. ", "912803456", " expires soon"),
		p("us-driver-license", "Driver's license: ", "D7734516", " from Ohio"),
		p("street-address", "ship it to ", "742 Evergreen Terrace, Springfield, IL 62704", " please"),
		p("medical-record-number", "MRN ", "00482913", " was merged"),
		p("health-plan-id", "Medicare ", "1EG4-TE5-MK73", " covers it"),
		p("account-number", "account number ", "88120034571", " was charged"),
		p("license-number", "prescriber DEA ", "BR4829137", " on the script"),
		p("vin", "drives VIN ", "1HGCM82633A004352", " to work"),
		p("license-plate", "license plate ", "OH 4471KD", " was seen"),
		p("device-id", "pump serial number ", "XK4471-99812", " failed"),
		p("url", "records at ", "https://portal.example-clinic.org/p/8812", " online"),
		{detector: "age-over-89", text: "a 92-year-old man walked in", values: []string{"92-year-old"}, found: "92"},
		p("us-zip", "Cambridge, MA ", "02139", " is the office"),
		p("city", "he moved from ", "Tallahassee", ", FL last year"),
		p("date", "seen ", "03/14/2019", " at the clinic"),
		p("person", "Seen by Dr. ", "Harriet Okonkwo", " today"),
	}
}

// TestPrivacyPlantsAreFound: each plant is a finding of its own detector
// (with only that detector on), and there is one for every built-in
// detector, so that the privacy test covers every family the redactor
// claims and can fail for each of them.
func TestPrivacyPlantsAreFound(t *testing.T) {
	planted := map[string]bool{}
	for _, p := range privacyPlants() {
		planted[p.detector] = true
		s, err := pii.New(pii.Config{Profile: pii.ProfileHIPAA, PersonNames: true, Enabled: []string{p.detector}})
		if err != nil {
			t.Fatal(err)
		}
		spans := s.Scan(p.text)
		v := cmp.Or(p.found, p.values[0])
		i := strings.Index(p.text, v)
		covered := false
		for _, sp := range spans {
			covered = covered || sp.Detector == p.detector && sp.Start <= i && sp.End >= i+len(v)
		}
		if !covered {
			t.Errorf("%s does not find %q in %q: %+v", p.detector, v, p.text, spans)
		}
	}
	for _, d := range pii.Detectors {
		if !planted[d.Name] {
			t.Errorf("no value planted for detector %s", d.Name)
		}
	}
}

// privacyKey is the HMAC key of the privacy test; it comes from the
// environment only.
const privacyKey = "pk-Wq8tZ2vLr6Nx4Yb9Hc3Jd7Kf"

// TestPrivacyNoRawValueOrKey runs the pipeline on records carrying a value
// for every detector, with the HIPAA profile, PERSON, pseudonym mode and
// the hash policy (so the key is used), JSON logs, a metrics file, every
// format, Parquet splits and the corpus, and searches every file under the
// output's folder (Parquet decoded through parquetio: it is compressed, so
// its bytes would hide a value), stdout, stderr and the report and advise
// commands' output for every planted value and for the key (as is, hex,
// base64). The same search covers a failed gate with output blocked (exit
// 3), a key that is too short and a key written into the config file (exit
// 2), and a refused output (exit 1). The search is global: the redacted training texts must not hold a raw value
// either. Values in records that are dropped (duplicate, junk, empty
// answer) or rejected (malformed, invalid UTF-8, ragged, too large) are
// planted too.
//
// Self-checks, so that the test can fail: every value is in the input; the
// same run without redaction leaks every value planted in a kept record
// into the outputs the search reads (and into the data only: reports,
// logs, metrics and audit files hold none even then); the key's forms are
// found when present; and the hash policy's HMAC under the key is in the
// output.
func TestPrivacyNoRawValueOrKey(t *testing.T) {
	plants := privacyPlants()
	in, kept, other := privacyInput(t, plants)
	cfg := filepath.Join(t.TempDir(), "tuneprep.yaml")
	conf := `input:
  label_fields: [category]
  max_record_bytes: 4000
redact:
  profile: hipaa
  mode: pseudonym
  detectors:
    person_names: true
  fields:
    - match: owner_email
      policy: hash
emit:
  formats: [all]
  parquet: true
advise:
  enabled: true
`
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	var values []string
	for _, p := range plants {
		values = append(values, p.values...)
	}
	values = append(append(values, privacyOwner), other...)
	keyForms := secretForms(privacyKey)

	// Self-check: the input holds every value, and the search finds the key.
	inputs := outputTexts(in, "")
	all := strings.Join(slices.Collect(maps.Values(inputs)), "\n")
	for _, v := range values {
		if !containsValue(all, v) {
			t.Fatalf("the input does not hold %q", v)
		}
	}
	for _, f := range keyForms {
		if len(findLeaks(map[string]string{"probe": "x " + f + " y"}, nil, []string{privacyKey})) == 0 {
			t.Fatalf("the search misses the key written as %q", f)
		}
	}

	t.Setenv("TUNEPREP_REDACT_KEY", privacyKey)
	dir := t.TempDir()
	out, metrics := filepath.Join(dir, "out"), filepath.Join(dir, "tuneprep.prom")
	run := func(args ...string) (int, map[string]string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		base := []string{"run", "--config", cfg, "--in", in, "--out", out, "--log-format", "json", "--metrics-file", metrics}
		code := dispatch(context.Background(), append(base, args...), &stdout, &stderr)
		texts := decodedTexts(t, dir)
		texts["stdout"], texts["stderr"] = stdout.String(), stderr.String()
		return code, texts
	}

	// Self-check: without redaction, every value of a kept record leaks
	// into what the search reads.
	t.Setenv("TUNEPREP_REDACT_ENABLED", "false")
	code, texts := run()
	if code != exitOK {
		t.Fatalf("run without redaction: exit %d\n%s", code, texts["stderr"])
	}
	m := checkBalance(t, out)
	if m.Totals.Emitted != int64(len(plants)) || m.Totals.Dropped != 3 || m.Totals.Rejected != 4 {
		b, _ := os.ReadFile(filepath.Join(out, "dropped.jsonl"))
		t.Fatalf("want %d records kept, 3 dropped and 4 rejected: %+v\n%s", len(plants), m.Totals, b)
	}
	leaked := findLeaks(texts, values, nil)
	for _, v := range kept {
		if leaked[v] == nil {
			t.Errorf("self-check: without redaction %q is in no output: the search cannot see it", v)
		}
	}
	// Even so, reports, logs, metrics and the audit files hold none: only
	// the data (training files, the corpus, the banks) has the records' text.
	for _, name := range slices.Sorted(maps.Keys(texts)) {
		rel, _ := filepath.Rel(out, name)
		if rel == "corpus.parquet" || strings.HasPrefix(rel, "finetune"+string(filepath.Separator)) || strings.HasPrefix(rel, "fewshot"+string(filepath.Separator)) {
			delete(texts, name)
		}
	}
	noLeaks(t, "without redaction", texts, values, nil)

	// The run: pseudonym mode and the hash policy, so the key is used.
	t.Setenv("TUNEPREP_REDACT_ENABLED", "true")
	code, texts = run()
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, texts["stderr"])
	}
	checkBalance(t, out)
	noLeaks(t, "run", texts, values, []string{privacyKey})
	joined := strings.Join(slices.Collect(maps.Values(texts)), "\n")
	if !strings.Contains(joined, pii.HashValue([]byte(privacyKey), privacyOwner)) || !strings.Contains(joined, "<EMAIL_") {
		t.Error("self-check: no keyed hash or pseudonym in the outputs: was the key used?")
	}
	if !strings.Contains(texts["stderr"], `"level":"INFO"`) || !strings.Contains(texts[metrics], "tuneprep_") {
		t.Error("self-check: no info log lines or no metrics to search")
	}
	for _, args := range [][]string{{"report", out}, {"report", "--json", out}, {"advise", "--json", out}} {
		code, stdout, stderr := cli(t, args...)
		if code != exitOK {
			t.Errorf("%v: exit %d\n%s", args, code, stderr)
		}
		noLeaks(t, strings.Join(args, " "), map[string]string{"stdout": stdout, "stderr": stderr}, values, []string{privacyKey})
	}

	// Error paths: a failed gate with the output blocked (exit 3).
	t.Setenv("TUNEPREP_GATES_BLOCK_OUTPUT", "true")
	code, texts = run("--gate", "min_examples.train=100000")
	if code != exitGate || texts[filepath.Join(out+".failed", "run.json")] == "" {
		t.Errorf("failed gate: exit %d, want %d and an output in %s.failed\n%s", code, exitGate, out, texts["stderr"])
	}
	noLeaks(t, "failed gate", texts, values, []string{privacyKey})
	// A key shorter than 16 bytes (exit 2): the message names the
	// variable, never its value.
	short := "Zs7-qL2x-Vn9Kd4"
	t.Setenv("TUNEPREP_REDACT_KEY", short)
	code, texts = run()
	if code != exitUsage || !strings.Contains(texts["stderr"], "TUNEPREP_REDACT_KEY") {
		t.Errorf("short key: exit %d, want %d naming the variable\n%s", code, exitUsage, texts["stderr"])
	}
	noLeaks(t, "short key", texts, values, []string{short, privacyKey})
	// The key written into the config file (exit 2): refused, and not echoed.
	t.Setenv("TUNEPREP_REDACT_KEY", privacyKey)
	inConfig := filepath.Join(t.TempDir(), "key.yaml")
	if err := os.WriteFile(inConfig, []byte(strings.Replace(conf, "redact:\n", "redact:\n  key: "+privacyKey+"\n", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, texts = run("--config", inConfig); code != exitUsage {
		t.Errorf("key in the config file: exit %d, want %d\n%s", code, exitUsage, texts["stderr"])
	}
	noLeaks(t, "key in the config file", texts, values, []string{privacyKey})
	// A refused output (exit 1) with the key set.
	foreign := filepath.Join(dir, "foreign")
	os.MkdirAll(foreign, 0o755)
	os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("mine"), 0o644)
	code, texts = run("--out", foreign)
	if code != exitFailed {
		t.Errorf("foreign output: exit %d, want %d\n%s", code, exitFailed, texts["stderr"])
	}
	noLeaks(t, "refused output", texts, values, []string{privacyKey})
}

// privacyOwner is the owner_email of every record, hashed by the field policy.
const privacyOwner = "owner.planted@example.net"

// privacyInput writes the plants into an input folder: each in a record of
// its own that is kept, and some again in records that are dropped or
// rejected. It returns the folder, the values of the kept records, and
// those that are only in dropped or rejected ones.
func privacyInput(t *testing.T, plants []plant) (in string, kept, other []string) {
	t.Helper()
	in = t.TempDir()
	rng := rand.New(rand.NewPCG(3, 5))
	var keep bytes.Buffer
	for i, p := range plants {
		// in one turn or the other: in both, a long value is repetition to quality
		q, a := p.text, "the details you sent"
		if i%2 == 1 {
			q, a = a, p.text
		}
		rec := map[string]string{
			"instruction": fmt.Sprintf("Ticket %d: %s. %s?", i, q, sentence(rng, 25)),
			"response":    fmt.Sprintf("We looked at %s. %s.", a, sentence(rng, 25)),
			"category":    []string{"billing", "account", "clinical"}[i%3],
			"owner_email": privacyOwner,
		}
		line, _ := json.Marshal(rec)
		keep.Write(append(line, '\n'))
		kept = append(kept, p.values...)
	}
	// Dropped by dedup (an exact duplicate of a kept record), by quality
	// (lorem ipsum) and by template (no answer); rejected as malformed
	// JSON, invalid UTF-8, a ragged CSV row and a record over the size limit.
	first, _, _ := bytes.Cut(keep.Bytes(), []byte("\n"))
	keep.Write(append(first, '\n'))
	extra := func(v string) string { other = append(other, v); return v }
	var drop bytes.Buffer
	for _, rec := range []map[string]string{
		{"instruction": "Lorem ipsum dolor sit amet " + extra("lorem.planted@example.org") + ", consectetur adipiscing elit.", "response": "Lorem ipsum dolor sit amet."},
		{"instruction": "Call me on " + extra("(212) 555-0187") + " about my order, it is late.", "response": ""},
	} {
		line, _ := json.Marshal(rec)
		drop.Write(append(line, '\n'))
	}
	drop.WriteString(`{"instruction": "my card ` + extra("4000 0566 5566 5556") + ` is declined", broken` + "\n")
	drop.WriteString("{\"instruction\": \"my email " + extra("utf8.planted@example.org") + " \xff\xfe\", \"response\": \"ok\"}\n")
	long, _ := json.Marshal(map[string]string{"instruction": "Write to " + extra("long.planted@example.org") + " " + strings.Repeat("and more words ", 400), "response": "ok"})
	drop.Write(append(long, '\n'))
	var rows bytes.Buffer
	w := csv.NewWriter(&rows)
	w.Write([]string{"instruction", "response", "category"})
	w.Write([]string{"my SSN is " + extra("078-05-1123")})
	w.Flush()
	for name, b := range map[string][]byte{"kept.jsonl": keep.Bytes(), "dropped.jsonl": drop.Bytes(), "ragged.csv": rows.Bytes()} {
		if err := os.WriteFile(filepath.Join(in, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return in, kept, other
}

// decodedTexts returns every file below dir by path, Parquet files with
// their decoded rows appended (every column, as parquetio reads them).
func decodedTexts(t *testing.T, dir string) map[string]string {
	t.Helper()
	texts := outputTexts(dir, "")
	delete(texts, "stderr")
	for p, raw := range texts {
		if !strings.HasSuffix(p, ".parquet") {
			continue
		}
		var b strings.Builder
		b.WriteString(raw)
		err := parquetio.Read(context.Background(), strings.NewReader(raw), parquetio.ReadOptions{}, func(row int, fs schemas.Fields) error {
			for _, f := range fs {
				fmt.Fprintf(&b, "\n%s=%s", f.Name, f.Value)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		texts[p] = b.String()
	}
	return texts
}

// secretForms are the ways a key could be written: as is, hex, base64
// (unpadded: a prefix of the padded form).
func secretForms(key string) []string {
	return []string{key, hex.EncodeToString([]byte(key)), strings.ToUpper(hex.EncodeToString([]byte(key))),
		base64.RawStdEncoding.EncodeToString([]byte(key)), base64.RawURLEncoding.EncodeToString([]byte(key))}
}

// findLeaks returns the texts (by name) that hold each value, as written,
// JSON-escaped or HTML-escaped, and each key in any of its forms ("key
// <form>"). Values that are all digits count only as whole numbers, not
// inside a longer run of letters and digits such as a hash.
func findLeaks(texts map[string]string, values, keys []string) map[string][]string {
	leaks := map[string][]string{}
	for name, text := range texts {
		for _, v := range values {
			j, _ := json.Marshal(v)
			for _, form := range []string{v, html.EscapeString(v), string(j[1 : len(j)-1])} {
				if containsValue(text, form) {
					leaks[v] = append(leaks[v], name)
					break
				}
			}
		}
		for _, k := range keys {
			for _, form := range secretForms(k) {
				if strings.Contains(text, form) {
					leaks["key "+form] = append(leaks["key "+form], name)
				}
			}
		}
	}
	return leaks
}

// noLeaks fails the test for each leak findLeaks finds.
func noLeaks(t *testing.T, what string, texts map[string]string, values, keys []string) {
	t.Helper()
	for v, names := range findLeaks(texts, values, keys) {
		slices.Sort(names)
		t.Errorf("%s: %q is in %s", what, v, strings.Join(names, ", "))
	}
}

func containsValue(text, v string) bool {
	if strings.Trim(v, "0123456789") != "" {
		return strings.Contains(text, v)
	}
	alnum := func(i int) bool {
		c := text[i]
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	for off := 0; ; {
		i := strings.Index(text[off:], v)
		if i < 0 {
			return false
		}
		i += off
		if (i == 0 || !alnum(i-1)) && (i+len(v) == len(text) || !alnum(i+len(v))) {
			return true
		}
		off = i + 1
	}
}

// TestPrivacyKeyChangeRecomputes: an incremental run (--state) or a
// sharded one (--tasks --work) reuses what an earlier run computed only
// under the same key: after the key changes, the pseudonyms are the new
// key's, byte for byte what a plain run with the new key writes.
func TestPrivacyKeyChangeRecomputes(t *testing.T) {
	in, dir := t.TempDir(), t.TempDir()
	records := `{"instruction":"Write to maria.lopez@example.org about my order please","response":"We will write to her today about the order."}
{"instruction":"Where is my parcel for order 5?","response":"It left the depot this morning and arrives tomorrow."}
`
	cfg := filepath.Join(dir, "tuneprep.yaml")
	if os.WriteFile(filepath.Join(in, "a.jsonl"), []byte(records), 0o644) != nil || os.WriteFile(cfg, []byte("redact:\n  mode: pseudonym\n"), 0o644) != nil {
		t.Fatal("cannot write the input")
	}
	out := filepath.Join(dir, "out")
	for _, reuse := range [][]string{{"--state", filepath.Join(dir, "state")}, {"--tasks", "2", "--work", filepath.Join(dir, "work")}} {
		t.Setenv("TUNEPREP_REDACT_KEY", "first-key-0123456789")
		runOK(t, append([]string{"--config", cfg, "--in", in, "--out", out}, reuse...)...)
		t.Setenv("TUNEPREP_REDACT_KEY", "second-key-0123456789")
		runOK(t, append([]string{"--config", cfg, "--in", in, "--out", out}, reuse...)...)
		got := snapshot(t, out)
		runOK(t, "--config", cfg, "--in", in, "--out", out)
		for name, content := range snapshot(t, out) {
			if got[name] != content {
				t.Errorf("%s after a key change: %s differs from a plain run's with the new key", reuse[0], name)
			}
		}
	}
}
