package client

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"posagent/agent/agenttest"
	"posagent/agent/journal"
	"posagent/sync/centre"
	"posagent/sync/centre/agentws"
	"posagent/sync/wire"
)

func TestWaitSettledReturnsCentreBalance(t *testing.T) {
	tc := startCentre(t)
	j := agenttest.Journal(t)
	c, _ := runClient(t, tc.clientConfig(t, j, newTestHandler(tc.pub)))
	eventually(t, "connected", func() bool { return c.Status().Connected })

	card := agenttest.Cards[2]
	rec := agenttest.Build(t, j).Charge(card, 2599)
	c.Kick()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	st, err := c.WaitSettled(ctx, rec.Seq)
	if err != nil {
		t.Fatal(err)
	}
	if st.Seq != rec.Seq || st.TxnID != rec.TxnID || st.BalanceAfter != startBalance-2599 || len(st.Flags) != 0 {
		t.Fatalf("settlement = %+v, want seq %d txn %s balance %d", st, rec.Seq, rec.TxnID, startBalance-2599)
	}
	if got := tc.balance(t, card); got != st.BalanceAfter {
		t.Fatalf("centre balance %d, settlement says %d", got, st.BalanceAfter)
	}
	// Asking again finds the remembered settlement.
	if again, err := c.WaitSettled(ctx, rec.Seq); err != nil || again.BalanceAfter != st.BalanceAfter {
		t.Fatalf("second WaitSettled = %+v, %v", again, err)
	}

	// A quote moves no money: its ack carries no settlement.
	q := agenttest.Build(t, j).Quote(card)
	c.Kick()
	if st, err := c.WaitSettled(ctx, q.Seq); err != nil || !reflect.DeepEqual(st, wire.Settlement{Seq: q.Seq}) {
		t.Fatalf("quote settlement = %+v, %v: want only the seq", st, err)
	}
}

func TestWaitSettledGivesUpWhenOfflineOrCancelled(t *testing.T) {
	tc := startCentre(t)
	j := agenttest.Journal(t)
	c, _ := runClient(t, tc.clientConfig(t, j, newTestHandler(tc.pub)))
	eventually(t, "connected", func() bool { return c.Status().Connected })

	// Nothing reaches the centre: the wait ends with the caller's context.
	tc.proxy.SetBlackhole(true)
	seq := appendOne(t, j)
	c.Kick()
	short, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.WaitSettled(short, seq); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitSettled on a silent link: %v, want the context's deadline", err)
	}

	// The connection is lost while waiting: ErrOffline, not the deadline.
	done := make(chan error, 1)
	go func() {
		_, err := c.WaitSettled(t.Context(), seq)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("WaitSettled returned %v while still connected", err)
	case <-time.After(30 * time.Millisecond):
	}
	tc.proxy.SetDown(true)
	if err := <-done; err != ErrOffline {
		t.Fatalf("WaitSettled across a lost connection: %v, want ErrOffline", err)
	}
	eventually(t, "disconnected", func() bool { return !c.Status().Connected })
	if _, err := c.WaitSettled(t.Context(), seq); err != ErrOffline {
		t.Fatalf("WaitSettled while offline: %v, want ErrOffline", err)
	}

	// Back online, the sale settles after all.
	tc.proxy.SetBlackhole(false)
	tc.proxy.SetDown(false)
	eventually(t, "acked after recovery", func() bool { return j.Acked() == seq })
	if st, err := c.WaitSettled(t.Context(), seq); err != nil || st.BalanceAfter >= startBalance {
		t.Fatalf("WaitSettled after recovery = %+v, %v", st, err)
	}
}

func TestAccountAnswers(t *testing.T) {
	tc := startCentre(t)
	j := agenttest.Journal(t)
	c, _ := runClient(t, tc.clientConfig(t, j, newTestHandler(tc.pub)))
	eventually(t, "connected", func() bool { return c.Status().Connected })

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	info, err := c.Account(ctx, agenttest.Cards[1], "")
	if err != nil {
		t.Fatal(err)
	}
	if !info.Found || info.Holder.CardNo != agenttest.Cards[1] || info.Holder.Balance != startBalance || info.Holder.Status != "active" {
		t.Fatalf("account = %+v", info)
	}
	info, err = c.Account(ctx, "9999999999", "")
	if err != nil || info.Found {
		t.Fatalf("unknown card = %+v, %v: want not found", info, err)
	}

	// Many look-ups at once are each paired with their own answer.
	errs := make(chan error, 20)
	for i := range 20 {
		go func() {
			card := agenttest.Cards[i%len(agenttest.Cards)]
			info, err := c.Account(ctx, card, "")
			if err == nil && info.Holder.CardNo != card {
				err = errors.New("answer for " + info.Holder.CardNo + " given to " + card)
			}
			errs <- err
		}()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func TestAccountOffline(t *testing.T) {
	tc := startCentre(t)
	j := agenttest.Journal(t)
	c, _ := runClient(t, tc.clientConfig(t, j, newTestHandler(tc.pub)))
	eventually(t, "connected", func() bool { return c.Status().Connected })

	// A look-up in flight when the link drops ends with ErrOffline.
	tc.proxy.SetBlackhole(true)
	done := make(chan error, 1)
	go func() {
		_, err := c.Account(t.Context(), agenttest.Cards[0], "")
		done <- err
	}()
	eventually(t, "the request to be pending", func() bool {
		s := c.current()
		return s != nil && s.accounts.len() == 1
	})
	tc.proxy.SetDown(true)
	if err := <-done; err != ErrOffline {
		t.Fatalf("Account across a lost connection: %v, want ErrOffline", err)
	}

	// With the centre down, the answer is ErrOffline at once, not a wait
	// for the caller's (long) deadline.
	eventually(t, "disconnected", func() bool { return !c.Status().Connected })
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if _, err := c.Account(ctx, agenttest.Cards[0], ""); err != ErrOffline {
		t.Fatalf("Account while the centre is down: %v, want ErrOffline", err)
	}
}

// appendOne journals one charge and returns its seq.
func appendOne(t *testing.T, j *journal.Journal) uint64 {
	t.Helper()
	return agenttest.Build(t, j).Charge(agenttest.Cards[0], 100).Seq
}

// Over its look-up rate a terminal gets an error for that card, as a
// CentreError with the centre's code, and stays connected: the agent
// sells as it does when the centre cannot be reached.
func TestAccountRateLimited(t *testing.T) {
	tc := startCentre(t)
	j := agenttest.Journal(t)
	c, _ := runClient(t, tc.clientConfig(t, j, newTestHandler(tc.pub)))
	eventually(t, "connected", func() bool { return c.Status().Connected })
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	refused := 0
	for range centre.DefaultLookupBurst + 5 {
		_, err := c.Account(ctx, agenttest.Cards[0], "")
		var ce *CentreError
		switch {
		case err == nil:
		case errors.As(err, &ce) && ce.Code == agentws.CodeRateLimited:
			refused++
		default:
			t.Fatalf("look-up: %v", err)
		}
	}
	if refused != 5 || !c.Status().Connected {
		t.Fatalf("%d refused, connected %v; want 5 refused and still connected", refused, c.Status().Connected)
	}
}
