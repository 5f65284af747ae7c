package web

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/parleyhq/parley/i18n"
)

// The moderator console, PUBLIC_URL/console/ROOM (issue 6): one page whose
// script (static/console.js, no build step) asks for the room's moderator
// PIN or a moderator token and then drives the REST API with it. Everything
// it shows and does goes through /api/v1 with that token: the page itself
// holds no secret and grants nothing, so it needs no authentication.
//
//   - The PIN is traded for a moderator token that lasts api.token_ttl (12 h by default) at
//     POST /api/v1/rooms/ROOM/console-login; the token is kept in the
//     tab's sessionStorage, so it dies with the tab.
//   - The participant list is read once (GET …/participants) and then kept
//     live by the event stream, the WebSocket GET /api/v1/events?token=…
//     &room=…, reconnecting (and reading the list again) when it drops.
//   - Mute, unmute, role, remove (PATCH and DELETE …/participants/{id}),
//     lock (PATCH the room), mute all, dial out with its progress from the
//     dial events, and "Copy join info" (GET …/join-info).
//
// Status codes of GET /console/{room}: 200 for a room the bridge serves,
// 404 for any other number. The page answers 404 before anyone logs in,
// which tells a stranger that a room exists; so do dialling in and the
// console login, and room numbers are not secrets.

// ConsoleOptions configure the handler NewConsole returns.
type ConsoleOptions struct {
	// Rooms tells which rooms exist; required.
	Rooms Rooms
	// Logger receives a line when the page cannot be written; nil means
	// slog.Default().
	Logger *slog.Logger
}

// consolePage is the console's template.
var consolePage = template.Must(template.ParseFS(templates, "templates/console.html"))

// consoleAssets are the embedded files of static/ the console loads;
// picker.js (the directory search) when static/ has it.
var consoleAssets = []string{"console.js", "console.css", "invite.js", "picker.js"}

// Console serves GET /console/{room} and the console's assets
// (GET /console/console.js, …). It is safe for concurrent use; each request
// runs on the goroutine net/http gives it.
type Console struct {
	rooms Rooms
	log   *slog.Logger
	mux   *http.ServeMux
}

// NewConsole returns the moderator console's handler, to be mounted at
// /console/. It has no side effects; it fails only when a required option is
// missing.
func NewConsole(opts ConsoleOptions) (*Console, error) {
	if opts.Rooms == nil {
		return nil, errors.New("web: ConsoleOptions.Rooms is required")
	}
	c := &Console{rooms: opts.Rooms, log: opts.Logger, mux: http.NewServeMux()}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.mux.HandleFunc("GET /console/{room}", c.show)
	// Asset names hold a dot, which no room number does, so they never
	// shadow a room.
	for _, name := range consoleAssets {
		if _, ok := assets[name]; ok {
			c.mux.HandleFunc("GET /console/"+name, serveAsset)
		}
	}
	return c, nil
}

// ServeHTTP serves the console.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.mux.ServeHTTP(w, r) }

// consoleView is what the console's template shows.
type consoleView struct {
	Lang, Title, Room string
	// Message, if set, is shown instead of the console: the room does not
	// exist.
	Message string
	// Script, Style and Invite (the invite panel, invite.js) are the URLs
	// of the embedded assets; Picker is picker.js's, or "" when static/
	// has none.
	Script, Style, Invite, Picker string
	// T holds the console's texts in the page's language, by catalogue key
	// without the "console." prefix; the script reads them as JSON and fills
	// in their {{placeholders}}.
	T map[string]string
}

// maxRoomLen bounds the room numbers looked up.
const maxRoomLen = 32

// show serves GET /console/{room}.
func (c *Console) show(w http.ResponseWriter, r *http.Request) {
	lang := i18n.Lookup(acceptLanguage(r))
	number := r.PathValue("room")
	v := consoleView{Lang: lang.Lang(), Room: number, Script: assetURL("/console/", "console.js"), Style: assetURL("/console/", "console.css"),
		Invite: assetURL("/console/", "invite.js"), T: consoleTexts(lang)}
	if _, ok := assets["picker.js"]; ok {
		v.Picker = assetURL("/console/", "picker.js")
	}
	status := http.StatusOK
	if !isRoomNumber(number) {
		status = http.StatusNotFound
	} else if _, err := c.rooms.Room(number); err != nil {
		status = http.StatusNotFound
	}
	if status == http.StatusNotFound {
		v.Room = ""
		v.Title = lang.T(i18n.PageTitle, nil)
		v.Message = lang.T(i18n.ConsoleNoRoom, map[string]string{"room": number})
	} else {
		v.Title = lang.T(i18n.ConsoleTitle, map[string]string{"room": number})
	}
	setPageHeaders(w, r, "microphone=(), camera=(), display-capture=(), clipboard-write=(self)")
	w.WriteHeader(status)
	if err := consolePage.Execute(w, v); err != nil {
		c.log.Warn("console page not written", "err", err)
	}
}

// isRoomNumber reports whether s may be a room's number: digits only, as
// the config and the API require.
func isRoomNumber(s string) bool {
	if s == "" || len(s) > maxRoomLen {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// consoleTexts returns every console text of the catalogue in c's
// language, placeholders unexpanded, and the directory picker's
// ("app.picker.X" as "picker.X").
func consoleTexts(c *i18n.Catalog) map[string]string {
	out := textsUnder(c, "console.")
	for k, v := range textsUnder(c, "app.picker.") {
		out["picker."+k] = v
	}
	return out
}
