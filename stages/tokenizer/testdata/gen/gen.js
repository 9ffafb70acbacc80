// gen.js writes ../reference.json.gz: token ids from npm tiktoken (the
// reference implementation) for the edge cases in ../edge_cases.json, and the
// token count and id hash of every corpus document (see corpus.js).
//
//   npm install && node gen.js
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");
const { get_encoding } = require("tiktoken");
const { corpusRoot, documents } = require("./corpus");

const edgeEncodings = ["cl100k_base", "o200k_base", "p50k_base", "r50k_base"];
const docEncodings = ["cl100k_base", "o200k_base"];

// idHash is the first 16 hex digits of sha256 of the comma-joined ids.
function idHash(ids) {
  return crypto.createHash("sha256").update(Array.from(ids).join(",")).digest("hex").slice(0, 16);
}

function main() {
  const encs = Object.fromEntries(edgeEncodings.map((n) => [n, get_encoding(n)]));
  const dec = new TextDecoder("utf-8");
  const input = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "edge_cases.json"), "utf8"));
  const edge = input.cases.map((c) => {
    // Hex cases hold raw (possibly invalid) UTF-8; a JavaScript caller decodes
    // it with replacement before encoding, and so does this script.
    const bytes = c.hex !== undefined ? Buffer.from(c.hex, "hex") : Buffer.from(c.text.repeat(c.repeat || 1), "utf8");
    const text = dec.decode(bytes);
    const ids = Object.fromEntries(edgeEncodings.map((n) => [n, Array.from(encs[n].encode_ordinary(text))]));
    return { name: c.name, ids };
  });
  const docs = documents(corpusRoot()).map(([loc, text]) => {
    const row = [loc, Buffer.byteLength(text, "utf8")];
    for (const n of docEncodings) {
      const ids = encs[n].encode_ordinary(text);
      row.push(ids.length, idHash(ids));
    }
    return row;
  });
  const out = {
    generator: "npm tiktoken " + JSON.parse(fs.readFileSync(path.join(__dirname, "node_modules", "tiktoken", "package.json"), "utf8")).version + ", encode_ordinary",
    doc_columns: ["locator", "utf8_bytes"].concat(...docEncodings.map((n) => [n + "_count", n + "_sha256_16"])),
    edge,
    docs,
  };
  const gz = zlib.gzipSync(Buffer.from(JSON.stringify(out)), { level: 9 });
  fs.writeFileSync(path.join(__dirname, "..", "reference.json.gz"), gz);
  for (const e of Object.values(encs)) e.free();
  console.log(`${edge.length} edge cases, ${docs.length} documents, ${gz.length} bytes`);
}

main();
