package formats

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// chatScanCases are openai-chat records that the scan reads and records
// where it must give up: each is held to the encoding/json path.
var chatScanCases = []string{
	`{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!\nHow can I help?","weight":1}]}`,
	`{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"caf\u00e9 \ud83d\ude00 \ud83d"},{"role":"assistant","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}`,
	`{"messages":[{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}}]},{"role":"tool","tool_call_id":"c1","content":"42"}],"tools":[{"type":"function","function":{"name":"f"}}]}`,
	`{"messages":[{"role":"user","content":"x","name":"ann"},{"role":"assistant","content":null,"weight":0,"function_call":{"name":"f"}}],"parallel_tool_calls":false}`,
	`{"messages":null}`, `{"messages":[]}`, `{"messages":[null]}`, `{"messages":[null,{"role":"user"}]}`, `{}`, `{"tools":null}`,
	` {"messages" : [ { "role" : "user" , "content" : "spaced" } ] } `,
	`{"messages":[{"role":"user","content":"a","Role":"assistant"}]}`, `{"Messages":[{"role":"user"}]}`, `{"MESSAGES":[]}`,
	`{"messages":[{"role":"user"}],"messages":[{"content":"x"}]}`, `{"messages":[{"role":"user","role":null}]}`,
	`{"messages":[{"role":"user","content":"a","content":"b"}]}`, `{"messages":[{"ROLE":"user"}]}`, `{"messages":[{"role":1}]}`,
	`{"messages":[{"role":"user","name":5}]}`, `{"messages":[{"role":"assistant","weight":1.0}]}`, `{"messages":[{"role":"assistant","weight":1e0}]}`,
	`{"messages":[{"role":"assistant","weight":-3}]}`, `{"messages":[{"role":"assistant","weight":99999999999999999999}]}`,
	`{"messages":[{"role":"assistant","weight":"1"}]}`, `{"messages":[{"role":"tool","tool_call_id":7}]}`, `{"messages":[{"role":"tool","tool_call_id":null}]}`,
	`{"messages":[{"role":"user","content":{"text":"x"}}]}`, `{"messages":[{"role":"user","content":[{"type":"image_url"}]}]}`,
	`{"messages":[{"role":"user","content":5}]}`, `{"messages":"no"}`, `{"messages":{}}`, `{"messages":[1]}`, `{"messages":[[]]}`,
	`{"tools":[],"tools":[1]}`, `[]`, `null`, `"x"`, `{`, `{"messages":[{"role":"user","content":"a"}]} x`,
	"{\"messages\":[{\"role\":\"user\",\"content\":\"bad \xff utf8\"}]}", `{"messages":[{"r\u006fle":"user","content":"escaped key"}]}`,
	"{\"messages\":[{\"\u017fole\":\"user\"}]}", "{\"messages\":[{\"role\":\"user\",\"\u212aey\":1}]}",
	`{"messAges":[{"role":"user","Content":"00000"},{"role":"assistant","Content":0}]}`,
}

// chatScanSeeds returns the cases and the golden openai-chat lines.
func chatScanSeeds(tb testing.TB) [][]byte {
	var out [][]byte
	for _, c := range chatScanCases {
		out = append(out, []byte(c))
	}
	f, err := os.Open(filepath.Join("testdata", "golden", "openai-chat.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, bytes.Clone(sc.Bytes()))
	}
	return out
}

// detectJSON is Detect by encoding/json: the specification of the scan.
func detectJSON(record []byte) (string, bool) {
	rec := bytes.TrimSpace(record)
	if len(rec) > 0 && rec[0] == '[' {
		return detectArray(rec)
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(rec, &keys) != nil || keys == nil {
		return "", false
	}
	has := func(k string) bool { _, ok := keys[k]; return ok }
	return DetectKeys(has, func(k string) bool { return isString(keys[k]) })
}

// checkChatScan holds the scanning paths of Check, Parse and Detect to the
// encoding/json ones on one record.
func checkChatScan(t *testing.T, b []byte) {
	t.Helper()
	if got, want := checkChat(b), checkChatJSON(b); !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: checkChat = %v, encoding/json path %v", b, got, want)
	}
	got, gotErr := parseChat(b)
	want, wantErr := parseChatJSON(b)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || (wantErr == nil && !reflect.DeepEqual(got, want)) {
		t.Fatalf("%q: parseChat = %+v, %v; encoding/json path %+v, %v", b, got, gotErr, want, wantErr)
	}
	rd := openAIChat.Read(b)
	wantPs := checkChatJSON(b)
	want, wantErr = openAIChat.Parse(b) // Read's errors name the format
	if !reflect.DeepEqual(rd.Problems, wantPs) {
		t.Fatalf("%q: Read problems %v, encoding/json path %v", b, rd.Problems, wantPs)
	}
	if len(wantPs) == 0 && (fmt.Sprint(rd.Err) != fmt.Sprint(wantErr) || (wantErr == nil && !reflect.DeepEqual(rd.Example, want))) {
		t.Fatalf("%q: Read = %+v, %v; encoding/json path %+v, %v", b, rd.Example, rd.Err, want, wantErr)
	}
	if rd.SchemaValid {
		if err := chatSchema.Validate(mustValue(t, b)); err != nil {
			t.Fatalf("%q: SchemaValid, but the schema says %v", b, err)
		}
	}
	gn, gok := Detect(b)
	wn, wok := detectJSON(b)
	if gn != wn || gok != wok {
		t.Fatalf("%q: Detect = %q, %v; encoding/json path %q, %v", b, gn, gok, wn, wok)
	}
}

// chatSchema is the compiled openai-chat schema.
var chatSchema = func() *jsonschema.Schema {
	s, err := jsonschema.UnmarshalJSON(bytes.NewReader(openAIChat.Schema))
	if err != nil {
		panic(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(openAIChat.SchemaFile, s); err != nil {
		panic(err)
	}
	return c.MustCompile(openAIChat.SchemaFile)
}()

func mustValue(t *testing.T, b []byte) any {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	return v
}

func TestChatScanMatchesEncodingJSON(t *testing.T) {
	for _, b := range chatScanSeeds(t) {
		checkChatScan(t, b)
	}
	// The cases the scan reads must be read by it, not by the fallback;
	// the plain ones are known valid without the schema.
	for i, c := range chatScanCases[:6] {
		if sc, ok := scanChat([]byte(c)); !ok {
			t.Errorf("%s: not scanned", c)
		} else if _, ok := sc.example(); !ok {
			t.Errorf("%s: no example from the scan", c)
		} else if plain := i == 0; sc.plain != plain {
			t.Errorf("%s: plain %v, want %v", c, sc.plain, plain)
		}
	}
}

func FuzzChatScan(f *testing.F) {
	for _, b := range chatScanSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkChatScan(t, b)
	})
}

// BenchmarkReadChat reads openai-chat records the way validate and tokens
// --dataset do: Detect, then Read (Check and Parse in one pass) or Parse.
func BenchmarkReadChat(b *testing.B) {
	recs := chatScanSeeds(b)[len(chatScanCases):] // the golden file's lines
	size := 0
	for _, r := range recs {
		size += len(r)
	}
	b.Run("detect+read", func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for b.Loop() {
			for _, r := range recs {
				if _, ok := Detect(r); !ok {
					b.Fatal("not detected")
				}
				openAIChat.Read(r)
			}
		}
	})
	b.Run("parse", func(b *testing.B) {
		b.SetBytes(int64(size))
		b.ReportAllocs()
		for b.Loop() {
			for _, r := range recs {
				if _, err := openAIChat.Parse(r); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
