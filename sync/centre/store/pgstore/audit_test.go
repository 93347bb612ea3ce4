package pgstore

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"posagent/sync/centre/store"
	"posagent/sync/centre/store/storetest"
)

// An event changed by an owner who first disables the append-only trigger
// is still found by VerifyAudit.
func TestAuditTamperedEventIsFound(t *testing.T) {
	s, dsn := openTest(t)
	storetest.Tamper(t, s, func(seq uint64, detail string) store.Store {
		exec(t, dsn, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
		exec(t, dsn, "UPDATE audit_log SET detail = $1 WHERE seq = $2", detail, int64(seq))
		exec(t, dsn, "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")
		return s
	})
}

// The table refuses UPDATE, DELETE and TRUNCATE.
func TestAuditLogIsAppendOnly(t *testing.T) {
	s, dsn := openTest(t)
	if _, err := s.AppendAudit(ctx, store.AuditEvent{At: time.Now(), Actor: "a", Action: store.AuditBlock}); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, sql := range []string{
		"UPDATE audit_log SET detail = 'x'",
		"DELETE FROM audit_log",
		"TRUNCATE audit_log",
	} {
		_, err := conn.Exec(ctx, sql)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused as append-only", sql, err)
		}
	}
	if n, err := s.VerifyAudit(ctx); n != 1 || err != nil {
		t.Fatalf("VerifyAudit = %d, %v", n, err)
	}
}
