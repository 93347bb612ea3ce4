package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"posagent/sync/centre/store"
)

var voucherTests = []test{
	{"IssueAndRedeemOnce", testVoucherRedeemOnce},
	{"ExpiredUnknownAndMalformed", testVoucherExpiredUnknown},
	{"ConcurrentRedemptionsOneWins", testVoucherConcurrent},
	{"IssueRefusesRepeatsAndNonsense", testVoucherIssueRefuses},
	{"UseOnApply", testVoucherUse},
}

// issued is a new voucher of card issued at at, valid 120 s.
func issued(token, card string, at time.Time) store.Voucher {
	return store.Voucher{Token: token, CardNo: card, IssuedAt: at, ExpiresAt: at.Add(120 * time.Second)}
}

func putVoucher(t *testing.T, s store.Store, v store.Voucher) {
	t.Helper()
	if err := s.PutVoucher(t.Context(), v); err != nil {
		t.Fatal(err)
	}
}

func redeem(s store.Store, t *testing.T, token, terminal string, at time.Time) (store.Voucher, error) {
	return s.RedeemVoucher(t.Context(), store.Redemption{Token: token, Terminal: terminal, Pharmacy: "P" + terminal, At: at})
}

func testVoucherRedeemOnce(t *testing.T, open Opener) {
	s := open(t)
	putVoucher(t, s, issued("TOKEN1", "C1", minute(0)))
	got, err := s.Voucher(t.Context(), "TOKEN1")
	if err != nil || got.CardNo != "C1" || !got.IssuedAt.Equal(minute(0)) || !got.ExpiresAt.Equal(minute(2)) || got.Redeemed() {
		t.Fatalf("issued voucher reads %+v, %v", got, err)
	}
	v, err := redeem(s, t, "TOKEN1", "T1", minute(1))
	if err != nil {
		t.Fatalf("first redemption: %v", err)
	}
	if v.CardNo != "C1" || v.RedeemedBy != "T1" || !v.RedeemedAt.Equal(minute(1)) {
		t.Errorf("redeemed voucher %+v", v)
	}
	for _, term := range []string{"T1", "T2"} {
		v, err := redeem(s, t, "TOKEN1", term, minute(1).Add(time.Second))
		if !errors.Is(err, store.ErrVoucherUsed) || store.VoucherCode(err) != "VOUCHER_USED" {
			t.Errorf("second redemption by %s: %v, want VOUCHER_USED", term, err)
		}
		if v.CardNo != "C1" || v.RedeemedBy != "T1" {
			t.Errorf("second redemption by %s reads %+v, want the stored voucher", term, v)
		}
	}
	got, err = s.Voucher(t.Context(), "TOKEN1")
	if err != nil || got.RedeemedBy != "T1" || !got.RedeemedAt.Equal(minute(1)) {
		t.Errorf("stored after refusals: %+v, %v", got, err)
	}
	// Every attempt is in the look-up log, as a voucher redemption.
	ls := listLookups(t, s, store.LookupFilter{})
	if len(ls) != 3 {
		t.Fatalf("logged %d attempts, want 3: %+v", len(ls), ls)
	}
	first := ls[2]
	if first.Kind != store.LookupVoucher || first.Token != "TOKEN1" || first.CardNo != "C1" || first.Terminal != "T1" ||
		first.Pharmacy != "PT1" || !first.Found || first.Refused || first.Code != "" || !first.At.Equal(minute(1)) {
		t.Errorf("logged redemption %+v", first)
	}
	if l := ls[0]; !l.Refused || l.Code != "VOUCHER_USED" || l.Terminal != "T2" || l.CardNo != "C1" {
		t.Errorf("logged refusal %+v", l)
	}
	if got, err := s.Voucher(t.Context(), "NOSUCH"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown voucher reads %+v, %v; want ErrNotFound", got, err)
	}
}

func testVoucherExpiredUnknown(t *testing.T, open Opener) {
	s := open(t)
	putVoucher(t, s, issued("LATE", "C1", minute(0)))
	putVoucher(t, s, issued("JUSTINTIME", "C2", minute(0)))
	if _, err := redeem(s, t, "LATE", "T1", minute(2)); !errors.Is(err, store.ErrVoucherExpired) || store.VoucherCode(err) != "VOUCHER_EXPIRED" {
		t.Errorf("redeemed at its expiry: %v, want VOUCHER_EXPIRED", err)
	}
	if v, err := s.Voucher(t.Context(), "LATE"); err != nil || v.Redeemed() {
		t.Errorf("expired voucher after refusal: %+v, %v", v, err)
	}
	if _, err := redeem(s, t, "JUSTINTIME", "T1", minute(2).Add(-time.Millisecond)); err != nil {
		t.Errorf("redeemed 1 ms before expiry: %v", err)
	}
	v, err := redeem(s, t, "NOSUCH", "T1", minute(1))
	if !errors.Is(err, store.ErrVoucherUnknown) || store.VoucherCode(err) != "VOUCHER_UNKNOWN" || v.CardNo != "" {
		t.Errorf("unknown token: %+v, %v; want VOUCHER_UNKNOWN", v, err)
	}
	for _, bad := range []string{"", "has space", "x\x00y", string(make([]byte, 65))} {
		if _, err := redeem(s, t, bad, "T1", minute(1)); err == nil || store.VoucherCode(err) != "" {
			t.Errorf("malformed token %q: %v, want a plain error", bad, err)
		}
	}
	ls := listLookups(t, s, store.LookupFilter{Terminal: "T1"})
	if len(ls) != 3 {
		t.Fatalf("logged %d attempts, want 3 (malformed ones are the centre's to log): %+v", len(ls), ls)
	}
	// Newest first: LATE at 2m, JUSTINTIME just before, NOSUCH at 1m.
	if l := ls[2]; l.Kind != store.LookupVoucher || l.CardNo != "" || l.Found || !l.Refused || l.Code != "VOUCHER_UNKNOWN" || l.Token != "NOSUCH" {
		t.Errorf("logged unknown token %+v", l)
	}
	if l := ls[0]; l.CardNo != "C1" || !l.Found || !l.Refused || l.Code != "VOUCHER_EXPIRED" {
		t.Errorf("logged expired token %+v", l)
	}
	// The look-up log takes a voucher attempt without a card from the
	// centre too (one it refused before asking the store).
	if err := s.LogLookup(t.Context(), store.Lookup{Kind: store.LookupVoucher, Terminal: "T3", Pharmacy: "P3",
		Token: `"x y"`, At: minute(3), Refused: true, Code: "VOUCHER_BAD_TOKEN"}); err != nil {
		t.Errorf("log a malformed voucher attempt: %v", err)
	}
	if ls := listLookups(t, s, store.LookupFilter{Terminal: "T3"}); len(ls) != 1 || ls[0].Token != `"x y"` || ls[0].Code != "VOUCHER_BAD_TOKEN" {
		t.Errorf("logged malformed attempt reads %+v", ls)
	}
}

