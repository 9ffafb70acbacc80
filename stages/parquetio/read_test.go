package parquetio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/tuneprep/tuneprep/schemas"
)

func mustJSON(t *testing.T, f schemas.Field, v any) {
	t.Helper()
	if !f.Raw {
		t.Fatalf("field %s not raw", f.Name)
	}
	if err := json.Unmarshal([]byte(f.Value), v); err != nil {
		t.Fatalf("field %s: %v in %s", f.Name, err, f.Value)
	}
}

// typedFile writes a two-row file with one column of each kind Read handles.
func typedFile(t testing.TB) []byte {
	t.Helper()
	mem := memory.NewGoAllocator()
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ls", Type: arrow.BinaryTypes.LargeString},
		{Name: "cat", Type: dictType},
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8},
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64},
		{Name: "u64", Type: arrow.PrimitiveTypes.Uint64},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "list", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32), Nullable: true},
		{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "z", Type: arrow.BinaryTypes.String, Nullable: true}, arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Float64})},
		{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64)},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32},
	}, nil)
	rb := array.NewRecordBuilder(mem, sc)
	defer rb.Release()
	rb.Field(0).(*array.StringBuilder).AppendValues([]string{"héllo", ""}, []bool{true, false})
	rb.Field(1).(*array.LargeStringBuilder).AppendValues([]string{"large", "ß"}, nil)
	db := rb.Field(2).(*array.BinaryDictionaryBuilder)
	db.AppendString("red")
	db.AppendString("blue")
	rb.Field(3).(*array.Int8Builder).AppendValues([]int8{-128, 127}, nil)
	rb.Field(4).(*array.Int64Builder).AppendValues([]int64{math.MinInt64, 1 << 53}, nil)
	rb.Field(5).(*array.Uint64Builder).AppendValues([]uint64{math.MaxUint64, 0}, nil)
	rb.Field(6).(*array.Float32Builder).AppendValues([]float32{0.1, float32(math.Inf(1))}, nil)
	rb.Field(7).(*array.Float64Builder).AppendValues([]float64{0.1, 1e300}, nil)
	rb.Field(8).(*array.BooleanBuilder).AppendValues([]bool{true, false}, nil)
	lb := rb.Field(9).(*array.ListBuilder)
	lb.Append(true)
	lb.ValueBuilder().(*array.Int32Builder).AppendValues([]int32{1, 2, 3}, nil)
	lb.AppendNull()
	sb := rb.Field(10).(*array.StructBuilder)
	sb.Append(true)
	sb.FieldBuilder(0).(*array.StringBuilder).Append("q\"\n")
	sb.FieldBuilder(1).(*array.Float64Builder).Append(math.NaN())
	sb.Append(true)
	sb.FieldBuilder(0).(*array.StringBuilder).AppendNull()
	sb.FieldBuilder(1).(*array.Float64Builder).Append(2.5)
	mb := rb.Field(11).(*array.MapBuilder)
	mb.Append(true)
	mb.KeyBuilder().(*array.StringBuilder).AppendValues([]string{"k2", "k1"}, nil)
	mb.ItemBuilder().(*array.Int64Builder).AppendValues([]int64{2, 1}, nil)
	mb.Append(true)
	rb.Field(12).(*array.Date32Builder).AppendValues([]arrow.Date32{arrow.Date32FromTime(mustDate(t)), 0}, nil)
	rec := rb.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	fw, err := pqarrow.NewFileWriter(sc, &buf, parquet.NewWriterProperties(), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadTypes(t *testing.T) {
	want := []schemas.Fields{
		{txt("s", "héllo"), txt("ls", "large"), txt("cat", "red"), txt("i8", "-128"),
			txt("i64", "-9223372036854775808"), txt("u64", "18446744073709551615"),
			txt("f32", "0.1"), txt("f64", "0.1"), txt("b", "true"),
			js("list", "[1,2,3]"), js("st", `{"z":"q\"\n","a":"NaN"}`),
			js("m", `{"k2":2,"k1":1}`), txt("d", "2024-02-29")},
		{txt("ls", "ß"), txt("cat", "blue"), txt("i8", "127"),
			txt("i64", "9007199254740992"), txt("u64", "0"),
			txt("f32", "+Inf"), txt("f64", "1e+300"), txt("b", "false"),
			js("st", `{"z":null,"a":2.5}`), js("m", `{}`), txt("d", "1970-01-01")},
	}
	var got []schemas.Fields
	err := Read(context.Background(), bytes.NewReader(typedFile(t)), ReadOptions{}, func(row int, fs schemas.Fields) error {
		got = append(got, fs)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("row %d:\n got %v\nwant %v", i+1, got[i], want[i])
		}
	}
}

func TestReadCorrupt(t *testing.T) {
	good := writeCorpus(t, testDocs(), WriterOptions{RowGroupBytes: 256 << 10})
	// Overwrite a stretch in the middle of the data (past the first row
	// group, before the footer) with garbage.
	bad := bytes.Clone(good)
	for i := len(bad) / 2; i < len(bad)/2+4096; i++ {
		bad[i] = 0xFF
	}
	tests := []struct {
		name     string
		data     []byte
		rowGroup int // -1 footer; -2 any data row group
	}{
		{"not parquet", []byte("id,text\n1,hello\n"), -1},
		{"truncated", good[:len(good)-100], -1},
		{"empty", nil, -1},
		{"garbled data", bad, -2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows := 0
			err := Read(context.Background(), bytes.NewReader(tc.data), ReadOptions{BatchSize: 8}, func(row int, fs schemas.Fields) error {
				rows = row
				return nil
			})
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *CorruptError", err)
			}
			if tc.rowGroup == -1 && ce.RowGroup != -1 || tc.rowGroup == -2 && ce.RowGroup < 0 {
				t.Fatalf("row group %d in %v", ce.RowGroup, err)
			}
			if ce.Row != rows+1 {
				t.Errorf("error at row %d after %d good rows", ce.Row, rows)
			}
		})
	}
}

