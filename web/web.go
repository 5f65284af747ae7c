// Package web serves the guest join page, PUBLIC_URL/join/TOKEN
// (DESIGN.md, "Interfaces users rely on"): it looks the link up and
// either shows the room, the group link's description and a form to join
// with a name, or says in the link's language why nobody is admitted.
//
// With Options.Guests set, the page carries a small script (static/,
// embedded, no build step) that lets the guest pick a microphone, watch its
// level, and join: it opens the WebSocket GET /join/{token}/ws?name=NAME,
// which checks the link and the name again and hands the connection to the
// WebRTC server (ws.go). Without Guests, or without JavaScript, the form
// posts to the same URL, which checks the link again and answers 501,
// saying why joining is not possible. The script also picks a camera,
// previews it, sends it (webrtc forwards it to the other browser guests)
// and shows the other guests' videos.
//
// Status codes of GET and POST /join/{token}:
//
//   - 200: the link admits now (the page shows the form);
//   - 404: no link has the token, including a link that was deleted (the
//     store forgets deleted links, so they cannot be told from tokens that
//     never existed): "This link is not valid";
//   - 410 Gone: the link has expired (RFC 9110 §15.5.11: it will not work
//     again unless a moderator extends it);
//   - 403: the link is switched off, grants no access, is not valid yet
//     ("This link opens at …", in UTC), or is a group link of a room whose
//     guest access is off. 425 Too Early is not used for "not yet": it is
//     about TLS early data (RFC 8470), not about time;
//   - 501 (POST only): the link admits, but joining needs the script (or,
//     without Guests, is not available on this server);
//   - 503 with Retry-After: the link admits, but the server is restarting
//     (SIGTERM drains the calls in progress) and takes no one new: "This
//     service is restarting. Please join again in a minute."
//
// GET /join/{token}/ws answers the same statuses as plain HTTP; to a
// WebSocket handshake whose link does not admit, it sends one "error"
// message with the page's text and closes, so that the script can show
// why (browsers do not let scripts read a refused handshake's status).
package web

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/rules"
	"github.com/parleyhq/parley/store"
)

// Links finds links by token: *store.DB.
type Links interface {
	// LinkByToken returns the link whose token is token, inactive and
	// expired ones included, or an error wrapping store.ErrNotFound.
	LinkByToken(ctx context.Context, token string) (store.Link, error)
}

// Rooms finds the rooms the bridge serves: *bridge.Bridge.
type Rooms interface {
	// Room returns the room with the given number, or an error wrapping
	// bridge.ErrUnknownRoom.
	Room(number string) (*bridge.Room, error)
	// Draining reports whether the process is stopping: no one new may
	// join.
	Draining() bool
}

// Options configure the handler New returns.
type Options struct {
	// Links looks links up; required.
	Links Links
	// Rooms gives the rooms' names and guest access; required.
	Rooms Rooms
	// Logger receives one line per failure to read a link; nil means
	// slog.Default().
	Logger *slog.Logger
	// Now is the clock links are judged by; nil means time.Now.
	Now func() time.Time
	// Guests runs the calls of guests who join from the browser:
	// *webrtc.Server. Nil means joining from the browser is not available;
	// the page then says so when the form is sent.
	Guests Guests
	// Nodes sends a guest whose room another node of a cluster serves
	// there (cluster.go); nil for a single node.
	Nodes Nodes
}

//go:embed templates/*.html
var templates embed.FS

// page is the join page template.
var page = template.Must(template.ParseFS(templates, "templates/join.html"))

// Handler serves GET and POST /join/{token}, the WebSocket
// GET /join/{token}/ws and the page's assets (GET /join/join.js, …). It is
// safe for concurrent use; each request runs on the goroutine net/http
// gives it, a guest's whole call included.
type Handler struct {
	links  Links
	rooms  Rooms
	guests Guests // nil: no joining from the browser
	nodes  Nodes  // nil: a single node
	log    *slog.Logger
	now    func() time.Time
	mux    *http.ServeMux
	// pingInterval is how often a join WebSocket is pinged (wsPingInterval).
	pingInterval time.Duration
}

