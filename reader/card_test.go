package reader

import (
	"encoding/json"
	"testing"
	"time"
)

func TestCardPolicy(t *testing.T) {
	c := Card{CardNo: "A00000001", Name: "张三", Sex: "M", Birth: "1960-03-15", Expiry: "2030-01-14",
		PersonID: "110105196003150013", Problem: "p"}
	p := c.Policy()
	if !p.Birth.Equal(time.Date(1960, 3, 15, 0, 0, 0, 0, time.UTC)) || !p.Expiry.Equal(time.Date(2030, 1, 14, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("dates: birth %v expiry %v", p.Birth, p.Expiry)
	}
	if p.CardNo != c.CardNo || p.Name != c.Name || p.Sex != "M" || p.PersonID != c.PersonID || p.Problem != "p" {
		t.Errorf("Policy() = %+v", p)
	}
	if p := (Card{CardNo: "1"}).Policy(); !p.Birth.IsZero() || !p.Expiry.IsZero() {
		t.Errorf("unknown dates must be zero: %+v", p)
	}
}

func TestCardJSONFieldNames(t *testing.T) {
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	b, err := json.Marshal(Event{Type: EventCard, Card: &Card{CardNo: "1", Source: "track2", ReadAt: at}, At: at})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"card","card":{"card_no":"1","name":"","sex":"","birth":"","region":"","expiry":"","source":"track2","read_at":"2025-03-01T10:00:00Z"},"at":"2025-03-01T10:00:00Z"}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	b, _ = json.Marshal(Status{State: StateOpen, Port: "/dev/x", Format: FormatFrame, BadFrames: 2})
	want = `{"state":"open","port":"/dev/x","format":"frame","last_error":"","reconnects":0,"swipes":0,"bad_frames":2,"bad_reads":0,"auths":0,"auth_failures":0}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
