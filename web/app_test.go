package web

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func newApp(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(NewApp(AppOptions{Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	return srv
}

// TestAppPages checks the pages' status, headers, language and that the
// scripts they load are served.
func TestAppPages(t *testing.T) {
	srv := newApp(t)
	for _, tt := range []struct{ path, lang, title, script string }{
		{"/app/", "", "Meetings", "/app/app.js?v="},
		{"/app/", "fr-FR", "Réunions", "/app/app.js?v="},
		{"/app/rooms/2000", "de", "Raum 2000", "/app/room.js?v="},
	} {
		resp, body := get(t, srv, tt.path, tt.lang)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("GET %s: %d %s", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("GET %s: CSP %q", tt.path, csp)
		}
		if !strings.Contains(body, "<title>"+tt.title+"</title>") {
			t.Errorf("GET %s (%s): no title %q in\n%s", tt.path, tt.lang, tt.title, body)
		}
		m := regexp.MustCompile(`src="(` + regexp.QuoteMeta(tt.script) + `[^"]*)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("GET %s: no script %s", tt.path, tt.script)
		}
		if r, _ := get(t, srv, m[1], ""); r.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", m[1], r.StatusCode)
		}
		texts := regexp.MustCompile(`(?s)<script id="parley-text" type="application/json">(.*?)</script>`).FindStringSubmatch(body)
		var T map[string]string
		if texts == nil || json.Unmarshal([]byte(texts[1]), &T) != nil || T["needs_js"] == "" {
			t.Errorf("GET %s: the texts are not JSON with needs_js: %v", tt.path, texts)
		}
	}
	for _, path := range []string{"/app/rooms/12a", "/app/rooms/" + strings.Repeat("1", 33), "/app/nothing.js"} {
		if resp, _ := get(t, srv, path, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}

// TestStylesheetsBalanced checks that every embedded stylesheet closes each
// block it opens: one missing brace silently drops every rule after it.
func TestStylesheetsBalanced(t *testing.T) {
	for name, a := range assets {
		if !strings.HasSuffix(name, ".css") {
			continue
		}
		depth := 0
		for i, c := range string(a.data) {
			switch c {
			case '{':
				depth++
			case '}':
				depth--
			}
			if depth < 0 {
				t.Fatalf("%s: a } at byte %d closes nothing", name, i)
			}
		}
		if depth != 0 {
			t.Errorf("%s: %d block(s) left open", name, depth)
		}
	}
}
