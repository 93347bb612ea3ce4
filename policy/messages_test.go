package policy

import (
	"os"
	"strings"
	"testing"
	"unicode"
)

func TestEveryCodeHasBothMessages(t *testing.T) {
	seen := map[string]Code{}
	for _, c := range AllCodes() {
		en, zh := Message(c)
		if en == "" || zh == "" {
			t.Errorf("%s: en %q zh %q", c, en, zh)
		}
		if !hasHan(zh) || hasHan(en) {
			t.Errorf("%s: messages in the wrong language: en %q zh %q", c, en, zh)
		}
		if other, dup := seen[en]; dup {
			t.Errorf("%s and %s share the message %q", c, other, en)
		}
		seen[en] = c
	}
	en, zh := Message("NO_SUCH_CODE")
	if en == "" || zh == "" {
		t.Error("unknown code has no message")
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// TestRulesDocListsEveryCode keeps docs/RULES.md in step with the code:
// every code, both its messages, and every rules key are in it.
func TestRulesDocListsEveryCode(t *testing.T) {
	raw, err := os.ReadFile("../docs/RULES.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	for _, c := range AllCodes() {
		en, zh := Message(c)
		for _, want := range []string{"`" + string(c) + "`", en, zh} {
			if !strings.Contains(doc, want) {
				t.Errorf("docs/RULES.md lacks %q", want)
			}
		}
	}
	for key := range (&Rules{}).fields() {
		if !strings.Contains(doc, "| `"+key+"` |") {
			t.Errorf("docs/RULES.md lacks the rules key %s", key)
		}
	}
}
