package main

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/tuneprep/tuneprep/samples"
)

// plantedPII are sensitive values written into the samples: records that hold
// them are dropped before redaction (an exact duplicate) and after it (an
// empty answer), and kept. None may appear in a report.
var plantedPII = []string{
	"jane.planted@example.org", "5555 5555 5555 4444", "5555555555554444", "(415) 867-5309", "867-5309",
	"203.0.113.77", "AKIAIOSFODNN7EXAMPLQ",
	// already in the samples
	"maria.lopez@example.org", "(415) 555-0139", "4111 1111 1111 1111",
}

const plantedCSV = `ticket_id,customer_id,category,instruction,response
P-1,C-9,refund_status,"Refund please. Write to jane.planted@example.org, I paid with card 5555 5555 5555 4444.","Your refund was issued today."
P-2,C-9,refund_status,"Refund please. Write to jane.planted@example.org, I paid with card 5555 5555 5555 4444.","Your refund was issued today."
P-3,C-8,account_access,"Call me at (415) 867-5309, I log in from 203.0.113.77 with key AKIAIOSFODNN7EXAMPLQ.",
`

// plantedSamples writes the samples plus support/planted.csv to a folder.
func plantedSamples(t *testing.T) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in")
	if err := os.CopyFS(in, samples.Data()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(in, "support", "planted.csv"), []byte(plantedCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	return in
}

// samplesRun runs the sample config on in (the embedded samples when "")
// into out and returns the exit code and stderr.
func samplesRun(t *testing.T, in, out string, args ...string) (int, string) {
	t.Helper()
	base := []string{"run", "--quiet", "--out", out}
	if in != "" {
		base = append(base, "--config", "../../samples/tuneprep.yaml", "--in", in)
	}
	code, _, stderr := cli(t, append(base, args...)...)
	return code, stderr
}

// TestReportHTMLForPeople parses report.html of a samples run with planted
// sensitive values: every section and chart is there, with drop samples
// whose excerpts are redacted, nothing is fetched from anywhere, and no
// planted value appears anywhere in it.
func TestReportHTMLForPeople(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	if code, stderr := samplesRun(t, plantedSamples(t), out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "reports", "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	ids, svgs := map[string]bool{}, map[string]bool{}
	var external []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if n.Data == "script" || n.Data == "link" || n.Data == "iframe" || n.Data == "img" {
				external = append(external, "<"+n.Data+">")
			}
			for _, a := range n.Attr {
				switch {
				case a.Key == "id":
					ids[a.Val] = true
				case n.Data == "svg" && a.Key == "aria-label":
					svgs[a.Val] = true
				case a.Key == "href" && !strings.HasPrefix(a.Val, "#"), a.Key == "src", a.Key == "xlink:href", a.Key == "action",
					strings.HasPrefix(a.Key, "on"), strings.Contains(a.Val, "url("):
					external = append(external, a.Key+"="+a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if len(external) > 0 || strings.Contains(page, "http://") || strings.Contains(page, "https://") || strings.Contains(page, "@import") {
		t.Errorf("the page refers outside itself: %v", external)
	}
	for _, id := range []string{"gates", "funnel", "drops", "s-tokens-per-split", "s-sensitive-values-found-and-replaced",
		"s-duplicate-clusters", "s-few-shot-banks", "timings", "outputs", "stats"} {
		if !ids[id] {
			t.Errorf("no section %s", id)
		}
	}
	for _, chart := range []string{"Records into each stage: kept and dropped", "Records dropped or rejected, by stage and reason",
		"Values replaced, by type", "Clusters by number of records", "Tokens each bank adds to a request", "Busy seconds per stage"} {
		if !svgs[chart] {
			t.Errorf("no chart %q", chart)
		}
	}
	for _, split := range []string{"train", "validation", "test"} {
		if !hasPrefixKey(svgs, split+": ") {
			t.Errorf("no token histogram for %s: %v", split, svgs)
		}
	}
	if !strings.Contains(page, "gpt-4o-mini limit 65,536") || !strings.Contains(page, "stroke-dasharray") {
		t.Error("the histograms do not mark the model's limit")
	}
	gates := page[strings.Index(page, `id="gates"`):strings.Index(page, `id="funnel"`)]
	if !strings.Contains(gates, "max_residual_pii") || strings.Index(page, `id="gates"`) > strings.Index(page, `id="funnel"`) {
		t.Error("the gates are not at the top")
	}
	// The samples of the duplicate dropped before redaction and of the
	// empty answer dropped after it show their text, redacted.
	for _, want := range []string{"dedup / exact-duplicate", "support/planted.csv:2", "Refund please. Write to [EMAIL], I paid with card [CREDIT_CARD].",
		"template / empty-assistant", "support/planted.csv:3", "Call me at [PHONE], I log in from [IP_ADDRESS] with key [SECRET]."} {
		if !strings.Contains(page, html.EscapeString(want)) {
			t.Errorf("the drop samples lack %q", want)
		}
	}
	for _, v := range plantedPII {
		for _, form := range []string{v, html.EscapeString(v)} {
			if strings.Contains(page, form) {
				t.Errorf("report.html holds the planted value %q", v)
			}
		}
	}
	// Nor does any other report, log or audit file.
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		rel, _ := filepath.Rel(out, p)
		if err != nil || d.IsDir() || !(strings.HasPrefix(rel, "reports") || rel == "dropped.jsonl" || rel == "rejects.jsonl" ||
			rel == "run.json" || rel == "README.md" || strings.HasPrefix(rel, "redact")) {
			return err
		}
		b, _ := os.ReadFile(p)
		for _, v := range plantedPII {
			if bytes.Contains(b, []byte(v)) {
				t.Errorf("%s holds the planted value %q", rel, v)
			}
		}
		return nil
	})
}

func hasPrefixKey(m map[string]bool, prefix string) bool {
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// chromium finds a headless Chromium, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium found (chromium, chromium-browser, google-chrome): install Debian's chromium to render report.html")
	return ""
}

// TestReportHTMLRendersInChromium renders report.html of a samples run in
// headless Chromium at 1280 pixels wide: the screenshot is not blank, and
// the charts' colours are in it.
func TestReportHTMLRendersInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	bin := chromium(t)
	out := filepath.Join(t.TempDir(), "out")
	if code, stderr := samplesRun(t, "", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	shot := filepath.Join(t.TempDir(), "shot.png")
	page, _ := filepath.Abs(filepath.Join(out, "reports", "report.html"))
	cmd := exec.Command(bin, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
		"--user-data-dir="+t.TempDir(), "--window-size=1280,2400", "--screenshot="+shot, "file://"+page)
	done := make(chan error, 1)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("chromium: %v\n%s", err, logs.String())
		}
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("chromium took over 2 minutes")
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v\n%s", err, logs.String())
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if w := img.Bounds().Dx(); w != 1280 {
		t.Errorf("screenshot %d pixels wide", w)
	}
	inked, colours, blue, red := 0, map[uint32]bool{}, 0, 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			r, g, b = r>>8, g>>8, b>>8
			if r < 240 || g < 240 || b < 240 {
				inked++
			}
			colours[r<<16|g<<8|b] = true
			if near(r, g, b, 0x3d, 0x7a, 0xb8) { // the bars
				blue++
			}
			if near(r, g, b, 0xd1, 0x49, 0x5b) { // drop reasons, the limit
				red++
			}
		}
	}
	total := bounds.Dx() * bounds.Dy()
	if inked < total/50 || len(colours) < 50 || blue < 2000 || red < 500 {
		t.Errorf("the page looks blank or chartless: %d of %d pixels inked, %d colours, %d bar pixels, %d warning pixels",
			inked, total, len(colours), blue, red)
	}
}