// New returns the join page handler, to be mounted at /join/. It has no
// side effects; it fails only when a required option is missing.
func New(opts Options) (*Handler, error) {
	switch {
	case opts.Links == nil:
		return nil, errors.New("web: Options.Links is required")
	case opts.Rooms == nil:
		return nil, errors.New("web: Options.Rooms is required")
	}
	h := &Handler{links: opts.Links, rooms: opts.Rooms, guests: opts.Guests, nodes: opts.Nodes, log: opts.Logger, now: opts.Now, mux: http.NewServeMux(),
		pingInterval: wsPingInterval}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.mux.HandleFunc("GET /join/{token}", h.show)
	h.mux.HandleFunc("POST /join/{token}", h.join)
	h.mux.HandleFunc("GET /join/{token}/ws", h.socket)
	// Asset names hold a dot, which no token does, so they never shadow a
	// link.
	for name := range assets {
		h.mux.HandleFunc("GET /join/"+name, serveAsset)
	}
	return h, nil
}

// ServeHTTP serves the join page.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// view is what the template shows.
type view struct {
	Lang, Title, Heading, Message, Description string
	// Form shows the name field and the Join button.
	Form                               bool
	Action, Name, NameLabel, JoinLabel string
	// App loads the script that joins from the browser; it goes with Form
	// when Options.Guests is set.
	App bool
	// Script and Style are the URLs of the embedded assets.
	Script, Style string
	// T holds the page's texts in its language, by catalogue key without
	// the "page." prefix; the script reads them as JSON.
	T map[string]string
}

// maxTokenLen bounds the tokens looked up, so that junk never reaches the
// store.
const maxTokenLen = 256

// verdict is what a link does now: the status and, unless it admits, the
// message that says why not.
type verdict struct {
	status     int
	message    string
	retryAfter time.Duration // with a 503: when to come back
	link       store.Link
	room       *bridge.Room
	lang       *i18n.Catalog
}

// judge looks up the token of r and decides.
func (h *Handler) judge(r *http.Request) verdict {
	token := r.PathValue("token")
	v := verdict{lang: i18n.Lookup(acceptLanguage(r))}
	notValid := func() verdict {
		v.status, v.message = http.StatusNotFound, v.lang.T(i18n.PageNotValid, nil)
		return v
	}
	if token == "" || len(token) > maxTokenLen || strings.Trim(token, base64URL) != "" {
		return notValid()
	}
	l, err := h.links.LinkByToken(r.Context(), token)
	if errors.Is(err, store.ErrNotFound) {
		return notValid()
	}
	if err != nil {
		h.log.Error("join page: link not read", "err", err)
		v.status, v.message = http.StatusServiceUnavailable, v.lang.T(i18n.PageUnavailable, nil)
		return v
	}
	v.link = l
	if l.Language != "" {
		v.lang = i18n.Lookup(l.Language)
	}
	room, err := h.rooms.Room(l.Room)
	if err != nil {
		return notValid()
	}
	v.room = room
	state := rules.Link{Active: l.Active, NoAccess: l.Role == string(bridge.RoleNoAccess),
		ValidFrom: l.ValidFrom, ValidUntil: l.ValidUntil,
		NoGuests: l.Kind == store.LinkGroup && !room.Settings().GuestAccess}.State(h.now())
	switch {
	case state == rules.LinkInactive:
		v.status, v.message = http.StatusForbidden, v.lang.T(i18n.PageInactive, nil)
	case state == rules.LinkNoAccess:
		v.status, v.message = http.StatusForbidden, v.lang.T(i18n.PageNoAccess, nil)
	case state == rules.LinkExpired:
		v.status, v.message = http.StatusGone, v.lang.T(i18n.PageExpired, nil)
	case state == rules.LinkNotYetValid:
		v.status = http.StatusForbidden
		v.message = v.lang.T(i18n.PageOpensAt, map[string]string{"time": l.ValidFrom.UTC().Format("2006-01-02 15:04 MST")})
	case state == rules.LinkNoGuests:
		v.status, v.message = http.StatusForbidden, v.lang.T(i18n.PageNoGuests, nil)
	case h.rooms.Draining():
		v.status, v.message = http.StatusServiceUnavailable, v.lang.T(i18n.PageRestarting, nil)
		v.retryAfter = bridge.DrainRetryAfter
	default:
		v.status = http.StatusOK
	}
	return v
}

