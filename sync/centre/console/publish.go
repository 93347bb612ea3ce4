package console

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"posagent/sync/centre"
	"posagent/sync/wire"
)

// publishData is what the publish page shows.
type publishData struct {
	Latest int64 // the latest bundle version; 0: none
}

// publishForm is GET /console/publish (administrators only).
// After a publish it says which version was published.
func (h *Handler) publishForm(w http.ResponseWriter, c *request) {
	notice := ""
	if v, err := strconv.ParseInt(c.r.URL.Query().Get("published"), 10, 64); err == nil && v > 0 {
		notice = fmt.Sprintf(texts.T(c.lang, "published"), v)
	}
	h.renderPublish(w, c, http.StatusOK, "", notice)
}

// publish is POST /console/publish: the two uploaded files become
// the next signed bundle, pushed to the connected terminals.
func (h *Handler) publish(w http.ResponseWriter, c *request) {
	cat, errCat := formFile(c.r, "catalogue")
	rules, errRules := formFile(c.r, "rules")
	if err := errors.Join(errCat, errRules); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.renderPublish(w, c, http.StatusRequestEntityTooLarge, texts.T(c.lang, "publish_failed")+err.Error(), "")
			return
		}
		h.renderPublish(w, c, http.StatusBadRequest, texts.T(c.lang, "publish_files"), "")
		return
	}
	doc, err := h.centre.Publish(c.r.Context(), cat, rules)
	if err != nil {
		status := publishStatus(err)
		if status == http.StatusInternalServerError {
			h.log.Error("console: publish failed", "user", c.sess.Value.Name, "err", err)
		}
		h.renderPublish(w, c, status, texts.T(c.lang, "publish_failed")+err.Error(), "")
		return
	}
	h.log.Info("console: bundle published", "version", doc.Version, "user", c.sess.Value.Name)
	// Post, redirect, get: reloading the answer does not publish again.
	http.Redirect(w, c.r, prefix+"publish?published="+strconv.FormatInt(doc.Version, 10), http.StatusSeeOther)
}

// formFile reads one uploaded file of a multipart form whole.
func formFile(r *http.Request, field string) ([]byte, error) {
	f, _, err := r.FormFile(field)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return b, nil
}

// publishStatus is the HTTP status of a failed publish.
func publishStatus(err error) int {
	switch {
	case errors.Is(err, centre.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, centre.ErrNoSigningKey):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

func (h *Handler) renderPublish(w http.ResponseWriter, c *request, status int, errMsg, notice string) {
	latest, err := h.centre.LatestVersion(c.r.Context(), wire.KindBundle)
	if err != nil {
		h.log.Error("console: latest bundle", "err", err)
	}
	p := c.page("publish_title", "publish", publishData{Latest: latest})
	p.Error, p.Notice = errMsg, notice
	h.render(w, status, "publish.html", p)
}
