package docread

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/tuneprep/tuneprep/schemas"
)

func TestReadEML(t *testing.T) {
	tests := []struct {
		file        string
		opts        EmailOptions
		want        schemas.Fields
		attachments int
		err         string
	}{
		{file: "plain.eml", want: schemas.Fields{
			{Name: "from", Value: "Renée Dupont <renee@example.com>"},
			{Name: "to", Value: "Bob <bob@example.org>, carol@example.net"},
			{Name: "cc", Value: "Team, Support <support@example.com>"},
			{Name: "date", Value: "2026-03-03T10:15:00+01:00"},
			{Name: "subject", Value: "Résumé du contrat"},
			{Name: "message_id", Value: "abc123@example.com"},
			{Name: "text", Value: "Hello Bob,\n\nThe contract is attached.\n\nRenée"}}},
		{file: "multipart.eml", attachments: 2, want: schemas.Fields{
			{Name: "from", Value: "alice@example.com"},
			{Name: "to", Value: "bob@example.org"},
			{Name: "date", Value: "2026-03-02T09:00:00Z"},
			{Name: "subject", Value: "Quarterly report"},
			{Name: "text", Value: "Café numbers are up. This line is long enough that it is wrapped by quoted-printable soft breaks."}}},
		{file: "html_only.eml", want: schemas.Fields{
			{Name: "from", Value: "news@example.com"},
			{Name: "to", Value: "you@example.com"},
			{Name: "subject", Value: "Café news"},
			{Name: "text", Value: "Menu\n\nCrème brûlée – 5€"}}},
		{file: "reply.eml", opts: EmailOptions{StripQuoted: true}, want: schemas.Fields{
			{Name: "from", Value: "bob@example.org"},
			{Name: "to", Value: "renee@example.com"},
			{Name: "subject", Value: "Re: contract"},
			{Name: "text", Value: "Thanks, signed and returned.\n\nBob"}}},
		{file: "reply.eml", want: schemas.Fields{
			{Name: "from", Value: "bob@example.org"},
			{Name: "to", Value: "renee@example.com"},
			{Name: "subject", Value: "Re: contract"},
			{Name: "text", Value: "Thanks, signed and returned.\n\nOn Tue, 3 Mar 2026 at 10:15, Renee Dupont\n<renee@example.com> wrote:\n> Hello Bob,\n>\n> The contract is attached.\n>> older quote\n\nBob"}}},
		{file: "broken_boundary.eml", err: "closing boundary"},
		{file: "wrong_boundary.eml", err: `boundary "declared"`},
		{file: "unknown_charset.eml", err: `unsupported charset: "x-martian"`},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s strip=%v", tc.file, tc.opts.StripQuoted), func(t *testing.T) {
			f, err := os.Open("testdata/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, st, err := ReadEML(f, tc.opts)
			checkResult(t, got, err, tc.want, tc.err)
			if err == nil && st.Attachments != tc.attachments {
				t.Errorf("attachments = %d, want %d", st.Attachments, tc.attachments)
			}
		})
	}
}

func TestReadEMLCases(t *testing.T) {
	tests := []struct {
		name, in, text, err string
	}{
		{name: "no content type", in: "Subject: x\n\nbody\r\n", text: "body"},
		{name: "no boundary", in: "Content-Type: multipart/mixed\n\n--x\n\nbody\n--x--\n", err: "without a boundary"},
		{name: "base64 with junk", in: "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGVs bG8g\nd29y bGQ=\n", text: "hello world"},
		{name: "not a message", in: "", err: "email header"},
		{name: "nested too deep", in: nested(20), err: "deeper"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := ReadEML(strings.NewReader(tc.in), EmailOptions{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v, _ := got.Get("text"); v != tc.text {
				t.Fatalf("text = %q, want %q", v, tc.text)
			}
		})
	}
}

// nested makes a message of n multipart levels, each with its own boundary.
func nested(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i)
	}
	return b.String()
}

