// chat.js writes ../chat_counts.json: a few chat, completion and text
// examples and the npm tiktoken token count of every string in them (roles,
// contents, names), so that the Go tests of the chat formula
// (stages/tokencount) take their per-string counts from the reference
// implementation and add only the formula's documented constants.
// Unlike gen.js it needs no corpora.
//
//   npm install && node chat.js
"use strict";

const fs = require("fs");
const path = require("path");
const { get_encoding } = require("tiktoken");

const encodings = ["cl100k_base", "o200k_base"];

// The first chat is the example of OpenAI's cookbook "How to count tokens
// with tiktoken", for which the OpenAI API reported 129 prompt tokens on
// gpt-4-0613 (cl100k_base).
const chats = [
  {
    name: "cookbook",
    messages: [
      { role: "system", content: "You are a helpful, pattern-following assistant that translates corporate jargon into plain English." },
      { role: "system", name: "example_user", content: "New synergies will help drive top-line growth." },
      { role: "system", name: "example_assistant", content: "Things working well together will increase revenue." },
      { role: "system", name: "example_user", content: "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage." },
      { role: "system", name: "example_assistant", content: "Let's talk later when we're less busy about how to do better." },
      { role: "user", content: "This late pivot means we don't have time to boil the ocean for the client deliverable." },
    ],
  },
  {
    name: "weights-and-name",
    messages: [
      { role: "system", content: "You are helpful." },
      { role: "user", name: "ann", content: "Hello" },
      { role: "assistant", content: "Hi there", weight: 0 },
      { role: "user", content: "Thanks" },
      { role: "assistant", content: "You are welcome." },
    ],
  },
  {
    name: "two-turns",
    messages: [
      { role: "user", content: "Hello" },
      { role: "assistant", content: "Hi" },
    ],
  },
  {
    name: "scripts-and-whitespace",
    messages: [
      { role: "system", content: "日本語のテキストです。中文文本，包含标点。" },
      { role: "user", name: "user_42", content: "مرحبا 👋🏽 family 👨‍👩‍👧‍👦 — “quoted” café" },
      { role: "assistant", content: "func main() {\n\tfmt.Println(\"hi\")\n}\n\n\n   trailing   ", weight: 1 },
      { role: "user", content: "" },
      { role: "assistant", content: "Привет мир! 1234567 12345678901234567890" },
    ],
  },
];

const completions = [{ prompt: "Hello", completion: "Hi there" }];
const texts = ["Hello there"];

function main() {
  const strings = new Set();
  for (const c of chats) {
    for (const m of c.messages) {
      for (const key of ["role", "content", "name"]) {
        if (m[key] !== undefined) strings.add(m[key]);
      }
    }
  }
  for (const c of completions) strings.add(c.prompt).add(c.completion);
  for (const t of texts) strings.add(t);
  const counts = {};
  for (const n of encodings) {
    const enc = get_encoding(n);
    counts[n] = {};
    for (const s of strings) counts[n][s] = enc.encode_ordinary(s).length;
    enc.free();
  }
  const version = JSON.parse(fs.readFileSync(path.join(__dirname, "node_modules", "tiktoken", "package.json"), "utf8")).version;
  const out = { generator: "npm tiktoken " + version + ", encode_ordinary (gen/chat.js)", chats, completions, texts, counts };
  fs.writeFileSync(path.join(__dirname, "..", "chat_counts.json"), JSON.stringify(out, null, 1) + "\n");
  console.log(`${chats.length} chats, ${strings.size} strings`);
}

main();
