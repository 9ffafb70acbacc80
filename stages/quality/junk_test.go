package quality

import (
	"strings"
	"testing"
)

func TestJunk(t *testing.T) {
	s := stage(t, nil)
	b64 := repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3", 4) // 160 characters
	hexLine := "00000010: 48 65 6c 6c 6f 20 57 6f 72 6c 64 0a 41 42 43 44  Hello World.ABCD\n"
	urls := "https://example.com/a/very/long/path/one\nhttps://example.com/a/very/long/path/two\nhttps://example.com/a/very/long/path/three\nsee these"
	checkVerdicts(t, s, []verdictCase{
		{"placeholder", text("test"), "quality-junk-placeholder"},
		{"placeholder, case and punctuation aside", text("Testing, 1-2-3!"), "quality-junk-placeholder"},
		{"keyboard mash", text("asdf"), "quality-junk-placeholder"},
		{"hello world", text("Hello, world!"), "quality-junk-placeholder"},
		{"a word of a real ticket", text("Test results attached, the upload still fails."), ""},
		{"a real short answer", text("None."), ""},
		{"lorem ipsum", text("Lorem ipsum dolor sit amet, consectetur adipiscing elit."), "quality-junk-lorem"},
		{"lorem inside prose", text(prose + " lorem IPSUM"), "quality-junk-lorem"},
		{"out of office", text("Thank you for your email. I am currently out of the office until Monday with limited access to email."), "quality-junk-autoreply"},
		{"automatic reply subject", text("Automatic reply: Invoice 4411\n\nI will respond to your message when I return."), "quality-junk-autoreply"},
		{"a customer mentions an auto-reply", text("I got an automatic reply from you but nobody answered my question about the refund."), ""},
		{"a long ticket quoting an auto-reply", text(prose + " " + prose2 + " They said: I am out of the office."), ""},
		{"base64 blob", text("Attachment follows: " + b64), "quality-junk-blob"},
		{"run at the threshold", text("Key: " + b64[:100]), ""},
		{"a long URL is not a blob", text(prose + " See https://example.com/" + b64 + " for details."), ""},
		{"hex dump", text(repeat(hexLine, 4)), "quality-junk-hexdump"},
		{"one hex line in a ticket", text(prose + "\n" + hexLine + "\nThe rest of the report is above.\nThanks."), ""},
		{"a list of URLs", text(urls), "quality-junk-urls"},
		{"a ticket with a link", text("The page at https://example.com/help does not load on my phone, it shows a blank screen."), ""},
	})
}

func TestJunkConfig(t *testing.T) {
	s := stage(t, func(c *Config) {
		c.Junk.Placeholders = []string{"N/A"}
		c.Junk.MaxRun = 0
		c.Junk.Lorem = false
	})
	checkVerdicts(t, s, []verdictCase{
		{"own placeholder", text("n/a"), "quality-junk-placeholder"},
		{"default placeholder not listed", text("test"), ""},
		{"max_run 0 is off", text("x " + repeat("A1", 200)), ""},
		{"lorem off", text("Lorem ipsum dolor sit amet."), ""},
	})
}

func TestPhrases(t *testing.T) {
	p := newPhrases([]string{"out of office", "as an ai", "ok"})
	for _, c := range []struct{ text, want string }{
		{"I am OUT OF OFFICE today", "out of office"},
		{"As an AI, I cannot", "as an ai"},
		{"without office", ""},
		{"Book it", ""}, // "ok" only at a word start
		{"ok then", "ok"},
		{"", ""},
	} {
		if got := p.find(c.text); got != c.want {
			t.Errorf("find(%q) = %q, want %q", c.text, got, c.want)
		}
	}
	if strings.Contains(placeholderKey(" Testing,  1-2-3! "), "  ") || placeholderKey(" Testing,  1-2-3! ") != "testing 1 2 3" {
		t.Errorf("placeholderKey: %q", placeholderKey(" Testing,  1-2-3! "))
	}
}
