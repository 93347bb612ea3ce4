package scenario

import (
	"slices"
	"testing"

	"posagent/internal/demo"
	"posagent/policy"
)

// TestCardOfAnotherPersonIsRefusedTheAccount: the centre's account answer
// no longer carries the resident id (SPEC §9), so the agent sends the id
// it read and the centre says whether it differs: 张三's card number on a
// card carrying 李四's resident id pays nothing from the account
// (ID_MISMATCH), while 张三's own card pays.
func TestCardOfAnotherPersonIsRefusedTheAccount(t *testing.T) {
	e := startWorld(t, demo.Options{})
	own := swipe(t, e, "zhang-san")
	if q := quote(t, e, vitaminC(1)); q.AccountTotal == 0 || hasCode(q.Reasons, policy.IDMismatch) {
		t.Fatalf("own card: %+v; want it paid from the account", q)
	}
	forged := own
	forged.PersonID, forged.Name = "110105198507220029", "李四"
	swipeCard(t, e, forged)
	if q := quote(t, e, vitaminC(1)); q.AccountTotal != 0 || !hasCode(q.Reasons, policy.IDMismatch) {
		t.Fatalf("card with another person's id: account %d, reasons %+v; want ID_MISMATCH and nothing from the account", q.AccountTotal, q.Reasons)
	}
}

func hasCode(rs []policy.Reason, c policy.Code) bool {
	return slices.ContainsFunc(rs, func(r policy.Reason) bool { return r.Code == c })
}
