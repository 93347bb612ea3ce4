package agentws

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gorilla/websocket"

	"posagent/sync/centre"
	"posagent/sync/centre/store"
	"posagent/sync/wire"
)

// handle answers one decoded agent message.
func (c *conn) handle(m wire.Message) error {
	if m.Type != wire.TypeHello && m.Type != wire.TypeError && !c.helloSeen {
		return protocolError(fmt.Sprintf("%q before hello", m.Type))
	}
	switch m.Type {
	case wire.TypeHello:
		return c.onHello(m.Hello)
	case wire.TypeEntries:
		return c.onEntries(m.Entries)
	case wire.TypeAccountReq:
		return c.onAccountReq(m.ID, m.CardNo, m.PersonID, m.CardProof)
	case wire.TypeLookupNonceReq:
		if !c.srv.centre.JudgesPresence() {
			return unknownType(m.Type) // as before proofs: the welcome did not offer it
		}
		return c.onLookupNonceReq(m.ID)
	case wire.TypeBundleStatus:
		return c.onBundleStatus(m.BundleStatus)
	case wire.TypeReconcile:
		return c.onReconcile(m.ID, m.Reconcile)
	case wire.TypeVoucherReq:
		return c.onVoucherReq(m.ID, m.Token)
	case wire.TypeError:
		if m.Error != nil {
			c.log.Warn("agent reported an error", "code", m.Error.Code, "message", m.Error.Message)
		}
		return errPeerError
	case "":
		return badMessage("message has no type")
	default:
		return unknownType(m.Type)
	}
}

func unknownType(typ string) error {
	return &protoError{code: CodeUnknownType, msg: fmt.Sprintf("unknown message type %q", typ),
		close: websocket.CloseUnsupportedData}
}

// onHello answers welcome and lets the writer push what the agent lacks.
func (c *conn) onHello(h *wire.Hello) error {
	switch {
	case c.helloSeen:
		return protocolError("second hello on one connection")
	case h == nil:
		return badMessage("hello without its hello field")
	case h.Terminal != c.terminal.ID:
		return protocolError(fmt.Sprintf("hello names terminal %q, credentials are of %q", h.Terminal, c.terminal.ID))
	}
	ctr := c.srv.centre
	t, err := ctr.Terminal(c.ctx, c.terminal.ID)
	if err != nil {
		return storeError("load terminal", err)
	}
	rules, err := ctr.LatestVersion(c.ctx, wire.KindBundle)
	if err != nil {
		return storeError("latest bundle", err)
	}
	blocklist, err := ctr.LatestVersion(c.ctx, wire.KindBlocklist)
	if err != nil {
		return storeError("latest blocklist", err)
	}
	welcome := wire.Welcome{AckedSeq: t.AckedSeq, ServerTime: ctr.Now().UTC(),
		RulesVersion: rules, BlocklistVersion: blocklist}
	if seq, hash, ok := centre.RebaseOffer(t, h.LastSeq); ok {
		// Rebased and nothing sent since: the empty journal starts here.
		welcome.Rebase = &wire.Rebase{Seq: seq, Hash: hash}
		c.log.Info("offering the rebase to the agent's empty journal", "rebase_seq", seq)
	} else if h.LastSeq < t.AckedSeq {
		c.log.Warn("agent journal is behind the centre", "last_seq", h.LastSeq, "acked_seq", t.AckedSeq)
		if err := ctr.NoteJournalReplaced(c.ctx, t, store.JournalBehind, h.LastSeq); err != nil {
			return storeError("mark journal replaced", err)
		}
	}
	c.helloSeen = true
	c.acked = t.AckedSeq
	c.chainCheck = &t // the first entry past acked must link to t.LastHash
	c.reported = versions{bundle: h.RulesVersion, blocklist: h.BlocklistVersion}
	if h.RulesVersion == t.RulesVersion {
		c.reportErr = t.RulesError // still running the version it had trouble after
	}
	if err := c.report(); err != nil {
		return err
	}
	extra := map[string]bool{wire.FeatureReconcile: true, wire.FeatureVoucher: true}
	if ctr.JudgesPresence() {
		extra[wire.FeatureLookupProof] = true
	}
	data, err := jsonMessage(wire.Message{Type: wire.TypeWelcome, Welcome: &welcome, Extra: extra})
	if err != nil {
		return err
	}
	has := c.reported
	if !c.send(outMsg{data: data, hello: &has}) {
		return errConnClosed
	}
	return nil
}