func TestReadYieldErrorAndCancel(t *testing.T) {
	data := writeCorpus(t, testDocs(), WriterOptions{})
	stop := errors.New("stop")
	err := Read(context.Background(), bytes.NewReader(data), ReadOptions{}, func(row int, fs schemas.Fields) error {
		if row == 3 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Fatalf("err = %v, want the yield error as is", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = Read(ctx, bytes.NewReader(data), ReadOptions{}, func(int, schemas.Fields) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestJSONLinesWriter(t *testing.T) {
	lines := []string{
		`{"messages":[{"role":"user","content":"hi ✓"},{"role":"assistant","content":"yo"}],"weight":1}`,
		`{"prompt":"p","completion":"c","weight":null}`,
		`{}`,
	}
	var buf bytes.Buffer
	w, err := NewJSONLinesWriter(&buf, []string{"messages", "prompt", "completion", "weight"}, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if err := w.WriteLine([]byte(l)); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []string{`[1]`, `{"other":1}`, `{"prompt":`, `null`} {
		if err := w.WriteLine([]byte(bad)); err == nil {
			t.Errorf("line %s accepted", bad)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w.Rows() != 3 {
		t.Fatalf("Rows() = %d", w.Rows())
	}
	want := []schemas.Fields{
		{txt("messages", `[{"role":"user","content":"hi ✓"},{"role":"assistant","content":"yo"}]`), txt("weight", "1")},
		{txt("prompt", "p"), txt("completion", "c")},
		{},
	}
	var got []schemas.Fields
	err = Read(context.Background(), bytes.NewReader(buf.Bytes()), ReadOptions{}, func(row int, fs schemas.Fields) error {
		got = append(got, fs)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	if _, err := NewJSONLinesWriter(&buf, []string{"a", "a"}, WriterOptions{}); err == nil {
		t.Fatal("repeated column accepted")
	}
}

// FuzzRead checks that no input makes Read panic or loop.
func FuzzRead(f *testing.F) {
	f.Add(typedFile(f))
	f.Add(writeCorpus(f, testDocs()[:2], WriterOptions{Compression: "none"}))
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = Read(context.Background(), bytes.NewReader(data), ReadOptions{BatchSize: 4}, func(int, schemas.Fields) error { return nil })
	})
}

func mustDate(t testing.TB) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02", "2024-02-29")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func txt(name, value string) schemas.Field { return schemas.Field{Name: name, Value: value} }
func js(name, value string) schemas.Field  { return schemas.Field{Name: name, Value: value, Raw: true} }
