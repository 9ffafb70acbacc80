package quality

import (
	"maps"
	"math"
	"strings"

	"github.com/tuneprep/tuneprep/stages/langid"
	"github.com/tuneprep/tuneprep/stages/shortkey"
)

// Language identification has two paths. The fast one counts function
// words of seven common languages in the first funcWordScan words: a text
// mostly in Latin script whose words with letters are a tenth or more one
// language's function words is that language if it has funcMinHits of them
// and four times the runner-up's hits, or two different ones and none of
// any other language; its confidence is its share of all function-word
// hits. (The second rule decides short English headings and notes, where
// the trigram models are not better: "Significant for hypertension, type 2
// diabetes mellitus, asthma, and high cholesterol" is French to them.)
//
// Every other text goes to langid (lingua-go's low-accuracy detector,
// rebuilt on its models: about 15 us for a text where lingua-go took a
// millisecond), on its first sampleBytes bytes.

const (
	funcMinHits = 3
	sampleBytes = 256
)

// funcLangs are the fast path's languages; funcWords lists each one's
// frequent function words that are rare as words of the others (no "de",
// "la", "in", "is", "no").
var funcLangs = [...]string{"en", "de", "fr", "es", "it", "pt", "nl"}

var funcWords = func() *shortkey.Table {
	lists := [len(funcLangs)]string{
		"the and of to you your that it for with this are have be not my i we can please would from by or if me do has been they their our which there he she her his had were at on an is was will does did what which how any all so but who when than also these those into about should shall may must such other each in a no as up out",
		"der die das und ist nicht ich sie mit den dem ein eine zu auf für von bitte wir ihr ihre sich auch wie oder aber noch wird kann habe meine mein",
		"le les et est une des du je vous pas qui pour dans sur avec ce mon ma votre nous il au ne sont cette merci été mes ces aux",
		"el los las y es muy está al cómo qué gracias puedo usted mis sus este esta pero fue hay también porque cuando yo",
		"il di che è per sono della gli ho questo questa anche grazie vorrei alla nel sul dei ma mio mia ci essere",
		"o os e é não um uma do da dos das em na com meu minha você obrigado isso mas ao foi seu sua",
		"het een en van dat niet ik je u mijn op voor met zijn wordt heb naar ook maar bij graag deze wilt kunt er",
	}
	m := map[string]uint32{}
	for l, list := range lists {
		for _, w := range strings.Fields(list) {
			if len(w) > shortkey.MaxLen {
				panic("quality: function word " + w + " is over 8 bytes")
			}
			m[w] |= 1 << l
		}
	}
	return shortkey.New(maps.All(m), 4)
}()

// fastLanguage is the fast path: a language and its confidence, or "".
func (m *measures) fastLanguage() (string, float64) {
	if m.letters == 0 || m.spaceless*10 > m.letters {
		return "", 0
	}
	best, second, total := -1, 0, 0
	for l, n := range m.funcWords {
		total += n
		switch {
		case best < 0 || n > m.funcWords[best]:
			if best >= 0 {
				second = m.funcWords[best]
			}
			best = l
		case n > second:
			second = n
		}
	}
	hits := m.funcWords[best]
	clear := hits >= funcMinHits && hits >= 4*second || m.funcTwo[best] && second == 0
	if !clear || hits*10 < m.scanAlpha {
		return "", 0
	}
	return funcLangs[best], float64(hits) / float64(total)
}

// detect identifies the language of a text that m measures, with no
// minimum length: the fast path, else langid.
func detect(m *measures, text string) (string, float64) {
	if code, conf := m.fastLanguage(); code != "" {
		return code, conf
	}
	return sampleLanguage(text)
}

// sampleLanguage asks langid about the start of text.
func sampleLanguage(text string) (string, float64) {
	if len(text) > sampleBytes {
		cut := strings.LastIndexByte(text[:sampleBytes], ' ')
		if cut < sampleBytes/2 {
			cut = sampleBytes
			for cut < len(text) && text[cut]&0xc0 == 0x80 { // not inside a character
				cut++
			}
		}
		text = text[:cut]
	}
	code, conf := langid.Detect(text)
	// Four decimals, as the corpus and the report show them.
	return code, math.Round(conf*1e4) / 1e4
}