// onEntries applies a batch in one store transaction and acks it.
func (c *conn) onEntries(entries []wire.Entry) error {
	if len(entries) > wire.MaxBatch {
		return badEntries(fmt.Sprintf("%d entries in one batch, at most %d", len(entries), wire.MaxBatch))
	}
	for i, e := range entries {
		if e.Seq == 0 || (i > 0 && e.Seq <= entries[i-1].Seq) {
			return badEntries(fmt.Sprintf("entry %d has seq %d: seqs must ascend from 1", i, e.Seq))
		}
	}
	ack, err := c.srv.centre.ApplyEntries(c.ctx, c.terminal.ID, c.acked, entries)
	if err != nil {
		// A refused batch tells the agent why; a store failure is logged
		// here and the agent only learns to retry.
		if errors.Is(err, centre.ErrOverQuota) {
			return &protoError{code: CodeOverQuota, msg: "batch not applied: this terminal sent more entries today than its quota; call the centre",
				close: websocket.ClosePolicyViolation, err: err}
		}
		if errors.Is(err, centre.ErrRefused) {
			return &protoError{code: CodeApplyFailed, msg: "batch refused: " + err.Error(),
				close: websocket.CloseInternalServerErr, err: err}
		}
		return &protoError{code: CodeStore, msg: "batch not applied: the centre's store failed; retry later",
			close: websocket.CloseInternalServerErr, err: err}
	}
	c.acked = ack.AckedSeq
	if err := c.checkFirstLink(entries); err != nil {
		return err
	}
	return c.sendMessage(wire.Message{Type: wire.TypeAck, Ack: &ack})
}

// checkFirstLink looks at the first entry past the acked seq of the hello,
// once per connection: when it does not link to the hash the centre holds
// there, the agent's journal is not the one the centre holds (an older
// copy that grew past the centre, say), and the terminal is marked
// JOURNAL_REPLACED. The ledger has flagged the entry CHAIN_BROKEN already.
func (c *conn) checkFirstLink(entries []wire.Entry) error {
	t := c.chainCheck
	if t == nil || len(entries) == 0 {
		return nil
	}
	i := slices.IndexFunc(entries, func(e wire.Entry) bool { return e.Seq > t.AckedSeq })
	if i < 0 {
		return nil
	}
	c.chainCheck = nil
	e := entries[i]
	var rec struct {
		PrevHash string `json:"prev_hash"`
	}
	if e.Seq != t.AckedSeq+1 || json.Unmarshal(e.Body, &rec) != nil || rec.PrevHash == t.LastHash {
		return nil // a gap or an unreadable body is flagged by the ledger
	}
	c.log.Warn("agent's first entry does not link to the centre's last hash", "seq", e.Seq, "acked_seq", t.AckedSeq)
	if err := c.srv.centre.NoteJournalReplaced(c.ctx, *t, store.JournalUnchained, e.Seq); err != nil {
		return storeError("mark journal replaced", err)
	}
	return nil
}

func badEntries(msg string) error {
	return &protoError{code: CodeBadEntries, msg: msg, close: websocket.ClosePolicyViolation}
}

