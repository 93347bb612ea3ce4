package client

import (
	"testing"

	"posagent/sync/wire"
)

func TestBoundBatchKeepsUnderLimit(t *testing.T) {
	body := make([]byte, 1000)
	es := make([]wire.Entry, 10)
	for i := range es {
		es[i] = wire.Entry{Seq: uint64(i + 1), Hash: "h", Body: body}
	}
	if got := boundBatch(es, 1<<20); len(got) != 10 {
		t.Fatalf("under the limit: kept %d of 10", len(got))
	}
	got := boundBatch(es, 3500)
	if len(got) != 3 {
		t.Fatalf("3500-byte limit: kept %d, want 3", len(got))
	}
	if got := boundBatch(es, 10); len(got) != 1 {
		t.Fatalf("tiny limit: kept %d, want the first entry alone", len(got))
	}
}
