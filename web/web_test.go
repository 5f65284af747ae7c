package web

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/store"
)

// env is a join page over a real store and bridge, with rooms 2000
// (guest access on, named "Board") and 2001 (guest access off).
type env struct {
	srv    *httptest.Server
	db     *store.DB
	bridge *bridge.Bridge
	now    time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rooms := []store.Room{
		{Number: "2000", Name: "Board", GuestAccess: true, GuestRole: "attendee"},
		{Number: "2001", Name: "Closed", GuestRole: "attendee"},
	}
	opts := bridge.Options{Logger: slog.New(slog.DiscardHandler)}
	for _, r := range rooms {
		if err := db.CreateRoom(ctx, r); err != nil {
			t.Fatal(err)
		}
		opts.Rooms = append(opts.Rooms, bridge.SettingsOf(r))
	}
	b, err := bridge.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	e := &env{db: db, bridge: b, now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	h, err := New(Options{Links: db, Rooms: b, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)
	return e
}

var tokenN byte

// link stores a link and returns its token.
func (e *env) link(t *testing.T, l store.Link) string {
	t.Helper()
	tokenN++
	b := make([]byte, 18)
	b[0] = tokenN
	l.Token = base64.RawURLEncoding.EncodeToString(b)
	if l.Role == "" {
		l.Role = "attendee"
	}
	if _, err := e.db.CreateLink(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	return l.Token
}

func (e *env) get(t *testing.T, path, lang string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(data)
}

// labelled reports whether the page has a text input with a visible label
// containing "name", and a submit button whose accessible name (its text)
// is join.
func labelled(page, join string) bool {
	label := regexp.MustCompile(`<label for="name">([^<]*)</label>`).FindStringSubmatch(page)
	return label != nil && strings.Contains(strings.ToLower(label[1]), "name") && strings.Contains(page, `<input id="name"`) &&
		regexp.MustCompile(`<button type="submit"[^>]*>`+join+`</button>`).MatchString(page)
}

func TestJoinPage(t *testing.T) {
	e := newEnv(t)
	at := func(d time.Duration) *time.Time { v := e.now.Add(d); return &v }
	guest := e.link(t, store.Link{Room: "2000", Kind: store.LinkGuest, Name: "Ada <Lovelace>", Email: "ada@example.com", Active: true})
	group := e.link(t, store.Link{Room: "2000", Kind: store.LinkGroup, Name: "All", Description: "Weekly sync: bring notes", Active: true})
	inactive := e.link(t, store.Link{Room: "2000", Kind: store.LinkGuest, Name: "Off", Active: false})
	early := e.link(t, store.Link{Room: "2000", Kind: store.LinkGuest, Name: "Early", Active: true, ValidFrom: at(90 * time.Minute)})
	earlyFR := e.link(t, store.Link{Room: "2000", Kind: store.LinkGuest, Name: "Tôt", Language: "fr", Active: true, ValidFrom: at(90 * time.Minute)})
	expired := e.link(t, store.Link{Room: "2000", Kind: store.LinkGuest, Name: "Late", Active: true, ValidUntil: at(-time.Minute)})
	closed := e.link(t, store.Link{Room: "2001", Kind: store.LinkGroup, Name: "Closed", Active: true})
	closedGuest := e.link(t, store.Link{Room: "2001", Kind: store.LinkGuest, Name: "Invited", Active: true})
	noAccess := e.link(t, store.Link{Room: "2000", Kind: store.LinkGroup, Name: "None", Role: "no_access", Active: true})

	for _, tc := range []struct {
		name, token, lang string
		code              int
		has               []string
		form              bool
	}{
		{"guest", guest, "", 200, []string{"<h1>Board</h1>", `value="Ada &lt;Lovelace&gt;"`, `lang="en"`}, true},
		{"group", group, "", 200, []string{"Weekly sync: bring notes", `value=""`}, true},
		{"unknown", "AAAAAAAAAAAAAAAAAAAAAAAA", "", 404, []string{"This link is not valid"}, false},
		{"junk", "not%20a%20token", "", 404, []string{"This link is not valid"}, false},
		{"inactive", inactive, "", 403, []string{"This link is not active."}, false},
		{"not yet", early, "", 403, []string{"This link opens at 2026-03-02 10:30 UTC."}, false},
		{"not yet, French", earlyFR, "", 403, []string{"Ce lien s&#39;ouvre à 2026-03-02 10:30 UTC.", `lang="fr"`}, false},
		{"expired", expired, "", 410, []string{"This link has expired."}, false},
		{"guest access off", closed, "", 403, []string{"This room does not admit guests."}, false},
		{"guest link, guest access off", closedGuest, "", 200, []string{"<h1>Closed</h1>"}, true},
		{"no access", noAccess, "", 403, []string{"This link does not admit anyone to the call."}, false},
		{"no access, German browser", noAccess, "de", 403, []string{"Dieser Link gewährt keinen Zutritt zum Gespräch."}, false},
		{"unknown, French browser", "AAAAAAAAAAAAAAAAAAAAAAAA", "fr-FR,fr;q=0.9", 404, []string{`lang="fr"`}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, h, page := e.get(t, "/join/"+tc.token, tc.lang)
			if code != tc.code {
				t.Errorf("status %d, want %d\n%s", code, tc.code, page)
			}
			for _, s := range tc.has {
				if !strings.Contains(page, s) {
					t.Errorf("page lacks %q:\n%s", s, page)
				}
			}
			if got := labelled(page, "Join") || labelled(page, "Rejoindre"); got != tc.form {
				t.Errorf("form shown %v, want %v:\n%s", got, tc.form, page)
			}
			if h.Get("Referrer-Policy") != "no-referrer" || h.Get("Cache-Control") != "no-store" ||
				h.Get("Content-Type") != "text/html; charset=utf-8" || h.Get("Content-Security-Policy") == "" {
				t.Errorf("headers %v", h)
			}
			if strings.Contains(page, "ada@example.com") {
				t.Error("the page shows the guest's email address")
			}
		})
	}
}

func TestJoinPost(t *testing.T) {
	e := newEnv(t)
	group := e.link(t, store.Link{Room: "2000", Kind: store.LinkGroup, Name: "All", Active: true})
	closed := e.link(t, store.Link{Room: "2001", Kind: store.LinkGroup, Name: "Closed", Active: true})
	post := func(token, name string) (int, string) {
		resp, err := e.srv.Client().PostForm(e.srv.URL+"/join/"+token, url.Values{"name": {name}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data)
	}
	if code, page := post(group, "Grace"); code != http.StatusNotImplemented || !strings.Contains(page, "not available yet") {
		t.Errorf("join: %d\n%s", code, page)
	}
	if code, page := post(group, "  "); code != http.StatusBadRequest || !labelled(page, "Join") {
		t.Errorf("join without a name: %d\n%s", code, page)
	}
	if code, _ := post(closed, "Grace"); code != http.StatusForbidden {
		t.Errorf("join a closed room: %d", code)
	}
	if code, _ := post("AAAAAAAAAAAAAAAAAAAAAAAA", "Grace"); code != http.StatusNotFound {
		t.Errorf("join by an unknown link: %d", code)
	}
}

func TestJoinPageDeletedLink(t *testing.T) {
	e := newEnv(t)
	token := e.link(t, store.Link{Room: "2000", Kind: store.LinkGuest, Name: "Ada", Active: true})
	l, err := e.db.LinkByToken(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := e.get(t, "/join/"+token, ""); code != 200 {
		t.Fatalf("before delete: %d", code)
	}
	if err := e.db.DeleteLink(context.Background(), l.ID); err != nil {
		t.Fatal(err)
	}
	if code, _, page := e.get(t, "/join/"+token, ""); code != 404 || !strings.Contains(page, "This link is not valid") {
		t.Errorf("after delete: %d\n%s", code, page)
	}
}

type brokenLinks struct{}

func (brokenLinks) LinkByToken(ctx context.Context, token string) (store.Link, error) {
	return store.Link{}, errors.New("disk on fire")
}

func TestJoinPageStoreDown(t *testing.T) {
	b, err := bridge.New(bridge.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	h, err := New(Options{Links: brokenLinks{}, Rooms: b, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/join/AAAAAAAAAAAAAAAAAAAAAAAA", nil))
	if rec.Code != http.StatusServiceUnavailable || strings.Contains(rec.Body.String(), "fire") {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
	if _, err := New(Options{Rooms: b}); err == nil {
		t.Error("New without Links succeeded")
	}
}
