package web

import (
	"html/template"
	"log/slog"
	"net/http"

	"github.com/parleyhq/parley/i18n"
)

// The organisers' web app (issue 14), PUBLIC_URL/app/: the meetings page
// (/app/, static/app.js) and a room's page (/app/rooms/ROOM,
// static/room.js). Like the console, the pages hold no secret and grant
// nothing: their scripts sign in at POST /api/v1/session and then drive the
// REST API with the session cookie, sending the session's CSRF token with
// every change. Who may see or change what is decided by the API alone, so
// the pages answer 200 to anyone (a room page for a room the user may not
// see shows the API's 404).

// The catalogue keys of the pages' titles (messages/LANG.app.json).
const (
	appTitleKey     = "app.title"
	appRoomTitleKey = "app.room_title"
)

// AppOptions configure the handler NewApp returns.
type AppOptions struct {
	// Logger receives a line when a page cannot be written; nil means
	// slog.Default().
	Logger *slog.Logger
}

// The app's templates.
var (
	meetingsPage = template.Must(template.ParseFS(templates, "templates/app.html"))
	roomPage     = template.Must(template.ParseFS(templates, "templates/room.html"))
)

// appAssets are the embedded files of static/ the app's pages load.
var appAssets = []string{"app.js", "room.js", "app.css", "picker.js"}

// App serves the organisers' pages under /app/. It is safe for concurrent
// use.
type App struct {
	log *slog.Logger
	mux *http.ServeMux
}

// NewApp returns the organisers' app, to be mounted at /app/.
func NewApp(opts AppOptions) *App {
	a := &App{log: opts.Logger, mux: http.NewServeMux()}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.mux.HandleFunc("GET /app/{$}", a.meetings)
	a.mux.HandleFunc("GET /app/rooms/{room}", a.room)
	for _, name := range appAssets {
		a.mux.HandleFunc("GET /app/"+name, serveAsset)
	}
	return a
}

// ServeHTTP serves the app.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// appView is what the app's templates show.
type appView struct {
	Lang, Title string
	// Room is the room page's number; empty on the meetings page.
	Room string
	// Script and Style are the URLs of the embedded assets.
	Script, Style string
	// T holds the app's texts in the page's language, by catalogue key
	// without the "app." prefix; the scripts read them as JSON and fill in
	// their {{placeholders}}.
	T map[string]string
}

// Picker is the URL of the directory picker (static/picker.js), which
// both pages load before their own script.
func (appView) Picker() string { return assetURL("/app/", "picker.js") }

// meetings serves GET /app/.
func (a *App) meetings(w http.ResponseWriter, r *http.Request) {
	lang := i18n.Lookup(acceptLanguage(r))
	v := appView{Lang: lang.Lang(), Title: lang.T(appTitleKey, nil), Script: assetURL("/app/", "app.js"),
		Style: assetURL("/app/", "app.css"), T: textsUnder(lang, "app.")}
	a.write(w, r, http.StatusOK, meetingsPage, v)
}

// room serves GET /app/rooms/{room}.
func (a *App) room(w http.ResponseWriter, r *http.Request) {
	lang := i18n.Lookup(acceptLanguage(r))
	number := r.PathValue("room")
	if !isRoomNumber(number) {
		http.NotFound(w, r)
		return
	}
	v := appView{Lang: lang.Lang(), Title: lang.T(appRoomTitleKey, map[string]string{"room": number}), Room: number,
		Script: assetURL("/app/", "room.js"), Style: assetURL("/app/", "app.css"), T: textsUnder(lang, "app.")}
	a.write(w, r, http.StatusOK, roomPage, v)
}

// write sends page t with v and the headers every app page carries.
func (a *App) write(w http.ResponseWriter, r *http.Request, status int, t *template.Template, v appView) {
	setPageHeaders(w, r, "microphone=(), camera=(), display-capture=(), clipboard-write=(self)")
	w.WriteHeader(status)
	if err := t.Execute(w, v); err != nil {
		a.log.Warn("app page not written", "err", err)
	}
}
