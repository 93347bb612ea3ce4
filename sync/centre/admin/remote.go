package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"posagent/internal/web"
	"posagent/sync/centre"
	"posagent/sync/centre/api"
	"posagent/sync/centre/store"
)

// remoteAdmin runs the operations through a running centre's admin API.
type remoteAdmin struct {
	base   string
	token  string
	client *http.Client
}

var _ Admin = (*remoteAdmin)(nil)

// Remote runs the operations through the admin API of the centre at addr
// (host:port, loopback), with its admin token.
func Remote(addr, token string) Admin {
	return &remoteAdmin{base: "http://" + addr, token: token,
		client: &http.Client{Timeout: 10 * time.Minute}}
}

// RemoteError is an error answer of a running centre's admin API. It
// matches centre.ErrInvalid and centre.ErrNoSigningKey like the direct
// operations do.
type RemoteError struct {
	Status int
	web.ErrorBody
}

func (e *RemoteError) Error() string {
	return fmt.Sprintf("centre answered %d %s: %s", e.Status, e.Code, e.Message)
}

// Is lets errors.Is see the same sentinels as a direct operation gives.
func (e *RemoteError) Is(target error) bool {
	return target == centre.ErrInvalid && (e.Code == centre.CodeInvalidInput || e.Code == centre.CodeWeakPassword) ||
		target == centre.ErrWeakPassword && e.Code == centre.CodeWeakPassword ||
		target == centre.ErrNoSigningKey && e.Code == centre.CodeNoKey ||
		target == store.ErrNotReplaced && e.Code == centre.CodeNotReplaced
}

func (a *remoteAdmin) Via() string { return "centre at " + a.base }

func (a *remoteAdmin) Close() error {
	a.client.CloseIdleConnections()
	return nil
}

func (a *remoteAdmin) Publish(ctx context.Context, catalogueCSV, rulesJSON []byte) (int64, error) {
	var out api.VersionResponse
	req := api.PublishRequest{CatalogueCSV: string(catalogueCSV), RulesJSON: string(rulesJSON)}
	err := a.postJSON(ctx, "/admin/publish", req, &out)
	return out.Version, err
}

func (a *remoteAdmin) ImportAccountsCSV(ctx context.Context, r io.Reader) (int, error) {
	var out api.ImportResponse
	err := a.post(ctx, "/admin/accounts/import", "text/csv", r, &out)
	return out.Imported, err
}

func (a *remoteAdmin) Enrol(ctx context.Context, terminal, pharmacy string) (string, error) {
	var out api.EnrolResponse
	err := a.postJSON(ctx, "/admin/enrol", api.EnrolRequest{Terminal: terminal, Pharmacy: pharmacy}, &out)
	return out.Token, err
}

func (a *remoteAdmin) IssueVoucher(ctx context.Context, cardNo string) (string, time.Time, error) {
	var out api.VoucherResponse
	err := a.postJSON(ctx, "/admin/vouchers", api.VoucherRequest{CardNo: cardNo}, &out)
	return out.Token, out.ExpiresAt, err
}

func (a *remoteAdmin) AddUser(ctx context.Context, name, role, password string) error {
	return a.postJSON(ctx, "/admin/users", api.UserRequest{Name: name, Role: role, Password: password}, &struct{}{})
}

func (a *remoteAdmin) BlockCards(ctx context.Context, add, remove []string) (int64, error) {
	var out api.VersionResponse
	err := a.postJSON(ctx, "/admin/block", api.BlockRequest{Add: add, Remove: remove}, &out)
	return out.Version, err
}

func (a *remoteAdmin) RebaseTerminal(ctx context.Context, terminal, by string) (store.JournalMark, error) {
	var out api.TerminalStatus
	err := a.postJSON(ctx, "/admin/terminals/"+url.PathEscape(terminal)+"/rebase", api.RebaseRequest{By: by}, &out)
	if err != nil {
		return store.JournalMark{}, err
	}
	if out.Journal == nil {
		return store.JournalMark{}, fmt.Errorf("rebase terminal %s: the centre answered without the journal mark", terminal)
	}
	return *out.Journal, nil
}

func (a *remoteAdmin) VerifyAudit(ctx context.Context) (api.AuditChain, error) {
	var out api.AuditChain
	err := a.send(ctx, http.MethodGet, "/admin/audit/verify", "", nil, &out)
	return out, err
}

func (a *remoteAdmin) postJSON(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s: encode: %w", path, err)
	}
	return a.post(ctx, path, "application/json", bytes.NewReader(body), out)
}

// post sends one admin request and decodes the answer into out.
func (a *remoteAdmin) post(ctx context.Context, path, contentType string, body io.Reader, out any) error {
	return a.send(ctx, http.MethodPost, path, contentType, body, out)
}

// send sends one admin request and decodes the answer into out.
func (a *remoteAdmin) send(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s via %s: %w", path, a.base, err)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		re := &RemoteError{Status: resp.StatusCode}
		if err := dec.Decode(&re.ErrorBody); err != nil {
			re.Code, re.Message = "HTTP", resp.Status
		}
		return re
	}
	if err := dec.Decode(out); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: decode answer: %w", path, err)
	}
	return nil
}
