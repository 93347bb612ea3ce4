package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
)

// TestConsoleShowsJournalReplacedAndRebase: the terminals page flags a
// terminal with an open JOURNAL_REPLACED mark, says how it was seen and
// which command to run; once rebased, by whom and after which seq.
func TestConsoleShowsJournalReplacedAndRebase(t *testing.T) {
	c := centretest.Start(t)
	c.Enrol("T1", "P1")
	c.Users()
	ctx := context.Background()
	seen := time.Date(2025, 3, 3, 9, 30, 0, 0, c.Location())
	if _, err := c.Store().MarkJournalReplaced(ctx, "T1", store.JournalMark{SeenAt: seen, Reason: store.JournalBehind, AckedSeq: 7}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, c.URL())
	b.mustLogin("sup", "sup-password")
	_, page := b.get("/console/terminals")
	for _, want := range []string{
		`<tr class="terminal flagged" data-terminal="T1">`, `data-flag="JOURNAL_REPLACED"`,
		"日志已被删除或替换（JOURNAL_REPLACED），待续接", "终端日志落后于中心",
		"发现于 2025-03-03 09:30:00：终端日志至第 0 号，中心已确认至第 7 号",
		"centre terminal rebase --terminal T1",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("terminals page lacks %s:\n%s", want, page)
		}
	}
	if _, err := c.Centre().RebaseTerminal(ctx, "T1", "ops-li"); err != nil {
		t.Fatal(err)
	}
	_, page = b.get("/console/terminals?lang=en")
	if strings.Contains(page, `data-flag="JOURNAL_REPLACED"`) || !strings.Contains(page, "by ops-li: the new journal continues after seq 0") {
		t.Errorf("terminals page after the rebase:\n%s", page)
	}
}
