package console

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"posagent/sync/centre/ledger"
	"posagent/sync/centre/store"
)

// Every hold state and ruling has zh and en texts, and every way a ruling
// fails maps to a text of the catalogue, never to Go's error text.
func TestRulingTexts(t *testing.T) {
	for _, s := range []string{ledger.HoldHeld, ledger.HoldDeferred, ledger.HoldRefusePending,
		ledger.HoldAccepted, ledger.HoldRefused, ledger.HoldVoided} {
		if tx := texts["hold_"+s]; tx[0] == "" || tx[1] == "" {
			t.Errorf("no text for hold state %q", s)
		}
	}
	for _, a := range []string{ledger.RulingAccept, ledger.RulingRefuse, ledger.RulingDefer, ledger.RulingConfirm} {
		if tx := texts["action_"+a]; tx[0] == "" || tx[1] == "" {
			t.Errorf("no text for ruling %q", a)
		}
	}
	for _, s := range []string{ledger.HoldAccepted, ledger.HoldRefused, ledger.HoldDeferred, ledger.HoldRefusePending} {
		if tx := texts["ruled_"+s]; tx[0] == "" || tx[1] == "" {
			t.Errorf("no notice for a ruling leaving %q", s)
		}
	}
	for _, c := range []struct {
		err    error
		status int
		key    string
	}{
		{ledger.ErrNoteRequired, http.StatusBadRequest, "ruling_note_required"},
		{ledger.ErrBadRuling, http.StatusBadRequest, "ruling_bad"},
		{ledger.ErrOwnRuling, http.StatusConflict, "ruling_own"},
		{ledger.ErrNotPending, http.StatusConflict, "ruling_not_pending"},
		{store.ErrNoHold, http.StatusConflict, "ruling_no_hold"},
		{store.ErrNotFound, http.StatusNotFound, "txn_not_found"},
		{errors.New("disk on fire"), http.StatusInternalServerError, "storage_error"},
	} {
		status, key := rulingFailure(fmt.Errorf("rule on T1/1: %w", c.err))
		if status != c.status || key != c.key || texts[key][0] == "" || texts[key][1] == "" {
			t.Errorf("%v: %d %q, want %d %q with texts", c.err, status, key, c.status, c.key)
		}
	}
}
