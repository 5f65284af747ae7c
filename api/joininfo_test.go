package api

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/notify"
	"github.com/parleyhq/parley/store"
)

// getText GETs path with auth and returns the status, Content-Type and body.
func getText(t *testing.T, e *linkEnv, auth, path string) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	req.Header.Set("Authorization", auth)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(data)
}

func TestJoinInfo(t *testing.T) {
	e := newLinkEnv(t)
	ctx := context.Background()
	if _, err := e.db.UpdateRoom(ctx, "2000", func(r *store.Room) error { r.PIN = "2468"; return nil }); err != nil {
		t.Fatal(err)
	}
	room, _ := e.bridge.Room("2000")
	set := room.Settings()
	set.PIN = "2468"
	room.Update(set)
	guest := e.link(t, `{"kind": "guest", "name": "Anne", "language": "fr"}`)
	group := e.link(t, `{"kind": "group", "name": "All"}`)
	admin := "Bearer " + testToken

	// Guest access off: no link; admins see the room number and PIN.
	code, ct, text := getText(t, e, admin, "/api/v1/rooms/2000/join-info")
	want := notify.JoinInfo{Room: "2000", RoomName: "API", PIN: "2468", DialIn: []notify.DialIn{{Number: "+441632960000", Label: "UK"}}}.Text()
	if code != 200 || ct != "text/plain; charset=utf-8" || text != want {
		t.Errorf("join info: %d %s\n%s\nwant\n%s", code, ct, text, want)
	}
	if strings.Contains(text, group.URL) {
		t.Error("the group link is shown while guest access is off")
	}
	// A link: its URL, in its language; lang overrides.
	_, _, text = getText(t, e, admin, "/api/v1/rooms/2000/join-info?link="+guest.ID)
	want = notify.JoinInfo{Room: "2000", RoomName: "API", PIN: "2468", Link: guest.URL, Language: "fr",
		DialIn: []notify.DialIn{{Number: "+441632960000", Label: "UK"}}}.Text()
	if text != want {
		t.Errorf("join info in French:\n%s\nwant\n%s", text, want)
	}
	_, _, de := getText(t, e, admin, "/api/v1/rooms/2000/join-info?link="+guest.ID+"&lang=de")
	if de == text || !strings.Contains(de, i18n.Lookup("de").T(i18n.JoinPIN, map[string]string{"pin": "2468"})) {
		t.Errorf("lang=de gave\n%s", de)
	}
	// Guest access on: the room's guest link.
	set.GuestAccess = true
	room.Update(set)
	code, body := call(t, e.srv, "GET", "/api/v1/rooms/2000/join-info?format=json", "")
	info := decode[JoinInfo](t, body)
	if code != 200 || info.Link != group.URL || info.Room != "2000" || info.PIN != "2468" || len(info.DialIn) != 1 ||
		info.DialIn[0] != (DialInNumber{Number: "+441632960000", Label: "UK"}) || !strings.Contains(info.Text, group.URL) {
		t.Errorf("json: %d %s", code, body)
	}
	// Attendee tokens: no number, no PIN, no personal links.
	att := "Bearer " + e.mint(t, "2000", "attendee")
	code, _, text = getText(t, e, att, "/api/v1/rooms/2000/join-info")
	if code != 200 || strings.Contains(text, "2468") || !strings.Contains(text, group.URL) {
		t.Errorf("attendee: %d\n%s", code, text)
	}
	if code, body := callAs(t, e.srv, att, "GET", "/api/v1/rooms/2000/join-info?link="+guest.ID, ""); code != 403 ||
		decode[Error](t, body).Field != "link" {
		t.Errorf("attendee asking for a link: %d %s", code, body)
	}
	for _, tc := range []struct{ query, field string }{
		{"?lang=xx", "lang"}, {"?format=xml", "format"}, {"?link=999", "link"}, {"?link=abc", "link"}, {"?room=1", "room"},
	} {
		code, body := call(t, e.srv, "GET", "/api/v1/rooms/2000/join-info"+tc.query, "")
		if got := decode[Error](t, body); code/100 != 4 || got.Field != tc.field {
			t.Errorf("%s: %d %s", tc.query, code, body)
		}
	}
}
