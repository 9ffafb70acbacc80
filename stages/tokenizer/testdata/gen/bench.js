// bench.js times npm tiktoken (the reference) on the texts of the Go
// benchmarks (bench_test.go: BenchmarkCount/BenchmarkEncode), same files in the
// same order, so the two speeds can be compared on one machine:
//
//   npm install && node bench.js [seconds per case, default 3]
"use strict";

const fs = require("fs");
const path = require("path");
const { get_encoding } = require("tiktoken");
const { corpusRoot, listFiles } = require("./corpus");

function main() {
  const seconds = Number(process.argv[2] || 3);
  const root = corpusRoot();
  const files = listFiles(root);
  const cases = [
    ["legal", files.filter((f) => f.startsWith("legal/contracts/"))],
    ["medical", ["medical/MTS-Dialog-TrainingSet.csv"]],
    ["support", ["support/bitext_customer_support.csv"]],
  ];
  const dec = new TextDecoder("utf-8");
  for (const name of ["cl100k_base", "o200k_base"]) {
    const enc = get_encoding(name);
    for (const [label, rels] of cases) {
      const bytes = Buffer.concat(rels.map((r) => fs.readFileSync(path.join(root, r))));
      const text = dec.decode(bytes);
      let tokens = enc.encode_ordinary(text).length; // warm-up
      let runs = 0;
      tokens = 0;
      const start = process.hrtime.bigint();
      let elapsed = 0;
      while (elapsed < seconds || runs === 0) {
        tokens += enc.encode_ordinary(text).length;
        runs++;
        elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      }
      const mbps = (bytes.length * runs) / elapsed / 1e6;
      console.log(`${name}/${label}\t${bytes.length} bytes\t${runs} runs\t${mbps.toFixed(2)} MB/s\t${Math.round(tokens / elapsed)} tokens/s`);
    }
    enc.free();
  }
}

main();