// show serves GET /join/{token}.
func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	v := h.judge(r)
	h.render(w, r, v, "")
}

// join serves POST /join/{token}, the form sent without the script: the
// link is judged again, the name checked, and then the answer is 501,
// saying that joining needs JavaScript (or, without Options.Guests, that
// it is not available yet).
func (h *Handler) join(w http.ResponseWriter, r *http.Request) {
	v := h.judge(r)
	if v.status != http.StatusOK {
		h.render(w, r, v, "")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	name, ok := guestName(r.PostFormValue("name"))
	if !ok {
		v.status, v.message = http.StatusBadRequest, v.lang.T(i18n.PageEnterName, nil)
		h.render(w, r, v, "")
		return
	}
	v.status, v.message = http.StatusNotImplemented, v.lang.T(i18n.PageNotReady, nil)
	if h.guests != nil {
		v.message = v.lang.T(i18n.PageNeedsJS, nil)
	}
	h.render(w, r, v, name)
}

// guestName trims s and reports whether it is a name a guest may use: not
// empty, at most rules.MaxNameLen bytes, no control characters.
func guestName(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > rules.MaxNameLen || strings.ContainsFunc(s, unicode.IsControl) {
		return s, false
	}
	return s, true
}

// render writes the page for v; name, if set, is what the guest typed.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, v verdict, name string) {
	pv := view{Lang: v.lang.Lang(), Message: v.message, Heading: v.lang.T(i18n.PageTitle, nil),
		Script: assetURL("/join/", "join.js"), Style: assetURL("/join/", "join.css")}
	if v.room != nil && v.status != http.StatusNotFound {
		set := v.room.Settings()
		pv.Heading = set.Name
		if pv.Heading == "" {
			pv.Heading = set.Number
		}
	}
	pv.Title = pv.Heading
	if v.status == http.StatusOK || v.status == http.StatusBadRequest {
		pv.Form = true
		pv.Action = "/join/" + r.PathValue("token")
		pv.NameLabel = v.lang.T(i18n.PageEnterName, nil)
		pv.JoinLabel = v.lang.T(i18n.PageJoin, nil)
		if v.link.Kind == store.LinkGroup {
			pv.Description = v.link.Description
		} else {
			pv.Name = v.link.Name
		}
		if name != "" {
			pv.Name = name
		}
		if h.guests != nil && v.status == http.StatusOK {
			pv.App, pv.T = true, pageTexts(v.lang)
		}
	}
	setPageHeaders(w, r, "microphone=(self), camera=(self), display-capture=()") // no-referrer: the URL is a credential
	// In a cluster the page's socket may be sent to another node.
	if pv.App && h.nodes != nil {
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy(r, h.nodeHosts()...))
	}
	if v.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(v.retryAfter/time.Second)))
	}
	w.WriteHeader(v.status)
	if err := page.Execute(w, pv); err != nil {
		h.log.Warn("join page not written", "err", err)
	}
}

// base64URL is the alphabet of link tokens (RFC 4648 §5), with the
// padding the store accepts.
const base64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="

// acceptLanguage returns the first language tag of r's Accept-Language
// header (RFC 9110 §12.5.4), for pages shown before any link is known;
// i18n.Lookup falls back to English for what it does not speak.
func acceptLanguage(r *http.Request) string {
	first, _, _ := strings.Cut(r.Header.Get("Accept-Language"), ",")
	tag, _, _ := strings.Cut(first, ";")
	return strings.TrimSpace(tag)
}