// onAccountReq answers a look-up (Centre.LookupProven, with the nonces
// issued on this connection). A refused one (over the terminal's rate, a
// malformed card number) is answered with the account message carrying an
// error instead of an account, and the connection stays: the agent sells
// as it does when the centre cannot be reached.
func (c *conn) onAccountReq(id, cardNo, personID string, proof *wire.LookupProof) error {
	if cardNo == "" {
		return badMessage("account_req without card_no")
	}
	info, err := c.srv.centre.LookupProven(c.ctx, c.terminal, cardNo, personID, proof, &c.nonces)
	switch {
	case errors.Is(err, centre.ErrRateLimited):
		return c.sendMessage(wire.Message{Type: wire.TypeAccount, ID: id,
			Error: &wire.Error{Code: CodeRateLimited, Message: "too many account look-ups from this terminal; try again later"}})
	case errors.Is(err, centre.ErrBadCardNo):
		return c.sendMessage(wire.Message{Type: wire.TypeAccount, ID: id,
			Error: &wire.Error{Code: CodeBadCardNo, Message: "card_no: want 1 to 32 letters or digits"}})
	case err != nil:
		return storeError("account "+cardNo, err)
	}
	return c.sendMessage(wire.Message{Type: wire.TypeAccount, ID: id, Account: &info})
}

// onLookupNonceReq issues a nonce for a proven look-up
// (Centre.LookupNonce). Over the terminal's nonce rate the answer carries
// RATE_LIMITED instead, and the connection stays.
func (c *conn) onLookupNonceReq(id string) error {
	if id == "" {
		return badMessage("lookup_nonce_req without id")
	}
	nonce, err := c.srv.centre.LookupNonce(c.terminal, &c.nonces)
	switch {
	case errors.Is(err, centre.ErrRateLimited):
		return c.sendMessage(wire.Message{Type: wire.TypeLookupNonce, ID: id,
			Error: &wire.Error{Code: CodeRateLimited, Message: "too many look-up nonces asked by this terminal; try again later"}})
	case err != nil:
		return &protoError{code: CodeStore, msg: "no look-up nonce: the centre failed; retry later",
			close: websocket.CloseInternalServerErr, err: err}
	}
	return c.sendMessage(wire.Message{Type: wire.TypeLookupNonce, ID: id, Nonce: hex.EncodeToString(nonce)})
}

// onBundleStatus records what the agent did with a signed document.
func (c *conn) onBundleStatus(bs *wire.BundleStatus) error {
	if bs == nil {
		return badMessage("bundle_status without its bundle_status field")
	}
	switch bs.Kind {
	case wire.KindBundle:
		c.reported.bundle, c.reportErr = bs.Active, ""
		if bs.Error != "" {
			c.reportErr = refusal("bundle", bs.Offered, bs.Error)
		}
	case wire.KindBlocklist:
		c.reported.blocklist = bs.Active
		if bs.Error != "" {
			c.reportErr = refusal("blocklist", bs.Offered, bs.Error)
		}
	default:
		return badMessage(fmt.Sprintf("bundle_status of unknown kind %q", bs.Kind))
	}
	if bs.Error != "" {
		c.log.Warn("agent refused a signed document", "kind", bs.Kind, "offered", bs.Offered, "error", bs.Error)
	}
	return c.report()
}

// report stores the versions the agent runs.
func (c *conn) report() error {
	err := c.srv.centre.ReportVersions(c.ctx, c.terminal.ID, c.reported.bundle, c.reported.blocklist, c.reportErr)
	if err != nil {
		return storeError("report versions", err)
	}
	return nil
}

// refusal phrases an agent's refusal of a signed document for supervisors,
// without repeating what the agent's own message already says.
func refusal(kind string, version int64, msg string) string {
	prefix := fmt.Sprintf("%s %d refused", kind, version)
	if strings.HasPrefix(msg, prefix) {
		return msg
	}
	return prefix + ": " + msg
}

// jsonMessage encodes a websocket message.
func jsonMessage(m wire.Message) ([]byte, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", m.Type, err)
	}
	return data, nil
}
