package reader

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadSampleCards(t *testing.T) {
	cases := []struct {
		file, cardNo, pan, name, sex, birth, problem string
	}{
		{"zhang-san.json", "A00000001", "11010500000001", "张三", "M", "1960-03-15", ""},
		{"li-si-bad-id.json", "A00000002", "11010500000002", "李四", "F", "1985-07-22", "resident id check character is 3, want 9"},
		{"wang-wu-lost.json", "A00000009", "11010500000009", "王五", "M", "1972-09-10", ""},
	}
	for _, c := range cases {
		card, err := LoadCardFile(filepath.Join("..", "testdata", "cards", c.file))
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		var frame bytes.Buffer
		if err := WriteSwipe(&frame, FormatFrame, card); err != nil {
			t.Fatal(err)
		}
		var d FrameDecoder
		fs := d.Feed(frame.Bytes())
		if len(fs) != 1 || fs[0].Cmd != CmdCardRead {
			t.Fatalf("%s: frame swipe decoded to %v", c.file, fs)
		}
		got, err := ParseCardRecord(fs[0].Data)
		if err != nil || got.CardNo != c.cardNo || got.Name != c.name || got.Sex != c.sex ||
			got.Birth != c.birth || got.Problem != c.problem {
			t.Errorf("%s: frame card %+v, %v", c.file, got, err)
		}

		var line bytes.Buffer
		if err := WriteSwipe(&line, FormatTrack2, card); err != nil {
			t.Fatal(err)
		}
		tc, err := ParseTrack2(line.Bytes())
		if err != nil || tc.CardNo != c.pan || tc.Expiry[:7] != got.Expiry[:7] {
			t.Errorf("%s: track-2 card %+v, %v; want PAN %s and the record's expiry month", c.file, tc, err, c.pan)
		}
		if card.Track2PAN() != deriveFromRule(card) {
			t.Errorf("%s: pan %s does not follow the documented rule (%s)", c.file, card.PAN, deriveFromRule(card))
		}
	}
}

// deriveFromRule is Track2PAN's default for a card without a pan.
func deriveFromRule(c CardFile) string {
	c.PAN = ""
	return c.Track2PAN()
}

func TestTrack2PAN(t *testing.T) {
	c := NewCardFile("A00000001")
	if got := c.Track2PAN(); got != "11010500000001" {
		t.Errorf("derived PAN = %s", got)
	}
	if got := NewCardFile("6212000011112222").Track2PAN(); got != "6212000011112222" {
		t.Errorf("all-digit card number PAN = %s", got)
	}
	c.PAN = "42"
	if got := c.Track2PAN(); got != "42" {
		t.Errorf("explicit PAN = %s", got)
	}
	if err := NewCardFile("A00000001").Check(); err != nil {
		t.Errorf("NewCardFile is not a valid card: %v", err)
	}
}

func TestLoadCardFileErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good, err := os.ReadFile(filepath.Join("..", "testdata", "cards", "zhang-san.json"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"unknown field": strings.Replace(string(good), `"name"`, `"nmae"`, 1),
		"bad json":      "{",
		"bad card no":   strings.Replace(string(good), "A00000001", "A0001", 1),
		"bad pan":       strings.Replace(string(good), "11010500000001", "1101050000000X", 1),
	}
	for name, body := range cases {
		if _, err := LoadCardFile(write(name+".json", body)); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
	if _, err := LoadCardFile(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file: loaded")
	}
	if err := WriteSwipe(&bytes.Buffer{}, "ascii", NewCardFile("A00000001")); err == nil {
		t.Error("WriteSwipe with a bad format: no error")
	}
}

// TestAllSampleCardsLoad keeps every card file under testdata/cards
// loadable by cardsim, whoever adds it.
func TestAllSampleCardsLoad(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "cards", "*.json"))
	if err != nil || len(files) < 3 {
		t.Fatalf("sample cards: %v, %v", files, err)
	}
	for _, f := range files {
		if _, err := LoadCardFile(f); err != nil {
			t.Errorf("%v", err)
		}
	}
}