// contentSecurityPolicy allows the page its own script and style, and
// WebSockets to the host it was served from (CSP 'self' does not cover
// ws: and wss: in every browser) and to the other hosts given (a
// cluster's nodes).
func contentSecurityPolicy(r *http.Request, hosts ...string) string {
	connect := "'self'"
	for _, host := range append([]string{r.Host}, hosts...) {
		if host != "" && !strings.ContainsFunc(host, func(c rune) bool {
			return !(c < unicode.MaxASCII && (unicode.IsLetter(c) || unicode.IsDigit(c) || strings.ContainsRune(".-:[]", c)))
		}) {
			connect += " ws://" + host + " wss://" + host
		}
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; connect-src " + connect +
		"; media-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
}

// setPageHeaders sets the headers every page (join, console, app) carries:
// HTML never cached nor indexed, no referrer, the content security policy,
// and the browser features the page may use (permissions, a
// Permissions-Policy value).
func setPageHeaders(w http.ResponseWriter, r *http.Request, permissions string) {
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Robots-Tag", "noindex, nofollow")
	hd.Set("Content-Security-Policy", contentSecurityPolicy(r))
	hd.Set("Permissions-Policy", permissions)
}

// textsUnder returns the catalogue texts whose keys start with prefix, in
// c's language, by key without the prefix, placeholders unexpanded: what a
// page's script reads as JSON.
func textsUnder(c *i18n.Catalog, prefix string) map[string]string {
	out := make(map[string]string)
	for _, k := range c.Keys() {
		if short, ok := strings.CutPrefix(k, prefix); ok {
			out[short] = c.T(k, nil)
		}
	}
	return out
}

// pageTexts returns the texts of the joining part of the page, in c's
// language: the template shows some, the script the others.
func pageTexts(c *i18n.Catalog) map[string]string {
	keys := []string{
		i18n.PageEnterName, i18n.PageNoWebRTC, i18n.PageNeedsHTTPS, i18n.PageMicDefault, i18n.PageMicAsking, i18n.PageMicDenied,
		i18n.PageMicMissing, i18n.PageMicFailed, i18n.PageConnecting, i18n.PageInCall, i18n.PageMute,
		i18n.PageUnmute, i18n.PageMuted, i18n.PageUnmuted, i18n.PageLeft, i18n.PageEnded, i18n.PageLost,
		i18n.PageJoinFailed, i18n.PageNotReady, i18n.PageNeedsJS, i18n.PageMicrophone, i18n.PageLevel,
		i18n.PageProcessing, i18n.PageEchoCancellation, i18n.PageNoiseSuppression, i18n.PageAutoGain,
		i18n.PageCamera, i18n.PageCameraOff, i18n.PageParticipants, i18n.PageParticipantList, i18n.PageLeave,
		i18n.PageCameraDefault, i18n.PageCameraAsking, i18n.PageCameraDenied, i18n.PageCameraFailed, i18n.PagePreview,
		i18n.PageVideos, i18n.PageCameraStart, i18n.PageCameraStop, i18n.PageCameraOn, i18n.PageCameraIsOff,
		i18n.PageRoleOwner, i18n.PageRoleModerator, i18n.PageRolePresenter, i18n.PageRoleAttendee, i18n.PageRoleSpectator,
		i18n.PageTalking, i18n.PageSilent, i18n.PageMutedMark, i18n.PagePhone, i18n.PageSomeone,
	}
	out := make(map[string]string, len(keys)+1)
	for _, k := range keys {
		out[strings.TrimPrefix(k, "page.")] = c.T(k, nil)
	}
	out["you"] = c.T(i18n.PageYou, nil)          // the script fills in {{name}}
	out["video_of"] = c.T(i18n.PageVideoOf, nil) // the script fills in {{name}}
	return out
}
