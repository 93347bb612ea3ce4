package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/admin"
	"posagent/sync/centre/centretest"
	"posagent/sync/centre/store"
)

// TestWeakPasswordAnswersItsCode: a password refused by the length or
// deny-list rule is a 400 WEAK_PASSWORD with the catalogue's Chinese
// text, and the CLI's remote admin sees the same error as a direct call.
func TestWeakPasswordAnswersItsCode(t *testing.T) {
	c := centretest.Start(t)
	adm := centretest.Bearer(c.Service.AdminToken())
	for _, pw := range []string{"short", "Password1234", strings.Repeat("x", 73)} {
		var e web.ErrorBody
		resp := c.Request("POST", "/admin/users", adm,
			strings.NewReader(`{"name":"sup","role":"supervisor","password":"`+pw+`"}`), &e)
		if resp.StatusCode != http.StatusBadRequest || e.Code != centre.CodeWeakPassword ||
			e.MessageZh != centre.MessagesZh[centre.CodeWeakPassword] || !strings.Contains(e.MessageZh, "12 到 72 字节") {
			t.Errorf("password %q: %d %+v, want 400 %s with its Chinese text", pw, resp.StatusCode, e, centre.CodeWeakPassword)
		}
	}
	if _, err := c.Store().User(context.Background(), "sup"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused password stored the user: %v", err)
	}
	// Another refusal keeps its own code.
	var e web.ErrorBody
	if resp := c.Request("POST", "/admin/users", adm, strings.NewReader(`{"name":"sup","role":"owner","password":"long-enough-pw"}`), &e); resp.StatusCode != http.StatusBadRequest || e.Code != centre.CodeInvalidInput {
		t.Fatalf("bad role: %d %+v, want 400 %s", resp.StatusCode, e, centre.CodeInvalidInput)
	}

	remote := admin.Remote(c.Service.Addr(), c.Service.AdminToken())
	defer remote.Close()
	err := remote.AddUser(context.Background(), "sup", store.RoleSupervisor, "short")
	if !errors.Is(err, centre.ErrWeakPassword) || !errors.Is(err, centre.ErrInvalid) || centre.CodeOf(err) != centre.CodeWeakPassword {
		t.Fatalf("remote weak password: %v, want ErrWeakPassword and ErrInvalid", err)
	}
	direct := c.Centre().AddUser(context.Background(), "sup", store.RoleSupervisor, "short")
	if centre.CodeOf(direct) != centre.CodeWeakPassword || !errors.Is(direct, centre.ErrInvalid) {
		t.Fatalf("direct weak password: %v", direct)
	}
}
