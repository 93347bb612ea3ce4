package api

import (
	"net/http"
	"time"

	"posagent/internal/web"
)

// Request body limits of the admin API (and of the console's forms).
const (
	MaxPublishBody = 256 << 20 // a 100,000-item catalogue is ~15 MiB
	maxImportBody  = 1 << 30   // accounts of a whole region
	MaxSmallBody   = 64 << 10
)

// PublishRequest is the body of POST /admin/publish and /api/publish: the
// two files exactly as the administrator wrote them.
type PublishRequest struct {
	CatalogueCSV string `json:"catalogue_csv"`
	RulesJSON    string `json:"rules_json"`
}

// VersionResponse answers a publish or a block: the new version.
type VersionResponse struct {
	Version int64 `json:"version"`
}

// ImportResponse answers POST /admin/accounts/import (body: the CSV).
type ImportResponse struct {
	Imported int `json:"imported"`
}

// EnrolRequest is the body of POST /admin/enrol.
type EnrolRequest struct {
	Terminal string `json:"terminal"`
	Pharmacy string `json:"pharmacy"`
}

// EnrolResponse carries the terminal's new token.
type EnrolResponse struct {
	Token string `json:"token"`
}

// VoucherRequest is the body of POST /admin/vouchers.
type VoucherRequest struct {
	CardNo string `json:"card_no"`
}

// VoucherResponse carries a new e-voucher token and when it expires; the
// QR code's content is wire.VoucherPrefix + token.
type VoucherResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// UserRequest is the body of POST /admin/users.
type UserRequest struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

// BlockRequest is the body of POST /admin/block.
type BlockRequest struct {
	Add    []string `json:"add,omitempty"`
	Remove []string `json:"remove,omitempty"`
}

func (s *Server) handlePublish(w http.ResponseWriter, r *http.Request) {
	var req PublishRequest
	if !decode(w, r, MaxPublishBody, &req) {
		return
	}
	doc, err := s.centre.Publish(r.Context(), []byte(req.CatalogueCSV), []byte(req.RulesJSON))
	if err != nil {
		s.writeOpError(w, "publish", err)
		return
	}
	web.WriteJSON(w, http.StatusOK, VersionResponse{Version: doc.Version})
}

func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) {
	n, err := s.centre.ImportAccountsCSV(r.Context(), http.MaxBytesReader(w, r.Body, maxImportBody))
	if err != nil {
		s.writeOpError(w, "import accounts", err)
		return
	}
	web.WriteJSON(w, http.StatusOK, ImportResponse{Imported: n})
}

func (s *Server) handleEnrol(w http.ResponseWriter, r *http.Request) {
	var req EnrolRequest
	if !decode(w, r, MaxSmallBody, &req) {
		return
	}
	token, err := s.centre.Enrol(r.Context(), req.Terminal, req.Pharmacy)
	if err != nil {
		s.writeOpError(w, "enrol", err)
		return
	}
	web.WriteJSON(w, http.StatusOK, EnrolResponse{Token: token})
}

func (s *Server) handleVoucher(w http.ResponseWriter, r *http.Request) {
	var req VoucherRequest
	if !decode(w, r, MaxSmallBody, &req) {
		return
	}
	token, expires, err := s.centre.IssueVoucher(r.Context(), req.CardNo)
	if err != nil {
		s.writeOpError(w, "issue e-voucher", err)
		return
	}
	web.WriteJSON(w, http.StatusOK, VoucherResponse{Token: token, ExpiresAt: expires})
}

func (s *Server) handleAddUser(w http.ResponseWriter, r *http.Request) {
	var req UserRequest
	if !decode(w, r, MaxSmallBody, &req) {
		return
	}
	if err := s.centre.AddUser(r.Context(), req.Name, req.Role, req.Password); err != nil {
		s.writeOpError(w, "add user", err)
		return
	}
	web.WriteJSON(w, http.StatusOK, struct{}{})
}

func (s *Server) handleBlock(w http.ResponseWriter, r *http.Request) {
	var req BlockRequest
	if !decode(w, r, maxImportBody, &req) {
		return
	}
	doc, err := s.centre.BlockCards(r.Context(), req.Add, req.Remove)
	if err != nil {
		s.writeOpError(w, "block cards", err)
		return
	}
	web.WriteJSON(w, http.StatusOK, VersionResponse{Version: doc.Version})
}

// RebaseRequest is the body of POST /admin/terminals/{terminal}/rebase.
type RebaseRequest struct {
	By string `json:"by"` // who rebases, for the record
}

// handleRebase is POST /admin/terminals/{terminal}/rebase (`centre
// terminal rebase`): it answers the terminal as supervisors now see it.
func (s *Server) handleRebase(w http.ResponseWriter, r *http.Request) {
	var req RebaseRequest
	if !decode(w, r, MaxSmallBody, &req) {
		return
	}
	t, err := s.centre.RebaseTerminal(r.Context(), r.PathValue("terminal"), req.By)
	if err != nil {
		s.writeOpError(w, "rebase terminal", err)
		return
	}
	web.WriteJSON(w, http.StatusOK, StatusOf(t, s.connected(t.ID)))
}
