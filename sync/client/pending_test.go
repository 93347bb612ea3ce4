package client

import "testing"

func TestPendingPairsAnswersByIDAndEndsWithTheSession(t *testing.T) {
	var p pending[string]
	a, doneA := p.register("1")
	b, doneB := p.register("2")
	defer doneA()
	defer doneB()
	if p.deliver("3", "nobody") {
		t.Fatal("an answer for an id nobody waits for was delivered")
	}
	if !p.deliver("2", "two") || !p.deliver("1", "one") {
		t.Fatal("answers for waiting ids were not delivered")
	}
	if got := <-a; got != "one" {
		t.Fatalf("id 1 got %q", got)
	}
	if got := <-b; got != "two" {
		t.Fatalf("id 2 got %q", got)
	}
	if p.deliver("1", "again") || p.len() != 0 {
		t.Fatalf("a repeated answer was delivered, or %d still wait", p.len())
	}

	c, doneC := p.register("4")
	doneC() // the caller gave up (its context ended)
	if p.deliver("4", "late") || p.len() != 0 {
		t.Fatal("an answer was delivered to a caller that gave up")
	}
	select {
	case v := <-c:
		t.Fatalf("a caller that gave up got %q", v)
	default:
	}

	d, doneD := p.register("5")
	defer doneD()
	p.cancelAll() // the session ended
	if v, ok := <-d; ok {
		t.Fatalf("a wait outlived the session with %q", v)
	}
	e, doneE := p.register("6") // a request made after the end
	defer doneE()
	if _, ok := <-e; ok || p.deliver("6", "x") {
		t.Fatal("a request registered after the session ended was left waiting")
	}
}
