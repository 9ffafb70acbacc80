package pii

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// labelledFakes fills {{name}} slots in testdata/labelled.txt with generated,
// made-up secrets (nothing secret-shaped is stored in the file).
func labelledFakes() map[string]string {
	pem := "-----BEGIN EC " + "PRIVATE KEY-----\n" + fake(70, 64, alnum) + "\n" + fake(71, 40, alnum) + "\n-----END EC " + "PRIVATE KEY-----"
	return map[string]string{
		"pw1":    "Rt7" + fake(72, 13, alnum),
		"pw2":    "q!9" + fake(73, 11, alnum),
		"aws":    "AS" + "IA" + fake(74, 16, upB32),
		"ghp":    "gh" + "p_" + fake(75, 36, alnum),
		"slack":  "xo" + "xp-" + fake(76, 12, "0123456789") + "-" + fake(77, 12, "0123456789") + "-" + fake(78, 13, "0123456789") + "-" + fake(79, 32, hexLo),
		"openai": "sk-" + "svcacct-" + fake(80, 50, b64url) + "T3Blbk" + "FJ" + fake(81, 50, b64url),
		"jwt":    "ey" + "J" + fake(82, 20, b64url) + ".ey" + fake(83, 60, b64url) + "." + fake(84, 43, b64url),
		"stripe": "rk" + "_live_" + fake(85, 34, alnum),
		"pem":    pem,
	}
}

// parseLabelled turns one marked-up line into plain text and expected spans.
func parseLabelled(line string, fakes map[string]string) (string, []expSpan) {
	for k, v := range fakes {
		line = strings.ReplaceAll(line, "{{"+k+"}}", v)
	}
	var b strings.Builder
	var exp []expSpan
	for {
		i := strings.Index(line, "[[")
		if i < 0 {
			b.WriteString(line)
			break
		}
		j := strings.Index(line[i:], "]]")
		bar := strings.IndexByte(line[i:], '|')
		if j < 0 || bar < 0 || bar > j {
			b.WriteString(line)
			break
		}
		b.WriteString(line[:i])
		typ, val := line[i+2:i+bar], line[i+bar+1:i+j]
		start := b.Len()
		b.WriteString(val)
		exp = append(exp, expSpan{start, b.Len(), typ})
		line = line[i+j+2:]
	}
	return b.String(), exp
}

func TestEvalLabelled(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "labelled.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := mustScanner(t, Config{})
	types := map[string]bool{}
	for _, d := range Detectors {
		types[d.Type] = d.Type != TypePerson
	}
	board := map[string]*tally{}
	fakes := labelledFakes()
	sc := bufio.NewScanner(f)
	negatives, falseOnNegatives := 0, 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.ReplaceAll(line, `\n`, "\n")
		text, exp := parseLabelled(line, fakes)
		for _, e := range exp {
			entry(board, e.typ).cases++
		}
		pred := s.Scan(text)
		checkUTF8Spans(t, text, pred)
		m, fp := score(board, pred, exp, types)
		if len(exp) == 0 {
			negatives++
			falseOnNegatives += fp
		}
		if m+fp > 0 {
			t.Errorf("miss=%d false=%d %q got %s", m, fp, clip(text), describe(text, pred))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	logBoard(t, "testdata/labelled.txt (hand-written; "+itoa(negatives)+" hard-negative lines, "+itoa(falseOnNegatives)+" false hits on them)", board)
}
