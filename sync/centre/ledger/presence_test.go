package ledger

import (
	"bytes"
	"encoding/hex"
	"slices"
	"testing"
	"time"

	"posagent/internal/cardproof"
	"posagent/policy"
	"posagent/sync/wire"
)

var testIssuer = cardproof.IssuerKey(bytes.Repeat([]byte{7}, cardproof.IssuerKeySize))

// signed is rec with the proof its card gives at counter, and card-read
// evidence from the frame reader.
func signed(t testing.TB, issuer cardproof.IssuerKey, rec wire.Record, counter uint64) wire.Record {
	t.Helper()
	card, err := cardproof.NewCard(cardproof.Default, issuer, rec.CardNo)
	if err != nil {
		t.Fatal(err)
	}
	ch := cardproof.ChallengeFor(rec.Sale())
	rec.CardRead = &wire.CardRead{Source: "frame"}
	rec.CardProof = &cardproof.Proof{Challenge: ch.String(), Counter: counter, Cryptogram: hex.EncodeToString(card.Sign(ch, counter))}
	return rec
}

func TestPresence(t *testing.T) {
	b := sampleBundle(t)
	holder := &policy.Holder{CardNo: "A1", PersonID: "110105196003150013", Status: policy.StatusActive, Balance: 500000}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, judgeZone)
	cold := policy.Line{Code: "D0006", Barcode: "6901234500066", Qty: 1, UnitPrice: 980}
	rec := honest(t, b, holder, at, nil, cold)
	rec.Seq = 5
	good := signed(t, testIssuer, rec, 9)
	judge := func(rec wire.Record, issuer cardproof.IssuerKey, used bool) Judgement {
		p := CheckPresence(rec, issuer)
		return Judge(JudgeInput{Record: rec, Pharmacy: "P1", Received: at.Add(time.Minute), Zone: judgeZone,
			Policy: true, Bundle: b, Holder: holder, Presence: p, CounterUsed: used && p.Verified()})
	}
	otherSale := signed(t, testIssuer, rec, 9)
	otherSale.CardProof = good.CardProof
	otherSale.Seq = 6
	madeUp := good
	madeUp.CardProof = &cardproof.Proof{Challenge: good.CardProof.Challenge, Counter: 9, Cryptogram: hex.EncodeToString(make([]byte, 32))}
	malformed := good
	malformed.CardProof = &cardproof.Proof{Challenge: "zz", Counter: 9, Cryptogram: "00"}
	bare := rec
	bare.CardRead = &wire.CardRead{Source: "frame"}
	track2 := rec
	track2.CardRead = &wire.CardRead{Source: "track2"}
	cash := honest(t, b, holder, at, nil, cold)
	cash.Lines[0].Account, cash.Lines[0].Cash = 0, cash.Lines[0].Amount
	cash.Account, cash.Cash = 0, cash.Total

	cases := []struct {
		name   string
		rec    wire.Record
		issuer cardproof.IssuerKey
		used   bool
		want   []string
		ev     string // an evidence key the finding must have
	}{
		{"an honest proof", good, testIssuer, false, nil, ""},
		{"no issuer key: nothing judged", bare, nil, false, nil, ""},
		{"no issuer key: a forged proof is not judged", madeUp, nil, false, nil, ""},
		{"no proof from the frame reader", bare, testIssuer, false, []string{CodeCardProofMissing}, "account"},
		{"no proof, no card-read evidence", rec, testIssuer, false, []string{CodeCardProofMissing}, "account"},
		{"a proof of another sale", otherSale, testIssuer, false, []string{CodeCardProofInvalid}, "other_sale"},
		{"a made-up cryptogram", madeUp, testIssuer, false, []string{CodeCardProofInvalid}, "bad_cryptogram"},
		{"a malformed proof", malformed, testIssuer, false, []string{CodeCardProofInvalid}, "malformed"},
		{"another issuer's card", signed(t, cardproof.IssuerKey(bytes.Repeat([]byte{8}, 32)), rec, 9), testIssuer, false,
			[]string{CodeCardProofInvalid}, "bad_cryptogram"},
		{"a counter already used", good, testIssuer, true, []string{CodeCardCounterReplay}, "counter"},
		{"a track-2 swipe paid from the account (limit 0)", track2, testIssuer, false, []string{CodePolicyMismatch}, "allowed"},
		{"an IC card paid in cash needs no proof", cash, testIssuer, false, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := judge(c.rec, c.issuer, c.used)
			if got := j.Codes(); !slices.Equal(got, c.want) {
				t.Fatalf("codes %v, want %v (%+v)", got, c.want, j.Findings)
			}
			if c.ev != "" {
				if _, ok := j.Findings[0].Evidence[c.ev]; !ok {
					t.Fatalf("evidence %v lacks %q", j.Findings[0].Evidence, c.ev)
				}
			}
			if len(c.want) > 0 && c.want[0] != CodePolicyMismatch {
				if held := HeldAmount(c.rec.Account, holder.Balance, j.Allowed, j.Codes()); held != c.rec.Account {
					t.Fatalf("held %d of %d, want all of it", held, c.rec.Account)
				}
			}
		})
	}
	if track := judge(track2, testIssuer, false); HeldAmount(track2.Account, holder.Balance, track.Allowed, track.Codes()) != track2.Account {
		t.Fatalf("track-2 swipe over a limit of 0: allowed %d, not all held", track.Allowed)
	}
}

