package policy

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// encodings returns r as encoding/json writes it, with and without HTML
// escaping.
func encodings(t testing.TB, r Reason) [2]string {
	t.Helper()
	var out [2]string
	for i, html := range []bool{true, false} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(html)
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
		out[i] = buf.String()
	}
	return out
}

// checkSameJSON asserts that r's compact evidence encodes exactly as the
// map EvidenceMap returns would, so records read the same as they did when
// Evaluate built maps.
func checkSameJSON(t testing.TB, r Reason) {
	t.Helper()
	viaMap := r
	viaMap.Evidence, viaMap.facts = r.EvidenceMap(), nil
	got, want := encodings(t, r), encodings(t, viaMap)
	if got != want {
		t.Fatalf("compact evidence encodes as\n%s\nthe map as\n%s", got, want)
	}
	var back Reason
	if err := json.Unmarshal([]byte(got[0]), &back); err != nil {
		t.Fatalf("%s: %v", got[0], err)
	}
	if back.Code != r.Code || len(back.Evidence) != len(viaMap.Evidence) {
		t.Fatalf("decoded %+v from %s", back, got[0])
	}
}

func TestEvidenceEncodesLikeAMap(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	newYork := time.FixedZone("EST", -5*3600)
	var e evaluation
	e.init(testBundle(t), sale())
	r := e.reason(OffHours, []fact{
		evStr("z", "last key first"), evInt("n", -42), evInt("big", 1<<62), evBool("yes", true), evBool("no", false),
		evList("nil_list", nil), evList("nil_slice", new([]string)), evList("empty_list", &[]string{}),
		evList("codes", &[]string{"A", `"q"`, "<b>"}),
		evDays("days", 6667), evDays("negative_days", -250), evDate("day", at("2025-03-12 23:59")),
		evClock("time", at("2025-03-12 07:05")), evTime("cst", time.Date(2025, 3, 12, 10, 0, 0, 999, shanghai)),
		evTime("utc", time.Date(2025, 3, 12, 2, 0, 0, 0, time.UTC)), evTime("est", time.Date(2025, 1, 1, 0, 0, 0, 0, newYork)),
		evTime("zero", time.Time{}),
		evStr("escapes", "tab\t nl\n quote\" back\\ nul\x00 bell\x07 bs\b ff\f <html> & \u2028\u2029 bad\xff utf8 中文"),
		evStr("", "empty key"),
	})
	checkSameJSON(t, r)
	m := r.EvidenceMap()
	want := map[string]any{"n": int64(-42), "yes": true, "days": "6.667", "negative_days": "-0.25", "day": "2025-03-12",
		"time": "07:05", "cst": "2025-03-12T10:00:00+08:00", "utc": "2025-03-12T02:00:00Z",
		"est": "2025-01-01T00:00:00-05:00", "zero": "", "nil_list": []string(nil)}
	for k, v := range want {
		if !reflect.DeepEqual(m[k], v) {
			t.Errorf("%s = %#v, want %#v", k, m[k], v)
		}
	}
	if v, ok := r.Fact("days"); !ok || v != "6.667" {
		t.Errorf("Fact(days) = %v %v", v, ok)
	}
	if _, ok := r.Fact("nothing"); ok {
		t.Error("Fact found a key that is not there")
	}
}

// TestDecisionsEncodeLikeMaps runs sales that raise every kind of reason
// and checks each encodes as its map would.
func TestDecisionsEncodeLikeMaps(t *testing.T) {
	in := diabetic(ln(metformin, 3, 2000), ln(proteinPowd, 1, 19800), ln(vitaminC, 2, 600), Line{Code: "D9999", Qty: 1, UnitPrice: 5})
	in.Now = at("2025-03-12 23:00")
	in.Offline, in.LastContact = true, at("2025-03-01 08:00")
	in.Card.Expiry = time.Date(2024, 1, 1, 0, 0, 0, 0, cst)
	in.History.Purchases = []Purchase{bought(0.1, metformin, 1, 30), bought(0.05, vitaminC, 1, 0)}
	d := Evaluate(testBundle(t), in)
	n := 0
	for _, r := range allReasons(d) {
		checkSameJSON(t, r)
		n++
	}
	if n < 8 {
		t.Fatalf("only %d reasons: %v", n, codes(allReasons(d)))
	}
	// A whole decision, filled or not, encodes the same.
	a, _ := json.Marshal(d)
	d.FillEvidence()
	b, _ := json.Marshal(d)
	if !bytes.Equal(a, b) {
		t.Fatalf("decision encodes differently once filled:\n%s\n%s", a, b)
	}
	if d.Reasons[0].Evidence == nil {
		t.Fatal("FillEvidence left a reason without its map")
	}
}

// TestHandMadeReasonsEncodeAsBefore: a Reason built with an Evidence map
// (other packages, decoded records) encodes as encoding/json always did.
func TestHandMadeReasonsEncodeAsBefore(t *testing.T) {
	r := Reason{Code: CardBlocked, Severity: Block, Message: "m", MessageZh: "中", Evidence: map[string]any{"status": "lost", "n": 3}}
	got, _ := json.Marshal(r)
	if want := `{"code":"CARD_BLOCKED","severity":"block","message":"m","message_zh":"中","evidence":{"n":3,"status":"lost"}}`; string(got) != want {
		t.Fatalf("%s\nwant %s", got, want)
	}
	r.Evidence = nil
	if got, _ := json.Marshal(r); bytes.Contains(got, []byte("evidence")) {
		t.Fatalf("empty evidence written: %s", got)
	}
}
