package langid

import (
	"bufio"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/pemistahl/lingua-go"
	"github.com/tuneprep/tuneprep/stages/testcorpora"
)

// linguaDetector is lingua-go as the quality stage used it before this
// package: every spoken language, low-accuracy mode.
func linguaDetector() lingua.LanguageDetector {
	return lingua.NewLanguageDetectorBuilder().FromAllSpokenLanguages().WithLowAccuracyMode().Build()
}

func linguaDetect(d lingua.LanguageDetector, text string) (string, float64) {
	vals := d.ComputeLanguageConfidenceValues(text)
	if len(vals) == 0 || vals[0].Value() == 0 {
		return "", 0
	}
	return strings.ToLower(vals[0].Language().IsoCode639_1().String()), vals[0].Value()
}

// agreementTexts are short texts in many languages and scripts: the
// quality stage's language-ID samples, and lines of this test.
func agreementTexts(t *testing.T) []string {
	f, err := os.Open("../quality/testdata/langid.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if _, text, ok := strings.Cut(sc.Text(), "\t"); ok && !strings.HasPrefix(sc.Text(), "#") {
			out = append(out, text)
			if len(text) > 40 {
				out = append(out, text[:len(text)/2], strings.ToUpper(text))
			}
		}
	}
	return append(out,
		"Γειά σου κόσμε, τι κάνεις σήμερα;", "안녕하세요 반갑습니다", "สวัสดีครับ ยินดีต้อนรับ",
		"Straße und Fluß", "Zażółć gęślą jaźń", "Tiếng Việt có dấu", "Ñandú", "Ölçü", "a", "ab", "abc", "",
		"12345 !!!", "東京は日本の首都です", "北京是中国的首都", "Привет, как дела?", "Добрий день, як справи?",
		"مرحبا بك في موقعنا", "नमस्ते, आप कैसे हैं?", "Siemens", "June 21, 1999", "2THEMART.COM, INC.",
	)
}

// TestAgreesWithLingua: the same language as lingua-go on every text, and
// a confidence within 0.002 (the stored log-probabilities are rounded to
// 1/2048).
func TestAgreesWithLingua(t *testing.T) {
	d := linguaDetector()
	worst := 0.0
	for _, text := range agreementTexts(t) {
		wc, wconf := linguaDetect(d, text)
		gc, gconf := Detect(text)
		if gc != wc {
			t.Errorf("%q: %s (%.4f), lingua-go %s (%.4f)", text, gc, gconf, wc, wconf)
			continue
		}
		worst = max(worst, math.Abs(gconf-wconf))
		if math.Abs(gconf-wconf) > 0.002 {
			t.Errorf("%q: %s confidence %.5f, lingua-go %.5f", text, gc, gconf, wconf)
		}
	}
	t.Logf("largest confidence difference %.5f", worst)
}

func TestCodesInRulesAreKnown(t *testing.T) {
	for code := range uniqueChars {
		if !Known(code) {
			t.Errorf("uniqueChars: %s is not a language of the models", code)
		}
	}
	for _, sc := range sharedChars {
		for _, code := range splitCodes(sc.langs) {
			if !Known(code) {
				t.Errorf("sharedChars %s: %s is not a language of the models", sc.chars, code)
			}
		}
	}
	if len(Languages()) != 74 {
		t.Errorf("%d languages, want lingua-go's 74 spoken ones", len(Languages()))
	}
}

// TestAgreesWithLinguaOnCorpora compares on cells of the shared corpora
// (every 7th, cut to 128 bytes as the quality stage cuts them).
func TestAgreesWithLinguaOnCorpora(t *testing.T) {
	if testing.Short() {
		t.Skip("long: lingua-go takes about a millisecond a text")
	}
	d := linguaDetector()
	n, worst := 0, 0.0
	for _, rel := range []string{"support/bitext_customer_support.csv", "legal/master_clauses.csv", "medical/MTS-Dialog-TrainingSet.csv"} {
		rows := testcorpora.CSV(t, rel)
		k := 0
		for _, row := range rows[1:] {
			for _, cell := range row {
				if k++; k%7 != 0 {
					continue
				}
				if len(cell) > 128 {
					cell = cell[:128]
				}
				n++
				wc, wconf := linguaDetect(d, cell)
				gc, gconf := Detect(cell)
				if gc != wc {
					t.Errorf("%s %q: %s (%.4f), lingua-go %s (%.4f)", rel, cell, gc, gconf, wc, wconf)
					continue
				}
				worst = max(worst, math.Abs(gconf-wconf))
			}
		}
	}
	t.Logf("%d texts, largest confidence difference %.5f", n, worst)
}

func BenchmarkDetect(b *testing.B) {
	models()
	for _, text := range []string{
		"GASTROINTESTINAL: Negative dysphagia, negative nausea, negative vomiting, negative hematemesis, negative melena, negative hematochezia.",
		"Net debt to earnings before interest, tax, depreciation and amortisation (EBITDA)",
		"Привет, как дела? Я хотел бы узнать статус моего заказа.",
	} {
		b.Run(text[:8], func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				Detect(text)
			}
		})
	}
}

func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decode(modelData); err != nil {
			b.Fatal(err)
		}
	}
}
