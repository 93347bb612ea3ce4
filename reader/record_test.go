package reader

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestResidentIDCheck(t *testing.T) {
	// Published examples of GB 11643 resident ids.
	for _, id := range []string{"11010519491231002X", "440524188001010014"} {
		got, err := ResidentIDCheck(id[:17])
		if err != nil || got != id[17] {
			t.Errorf("ResidentIDCheck(%s) = %c, %v; want %c", id[:17], got, err, id[17])
		}
	}
	for _, bad := range []string{"", "1101051949123100", "1101051949123100A"} {
		if _, err := ResidentIDCheck(bad); !errors.Is(err, ErrBadField) {
			t.Errorf("ResidentIDCheck(%q) = %v, want ErrBadField", bad, err)
		}
	}
}

func TestParseCardRecord(t *testing.T) {
	for _, name := range []string{"张三丰", "欧阳娜娜", "李四", "A-Li"} {
		rec := testRecord(t, "A00000001", name, "11010519491231002")
		data, err := EncodeCardRecord(rec)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range [][]byte{data, append(bytes.Clone(data), '|')} {
			c, err := ParseCardRecord(d)
			if err != nil {
				t.Fatalf("ParseCardRecord(%s): %v", name, err)
			}
			want := Card{CardNo: "A00000001", Name: name, Sex: "F", Birth: "1949-12-31", Region: "110105",
				Expiry: "2030-01-01", Source: "frame", PersonID: "11010519491231002X",
				ICC: "0123456789abcdef0123456789ABCDEF", ATR: "3B6D00008031"}
			if c != want {
				t.Errorf("card = %+v, want %+v", c, want)
			}
		}
	}
}

func TestParseCardRecordProblems(t *testing.T) {
	rec := testRecord(t, "A00000002", "李四", "11010519491231001")
	rec.PersonID = "110105194912310019"
	c, err := ParseCardRecord(mustEncode(t, rec))
	if err != nil {
		t.Fatalf("a wrong check character must not be an error: %v", err)
	}
	want, _ := ResidentIDCheck("11010519491231001")
	if c.Problem != "resident id check character is 9, want "+string(want) || c.Sex != "M" || c.Birth != "1949-12-31" {
		t.Errorf("card = %+v, want the problem named, sex M, birth 1949-12-31", c)
	}
	if c.Policy().Problem != c.Problem {
		t.Errorf("Policy() lost the problem")
	}

	rec.PersonID = "11010519491231002x"
	c, err = ParseCardRecord(mustEncode(t, rec))
	if err != nil || c.Problem != "" || c.PersonID != "11010519491231002X" {
		t.Errorf("lower-case x check: %+v, %v; want accepted as X", c, err)
	}
}

