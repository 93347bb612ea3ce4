package journal

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestConcurrentUse appends from several goroutines while others read and
// move the cursor: seqs stay contiguous and unique, and the chain verifies.
func TestConcurrentUse(t *testing.T) {
	j := openTemp(t)
	const writers, each = 4, 25
	var wg sync.WaitGroup
	seen := make(chan uint64, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				r, _, err := j.Append(charge(fmt.Sprint(w, "-", i), fmt.Sprint("card", w), 100, base.Add(time.Duration(i)*time.Second)))
				if err != nil {
					t.Error(err)
					return
				}
				seen <- r.Seq
			}
		})
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			last := j.LastSeq()
			if err := j.SetAcked(last / 2); err != nil {
				t.Error(err)
			}
			if _, term := j.Unsynced("card0"); term < 0 {
				t.Errorf("negative exposure %d", term)
			}
			if _, err := j.Entries(last/2, 500); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	close(stop)
	readers.Wait()
	close(seen)
	got := map[uint64]bool{}
	for s := range seen {
		if got[s] {
			t.Fatalf("seq %d handed out twice", s)
		}
		got[s] = true
	}
	if len(got) != writers*each || j.LastSeq() != writers*each {
		t.Fatalf("%d distinct seqs, last %d, want %d", len(got), j.LastSeq(), writers*each)
	}
	if err := j.Verify(); err != nil {
		t.Fatal(err)
	}
	if _, term := j.Unsynced(""); term != int64(writers*each-j.Acked())*100 {
		t.Fatalf("terminal exposure %d with acked %d", term, j.Acked())
	}
}
