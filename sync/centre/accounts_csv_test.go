package centre

import (
	"errors"
	"strings"
	"testing"

	"posagent/policy"
)

func TestParseAccountsCSV(t *testing.T) {
	in := "\ufeffPharmacy,card_no,balance,status,name,person_id,diseases,extra\n" +
		"P1, 1001 ,12345,active,张三,110101199003074514,E11; I10,x\n" +
		",1002,0,LOST,李四,,,\n"
	got, err := ParseAccountsCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []policy.Holder{
		{CardNo: "1001", PersonID: "110101199003074514", Name: "张三", Status: "active", Balance: 12345,
			Diseases: []string{"E11", "I10"}, Pharmacy: "P1"},
		{CardNo: "1002", Name: "李四", Status: "lost"},
	}
	if len(got) != 2 {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.CardNo != w.CardNo || g.PersonID != w.PersonID || g.Name != w.Name || g.Status != w.Status ||
			g.Balance != w.Balance || g.Pharmacy != w.Pharmacy || strings.Join(g.Diseases, ";") != strings.Join(w.Diseases, ";") {
			t.Errorf("row %d: got %+v, want %+v", i, g, w)
		}
	}
}

func TestParseAccountsCSVErrorsNameRowColumnValue(t *testing.T) {
	const header = "card_no,person_id,name,balance,status,diseases,pharmacy\n"
	cases := []struct {
		name, in string
		want     []string
	}{
		{"empty", "", []string{"empty"}},
		{"missing column", "card_no,name,status\n1,a,active\n", []string{`"balance"`, "missing"}},
		{"column twice", "card_no,balance,status,balance\n", []string{`"balance"`, "twice"}},
		{"fractional balance", header + "1001,,a,12.50,active,,\n", []string{"row 2", "balance", `"12.50"`}},
		{"negative balance", header + "1001,,a,-1,active,,\n1002,,b,1,active,,\n", []string{"row 2", "negative"}},
		{"bad status", header + "1001,,a,1,active,,\n1002,,b,1,dead,,\n", []string{"row 3", "status", `"dead"`}},
		{"bad card", header + "10 01,,a,1,active,,\n", []string{"row 2", "card_no", `"10 01"`}},
		{"empty card", header + ",,a,1,active,,\n", []string{"row 2", "card_no"}},
		{"duplicate card", header + "1001,,a,1,active,,\n1001,,b,2,active,,\n", []string{"row 3", "row 2", "1001"}},
		{"bad disease list", header + "1001,,a,1,active,E11 I10,\n", []string{"row 2", "diseases"}},
		{"not UTF-8", header + "1001,,\xff,1,active,,\n", []string{"row 2", "name", "UTF-8"}},
		{"broken quoting", header + "1001,\"a,1,active,,\n", []string{"accounts csv"}},
	}
	for _, tc := range cases {
		_, err := ParseAccountsCSV(strings.NewReader(tc.in))
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err %v, want ErrInvalid", tc.name, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not mention %s", tc.name, err, w)
			}
		}
	}
}

func FuzzParseAccountsCSV(f *testing.F) {
	const header = "card_no,person_id,name,balance,status,diseases,pharmacy\n"
	f.Add(header + "1001,110101199003074514,张三,12345,active,E11;I10,P1\n")
	f.Add(header + "1001,,,0,lost,,\n1002,,,9223372036854775807,replaced,,\n")
	f.Add("\ufeffbalance,status,card_no\n1,suspended,A1\n")
	f.Add(header + "\"10\"\"01\",,,1,active,,\n")
	f.Add("card_no,balance\n")
	f.Fuzz(func(t *testing.T, in string) {
		hs, err := ParseAccountsCSV(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, h := range hs {
			if CheckCardNo(h.CardNo) != nil || h.Balance < 0 || !accountStatuses[h.Status] || seen[h.CardNo] {
				t.Fatalf("accepted a bad account %+v", h)
			}
			seen[h.CardNo] = true
		}
	})
}