func testVoucherConcurrent(t *testing.T, open Opener) {
	s := open(t)
	const rounds = 10
	for r := range rounds {
		token := "RACE" + string(rune('A'+r))
		putVoucher(t, s, issued(token, "C1", minute(0)))
		var (
			wg   sync.WaitGroup
			errs [2]error
		)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = redeem(s, t, token, []string{"T1", "T2"}[i], minute(1))
			})
		}
		wg.Wait()
		wins := 0
		for i, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrVoucherUsed):
				t.Errorf("round %d, terminal %d: %v, want nil or VOUCHER_USED", r, i+1, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d redemptions won, want exactly 1 (%v)", r, wins, errs)
		}
	}
}

func testVoucherIssueRefuses(t *testing.T, open Opener) {
	s := open(t)
	putVoucher(t, s, issued("TOKEN1", "C1", minute(0)))
	if err := s.PutVoucher(t.Context(), issued("TOKEN1", "C2", minute(1))); !errors.Is(err, store.ErrVoucherExists) {
		t.Errorf("same token issued twice: %v, want ErrVoucherExists", err)
	}
	if v, _ := s.Voucher(t.Context(), "TOKEN1"); v.CardNo != "C1" {
		t.Errorf("a refused issue changed the voucher: %+v", v)
	}
	redeemedAlready := issued("TOKEN2", "C1", minute(0))
	redeemedAlready.RedeemedBy, redeemedAlready.RedeemedAt = "T1", minute(0)
	for name, v := range map[string]store.Voucher{
		"no card":          issued("TOKEN3", "", minute(0)),
		"bad token":        issued("TOK EN", "C1", minute(0)),
		"expires at issue": {Token: "TOKEN4", CardNo: "C1", IssuedAt: minute(0), ExpiresAt: minute(0)},
		"redeemed":         redeemedAlready,
	} {
		if err := s.PutVoucher(t.Context(), v); err == nil {
			t.Errorf("issue with %s: stored", name)
		}
	}
}

func testVoucherUse(t *testing.T, open Opener) {
	s := open(t)
	putVoucher(t, s, issued("TOKEN1", "C1", minute(0)))
	putVoucher(t, s, issued("NOTREDEEMED", "C1", minute(0)))
	if _, err := redeem(s, t, "TOKEN1", "T1", minute(1)); err != nil {
		t.Fatal(err)
	}
	use := func(token, terminal string, seq uint64, card string) error {
		return s.UseVoucher(t.Context(), store.VoucherUse{Token: token, Terminal: terminal, Seq: seq, CardNo: card})
	}
	for name, c := range map[string]struct {
		err  error
		want error
	}{
		"unknown":      {use("NOSUCH", "T1", 5, "C1"), store.ErrVoucherUnknown},
		"not redeemed": {use("NOTREDEEMED", "T1", 5, "C1"), store.ErrVoucherUnproven},
		"other card":   {use("TOKEN1", "T1", 5, "C2"), store.ErrVoucherUnproven},
		"other term":   {use("TOKEN1", "T2", 5, "C1"), store.ErrVoucherUnproven},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", name, c.err, c.want)
		}
	}
	if v, _ := s.Voucher(t.Context(), "TOKEN1"); v.UsedBy != "" {
		t.Fatalf("a failed proof marked the voucher used: %+v", v)
	}
	if err := use("TOKEN1", "T1", 5, "C1"); err != nil {
		t.Fatalf("first use: %v", err)
	}
	if err := use("TOKEN1", "T1", 5, "C1"); err != nil {
		t.Errorf("the same record using it again: %v, want nil", err)
	}
	if err := use("TOKEN1", "T1", 6, "C1"); !errors.Is(err, store.ErrVoucherUsed) {
		t.Errorf("another record of the terminal: %v, want ErrVoucherUsed", err)
	}
	v, err := s.Voucher(t.Context(), "TOKEN1")
	if err != nil || v.UsedBy != "T1" || v.UsedSeq != 5 || v.RedeemedBy != "T1" {
		t.Errorf("used voucher reads %+v, %v", v, err)
	}
}
