package client

import (
	"errors"
	"strings"
	"testing"

	"posagent/agent/agenttest"
)

func TestWrongTokenIsReportedAndNothingApplied(t *testing.T) {
	tc := startCentre(t)
	j := agenttest.Journal(t)
	agenttest.Build(t, j).Charges(5)
	cfg := tc.clientConfig(t, j, newTestHandler(tc.pub))
	cfg.Token = "not-the-enrolled-token"
	c, _ := runClient(t, cfg)

	eventually(t, "the refusal to be reported", func() bool {
		return strings.Contains(c.Status().LastError, ErrTokenRefused.Error())
	})
	eventually(t, "retries with backoff", func() bool { return tc.proxy.Accepted() >= 3 })
	if st := c.Status(); st.Connected || !strings.Contains(st.LastError, "401") {
		t.Fatalf("status = %+v, want disconnected with the HTTP status", st)
	}
	if term := tc.terminal(t); term.AckedSeq != 0 {
		t.Fatalf("centre acked %d entries from a refused terminal", term.AckedSeq)
	}
	if j.Acked() != 0 {
		t.Fatalf("journal acked %d with a refused token", j.Acked())
	}
	if _, err := c.Account(t.Context(), agenttest.Cards[0], ""); !errors.Is(err, ErrOffline) {
		t.Fatalf("Account while refused: %v, want ErrOffline", err)
	}
}
