package chaos

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"posagent/agent"
	"posagent/agent/api"
	"posagent/internal/clock"
	"posagent/policy"
	"posagent/reader"
)

// Sale is a charge as the POS was answered, and what it took to get the
// answer.
type Sale struct {
	Key     string // idempotency key
	TxnID   string
	Seq     uint64
	CardNo  string
	Account int64 // fen paid from the personal account
	Cash    int64
	Settled string
	Proof   string // how presence was proven (agent.Charge.Proof)
	// Retries counts Charge calls that failed in transport (the agent died
	// or the connection broke) and were retried with the same key.
	Retries int
	// Recovered: the answer came after an agent restart for the quote made
	// before it. Quotes live in memory, so the restarted agent could only
	// answer from its journal: the charge had been committed before the
	// crash, and the retry got the first answer, not a second charge.
	Recovered bool
}

// VoidResult is the outcome of voiding a sale.
type VoidResult struct {
	Charge   string // the txn_id voided
	VoidTxn  string // the void's txn_id; "" when only AlreadyVoided is known
	Refunded int64
	// AlreadyVoided: a retry after a transport failure was refused as
	// "already voided", so the first attempt had been committed.
	AlreadyVoided bool
}

// CashierCounts are what a Cashier went through.
type CashierCounts struct {
	Swipes, QuoteFailures, ChargeFailures, Requotes, Recovered atomic.Int64
	// Reswipes counts quotes that found the card unknown (the agent had
	// neither reached the centre nor cached the account yet) and made the
	// cashier swipe again.
	Reswipes atomic.Int64
	// Vouchers counts e-vouchers the agent took (a voucher session began);
	// VoucherMisses, those it could not: the centre or the link down, or
	// the token not issued.
	Vouchers, VoucherMisses atomic.Int64
}

// maxReswipes bounds the swipes again for one sale; after them the sale
// goes through as the agent decides (in cash, for an unknown card).
const maxReswipes = 5

// Cashier sells through the POS API the way a careful POS program does:
// every charge has its own idempotency key, and a charge whose answer was
// lost is asked again with the same key until it is answered. Its methods
// are safe for concurrent use, but the card in the reader is shared: sell
// concurrently only on one card.
type Cashier struct {
	POS    *api.Client
	Line   *SerialLine
	Agent  *Proc  // the agent's process, to tell a restart; may be nil
	Name   string // the cashier id on every record
	Counts CashierCounts
	// Scanner and Issue, when set, let the cashier take e-vouchers
	// (PresentVoucher): Issue has the centre issue a token for a card.
	Scanner *ScannerLine
	Issue   func(ctx context.Context, card string) (string, error)
}

// pause is the wait between attempts while the agent is away.
const pause = 20 * time.Millisecond

// Present puts card in the reader and waits until the agent reports it.
func (c *Cashier) Present(ctx context.Context, card reader.CardFile) error {
	for {
		if err := c.Line.Insert(card); err != nil {
			return err
		}
		c.Counts.Swipes.Add(1)
		wctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := c.POS.WaitCard(wctx, card.CardNo)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("present card %s: %w", card.CardNo, err)
		}
	}
}

// PresentVoucher has the insured person show an e-voucher for card
// instead of the card: a token is issued, scanned, and the agent redeems
// it at the centre. It reports whether the agent took it (its current
// card is then card, presented by e-voucher); when the centre or the link
// is down it did not, and the sale goes on with the card.
func (c *Cashier) PresentVoucher(ctx context.Context, card reader.CardFile) bool {
	if c.Scanner == nil || c.Issue == nil {
		return false
	}
	token, err := c.Issue(ctx, card.CardNo)
	if err == nil {
		err = c.Scanner.Scan(token)
	}
	for deadline := time.Now().Add(2 * time.Second); err == nil && time.Now().Before(deadline); {
		wctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		got, werr := c.POS.Card(wctx)
		cancel()
		if werr == nil && got.CardNo == card.CardNo && got.Source == agent.SourceVoucher {
			c.Counts.Vouchers.Add(1)
			return true
		}
		clock.Sleep(ctx, clock.Real(), pause)
	}
	c.Counts.VoucherMisses.Add(1)
	return false
}

