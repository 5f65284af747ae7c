package web

import (
	"regexp"
	"strings"
	"testing"
)

// TestRoomPageTexts: the room page is in the asked language, every label,
// heading and button of its template has a text (a key missing from
// LANG.room.json would leave it empty), and it links to the sign-in with
// itself as next.
func TestRoomPageTexts(t *testing.T) {
	srv := newApp(t)
	empty := regexp.MustCompile(`<(label|h2|button|legend|a)\b[^>]*>\s*</(label|h2|button|legend|a)>`)
	for _, tt := range []struct{ lang, heading string }{
		{"en", "Join information"},
		{"fr-FR", "Informations pour rejoindre"},
		{"de", "Teilnahmeinformationen"},
	} {
		resp, body := get(t, srv, "/app/rooms/4000", tt.lang)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", tt.lang, resp.StatusCode)
		}
		if !strings.Contains(body, `<h2 id="h-join">`+tt.heading+`</h2>`) {
			t.Errorf("%s: no heading %q", tt.lang, tt.heading)
		}
		if m := empty.FindString(body); m != "" {
			t.Errorf("%s: an element without text: %s", tt.lang, m)
		}
		if !strings.Contains(body, `href="/app/?next=/app/rooms/4000"`) {
			t.Errorf("%s: no sign-in link back to the page", tt.lang)
		}
		if !strings.Contains(body, `href="/api/v1/rooms/4000/attendees.csv" download`) {
			t.Errorf("%s: no download link of attendees.csv", tt.lang)
		}
	}
}
