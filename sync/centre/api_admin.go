package centre

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Request body limits of the admin API.
const (
	maxPublishBody = 256 << 20 // a 100,000-item catalogue is ~15 MiB
	maxImportBody  = 1 << 30   // accounts of a whole region
	maxSmallBody   = 64 << 10
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
	if !decodeBody(w, r, maxPublishBody, &req) {
		return
	}
	doc, err := s.Publish(r.Context(), []byte(req.CatalogueCSV), []byte(req.RulesJSON))
	if err != nil {
		s.writeOpError(w, "publish", err)
		return
	}
	writeJSON(w, http.StatusOK, VersionResponse{Version: doc.Version})
}

func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) {
	n, err := s.ImportAccountsCSV(r.Context(), http.MaxBytesReader(w, r.Body, maxImportBody))
	if err != nil {
		s.writeOpError(w, "import accounts", err)
		return
	}
	writeJSON(w, http.StatusOK, ImportResponse{Imported: n})
}

func (s *Server) handleEnrol(w http.ResponseWriter, r *http.Request) {
	var req EnrolRequest
	if !decodeBody(w, r, maxSmallBody, &req) {
		return
	}
	token, err := s.Enrol(r.Context(), req.Terminal, req.Pharmacy)
	if err != nil {
		s.writeOpError(w, "enrol", err)
		return
	}
	writeJSON(w, http.StatusOK, EnrolResponse{Token: token})
}

func (s *Server) handleAddUser(w http.ResponseWriter, r *http.Request) {
	var req UserRequest
	if !decodeBody(w, r, maxSmallBody, &req) {
		return
	}
	if err := s.AddUser(r.Context(), req.Name, req.Role, req.Password); err != nil {
		s.writeOpError(w, "add user", err)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

func (s *Server) handleBlock(w http.ResponseWriter, r *http.Request) {
	var req BlockRequest
	if !decodeBody(w, r, maxImportBody, &req) {
		return
	}
	doc, err := s.BlockCards(r.Context(), req.Add, req.Remove)
	if err != nil {
		s.writeOpError(w, "block cards", err)
		return
	}
	writeJSON(w, http.StatusOK, VersionResponse{Version: doc.Version})
}

// decodeBody decodes a JSON request body strictly; on failure it answers.
func decodeBody(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	// Required, so a cross-site form or no-cors fetch (which cannot send
	// it without a preflight) never reaches a handler.
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, codeBadRequest, "want application/json, got "+ct)
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("more than one JSON value")
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, codeBodyTooLarge, fmt.Sprintf("body larger than %d bytes", limit))
		return false
	case err != nil:
		writeError(w, http.StatusBadRequest, codeBadRequest, "body: "+err.Error())
		return false
	}
	return true
}
