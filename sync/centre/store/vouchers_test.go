package store

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestUseVoucherInsideApplyTx checks the apply transaction's UseVoucher:
// it marks the voucher in that transaction, so a rolled-back apply leaves
// it unused, and a committed one makes another record's use fail.
func TestUseVoucherInsideApplyTx(t *testing.T) {
	s, err := OpenBolt(filepath.Join(t.TempDir(), "centre.db"), BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	ctx := t.Context()
	if err := s.PutVoucher(ctx, Voucher{Token: "TOKEN1", CardNo: "C1", IssuedAt: at, ExpiresAt: at.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RedeemVoucher(ctx, Redemption{Token: "TOKEN1", Terminal: "T1", Pharmacy: "P1", At: at.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	inApply := func(u VoucherUse, commit bool) error {
		var useErr error
		rollback := errors.New("rolled back")
		err := s.db.Update(func(tx *bolt.Tx) error {
			var vt VoucherTx = &applier{tx: tx}
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
	if err := inApply(VoucherUse{Token: "TOKEN1", Terminal: "T1", Seq: 7, CardNo: "C1"}, false); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Voucher(ctx, "TOKEN1"); v.UsedBy != "" {
		t.Fatalf("a rolled-back apply left the voucher used: %+v", v)
	}
	if err := inApply(VoucherUse{Token: "TOKEN1", Terminal: "T1", Seq: 8, CardNo: "C1"}, true); err != nil {
		t.Fatal(err)
	}
	if err := inApply(VoucherUse{Token: "TOKEN1", Terminal: "T1", Seq: 7, CardNo: "C1"}, true); !errors.Is(err, ErrVoucherUsed) {
		t.Errorf("another record after a committed use: %v, want ErrVoucherUsed", err)
	}
	if v, _ := s.Voucher(ctx, "TOKEN1"); v.UsedBy != "T1" || v.UsedSeq != 8 {
		t.Errorf("voucher after a committed use: %+v", v)
	}
}