// Sell quotes one unit of Item at price for card and charges it with key,
// through whatever happens to the agent meanwhile. It returns an error only
// when ctx ends or the agent refuses in a way an honest sale never meets.
func (c *Cashier) Sell(ctx context.Context, key string, card reader.CardFile, price int64) (Sale, error) {
	var (
		q        *agent.Quote
		qGen     int // agent generation the quote was made in
		retries  int
		reswipes int
	)
	for {
		if err := ctx.Err(); err != nil {
			return Sale{}, fmt.Errorf("sale %s: %w", key, err)
		}
		if q == nil {
			nq, err := c.knownCardQuote(ctx, card, price, &reswipes)
			if err != nil {
				return Sale{}, fmt.Errorf("sale %s: %w", key, err)
			}
			if nq == nil {
				continue
			}
			q, qGen = nq, c.generation()
		}
		ch, err := c.POS.Charge(ctx, agent.ChargeRequest{QuoteID: q.QuoteID, IdempotencyKey: key, Confirm: q.Required})
		if err == nil {
			s := Sale{Key: key, TxnID: ch.TxnID, Seq: ch.Seq, CardNo: ch.CardNo, Account: ch.AccountPaid,
				Cash: ch.CashDue, Settled: ch.Settled, Proof: ch.Proof, Retries: retries, Recovered: retries > 0 && c.generation() != qGen}
			if s.Recovered {
				c.Counts.Recovered.Add(1)
			}
			return s, nil
		}
		var ae *api.APIError
		switch {
		case !errors.As(err, &ae): // the answer was lost: ask again, same key
			retries++
			c.Counts.ChargeFailures.Add(1)
			clock.Sleep(ctx, clock.Real(), pause)
		case requote[ae.Code]: // nothing was charged: quote again, same key
			c.Counts.Requotes.Add(1)
			q = nil
		default:
			return Sale{}, fmt.Errorf("sale %s: charge refused: %w", key, err)
		}
	}
}

// knownCardQuote makes a quote; when the agent did not know the card's
// account it swipes the card again (at most maxReswipes times per sale,
// counted in *reswipes) and returns nil to be called again.
func (c *Cashier) knownCardQuote(ctx context.Context, card reader.CardFile, price int64, reswipes *int) (*agent.Quote, error) {
	q, err := c.quote(ctx, card, price)
	if err != nil || q == nil || !unknownCard(q) || *reswipes >= maxReswipes {
		return q, err
	}
	*reswipes++
	c.Counts.Reswipes.Add(1)
	clock.Sleep(ctx, clock.Real(), 10*pause)
	return nil, c.Present(ctx, card)
}

// requote lists the charge refusals after which a new quote is the way on;
// none of them charged anything.
var requote = map[string]bool{
	agent.CodeQuoteNotFound: true, agent.CodeQuoteExpired: true,
	agent.CodeCardGone: true, agent.CodeQuoteChanged: true,
}

// quote makes a quote for card, putting the card in the reader when the
// agent has none (it was restarted) or another. A nil quote and nil error
// mean "try again".
func (c *Cashier) quote(ctx context.Context, card reader.CardFile, price int64) (*agent.Quote, error) {
	q, err := c.POS.Quote(ctx, agent.QuoteRequest{Cashier: c.Name, Lines: Cart(price)})
	var ae *api.APIError
	switch {
	case err == nil && q.CardNo == card.CardNo:
		return &q, nil
	case err == nil, errors.As(err, &ae) && ae.Code == agent.CodeNoCard:
		return nil, c.Present(ctx, card)
	case ae != nil && ae.Code == agent.CodeNoRules: // a first start, before the bundle came
		clock.Sleep(ctx, clock.Real(), pause)
		return nil, nil
	case ae != nil:
		return nil, fmt.Errorf("quote refused: %w", err)
	default:
		c.Counts.QuoteFailures.Add(1)
		clock.Sleep(ctx, clock.Real(), pause)
		return nil, nil
	}
}

// unknownCard reports whether the agent did not know the card's account.
func unknownCard(q *agent.Quote) bool {
	for _, r := range q.Reasons {
		if r.Code == policy.CardUnknown {
			return true
		}
	}
	return false
}

// Void voids a sale, retrying through transport failures. A retry refused
// as "already voided" means the first attempt was committed.
func (c *Cashier) Void(ctx context.Context, s Sale) (VoidResult, error) {
	retried := false
	for {
		v, err := c.POS.Void(ctx, agent.VoidRequest{TxnID: s.TxnID, Reason: "chaos: customer changed mind", Cashier: c.Name})
		if err == nil {
			return VoidResult{Charge: s.TxnID, VoidTxn: v.TxnID, Refunded: v.AccountRefunded}, nil
		}
		var ae *api.APIError
		switch {
		case !errors.As(err, &ae):
			retried = true
			clock.Sleep(ctx, clock.Real(), pause)
			if ctx.Err() != nil {
				return VoidResult{}, fmt.Errorf("void %s: %w", s.TxnID, ctx.Err())
			}
		case retried && ae.Code == agent.CodeVoidRefused && strings.Contains(ae.Message, "already voided"):
			return VoidResult{Charge: s.TxnID, Refunded: s.Account, AlreadyVoided: true}, nil
		default:
			return VoidResult{}, fmt.Errorf("void %s: %w", s.TxnID, err)
		}
	}
}

func (c *Cashier) generation() int {
	if c.Agent == nil {
		return 0
	}
	return c.Agent.Generation()
}
