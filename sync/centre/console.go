package centre

// The supervisors' review console (SPEC §2, §7a): server-rendered pages
// under /console/ for people with a browser, beside the JSON API for
// programs. A login form starts a session kept in memory (console_session.go,
// console_login.go); every page is an html/template from the embedded
// console/ folder, Chinese by default with an English switch
// (console_lang.go, console_texts.go). No script runs in the page and
// nothing is fetched from elsewhere.

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"time"
)

// consolePrefix is where the console lives.
const consolePrefix = "/console/"

//go:embed console
var consoleFS embed.FS

// consolePageFiles are the pages; each is parsed with layout.html.
var consolePageFiles = []string{"login.html", "transactions.html", "txn.html", "terminals.html",
	"publish.html", "message.html"}

// consolePages are the parsed pages by file name. The templates are part
// of the binary, so a parse error is a programming error caught by any test.
var consolePages = parseConsolePages()

func parseConsolePages() map[string]*template.Template {
	pages := make(map[string]*template.Template, len(consolePageFiles))
	for _, name := range consolePageFiles {
		t := template.New(name).Funcs(consoleFuncs)
		pages[name] = template.Must(t.ParseFS(consoleFS, "console/layout.html", path.Join("console", name)))
	}
	return pages
}

// consoleFuncs are the template functions; the page's own methods (T,
// Msg, …) cover what depends on the language.
var consoleFuncs = template.FuncMap{
	"yuan":     formatYuan,
	"when":     formatWhen,
	"whenFull": formatWhenFull,
	"txnURL":   txnURL,
}

// consolePage is what every page template sees.
type consolePage struct {
	Lang      consoleLang
	Title     string // text key of the page's title
	Nav       string // which menu item is current
	User      string // empty on the login page
	Role      string
	Admin     bool
	CSRF      string // the session's token, for POST forms
	SwitchURL string // this page in the other language
	Error     string // shown above the content
	Notice    string // a success message shown above the content
	Data      any    // the page's own data
}

// T is the text for key in the page's language.
func (p consolePage) T(key string) string { return p.Lang.T(key) }

// HTMLLang is the page's lang attribute.
func (p consolePage) HTMLLang() string {
	if p.Lang == langEn {
		return "en"
	}
	return "zh-CN"
}

// Zone names the zone the console shows times in (the centre's).
func (p consolePage) Zone() string {
	name, _ := time.Now().Zone()
	return name
}

// OtherName is the name of the language the switch offers.
func (p consolePage) OtherName() string {
	if p.Lang == langEn {
		return "中文"
	}
	return "English"
}

// consoleRoutes adds the console's routes to mux.
func (s *Server) consoleRoutes(mux *http.ServeMux) {
	static, _ := fs.Sub(consoleFS, "console/static") // cannot fail: the folder is embedded
	mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, consolePrefix, http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /console/login", s.consoleLoginForm)
	mux.HandleFunc("POST /console/login", s.consoleLogin)
	mux.Handle("POST /console/logout", s.consoleAuth(false, maxSmallBody, s.consoleLogout))
	mux.Handle("GET /console/{$}", s.consoleAuth(false, 0, s.consoleTransactions))
	mux.Handle("GET /console/txn/{terminal}/{seq}", s.consoleAuth(false, 0, s.consoleTxn))
	mux.Handle("GET /console/terminals", s.consoleAuth(false, 0, s.consoleTerminals))
	mux.Handle("GET /console/publish", s.consoleAuth(true, 0, s.consolePublishForm))
	mux.Handle("POST /console/publish", s.consoleAuth(true, maxPublishBody, s.consolePublish))
}

// consoleHeaders are set on every console page: nothing but our own
// stylesheet loads, no other site may frame it, nothing is cached.
func consoleHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
}

// renderConsole executes a page into a buffer first, so a template error
// is a clean 500 rather than half a page.
func (s *Server) renderConsole(w http.ResponseWriter, status int, name string, p consolePage) {
	var buf bytes.Buffer
	t, ok := consolePages[name]
	if !ok {
		s.cfg.Logger.Error("console: no such page", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.cfg.Logger.Error("console: render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	consoleHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