// CheckPresence judges charges only, and only with an issuer key.
func TestCheckPresenceScope(t *testing.T) {
	rec := wire.Record{Kind: wire.KindVoid, CardNo: "A1", Account: 100}
	if p := CheckPresence(rec, testIssuer); p.Judged {
		t.Fatalf("a void's presence judged: %+v", p)
	}
	rec.Kind = wire.KindCharge
	if p := CheckPresence(rec, nil); p.Judged {
		t.Fatalf("judged without an issuer key: %+v", p)
	}
	if p := CheckPresence(rec, testIssuer); !p.Judged || p.HasProof || p.Verified() {
		t.Fatalf("a charge without proof: %+v", p)
	}
}

// A pharmacy that writes another person's resident id or name into the
// card-read evidence (or reads a card that is not the account's) is held
// whole; evidence that agrees, or is missing, or a cash sale, is not.
func TestCardDataMismatch(t *testing.T) {
	b := sampleBundle(t)
	holder := &policy.Holder{CardNo: "A1", PersonID: "11010519600315001X", Name: "张三", Status: policy.StatusActive, Balance: 500000}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, judgeZone)
	cold := policy.Line{Code: "D0006", Barcode: "6901234500066", Qty: 1, UnitPrice: 980}
	rec := honest(t, b, holder, at, nil, cold)
	cases := []struct {
		name     string
		read     *wire.CardRead
		account  bool
		evidence []string
	}{
		{"agrees", &wire.CardRead{Source: "frame", PersonID: "11010519600315001x ", Name: " 张三"}, true, nil},
		{"no evidence", nil, true, nil},
		{"nothing read", &wire.CardRead{Source: "track2"}, true, nil},
		{"another id", &wire.CardRead{Source: "frame", PersonID: "110105196003150021", Name: "张三"}, true, []string{"person_id"}},
		{"another name", &wire.CardRead{Source: "frame", PersonID: "11010519600315001X", Name: "李四"}, true, []string{"name"}},
		{"both", &wire.CardRead{Source: "frame", PersonID: "110105196003150021", Name: "李四"}, true, []string{"name", "person_id"}},
		{"cash only", &wire.CardRead{Source: "frame", Name: "李四"}, false, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rec
			r.CardRead = tc.read
			if !tc.account {
				r = honest(t, b, holder, at, nil, cold)
				r.CardRead = tc.read
				r.Lines[0].Account, r.Lines[0].Cash = 0, r.Lines[0].Amount
				r.Account, r.Cash = 0, r.Total
			}
			j := Judge(JudgeInput{Record: r, Pharmacy: "P1", Received: at.Add(time.Minute), Zone: judgeZone, Policy: true, Bundle: b, Holder: holder})
			i := slices.IndexFunc(j.Findings, func(f Finding) bool { return f.Code == CodeCardDataMismatch })
			if (i >= 0) != (tc.evidence != nil) {
				t.Fatalf("findings %v, want CARD_DATA_MISMATCH %v", j.Codes(), tc.evidence != nil)
			}
			if i < 0 {
				return
			}
			var got []string
			for k := range j.Findings[i].Evidence {
				if k != "account" {
					got = append(got, k)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.evidence) {
				t.Fatalf("evidence %v, want %v", j.Findings[i].Evidence, tc.evidence)
			}
			if h := HeldAmount(r.Account, holder.Balance, j.Allowed, j.Codes()); h != r.Account {
				t.Fatalf("held %d of %d", h, r.Account)
			}
		})
	}
}

// A charge that lacks its proof and breaks a rule carries both findings:
// the proof's, and the rules' judged without presence (health food paid
// from the account is POLICY_MISMATCH whatever the card did).
func TestPresenceFindingLeavesTheOtherRules(t *testing.T) {
	b := sampleBundle(t)
	holder := &policy.Holder{CardNo: "A1", Status: policy.StatusActive, Balance: 500000}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, judgeZone)
	rec := honest(t, b, holder, at, nil, policy.Line{Code: "D0015", Barcode: "6901234500158", Qty: 1, UnitPrice: 19800})
	rec.Lines[0].Account, rec.Lines[0].Cash = 19800, 0 // health food, claimed from the account
	rec.Account, rec.Cash = 19800, 0
	rec.CardRead = &wire.CardRead{Source: "frame"}
	j := Judge(JudgeInput{Record: rec, Pharmacy: "P1", Received: at.Add(time.Minute), Zone: judgeZone,
		Policy: true, Bundle: b, Holder: holder, Presence: CheckPresence(rec, testIssuer)})
	if got := j.Codes(); !slices.Equal(got, []string{CodeCardProofMissing, CodePolicyMismatch}) || j.Allowed != 0 {
		t.Fatalf("codes %v, allowed %d; want CARD_PROOF_MISSING and POLICY_MISMATCH, nothing allowed", got, j.Allowed)
	}
}
