package daemon_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/gorilla/websocket"

	"posagent/agent"
	"posagent/agent/agenttest"
	"posagent/agent/api"
	"posagent/agent/daemon"
	"posagent/internal/demo"
	"posagent/internal/scrape"
	"posagent/reader"
)

// unplugs is how many times the reader is unplugged and plugged back.
const unplugs = 50

// longAway is how long the reader stays unplugged every 25th time: long
// enough for the agent's reopen backoff to reach its cap (100 ms doubling
// to 1 s) after many failed attempts, which must still give one "down"
// and one "open" event. How soon a reader serves again after that is the
// reader's to test, on a clock it moves (reader_reopen_test.go); here the
// durations are only logged.
const longAway = 2 * time.Second

// socket is a card reader's serial port the test can unplug: a
// pseudo-terminal reached through a symlink, as /dev/serial/by-id/… names
// a USB reader. Unplugging hangs the pseudo-terminal up; plugging in makes
// a new one and re-points the link.
type socket struct {
	t           *testing.T
	link        string
	master, tty *os.File
}

func newSocket(t *testing.T, dir string) *socket {
	s := &socket{t: t, link: filepath.Join(dir, "usb-card-reader")}
	s.plugIn()
	t.Cleanup(s.unplug)
	return s
}

// plugIn creates a new pseudo-terminal and atomically re-points the link.
func (s *socket) plugIn() {
	s.t.Helper()
	var err error
	if s.master, s.tty, err = pty.Open(); err != nil {
		s.t.Fatal(err)
	}
	tmp := s.link + ".new"
	_ = os.Remove(tmp)
	if err := os.Symlink(s.tty.Name(), tmp); err != nil {
		s.t.Fatal(err)
	}
	if err := os.Rename(tmp, s.link); err != nil {
		s.t.Fatal(err)
	}
}

// unplug hangs the port up and removes the link, as pulling the USB
// cable does to the device and its /dev/serial/by-id name.
func (s *socket) unplug() {
	if s.master != nil {
		s.master.Close()
		s.tty.Close()
		s.master, s.tty = nil, nil
	}
	_ = os.Remove(s.link)
}

// cutCard is the record of a card whose swipe the unplug cuts short.
func cutCard(i int) []byte {
	rec, err := reader.EncodeCardRecord(reader.NewCardFile(fmt.Sprintf("X%08d", i)).CardRecord)
	if err != nil {
		panic(err)
	}
	return rec
}

// eventLog collects the /v1/events messages of one websocket.
type eventLog struct {
	mu     sync.Mutex
	events []reader.Event
	err    error
}

func watchEvents(t *testing.T, ctx context.Context, base string) *eventLog {
	t.Helper()
	h := http.Header{"Authorization": {"Bearer " + demo.APIToken}}
	ws, _, err := websocket.DefaultDialer.DialContext(ctx, "ws"+strings.TrimPrefix(base, "http")+"/v1/events", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	l := &eventLog{}
	go func() {
		for {
			_, data, err := ws.ReadMessage()
			l.mu.Lock()
			if err != nil {
				l.err = err
				l.mu.Unlock()
				return
			}
			var ev reader.Event
			if err := json.Unmarshal(data, &ev); err != nil {
				l.err = fmt.Errorf("event %q: %w", data, err)
			}
			l.events = append(l.events, ev)
			l.mu.Unlock()
		}
	}()
	return l
}

// cards returns the numbers of the "card" events, in order; downs and
// opens count the reader's state changes (a failed read is a "reader"
// event too, with an error and the state unchanged: not counted).
// The opens are the reconnect counts the "open" events carry. The first
// open (count 0) may or may not be seen: the socket subscribes once the
// status already says open, which can be just before or just after that
// event is published, so tally leaves it out.
func (l *eventLog) tally() (cards []string, downs int, opens []uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ev := range l.events {
		switch {
		case ev.Type == reader.EventCard && ev.Card != nil:
			cards = append(cards, ev.Card.CardNo)
		case ev.Type == reader.EventReader && ev.Reader != nil && ev.Reader.State == reader.StateDown:
			downs++
		case ev.Type == reader.EventReader && ev.Reader != nil && ev.Reader.State == reader.StateOpen && ev.Error == "" && ev.Reader.Reconnects > 0:
			opens = append(opens, ev.Reader.Reconnects)
		}
	}
	return cards, downs, opens
}

// startUnpluggedTerminal enrols a terminal at the demo's centre and starts
// an agent whose reader is the socket's link.
func startUnpluggedTerminal(t *testing.T, ctx context.Context, env *demo.Env, dir, link string) *api.Client {
	t.Helper()
	token, err := env.Centre.Centre().Enrol(ctx, "T-USB", "P001")
	if err != nil {
		t.Fatal(err)
	}
	d, err := daemon.Start(ctx, daemon.Config{
		Data: filepath.Join(dir, "agent"), Listen: "127.0.0.1:0", APIToken: demo.APIToken,
		Reader: link, ReaderFormat: string(reader.FormatFrame), Baud: 9600,
		Centre: "ws" + strings.TrimPrefix(env.CentreURL(), "http"), Terminal: "T-USB", TerminalToken: token,
		CentreKey: env.KeyFile, TimeZone: "Asia/Shanghai",
	}, agenttest.Quiet())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Stop(); err != nil {
			t.Errorf("stop agent: %v", err)
		}
	})
	return &api.Client{Base: "http://" + d.Addr(), Token: demo.APIToken}
}

