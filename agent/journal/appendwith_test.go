package journal

import (
	"errors"
	"testing"

	"posagent/sync/wire"
)

// AppendWith hands prepare the record with the sequence it will be stored
// under; what prepare adds is sealed; a failing prepare writes nothing; a
// prepare that moves the record's place in the chain is refused.
func TestAppendWithSealsWhatPrepareAdds(t *testing.T) {
	j := openTemp(t)
	mustAppend(t, j, charge("t-1", "C1", 1000, base))
	var seen uint64
	rec, _, err := j.AppendWith(charge("t-2", "C1", 500, base), func(r *wire.Record) error {
		seen = r.Seq
		r.Note = "signed at seq 2"
		return nil
	})
	if err != nil || seen != 2 || rec.Seq != 2 {
		t.Fatalf("AppendWith: seq seen %d, stored %d, %v; want 2, 2", seen, rec.Seq, err)
	}
	if got, _, err := j.Get(2); err != nil || got.Note != "signed at seq 2" {
		t.Fatalf("stored record: note %q, %v", got.Note, err)
	}

	no := errors.New("the card did not answer")
	if _, _, err := j.AppendWith(charge("t-3", "C1", 500, base), func(*wire.Record) error { return no }); !errors.Is(err, no) {
		t.Fatalf("failing prepare: %v, want its error", err)
	}
	if j.LastSeq() != 2 {
		t.Fatalf("after a failing prepare the journal ends at %d, want 2", j.LastSeq())
	}
	if _, _, err := j.AppendWith(charge("t-3", "C1", 500, base), func(r *wire.Record) error { r.Seq = 9; return nil }); err == nil {
		t.Fatal("a prepare that changed the seq was sealed")
	}
	if _, _, err := j.AppendWith(charge("t-3", "C1", 500, base), func(r *wire.Record) error { r.Account = -1; return nil }); err == nil {
		t.Fatal("a prepare that made the record invalid was sealed")
	}
	if rec, _ := mustAppend(t, j, charge("t-3", "C1", 500, base)); rec.Seq != 3 {
		t.Fatalf("next append got seq %d, want 3", rec.Seq)
	}
}
