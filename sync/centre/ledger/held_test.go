package ledger

import "testing"

func TestHeldAmount(t *testing.T) {
	cases := []struct {
		name                      string
		account, balance, allowed int64
		codes                     []string
		want                      int64
	}{
		{"honest", 600, 1000, 600, nil, 0},
		{"lost card", 600, 1000, 600, []string{"BLOCKED_AT_SYNC"}, 600},
		{"bad arithmetic", 400000, 1000, 0, []string{CodeBadArithmetic}, 400000},
		{"overdraft excess", 600, 200, 600, []string{"OVERDRAFT"}, 400},
		{"health food", 5000, 9000, 0, []string{CodePolicyMismatch}, 5000},
		{"partial", 5000, 9000, 3000, []string{CodeOfflinePartialHistory}, 2000},
		{"mismatch and overdraft", 5000, 1000, 3000, []string{CodePolicyMismatch, "OVERDRAFT"}, 4000},
		{"nothing from account", 0, 0, 0, []string{CodeBackdated}, 0},
	}
	for _, c := range cases {
		if got := HeldAmount(c.account, c.balance, c.allowed, c.codes); got != c.want {
			t.Errorf("%s: HeldAmount = %d, want %d", c.name, got, c.want)
		}
	}
}
