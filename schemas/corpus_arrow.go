package schemas

import "github.com/apache/arrow-go/v18/arrow"

// Column names of corpus.parquet, in schema order. Tools and tests rely on
// them: add columns freely, never rename these.
const (
	CorpusColID            = "id"
	CorpusColSourcePath    = "source_path"
	CorpusColSourceLine    = "source_line"
	CorpusColSplit         = "split"
	CorpusColLabel         = "label"
	CorpusColText          = "text"
	CorpusColFields        = "fields"
	CorpusColTokenEncoding = "token_encoding"
	CorpusColTokensTotal   = "tokens_total"
	CorpusColTokensTrained = "tokens_trained"
	CorpusColCluster       = "cluster"
	CorpusColRedactions    = "redactions"
	CorpusColLanguage      = "language"
	CorpusColLanguageConf  = "language_confidence"
)

// CorpusFieldType is the element of the fields column: one record field.
// A list of structs rather than map<string,string> because a list keeps the
// input order and duplicate names, carries the raw flag, and every reader
// (pandas, DuckDB, Spark, Hugging Face datasets) loads it the same way,
// whereas map ordering and key uniqueness differ between readers.
var CorpusFieldType = arrow.StructOf(
	// name is the field name as read (CSV header, JSON key, column name).
	arrow.Field{Name: "name", Type: arrow.BinaryTypes.String},
	// value is the field value; for raw fields compact JSON text. It is
	// null when it equals the document's text (a plain-text file's one
	// field): the text column holds it, so it is not stored twice.
	arrow.Field{Name: "value", Type: arrow.BinaryTypes.String, Nullable: true},
	// raw is true when the value was not a string in the input (a number,
	// boolean, object or array) and value holds its JSON text.
	arrow.Field{Name: "raw", Type: arrow.FixedWidthTypes.Boolean},
)

// CorpusRedactionType is the element of the redactions column.
var CorpusRedactionType = arrow.StructOf(
	// type is the entity type (e.g. EMAIL, PHONE).
	arrow.Field{Name: "type", Type: arrow.BinaryTypes.String},
	// count is how many spans of that type were redacted.
	arrow.Field{Name: "count", Type: arrow.PrimitiveTypes.Int64},
)

// CorpusArrowSchema returns the Arrow schema of corpus.parquet: one row per
// kept document with its annotations. Optional annotations are null when
// absent (an empty string or no token counts), never empty placeholders, so
// `WHERE label IS NULL` finds unlabelled documents.
func CorpusArrowSchema() *arrow.Schema {
	str := arrow.BinaryTypes.String
	i64 := arrow.PrimitiveTypes.Int64
	return arrow.NewSchema([]arrow.Field{
		// id is the stable record ID (derived from source path and line).
		{Name: CorpusColID, Type: str},
		// source_path is the input file, relative to the input root.
		{Name: CorpusColSourcePath, Type: str},
		// source_line is the 1-based line, data row or array element; 0 for
		// whole-file documents.
		{Name: CorpusColSourceLine, Type: i64},
		// split is train, validation or test; null when not split.
		{Name: CorpusColSplit, Type: str, Nullable: true},
		// label is the record's label; null when it has none.
		{Name: CorpusColLabel, Type: str, Nullable: true},
		// text is the normalized (and redacted) main text.
		{Name: CorpusColText, Type: str},
		// fields are the record's fields in input order.
		{Name: CorpusColFields, Type: arrow.ListOfField(arrow.Field{Name: "element", Type: CorpusFieldType})},
		// token_encoding names the tokenizer encoding; null without counts.
		{Name: CorpusColTokenEncoding, Type: str, Nullable: true},
		// tokens_total is the example's total token count; null without counts.
		{Name: CorpusColTokensTotal, Type: i64, Nullable: true},
		// tokens_trained counts the tokens that carry loss; null without counts.
		{Name: CorpusColTokensTrained, Type: i64, Nullable: true},
		// cluster is the ID of the duplicate cluster's representative; null
		// when dedup did not run.
		{Name: CorpusColCluster, Type: str, Nullable: true},
		// redactions count redacted spans by entity type, in the order the
		// redact stage reported them; empty when nothing was redacted.
		{Name: CorpusColRedactions, Type: arrow.ListOfField(arrow.Field{Name: "element", Type: CorpusRedactionType})},
		// language is the ISO 639-1 code the quality stage identified; null
		// when it did not run or could not tell (short texts).
		{Name: CorpusColLanguage, Type: str, Nullable: true},
		// language_confidence is that identification's confidence, 0 to 1;
		// null with language.
		{Name: CorpusColLanguageConf, Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
}