func TestParseCardRecordErrors(t *testing.T) {
	good := testRecord(t, "A00000001", "张三", "11010519600315001")
	mod := func(f func(*CardRecord)) []byte {
		r := good
		f(&r)
		return mustEncode(t, r)
	}
	gbkName, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("张"))
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrFieldCount},
		{"10 fields", []byte(strings.Repeat("1|", 9) + "1"), ErrFieldCount},
		{"12 fields", append(mustEncode(t, good), "|x"...), ErrFieldCount},
		{"invalid GBK", bytes.Replace(mustEncode(t, good), gbkName, []byte{0x81, 0x20}, 1), ErrBadEncoding},
		{"truncated GBK", append(mustEncode(t, good), 0xD5), ErrBadEncoding},
		{"short region", mod(func(r *CardRecord) { r.Region = "11010" }), ErrBadField},
		{"short id", mod(func(r *CardRecord) { r.PersonID = r.PersonID[:17] }), ErrBadField},
		{"letter in id", mod(func(r *CardRecord) { r.PersonID = "1101051960031500AX" }), ErrBadField},
		{"bad birth in id", mod(func(r *CardRecord) { r.PersonID = "110105196002300011" }), ErrBadField},
		{"card number length", mod(func(r *CardRecord) { r.CardNo = "A0000001" }), ErrBadField},
		{"card id not hex", mod(func(r *CardRecord) { r.CardID = strings.Repeat("g", 32) }), ErrBadField},
		{"card id length", mod(func(r *CardRecord) { r.CardID = "00" }), ErrBadField},
		{"empty name", mod(func(r *CardRecord) { r.Name = "" }), ErrBadField},
		{"control in name", mod(func(r *CardRecord) { r.Name = "张\x00三" }), ErrBadField},
		{"bad issue date", mod(func(r *CardRecord) { r.IssueDate = "20201301" }), ErrBadField},
		{"bad expiry", mod(func(r *CardRecord) { r.Expiry = "2030-01-01" }), ErrBadField},
		{"odd ATR", mod(func(r *CardRecord) { r.ATR = "3B6" }), ErrBadField},
	}
	for _, c := range cases {
		if _, err := ParseCardRecord(c.data); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestEncodeCardRecordRefusesAmbiguousFields(t *testing.T) {
	r := testRecord(t, "A00000001", "张|三", "11010519600315001")
	if _, err := EncodeCardRecord(r); err == nil {
		t.Error("a name with '|' was encoded")
	}
	r.Name = "😀"
	if _, err := EncodeCardRecord(r); err == nil {
		t.Error("a name GBK cannot hold was encoded")
	}
}

// TestGBKTrailBytePipe checks that a GBK character whose second byte is
// 0x7C ('|') does not split a field.
func TestGBKTrailBytePipe(t *testing.T) {
	name := "瞸亅" // GBK B2 7C 81 7C
	b, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(name))
	if !bytes.Equal(b, []byte{0xB2, '|', 0x81, '|'}) {
		t.Fatalf("%s is % X in GBK", name, b)
	}
	c, err := ParseCardRecord(mustEncode(t, testRecord(t, "A00000001", name, "11010519600315001")))
	if err != nil || c.Name != name {
		t.Errorf("name %s: %+v, %v", name, c, err)
	}
}

// testRecord is a valid basic record for cardNo and name.
func testRecord(t testing.TB, cardNo, name, first17 string) CardRecord {
	t.Helper()
	check, err := ResidentIDCheck(first17)
	if err != nil {
		t.Fatal(err)
	}
	return CardRecord{
		Region: "110105", PersonID: first17 + string(check), CardNo: cardNo,
		CardID: "0123456789abcdef0123456789ABCDEF", Name: name,
		ATR: "3B6D00008031", Version: "3.00", IssueDate: "20200101",
		Expiry: "20300101", TerminalNo: "T1", DeviceNo: "D1",
	}
}

func mustEncode(t testing.TB, r CardRecord) []byte {
	t.Helper()
	b, err := EncodeCardRecord(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzParseCardRecord(f *testing.F) {
	seed := CardRecord{Region: "110105", PersonID: "11010519491231002X", CardNo: "A00000001",
		CardID: "0123456789abcdef0123456789abcdef", Name: "欧阳娜娜", ATR: "3B6D", Version: "3.00",
		IssueDate: "20200101", Expiry: "20300101", TerminalNo: "T1", DeviceNo: "D1"}
	b, _ := EncodeCardRecord(seed)
	f.Add(b)
	f.Add(append(bytes.Clone(b), '|'))
	f.Add([]byte("110105|11010519491231002x|A00000001|0123456789abcdef0123456789abcdef|\xb2\x7c|||20200101|20300101||"))
	f.Add([]byte("||||||||||"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCardRecord(data)
		if err != nil {
			return
		}
		if len(c.CardNo) != 9 || (c.Sex != "M" && c.Sex != "F") || parseDate(c.Birth).IsZero() ||
			parseDate(c.Expiry).IsZero() || c.Source != "frame" || c.Name == "" {
			t.Fatalf("accepted card %+v", c)
		}
		// What was accepted re-encodes to a record that parses the same.
		r, err := splitRecord(data)
		if err != nil {
			t.Fatalf("split after parse: %v", err)
		}
		again, err := ParseCardRecord(mustEncode(t, r))
		if err != nil || again != c {
			t.Fatalf("re-encoded: %+v, %v; want %+v", again, err, c)
		}
	})
}

func BenchmarkParseCardRecord(b *testing.B) {
	data := mustEncode(b, testRecord(b, "A00000001", "欧阳娜娜", "11010519491231002"))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseCardRecord(data); err != nil {
			b.Fatal(err)
		}
	}
}
