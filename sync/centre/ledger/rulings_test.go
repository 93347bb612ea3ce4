package ledger

import (
	"errors"
	"strings"
	"testing"
)

func TestRuleOn(t *testing.T) {
	const limit = 500 // second_review_amount
	long := strings.Repeat("审", MaxNoteRunes+1)
	cases := []struct {
		name string
		c    RulingCase
		want RulingOutcome
		err  error
	}{
		// honest transitions
		{"accept a hold", RulingCase{Hold: HoldHeld, Held: 900, Action: RulingAccept, By: "wang"},
			RulingOutcome{Hold: HoldAccepted, Take: true}, nil},
		{"accept with a note", RulingCase{Hold: HoldHeld, Held: 900, Action: RulingAccept, By: "wang", Note: "处方齐全"},
			RulingOutcome{Hold: HoldAccepted, Take: true}, nil},
		{"defer a hold", RulingCase{Hold: HoldHeld, Held: 900, Action: RulingDefer, By: "wang", Note: "待核实"},
			RulingOutcome{Hold: HoldDeferred}, nil},
		{"defer again", RulingCase{Hold: HoldDeferred, Held: 900, Action: RulingDefer, By: "li", Note: "仍待核实"},
			RulingOutcome{Hold: HoldDeferred}, nil},
		{"accept a deferred hold", RulingCase{Hold: HoldDeferred, Held: 900, Action: RulingAccept, By: "wang"},
			RulingOutcome{Hold: HoldAccepted, Take: true}, nil},
		{"refuse at the threshold takes effect", RulingCase{Hold: HoldHeld, Held: limit, Action: RulingRefuse, By: "wang", Note: "拆单", SecondReview: limit},
			RulingOutcome{Hold: HoldRefused}, nil},
		{"refuse below the threshold takes effect", RulingCase{Hold: HoldHeld, Held: 1, Action: RulingRefuse, By: "wang", Note: "拆单", SecondReview: limit},
			RulingOutcome{Hold: HoldRefused}, nil},
		{"refuse above the threshold waits", RulingCase{Hold: HoldHeld, Held: limit + 1, Action: RulingRefuse, By: "wang", Note: "拆单", SecondReview: limit},
			RulingOutcome{Hold: HoldRefusePending}, nil},
		{"refuse a deferred hold above the threshold waits", RulingCase{Hold: HoldDeferred, Held: 9000, Action: RulingRefuse, By: "wang", Note: "拆单", SecondReview: limit},
			RulingOutcome{Hold: HoldRefusePending}, nil},
		{"threshold 0: every refusal waits", RulingCase{Hold: HoldHeld, Held: 1, Action: RulingRefuse, By: "wang", Note: "x"},
			RulingOutcome{Hold: HoldRefusePending}, nil},
		{"a second supervisor confirms", RulingCase{Hold: HoldRefusePending, PendingBy: "wang", Held: 9000, Action: RulingConfirm, By: "li", SecondReview: limit},
			RulingOutcome{Hold: HoldRefused}, nil},
		{"a second supervisor overrules: accept", RulingCase{Hold: HoldRefusePending, PendingBy: "wang", Held: 9000, Action: RulingAccept, By: "li"},
			RulingOutcome{Hold: HoldAccepted, Take: true}, nil},
		{"a second supervisor overrules: defer", RulingCase{Hold: HoldRefusePending, PendingBy: "wang", Held: 9000, Action: RulingDefer, By: "li", Note: "再查"},
			RulingOutcome{Hold: HoldDeferred}, nil},

		// dishonest or mistaken
		{"confirm one's own refusal", RulingCase{Hold: HoldRefusePending, PendingBy: "wang", Held: 9000, Action: RulingConfirm, By: "wang"},
			RulingOutcome{}, ErrOwnRuling},
		{"accept one's own pending refusal", RulingCase{Hold: HoldRefusePending, PendingBy: "wang", Held: 9000, Action: RulingAccept, By: "wang"},
			RulingOutcome{}, ErrOwnRuling},
		{"refuse a pending refusal again", RulingCase{Hold: HoldRefusePending, PendingBy: "wang", Held: 9000, Action: RulingRefuse, By: "li", Note: "x"},
			RulingOutcome{}, ErrNotPending},
		{"confirm with nothing pending", RulingCase{Hold: HoldHeld, Held: 9000, Action: RulingConfirm, By: "li"},
			RulingOutcome{}, ErrNotPending},
		{"confirm a deferred hold", RulingCase{Hold: HoldDeferred, Held: 9000, Action: RulingConfirm, By: "li"},
			RulingOutcome{}, ErrNotPending},
		{"accept an accepted hold", RulingCase{Hold: HoldAccepted, Held: 900, Action: RulingAccept, By: "li"},
			RulingOutcome{}, ErrNoHold},
		{"refuse an accepted hold", RulingCase{Hold: HoldAccepted, Held: 900, Action: RulingRefuse, By: "li", Note: "x"},
			RulingOutcome{}, ErrNoHold},
		{"accept a refused hold", RulingCase{Hold: HoldRefused, Held: 900, Action: RulingAccept, By: "li"},
			RulingOutcome{}, ErrNoHold},
		{"confirm a refused hold", RulingCase{Hold: HoldRefused, PendingBy: "wang", Held: 900, Action: RulingConfirm, By: "li"},
			RulingOutcome{}, ErrNoHold},
		{"accept a voided hold", RulingCase{Hold: HoldVoided, Held: 900, Action: RulingAccept, By: "li"},
			RulingOutcome{}, ErrNoHold},
		{"defer a voided hold", RulingCase{Hold: HoldVoided, Held: 900, Action: RulingDefer, By: "li", Note: "x"},
			RulingOutcome{}, ErrNoHold},
		{"rule on nothing held", RulingCase{Hold: "", Action: RulingAccept, By: "li"},
			RulingOutcome{}, ErrNoHold},
		{"refuse without a note", RulingCase{Hold: HoldHeld, Held: 9, Action: RulingRefuse, By: "li", Note: "  "},
			RulingOutcome{}, ErrNoteRequired},
		{"defer without a note", RulingCase{Hold: HoldHeld, Held: 9, Action: RulingDefer, By: "li"},
			RulingOutcome{}, ErrNoteRequired},
		{"a note too long", RulingCase{Hold: HoldHeld, Held: 9, Action: RulingRefuse, By: "li", Note: long},
			RulingOutcome{}, ErrBadRuling},
		{"a note not UTF-8", RulingCase{Hold: HoldHeld, Held: 9, Action: RulingAccept, By: "li", Note: "\xff"},
			RulingOutcome{}, ErrBadRuling},
		{"a note with NUL", RulingCase{Hold: HoldHeld, Held: 9, Action: RulingAccept, By: "li", Note: "a\x00b"},
			RulingOutcome{}, ErrBadRuling},
		{"no supervisor", RulingCase{Hold: HoldHeld, Held: 9, Action: RulingAccept},
			RulingOutcome{}, ErrBadRuling},
		{"an unknown action", RulingCase{Hold: HoldHeld, Held: 9, Action: "pay", By: "li"},
			RulingOutcome{}, ErrBadRuling},
		{"a bad request on a ruled record is still bad", RulingCase{Hold: HoldAccepted, Held: 9, Action: "", By: "li"},
			RulingOutcome{}, ErrBadRuling},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := RuleOn(c.c)
			if c.err != nil {
				if !errors.Is(err, c.err) || got != (RulingOutcome{}) {
					t.Fatalf("RuleOn = %+v, %v; want %v", got, err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("RuleOn = %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

func TestRuleOnNoteAtTheBound(t *testing.T) {
	note := strings.Repeat("审", MaxNoteRunes)
	if _, err := RuleOn(RulingCase{Hold: HoldHeld, Held: 9, Action: RulingRefuse, By: "li", Note: note, SecondReview: 10}); err != nil {
		t.Fatal(err)
	}
}

func TestHoldAwaiting(t *testing.T) {
	for hold, want := range map[string]bool{HoldHeld: true, HoldDeferred: true, HoldRefusePending: true,
		HoldAccepted: false, HoldRefused: false, HoldVoided: false, "": false} {
		if HoldAwaiting(hold) != want {
			t.Errorf("HoldAwaiting(%q) = %v", hold, !want)
		}
	}
}
