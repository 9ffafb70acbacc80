// Shared helpers: locate the corpora and split them into documents exactly as
// the Go tests do (see corpus_test.go).
"use strict";

const fs = require("fs");
const path = require("path");

// minCellBytes is the shortest CSV cell or JSON string that counts as a
// document; shorter values are labels, ids and numbers.
const minCellBytes = 32;

// corpusRoot walks up from this directory to the one holding go.mod and
// returns its sibling shared/corpora.
function corpusRoot() {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, "go.mod"))) {
      return path.join(dir, "..", "shared", "corpora");
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error("go.mod not found above " + __dirname);
    dir = up;
  }
}

// listFiles returns the corpus files with a document format, relative,
// slash-separated and sorted bytewise (as Go's sort.Strings).
function listFiles(root) {
  const out = [];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? rel + "/" + e.name : e.name;
      if (e.isDirectory()) walk(r);
      else if (/\.(txt|csv|json|jsonl)$/.test(e.name)) out.push(r);
    }
  };
  walk("");
  return out.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

// parseCSV parses RFC 4180 text like Go's encoding/csv: every CRLF becomes LF
// first, so quoted fields keep LF only.
function parseCSV(text) {
  text = text.replace(/\r\n/g, "\n");
  const rows = [];
  let row = [], field = "", i = 0, quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      field += c; i++; continue;
    }
    if (c === '"' && field === "") { quoted = true; i++; continue; }
    if (c === ",") { row.push(field); field = ""; i++; continue; }
    if (c === "\n") { row.push(field); rows.push(row); row = []; field = ""; i++; continue; }
    field += c; i++;
  }
  if (field !== "" || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}

// jsonStrings appends [pointer, value] for every string in v, depth first.
function jsonStrings(v, ptr, out) {
  if (typeof v === "string") out.push([ptr, v]);
  else if (Array.isArray(v)) v.forEach((x, i) => jsonStrings(x, ptr + "/" + i, out));
  else if (v && typeof v === "object") {
    for (const k of Object.keys(v)) {
      jsonStrings(v[k], ptr + "/" + k.replace(/~/g, "~0").replace(/\//g, "~1"), out);
    }
  }
  return out;
}

// documents returns [locator, text] pairs:
//   *.txt            the whole file                      "legal/contracts/x.txt"
//   *.csv            each data cell of >= 32 bytes       "support/x.csv#r12c3" (1-based data row, column)
//   *.json           each string of >= 32 bytes          "financial/x.json#/0/questions/1/question" (JSON pointer)
//   *.jsonl          each string of >= 32 bytes per line "pii/x.jsonl#L7/text"
// Bytes are decoded as UTF-8 with WHATWG replacement, as a JavaScript caller would.
function documents(root) {
  const docs = [];
  const dec = new TextDecoder("utf-8");
  const long = (s) => Buffer.byteLength(s, "utf8") >= minCellBytes;
  for (const rel of listFiles(root)) {
    const text = dec.decode(fs.readFileSync(path.join(root, rel)));
    if (rel.endsWith(".txt")) {
      docs.push([rel, text]);
    } else if (rel.endsWith(".csv")) {
      parseCSV(text).slice(1).forEach((row, r) =>
        row.forEach((cell, c) => { if (long(cell)) docs.push([`${rel}#r${r + 1}c${c + 1}`, cell]); }));
    } else if (rel.endsWith(".jsonl")) {
      text.split("\n").forEach((line, n) => {
        if (line.trim() === "") return;
        for (const [p, s] of jsonStrings(JSON.parse(line), "", [])) {
          if (long(s)) docs.push([`${rel}#L${n + 1}${p}`, s]);
        }
      });
    } else {
      for (const [p, s] of jsonStrings(JSON.parse(text), "", [])) {
        if (long(s)) docs.push([`${rel}#${p}`, s]);
      }
    }
  }
  return docs;
}

module.exports = { corpusRoot, listFiles, documents };