type mboxItem struct {
	line    int
	subject string
	text    string
	err     string
}

func readMboxItems(t *testing.T, data []byte, opts EmailOptions) ([]mboxItem, error) {
	t.Helper()
	var items []mboxItem
	err := ReadMbox(bytes.NewReader(data), opts, func(line int, fs schemas.Fields, err error) error {
		it := mboxItem{line: line}
		if err != nil {
			it.err = err.Error()
		} else {
			it.subject, _ = fs.Get("subject")
			it.text, _ = fs.Get("text")
		}
		items = append(items, it)
		return nil
	})
	return items, err
}

func TestReadMbox(t *testing.T) {
	data, err := os.ReadFile("testdata/archive.mbox")
	if err != nil {
		t.Fatal(err)
	}
	items, err := readMboxItems(t, data, EmailOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 {
		t.Fatalf("%d messages: %+v", len(items), items)
	}
	want0 := mboxItem{line: 1, subject: "first", text: "Hello.\nFrom the archive, a line that was escaped.\n>From twice escaped.\nFrom inside a paragraph is not a separator."}
	if items[0] != want0 {
		t.Errorf("message 1 = %+v\nwant %+v", items[0], want0)
	}
	if items[1].line != 10 || !strings.Contains(items[1].err, "closing boundary") {
		t.Errorf("message 2 = %+v, want an error at line 10", items[1])
	}
	want2 := mboxItem{line: 20, subject: "third ✓", text: "Third body."}
	if items[2] != want2 {
		t.Errorf("message 3 = %+v\nwant %+v", items[2], want2)
	}
}

func TestReadMboxEdges(t *testing.T) {
	long := "From a@b Mon Jan  1 00:00:00 2026\nSubject: long\n\n" + strings.Repeat("x", 200<<10) + "\nFrom not a separator\n\nFrom c@d Mon Jan  1 00:00:00 2026\nSubject: two\n\nok\n"
	items, err := readMboxItems(t, []byte(long), EmailOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[1].line != 7 || items[1].subject != "two" || len(items[0].text) != 200<<10+len("\nFrom not a separator") {
		t.Fatalf("long line: %d items, %+v", len(items), items[1])
	}
	items, err = readMboxItems(t, []byte(long), EmailOptions{MaxMessageBytes: 1 << 10})
	if err != nil || len(items) != 2 || !strings.Contains(items[0].err, "larger than") || items[1].err != "" {
		t.Fatalf("size limit: %v %+v", err, items)
	}
	if _, err := readMboxItems(t, []byte("Subject: no separator\n\nbody\n"), EmailOptions{}); err == nil {
		t.Fatal("non-mbox accepted")
	}
	items, err = readMboxItems(t, []byte("\n\n"), EmailOptions{})
	if err != nil || len(items) != 0 {
		t.Fatalf("blank file: %v %v", items, err)
	}
	stop := errors.New("stop")
	err = ReadMbox(strings.NewReader(long), EmailOptions{}, func(int, schemas.Fields, error) error { return stop })
	if err != stop {
		t.Fatalf("yield error not returned: %v", err)
	}
}

func FuzzReadEML(f *testing.F) {
	for _, name := range []string{"plain.eml", "multipart.eml", "html_only.eml", "broken_boundary.eml"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, _, err := ReadEML(bytes.NewReader(data), EmailOptions{MaxMessageBytes: 1 << 20})
		if err == nil && !reflect.DeepEqual(fs[len(fs)-1].Name, "text") {
			t.Fatalf("text is not the last field: %v", fs)
		}
	})
}

func FuzzReadMbox(f *testing.F) {
	b, err := os.ReadFile("testdata/archive.mbox")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = ReadMbox(bytes.NewReader(data), EmailOptions{MaxMessageBytes: 1 << 20}, func(int, schemas.Fields, error) error { return nil })
	})
}
