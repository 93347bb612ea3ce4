package client

import (
	"encoding/json"
	"errors"
	"testing"

	"posagent/sync/wire"
)

func TestDecodeCentreChecksRequiredFields(t *testing.T) {
	bad := []string{
		`not json`,
		`{"type":"welcome"}`,
		`{"type":"ack"}`,
		`{"type":"account","account":{"found":true}}`,
		`{"type":"bundle"}`,
		`{"type":"blocklist"}`,
		`{"type":"ack","ack":{"acked_seq":-1}}`,
		`{"type":"reconciled","id":"1"}`,
		`{"type":"reconciled","reconciled":{"day":"2025-03-01","match":true}}`,
	}
	for _, in := range bad {
		if _, err := decodeCentre([]byte(in)); err == nil {
			t.Errorf("%s: accepted", in)
		}
	}
	if _, err := decodeCentre([]byte(`{"type":"surprise"}`)); !errors.Is(err, errUnknownType) {
		t.Errorf("unknown type: %v, want errUnknownType", err)
	}
	m, err := decodeCentre([]byte(`{"type":"error"}`))
	if err != nil || m.Error == nil {
		t.Errorf("bare error: %+v, %v: want an error filled in", m, err)
	}
	m, err = decodeCentre([]byte(`{"type":"ack","ack":{"acked_seq":7,"results":[{"seq":7,"balance_after":-5}]}}`))
	if err != nil || m.Ack.AckedSeq != 7 || m.Ack.Results[0].BalanceAfter != -5 {
		t.Errorf("ack: %+v, %v", m, err)
	}
}

func FuzzDecodeCentre(f *testing.F) {
	seeds := []wire.Message{
		{Type: wire.TypeWelcome, Welcome: &wire.Welcome{AckedSeq: 3, RulesVersion: 2}},
		{Type: wire.TypeAck, Ack: &wire.Ack{AckedSeq: 9, Results: []wire.Settlement{{Seq: 9, TxnID: "t", BalanceAfter: 100}}}},
		{Type: wire.TypeAccount, ID: "1", Account: &wire.AccountInfo{Found: true}},
		{Type: wire.TypeBundle, Signed: &wire.Signed{Kind: wire.KindBundle, Version: 1, Payload: []byte{1}, Signature: []byte{2}}},
		{Type: wire.TypeBlocklist, Signed: &wire.Signed{Kind: wire.KindBlocklist, Version: 4}},
		{Type: wire.TypeError, Error: &wire.Error{Code: "bad", Message: "no"}},
		{Type: wire.TypeReconciled, ID: "2", Reconciled: &wire.DayResult{Day: "2025-03-01", Match: true}},
	}
	for _, m := range seeds {
		data, _ := json.Marshal(m)
		f.Add(data)
	}
	f.Add([]byte(`{"type":"ack","ack":null}`))
	f.Add([]byte(`{"type":"\u0000","id":1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeCentre(data)
		if err != nil {
			return
		}
		// What decodeCentre accepts, the client may dereference freely.
		switch m.Type {
		case wire.TypeWelcome:
			_ = m.Welcome.AckedSeq
		case wire.TypeAck:
			_ = m.Ack.AckedSeq
		case wire.TypeAccount:
			if m.ID == "" {
				t.Fatal("account without id accepted")
			}
		case wire.TypeBundle, wire.TypeBlocklist:
			_ = m.Signed.Version
		case wire.TypeError:
			_ = m.Error.Code
		case wire.TypeReconciled:
			if m.ID == "" {
				t.Fatal("reconciled without id accepted")
			}
			_ = m.Reconciled.Match
		default:
			t.Fatalf("type %q accepted", m.Type)
		}
	})
}