// waitReader polls /v1/status until the reader is open after its n-th
// reopen and returns how long that took.
func waitReader(t *testing.T, ctx context.Context, pos *api.Client, n uint64) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(10 * time.Second)
	for {
		st, err := pos.Status(ctx)
		if err == nil && st.Reader.State == reader.StateOpen && st.Reader.Reconnects >= n {
			if st.Reader.Reconnects != n {
				t.Fatalf("reader reopened %d times, want %d", st.Reader.Reconnects, n)
			}
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			t.Fatalf("reader not open after reopen %d within 10 s: %+v, %v", n, st.Reader, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitDown polls /v1/status until the reader is down with its error.
func waitDown(t *testing.T, ctx context.Context, pos *api.Client) {
	t.Helper()
	var st agent.Status
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if st, err = pos.Status(ctx); err == nil && st.Reader.State == reader.StateDown && st.Reader.LastError != "" {
			return
		}
	}
	t.Fatalf("status with the reader unplugged: %+v, %v; want down with the error", st.Reader, err)
}

// waitCards waits until the event log holds n card events.
func waitCards(t *testing.T, l *eventLog, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		cards, _, _ := l.tally()
		if len(cards) >= n {
			return
		}
		if time.Now().After(deadline) {
			l.mu.Lock()
			err := l.err
			l.mu.Unlock()
			t.Fatalf("%d card events after swipe %d (events socket: %v)", len(cards), n, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// replug unplugs the reader (cutting a swipe short every other time,
// staying away for longAway every 25th), plugs it back, swipes card i once
// the agent has reopened the port, and returns the card number and how
// long the reopen took from plugging in.
func replug(t *testing.T, ctx context.Context, sock *socket, pos *api.Client, events *eventLog, i int) (string, time.Duration) {
	t.Helper()
	if i%2 == 0 {
		// The cable comes out in the middle of a swipe: half a frame must
		// not become a card, nor spoil the next one.
		frame := reader.EncodeFrame(reader.CmdCardRead, cutCard(i))
		if _, err := sock.master.Write(frame[:len(frame)/2]); err != nil {
			t.Fatal(err)
		}
	}
	sock.unplug()
	if i%25 == 0 {
		waitDown(t, ctx, pos)
		time.Sleep(longAway) // the scenario: the cable stays out, attempts keep failing
		waitDown(t, ctx, pos)
	}
	sock.plugIn()
	took := waitReader(t, ctx, pos, uint64(i))
	card := reader.NewCardFile(fmt.Sprintf("U%08d", i))
	if err := reader.WriteSwipe(sock.master, reader.FormatFrame, card); err != nil {
		t.Fatal(err)
	}
	waitCards(t, events, i)
	return card.CardNo, took
}

func TestReaderUnpluggedFiftyTimesReconnectsAndLosesNoSwipe(t *testing.T) {
	env, ctx := world(t)
	dir := t.TempDir()
	sock := newSocket(t, dir)
	pos := startUnpluggedTerminal(t, ctx, env, dir, sock.link)
	waitReader(t, ctx, pos, 0)
	events := watchEvents(t, ctx, pos.Base)

	var want []string
	took := make([]time.Duration, 0, unplugs)
	for i := 1; i <= unplugs; i++ {
		card, d := replug(t, ctx, sock, pos, events, i)
		want, took = append(want, card), append(took, d)
	}
	sorted := slices.Clone(took)
	slices.Sort(sorted)
	slowest := sorted[len(sorted)-1]
	t.Logf("reopen after plugging back in, %d times: min %v, median %v, p90 %v, max %v",
		len(sorted), sorted[0], sorted[len(sorted)/2], sorted[len(sorted)*9/10], slowest)
	t.Logf("each (every 25th after %v unplugged): %v", longAway, took)

	// Every swipe seen exactly once, in order; every unplug seen as the
	// reader going down and coming back. A last swipe closes the list: a
	// stray duplicate of an earlier one would have come before it, as the
	// reader's events are streamed in order.
	last := reader.NewCardFile("U99999999")
	if err := reader.WriteSwipe(sock.master, reader.FormatFrame, last); err != nil {
		t.Fatal(err)
	}
	want = append(want, last.CardNo)
	waitCards(t, events, len(want))
	cards, downs, opens := events.tally()
	if !slices.Equal(cards, want) {
		t.Errorf("card events %v, want each of the %d swipes once: %v", cards, unplugs, want)
	}
	wantOpens := make([]uint64, unplugs)
	for i := range wantOpens {
		wantOpens[i] = uint64(i + 1)
	}
	if downs != unplugs || !slices.Equal(opens, wantOpens) {
		t.Errorf("reader events: %d down, reopens %v; want %d down and reopens 1 to %d once each", downs, opens, unplugs, unplugs)
	}
	st, err := pos.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Reader.State != reader.StateOpen || st.Reader.Reconnects != unplugs || st.Reader.Swipes != unplugs+1 || st.Reader.Port != sock.link {
		t.Errorf("reader status %+v, want open on %s after %d reconnects and %d swipes", st.Reader, sock.link, unplugs, unplugs+1)
	}
	fams, _, err := scrape.Get(ctx, pos.Base+"/metrics", demo.APIToken)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "after the unplugs", fams,
		expect{"posagent_reader_reconnects_total", nil, unplugs},
		expect{"posagent_card_swipes_total", nil, unplugs + 1},
		expect{"posagent_reader_open", nil, 1},
	)
}
