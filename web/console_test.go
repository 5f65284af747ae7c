package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/parleyhq/parley/i18n"
)

func newConsole(t *testing.T) *httptest.Server {
	t.Helper()
	e := newEnv(t)
	c, err := NewConsole(ConsoleOptions{Rooms: e.bridge, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, path, lang string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestNewConsoleNeedsRooms(t *testing.T) {
	if _, err := NewConsole(ConsoleOptions{}); err == nil {
		t.Error("NewConsole without Rooms: no error")
	}
}

func TestConsolePage(t *testing.T) {
	srv := newConsole(t)
	resp, body := get(t, srv, "/console/2000", "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /console/2000: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self';", "style-src 'self';", "frame-ancestors 'none'",
		"connect-src 'self' ws://" + strings.TrimPrefix(srv.URL, "http://")} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("CSP %q allows something unsafe", csp)
	}
	for h, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
		"X-Content-Type-Options": "nosniff"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	// No inline script: every <script> loads a file or is JSON data.
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1) {
		if !regexp.MustCompile(` src="/console/(console|invite|picker)\.js\?v=`).MatchString(tag) && !strings.Contains(tag, `type="application/json"`) {
			t.Errorf("inline script %s", tag)
		}
	}
	if regexp.MustCompile(`\son[a-z]+=`).MatchString(body) || strings.Contains(body, " style=") {
		t.Error("the page has inline event handlers or styles, which the CSP blocks")
	}
	// Accessible: labelled fields, named buttons, a live status line.
	for _, want := range []string{
		`<title>Moderator console: room 2000</title>`,
		`data-room="2000"`,
		`<label for="pin">Moderator PIN</label>`,
		`<input id="pin" name="pin" type="password"`,
		`<label for="token">Moderator token</label>`,
		`<button type="submit" id="open">Open console</button>`,
		`role="status" aria-live="polite"`,
		`role="alert"`,
		`<label for="dial-to">Number, extension, #sip: address or contact</label>`,
		`<label for="dial-role">Joins as</label>`,
		`<button type="button" id="mute-all">Mute all</button>`,
		`<button type="button" id="copy">Copy join info</button>`,
		`<link rel="stylesheet" href="/console/console.css?v=`,
		`<noscript>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// The script's texts keep their {{placeholders}}; the page's must not.
	shown := regexp.MustCompile(`(?s)<script id="parley-text".*?</script>`).ReplaceAllString(body, "")
	if strings.Contains(body, "<no value>") || strings.Contains(shown, "{{") {
		t.Error("the page shows a template key or placeholder unfilled")
	}

	// In the browser's language.
	_, body = get(t, srv, "/console/2000", "de-DE,de;q=0.9")
	if !strings.Contains(body, `<html lang="de">`) || !strings.Contains(body, "Moderationskonsole: Raum 2000") ||
		!strings.Contains(body, `<label for="pin">Moderator-PIN</label>`) {
		t.Errorf("German console:\n%s", body)
	}
}

func TestConsoleUnknownRoom(t *testing.T) {
	srv := newConsole(t)
	for _, path := range []string{"/console/7777", "/console/abc", "/console/" + strings.Repeat("1", 40)} {
		resp, body := get(t, srv, path, "")
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
		if strings.Contains(body, "<script") || strings.Contains(body, `id="login"`) {
			t.Errorf("GET %s: the page offers a login for a room that does not exist", path)
		}
	}
	_, body := get(t, srv, "/console/7777", "")
	if !strings.Contains(body, "There is no room 7777.") {
		t.Errorf("unknown room page:\n%s", body)
	}
	if resp, _ := get(t, srv, "/console/", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /console/: %d, want 404", resp.StatusCode)
	}
}

func TestConsoleAssets(t *testing.T) {
	srv := newConsole(t)
	_, page := get(t, srv, "/console/2000", "")
	for name, ct := range map[string]string{"console.js": "text/javascript; charset=utf-8", "console.css": "text/css; charset=utf-8"} {
		url := assetURL("/console/", name)
		if !strings.Contains(page, url) {
			t.Errorf("the page does not load %s", url)
		}
		resp, body := get(t, srv, url, "")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != ct || resp.Header.Get("ETag") == "" || body == "" {
			t.Errorf("GET %s: %d %q ETag %q, %d bytes", url, resp.StatusCode, resp.Header.Get("Content-Type"),
				resp.Header.Get("ETag"), len(body))
		}
	}
	if resp, _ := get(t, srv, "/console/join.js", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /console/join.js: %d, want 404 (the console serves its own assets only)", resp.StatusCode)
	}
}

// TestConsoleTexts checks that every text the template and the script ask
// for is in the catalogue, in every language.
func TestConsoleTexts(t *testing.T) {
	tmpl, err := templates.ReadFile("templates/console.html")
	if err != nil {
		t.Fatal(err)
	}
	script := string(assets["console.js"].data)
	var keys []string
	for _, m := range regexp.MustCompile(`\.T\.([a-z_]+)`).FindAllStringSubmatch(string(tmpl), -1) {
		keys = append(keys, m[1])
	}
	for _, m := range regexp.MustCompile(`\bt\(\s*'([a-z_]+)'\s*[,)]`).FindAllStringSubmatch(script, -1) {
		keys = append(keys, m[1])
	}
	for _, m := range regexp.MustCompile(`\bt\([^()]*\? '([a-z_]+)' : '([a-z_]+)'`).FindAllStringSubmatch(script, -1) {
		keys = append(keys, m[1], m[2])
	}
	// Keys the script builds: role names and dial outcomes.
	for _, r := range []string{"owner", "moderator", "presenter", "attendee", "spectator", "no_access"} {
		keys = append(keys, "role_"+r)
	}
	for _, s := range []string{"ringing", "answered", "busy", "declined", "not_found", "no_answer", "failed"} {
		keys = append(keys, "dial_"+s)
	}
	if len(keys) < 40 {
		t.Fatalf("found only %d keys: %q", len(keys), keys)
	}
	for _, lang := range i18n.Languages() {
		texts := consoleTexts(i18n.Lookup(lang))
		for _, k := range keys {
			if texts[k] == "" {
				t.Errorf("%s: console.%s is not in the catalogue", lang, k)
			}
		}
	}
}
