package ledger

import (
	"testing"

	"posagent/sync/wire"
)

func charge(term, id string, account, held int64, hold string) Entry {
	return Entry{Terminal: term, TxnID: id, Kind: wire.KindCharge, Account: account, Held: held, Hold: hold}
}

func void(term, id, reverses string, account int64, flags ...string) Entry {
	return Entry{Terminal: term, TxnID: id, Kind: wire.KindVoid, Reverses: reverses, Account: account, Flags: flags}
}

func TestSettleMonth(t *testing.T) {
	cases := []struct {
		name    string
		entries []Entry
		want    Statement
	}{
		{"empty", nil, Statement{}},
		{"applied charges", []Entry{charge("T1", "a", 1000, 0, ""), charge("T1", "b", 250, 0, "")},
			Statement{Charges: 2, Claimed: 1250, Applied: 1250, Payable: 1250}},
		{"held awaiting a ruling", []Entry{charge("T1", "a", 1000, 400, "held")},
			Statement{Charges: 1, Claimed: 1000, Held: 400, Applied: 600, Payable: 600}},
		{"deferred (缓付): still held, counted apart", []Entry{charge("T1", "a", 1000, 400, "deferred")},
			Statement{Charges: 1, Claimed: 1000, Deferred: 400, Applied: 600, Payable: 600}},
		{"a refusal awaiting confirmation is still held", []Entry{charge("T1", "a", 1000, 1000, "refuse_pending")},
			Statement{Charges: 1, Claimed: 1000, Held: 1000}},
		{"void of a deferred charge refunds the taken part",
			[]Entry{charge("T1", "a", 1000, 300, "deferred"), void("T1", "v", "a", 1000)},
			Statement{Charges: 1, Voids: 1, Claimed: 1000, Deferred: 300, Applied: 700, Refunded: 700}},
		{"accepted: the held part is payable", []Entry{charge("T1", "a", 1000, 400, "accepted")},
			Statement{Charges: 1, Claimed: 1000, Applied: 1000, Payable: 1000}},
		{"refused: never payable", []Entry{charge("T1", "a", 1000, 1000, "refused")},
			Statement{Charges: 1, Claimed: 1000, Refused: 1000, Payable: 0}},
		{"void of an applied charge nets to 0",
			[]Entry{charge("T1", "a", 1000, 0, ""), void("T1", "v", "a", 1000)},
			Statement{Charges: 1, Voids: 1, Claimed: 1000, Applied: 1000, Refunded: 1000}},
		{"void of a held charge: its hold lapsed",
			[]Entry{charge("T1", "a", 1000, 300, "voided"), void("T1", "v", "a", 1000)},
			Statement{Charges: 1, Voids: 1, Claimed: 1000, Applied: 700, Refunded: 700}},
		{"void of an accepted charge refunds all",
			[]Entry{charge("T1", "a", 1000, 300, "accepted"), void("T1", "v", "a", 1000)},
			Statement{Charges: 1, Voids: 1, Claimed: 1000, Applied: 1000, Refunded: 1000}},
		{"void of a refused charge refunds the taken part",
			[]Entry{charge("T1", "a", 1000, 300, "refused"), void("T1", "v", "a", 1000)},
			Statement{Charges: 1, Voids: 1, Claimed: 1000, Refused: 300, Applied: 700, Refunded: 700}},
		{"unmatched and repeated voids refund nothing",
			[]Entry{charge("T1", "a", 500, 0, ""), void("T1", "v1", "a", 500),
				void("T1", "v2", "a", 500, wire.FlagVoidRepeated), void("T1", "v3", "zz", 80, wire.FlagVoidUnmatched)},
			Statement{Charges: 1, Voids: 3, Claimed: 500, Applied: 500, Refunded: 500}},
		{"a void matches its own terminal's charge",
			[]Entry{charge("T1", "a", 1000, 1000, "voided"), charge("T2", "a", 1000, 0, ""), void("T1", "v", "a", 1000)},
			Statement{Charges: 2, Voids: 1, Claimed: 2000, Applied: 1000, Refunded: 0, Payable: 1000}},
		{"a void of a charge of another month refunds its amount",
			[]Entry{void("T1", "v", "old", 300)},
			Statement{Voids: 1, Refunded: 300, Payable: -300}},
		{"quotes and refusals are ignored",
			[]Entry{{Terminal: "T1", Kind: "quote", Account: 900}, charge("T1", "a", 100, 0, "")},
			Statement{Charges: 1, Claimed: 100, Applied: 100, Payable: 100}},
		{"a month of everything", []Entry{
			charge("T1", "a", 1000, 0, ""),
			charge("T1", "b", 2000, 2000, "held"),
			charge("T1", "c", 1500, 500, "refused"),
			charge("T2", "d", 800, 800, "accepted"),
			charge("T2", "e", 600, 0, ""),
			void("T2", "f", "e", 600),
			charge("T2", "g", 700, 200, "deferred"),
			charge("T2", "h", 900, 900, "refuse_pending"),
		}, Statement{Charges: 7, Voids: 1, Claimed: 7500, Held: 2900, Refused: 500, Deferred: 200,
			Applied: 3900, Refunded: 600, Payable: 3300}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := SettleMonth(c.entries); got != c.want {
				t.Errorf("SettleMonth =\n %+v, want\n %+v", got, c.want)
			}
		})
	}
}

func TestStatementAdd(t *testing.T) {
	a := SettleMonth([]Entry{charge("T1", "a", 1000, 400, "held")})
	b := SettleMonth([]Entry{charge("T2", "a", 500, 0, ""), void("T2", "v", "a", 500)})
	var sum Statement
	sum.Add(a)
	sum.Add(b)
	all := SettleMonth([]Entry{charge("T1", "a", 1000, 400, "held"), charge("T2", "a", 500, 0, ""), void("T2", "v", "a", 500)})
	if sum != all {
		t.Errorf("sum of terminals %+v, want %+v", sum, all)
	}
}
