package pgstore

import (
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"posagent/sync/centre/store"
)

// TestUseVoucherInsideApplyTx checks the apply transaction's UseVoucher:
// it marks the voucher in that transaction, so a rolled-back apply leaves
// it unused, and a committed one makes another record's use fail.
func TestUseVoucherInsideApplyTx(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	if err := s.PutVoucher(ctx, store.Voucher{Token: "TOKEN1", CardNo: "C1", IssuedAt: at, ExpiresAt: at.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RedeemVoucher(ctx, store.Redemption{Token: "TOKEN1", Terminal: "T1", Pharmacy: "P1", At: at.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	inApply := func(u store.VoucherUse, commit bool) error {
		var useErr error
		rollback := errors.New("rolled back")
		err := s.inTx(ctx, func(tx pgx.Tx) error {
			var vt store.VoucherTx = &applier{tx: tx}
			if useErr = vt.UseVoucher(ctx, u); useErr != nil || !commit {
				return rollback
			}
			return nil
		})
		if err != nil && !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		return useErr
	}
	if err := inApply(store.VoucherUse{Token: "TOKEN1", Terminal: "T1", Seq: 7, CardNo: "C1"}, false); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Voucher(ctx, "TOKEN1"); v.UsedBy != "" {
		t.Fatalf("a rolled-back apply left the voucher used: %+v", v)
	}
	if err := inApply(store.VoucherUse{Token: "TOKEN1", Terminal: "T1", Seq: 8, CardNo: "C1"}, true); err != nil {
		t.Fatal(err)
	}
	if err := inApply(store.VoucherUse{Token: "TOKEN1", Terminal: "T1", Seq: 7, CardNo: "C1"}, true); !errors.Is(err, store.ErrVoucherUsed) {
		t.Errorf("another record after a committed use: %v, want ErrVoucherUsed", err)
	}
	if v, _ := s.Voucher(ctx, "TOKEN1"); v.UsedBy != "T1" || v.UsedSeq != 8 {
		t.Errorf("voucher after a committed use: %+v", v)
	}
}