func near(r, g, b, R, G, B uint32) bool {
	d := func(a, b uint32) uint32 {
		if a > b {
			return a - b
		}
		return b - a
	}
	return d(r, R) < 12 && d(g, G) < 12 && d(b, B) < 12
}

// TestDropSamplesNeverRaw: whatever the redaction (records dropped by the
// redact stage in drop mode, or no redaction at all), the reports hold no
// planted value, and the drop samples still show the records' text.
func TestDropSamplesNeverRaw(t *testing.T) {
	in := plantedSamples(t)
	for _, env := range []string{"TUNEPREP_REDACT_MODE=drop", "TUNEPREP_REDACT_ENABLED=false"} {
		t.Run(env, func(t *testing.T) {
			k, v, _ := strings.Cut(env, "=")
			t.Setenv(k, v)
			out := filepath.Join(t.TempDir(), "out")
			if code, stderr := samplesRun(t, in, out); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			page, _ := os.ReadFile(filepath.Join(out, "reports", "report.html"))
			if !bytes.Contains(page, []byte("[EMAIL]")) {
				t.Error("no redacted excerpt in the drop samples")
			}
			reports, _ := filepath.Glob(filepath.Join(out, "reports", "*"))
			for _, p := range append(reports, filepath.Join(out, "run.json"), filepath.Join(out, "README.md"), filepath.Join(out, "dropped.jsonl")) {
				b, _ := os.ReadFile(p)
				for _, v := range plantedPII {
					if bytes.Contains(b, []byte(v)) || bytes.Contains(b, []byte(html.EscapeString(v))) {
						t.Errorf("%s holds the planted value %q", filepath.Base(p), v)
					}
				}
			}
		})
	}
}
