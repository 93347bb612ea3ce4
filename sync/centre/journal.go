package centre

import (
	"context"
	"errors"
	"fmt"

	"posagent/sync/centre/store"
)

// NoteJournalReplaced marks terminal t JOURNAL_REPLACED (SPEC §9): it
// showed a journal other than the one the centre holds. reason is
// store.JournalBehind (its hello's last seq agentSeq is below t.AckedSeq)
// or store.JournalUnchained (its entry agentSeq, the first past
// t.AckedSeq, does not link to t.LastHash). The first sighting is kept
// until a rebase; a new one is logged at error level and counted.
func (c *Centre) NoteJournalReplaced(ctx context.Context, t store.Terminal, reason string, agentSeq uint64) error {
	m := store.JournalMark{SeenAt: c.Now().UTC(), Reason: reason, AgentSeq: agentSeq, AckedSeq: t.AckedSeq}
	set, err := c.st.MarkJournalReplaced(ctx, t.ID, m)
	if err != nil {
		return err
	}
	if set {
		c.log.Error("terminal journal replaced: the terminal's journal is not the one the centre holds; "+
			"it must be rebased (centre terminal rebase)", "flag", store.FlagJournalReplaced,
			"terminal", t.ID, "pharmacy", t.Pharmacy, "reason", reason, "agent_seq", agentSeq, "acked_seq", t.AckedSeq)
		c.cfg.Observer.JournalEvent(JournalReplaced)
	}
	return nil
}

// Journal events, as Observer.JournalEvent reports them.
const (
	JournalReplaced = "replaced" // a terminal was newly marked JOURNAL_REPLACED
	JournalRebased  = "rebased"  // an operator rebased a terminal
)

// RebaseTerminal is `centre terminal rebase`: it resolves the terminal's
// open JOURNAL_REPLACED mark, recording when, by whom and the centre's
// acked seq and last hash as the break. From then until the terminal's
// next entry, its welcome lets an empty journal start after that seq
// (DESIGN.md, "A replaced journal"); nothing already applied is applied
// again. A terminal not enrolled is ErrInvalid; one without an open mark
// is store.ErrNotReplaced (code NOT_REPLACED).
func (c *Centre) RebaseTerminal(ctx context.Context, terminal, by string) (store.Terminal, error) {
	if err := checkID(terminal); err != nil {
		return store.Terminal{}, invalidf("terminal id: %w", err)
	}
	if err := checkID(by); err != nil {
		return store.Terminal{}, invalidf("rebased by: %w", err)
	}
	t, err := c.st.RebaseTerminal(ctx, terminal, by, c.Now().UTC())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Terminal{}, invalidf("terminal %q is not enrolled", terminal)
	case err != nil:
		return store.Terminal{}, fmt.Errorf("rebase terminal %s: %w", terminal, err)
	}
	m := t.Journal
	c.log.Warn("terminal rebased: an empty journal continues after the centre's acked seq",
		"terminal", t.ID, "pharmacy", t.Pharmacy, "by", by, "rebase_seq", m.RebaseSeq,
		"seen_at", m.SeenAt, "agent_seq", m.AgentSeq)
	c.cfg.Observer.JournalEvent(JournalRebased)
	c.audit(ctx, by, store.AuditRebase, t.ID, fmt.Sprintf("continues after seq %d", m.RebaseSeq))
	return t, nil
}

// RebaseOffer is what a terminal's welcome offers an empty journal: the
// seq and hash it continues after, when the terminal was rebased and has
// sent nothing since; ok is false otherwise.
func RebaseOffer(t store.Terminal, lastSeq uint64) (seq uint64, hash string, ok bool) {
	m := t.Journal
	if m == nil || m.Open() || lastSeq != 0 || t.AckedSeq == 0 || m.RebaseSeq != t.AckedSeq {
		return 0, "", false
	}
	return t.AckedSeq, t.LastHash, true
}
