// Package stages holds the steps of the pipeline and the libraries they
// share, one package each. It has no code of its own.
//
// A stage is a step the engine (package pipeline) runs: a config struct
// with defaults, a validating constructor and a Stage (ingest is the
// pipeline's Source). cmd/tuneprep wires the stages in the order below. A
// library is a helper that knows nothing of that order.
//
// A stage imports pipeline, schemas and libraries, never another stage:
// what two stages need goes into a library named for what it does. A
// library never imports a stage. imports_test.go checks both rules against
// the two lists below and fails on a package under stages/ that is in
// neither: add a new package to one of them, with one line saying what it
// is for.
//
// # Stages, in pipeline order
//
//   - ingest: reads the input directory into records (sorted walk, every input format, a reject with file:line for what cannot be read)
//   - normalize: Unicode NFC, line endings, control characters and whitespace; derives the main text, drops empty records
//   - quality: drops junk, wrong-language and repetitive records (language ID, Gopher heuristics and repetition rules, junk and chat checks) and says why
//   - dedup: drops exact and near-duplicate records (MinHash/LSH), names the kept record, assigns duplicate clusters
//   - redact: replaces PII and secrets in the scanned fields, with per-field policies, a residual scan and an audit
//   - template: turns a record's fields into a chat, prompt/completion or text example (Go templates, rules by path)
//   - tokens: counts every example's tokens for the target model and reports the length distribution
//   - filter: drops (or truncates) examples over the model's token limit or under a minimum
//   - split: assigns train, validation, test or bank by group; decontamination and leakage checks
//   - emit: writes the fine-tuning files, one per split in each configured format
//   - corpus: writes corpus.parquet, every kept document with its annotations
//   - fewshot: builds token-budgeted few-shot example banks that never overlap validation or test
//   - advise: weighs fine-tuning against prompting with the banks from the emitted examples' counts and tokens (with advise.enabled); also reads a finished output and writes evaluation kits for tuneprep advise
//
// # Libraries
//
//   - benchcorpus: generates benchmark corpora (support tickets, contract clauses) with planted duplicates, PII and leaks, and their ground truth
//   - docread: extracts text and metadata from whole documents (HTML, DOCX, email, text)
//   - formats: the table of fine-tuning file formats: schemas, detection, reading and writing examples
//   - gates: the quality gates (config section, --gate flag) and their verdicts on a finished run
//   - glob: matches slash-separated paths against patterns with "**"
//   - jsonl: reads JSON Lines and JSON array files record by record, with limits and line numbers
//   - keyhash: seeded 64-bit hashes of record keys for split assignment, sampling and the split ledger
//   - langid: language identification, lingua-go's low-accuracy detector rebuilt on its models (quality)
//   - lengthdist: exact length distributions (percentiles, counts under a limit) in memory per distinct length
//   - minhash: shingling, MinHash signatures, the LSH near-duplicate index and the containment index
//   - offheap: large tables of plain data kept outside the Go heap, in mapped memory and huge pages (the indexes, the Parquet writer's buffers)
//   - parquetio: reads Parquet files into records and writes the corpus file
//   - pii: PII and secret detectors and the replacer that rewrites what they find
//   - pricing: model training limits and prices, and the cost of a fine-tuning run or a few-shot bank
//   - report: reads a run's output into one model: the terminal report, run comparison, report.html sections, dataset card, Prometheus metrics
//   - shortkey: a flat map from strings of at most 8 bytes to values, one probe per lookup (tokens, function words)
//   - testcorpora: finds the shared third-party corpora for tests and benchmarks
//   - tokencount: counts an example's tokens by the fine-tuning chat formula; resolves the tokenizer and model
//   - tokenizer: tiktoken-exact encodings (cl100k_base, o200k_base, ...), offline
package stages
