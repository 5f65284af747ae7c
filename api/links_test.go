package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/notify"
	"github.com/parleyhq/parley/store"
)

// fakeMailer records the invitations it is asked to send; it refuses
// those to addresses at fail.example.
type fakeMailer struct {
	mu   sync.Mutex
	sent []notify.Invitation
}

func (m *fakeMailer) Send(ctx context.Context, inv notify.Invitation) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, inv)
	if strings.HasSuffix(inv.To, "@fail.example") {
		return errors.New("550 mailbox unavailable")
	}
	return nil
}

func (m *fakeMailer) all() []notify.Invitation {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]notify.Invitation(nil), m.sent...)
}

// fakeSMS records the texts it is asked to send; it refuses numbers
// ending in 0000 as notify's sender refuses invalid ones.
type fakeSMS struct {
	mu   sync.Mutex
	sent [][2]string // to, text
}

func (f *fakeSMS) Send(ctx context.Context, to, text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if strings.HasSuffix(to, "0000") {
		return fmt.Errorf("%w: %q: not a number in use in its country", notify.ErrBadNumber, to)
	}
	f.sent = append(f.sent, [2]string{to, text})
	return nil
}

func (f *fakeSMS) all() [][2]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][2]string(nil), f.sent...)
}

// linkEnv is a store environment whose server has a public URL, dial-in
// numbers, a fake mailer and a fake SMS gateway.
type linkEnv struct {
	*storeEnv
	mail *fakeMailer
	sms  *fakeSMS
}

const testPublicURL = "https://meet.example.com"

func newLinkEnv(t *testing.T) *linkEnv {
	t.Helper()
	e := newStoreEnv(t)
	le := &linkEnv{storeEnv: e, mail: &fakeMailer{}, sms: &fakeSMS{}}
	e.s = newServer(Options{Bridge: e.bridge, Stores: StoresOf(e.db), AdminTokens: []string{testToken}, Logger: slog.New(slog.DiscardHandler),
		PublicURL: testPublicURL + "/", DialIn: []DialInNumber{{Number: "+441632960000", Label: "UK"}},
		Mailer: le.mail, SMS: le.sms})
	e.srv = httptest.NewServer(e.s.mux)
	t.Cleanup(e.srv.Close)
	return le
}

// link makes a link in room 2000 and returns it.
func (e *linkEnv) link(t *testing.T, body string) Link {
	t.Helper()
	code, data := call(t, e.srv, "POST", "/api/v1/rooms/2000/links", body)
	if code != http.StatusCreated {
		t.Fatalf("create link %s: %d %s", body, code, data)
	}
	return decode[Link](t, data)
}

// joinBy puts a participant into room 2000 as if they came by link l.
func (e *linkEnv) joinBy(t *testing.T, l Link, name string) (*bridge.Participant, *fakeLeg) {
	t.Helper()
	room, err := e.bridge.Room("2000")
	if err != nil {
		t.Fatal(err)
	}
	id, _ := strconv.ParseInt(l.ID, 10, 64)
	leg := newFakeLeg()
	p, err := room.Join(leg, bridge.JoinOptions{Name: name, Role: bridge.Role(l.Role), Via: "webrtc", Source: l.Kind + "_link", Address: l.ID,
		Email: l.Email, LinkID: id})
	if err != nil {
		t.Fatal(err)
	}
	return p, leg
}

func TestCreateLink(t *testing.T) {
	e := newLinkEnv(t)
	from := time.Now().Add(time.Hour).Truncate(time.Second)
	l := e.link(t, fmt.Sprintf(`{"kind": "guest", "name": "Ada Lovelace", "email": "ada@example.com", "role": "presenter",
		"language": "fr", "valid_from": %q, "send_email": true}`, rfc3339(from)))
	if l.ID == "" || l.Kind != "guest" || l.Room != "2000" || l.Name != "Ada Lovelace" || l.Role != "presenter" ||
		l.Language != "fr" || !l.Active || l.State != "not_yet_valid" || l.ValidFrom == nil || !l.ValidFrom.Equal(from) {
		t.Errorf("created %+v", l)
	}
	if len(l.Token) < 22 || l.URL != testPublicURL+"/join/"+l.Token {
		t.Errorf("token %q, url %q", l.Token, l.URL)
	}
	if len(l.Invitations) != 1 || !l.Invitations[0].Sent || l.Invitations[0].Channel != "email" {
		t.Errorf("invitations %+v", l.Invitations)
	}
	sent := e.mail.all()
	if len(sent) != 1 {
		t.Fatalf("%d mails sent", len(sent))
	}
	inv := sent[0]
	if inv.To != "ada@example.com" || inv.Name != "Ada Lovelace" || inv.Language != "fr" || inv.RoomName != "API" ||
		inv.RoomNumber != "2000" || inv.PersonalLink != l.URL || inv.UID != "invitation-"+l.ID+"@meet.example.com" ||
		len(inv.DialIn) != 1 || inv.DialIn[0].Number != "+441632960000" || inv.Schedule != nil || inv.GuestLink != "" {
		t.Errorf("mailed %+v", inv)
	}
	invs, err := e.db.Invitations(context.Background(), "2000")
	if err != nil || len(invs) != 1 || invs[0].To != "ada@example.com" || invs[0].Error != "" {
		t.Errorf("recorded %+v, %v", invs, err)
	}
	// Two links never share a token. Room 2000 has guest access off: the group
	// link says so.
	other := e.link(t, `{"kind": "group", "name": "Everyone", "description": "Weekly call"}`)
	if other.Token == l.Token || other.Role != "attendee" || other.State != "no_guests" || other.Description != "Weekly call" {
		t.Errorf("group link %+v", other)
	}
}

func TestCreateLinkValidation(t *testing.T) {
	e := newLinkEnv(t)
	past := rfc3339(time.Now().Add(-time.Hour))
	soon, later := rfc3339(time.Now().Add(time.Hour)), rfc3339(time.Now().Add(2*time.Hour))
	for _, tc := range []struct {
		body  string
		code  int
		field string
		msg   string
	}{
		{`{}`, 400, "kind", "kind is required"},
		{`{"kind": "vip"}`, 400, "kind", "guest"},
		{`{"kind": "guest"}`, 400, "name", "required for a guest link"},
		{`{"kind": "guest", "name": "A", "email": "not an address"}`, 400, "email", "email address"},
		{`{"kind": "guest", "name": "A", "email": "Ada <ada@example.com>"}`, 400, "email", "email address"},
		{`{"kind": "guest", "name": "A", "phone": "call me"}`, 400, "phone", "phone number"},
		{`{"kind": "guest", "name": "A", "role": "boss"}`, 400, "role", "must be owner"},
		{`{"kind": "guest", "name": "A", "role": "no_access"}`, 400, "role", "must be owner"},
		{`{"kind": "guest", "name": "A", "language": "xx"}`, 400, "language", "want one of"},
		{`{"kind": "guest", "name": "A", "valid_from": "tomorrow"}`, 400, "valid_from", "RFC 3339"},
		{`{"kind": "guest", "name": "A", "valid_until": "2026-03-02T09:00:00"}`, 400, "valid_until", "RFC 3339"},
		{fmt.Sprintf(`{"kind": "guest", "name": "A", "valid_from": %q, "valid_until": %q}`, later, soon), 400, "valid_until", "must be after valid_from"},
		{fmt.Sprintf(`{"kind": "guest", "name": "A", "valid_until": %q}`, past), 400, "valid_until", "expire_now"},
		{`{"kind": "guest", "name": "A", "send_email": true}`, 400, "email", "send_email needs"},
		{`{"kind": "guest", "name": "A", "send_sms": true}`, 400, "phone", "send_sms needs"},
		{`{"kind": "group", "name": "G", "email": "a@example.com"}`, 400, "email", "group link has no email"},
		{`{"kind": "guest", "name": "` + strings.Repeat("x", 201) + `"}`, 400, "name", "longer than"},
		{`{"kind": "guest", "name": "A", "token": "mine"}`, 400, "token", "unknown field"},
	} {
		code, body := call(t, e.srv, "POST", "/api/v1/rooms/2000/links", tc.body)
		got := decode[Error](t, body)
		if code != tc.code || got.Field != tc.field || !strings.Contains(got.Error(), tc.msg) {
			t.Errorf("%s: %d %s, want %d naming %s with %q", tc.body, code, body, tc.code, tc.field, tc.msg)
		}
	}
	if code, body := call(t, e.srv, "POST", "/api/v1/rooms/3000/links", `{"kind": "group", "name": "G"}`); code != 404 ||
		decode[Error](t, body).Field != "number" {
		t.Errorf("unknown room: %d %s", code, body)
	}
	if links, _ := e.db.Links(context.Background(), "2000"); len(links) != 0 {
		t.Errorf("refused requests made %d links", len(links))
	}

	// Without a mailer or SMS gateway: 503, and no link is made.
	bare := newStoreEnv(t)
	for _, tc := range []struct{ body, field string }{
		{`{"kind": "guest", "name": "A", "email": "a@example.com", "send_email": true}`, "send_email"},
		{`{"kind": "guest", "name": "A", "phone": "+447911123456", "send_sms": true}`, "send_sms"},
	} {
		code, body := call(t, bare.srv, "POST", "/api/v1/rooms/2000/links", tc.body)
		if got := decode[Error](t, body); code != 503 || got.Field != tc.field || !strings.Contains(got.Message, "not configured") {
			t.Errorf("%s without the channel: %d %s", tc.body, code, body)
		}
	}
	if links, _ := bare.db.Links(context.Background(), "2000"); len(links) != 0 {
		t.Errorf("a refused send made %d links", len(links))
	}
}

func TestLinkSMSAndFailedMail(t *testing.T) {
	e := newLinkEnv(t)
	l := e.link(t, `{"kind": "guest", "name": "Bob", "email": "bob@fail.example", "phone": "+44 7911 123456",
		"send_email": true, "send_sms": true}`)
	if l.Phone != "+447911123456" || len(l.Invitations) != 2 || l.Invitations[0].Sent || l.Invitations[0].Error == "" ||
		!l.Invitations[1].Sent || l.Invitations[1].To != "+447911123456" {
		t.Errorf("created %+v", l)
	}
	texts := e.sms.all()
	if len(texts) != 1 || texts[0][0] != "+447911123456" || !strings.Contains(texts[0][1], l.URL) || !strings.Contains(texts[0][1], "API") {
		t.Errorf("texted %q", texts)
	}
	invs, _ := e.db.Invitations(context.Background(), "2000")
	if len(invs) != 2 || invs[0].Error == "" || invs[1].Error != "" {
		t.Errorf("recorded %+v", invs)
	}
	// Resend: both again; the mail is refused again but the text goes.
	code, body := call(t, e.srv, "POST", "/api/v1/rooms/2000/links/"+l.ID+"/resend", "")
	if r := decode[ResendResponse](t, body); code != 200 || len(r.Invitations) != 2 || !r.Invitations[1].Sent {
		t.Errorf("resend: %d %s", code, body)
	}
	// A number no phone can have (the drama range 07700 900xxx) is refused
	// when the link is made, naming phone: no link, no request.
	code, body = call(t, e.srv, "POST", "/api/v1/rooms/2000/links", `{"kind": "guest", "name": "Zed", "phone": "+447700900000"}`)
	if got := decode[Error](t, body); code != 400 || got.Field != "phone" || !strings.Contains(got.Message, "not a phone number") {
		t.Errorf("a link to a number no text reaches: %d %s", code, body)
	}
}

func TestResendLink(t *testing.T) {
	e := newLinkEnv(t)
	ctx := context.Background()
	start := time.Now().Add(24 * time.Hour).Truncate(time.Second)
	if _, err := e.db.CreateSchedule(ctx, store.Schedule{Room: "2000", Start: start, End: start.Add(time.Hour), TimeZone: "Europe/Paris"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.UpdateRoom(ctx, "2000", func(r *store.Room) error { r.PIN, r.GuestAccess = "2468", true; return nil }); err != nil {
		t.Fatal(err)
	}
	room, _ := e.bridge.Room("2000")
	set := room.Settings()
	set.PIN, set.GuestAccess = "2468", true
	room.Update(set)
	group := e.link(t, `{"kind": "group", "name": "Everyone"}`)
	l := e.link(t, `{"kind": "guest", "name": "Ada", "email": "ada@example.com"}`)
	if len(e.mail.all()) != 0 {
		t.Fatal("a link without send_email was mailed")
	}
	for range 2 {
		code, body := call(t, e.srv, "POST", "/api/v1/rooms/2000/links/"+l.ID+"/resend", "")
		if r := decode[ResendResponse](t, body); code != 200 || len(r.Invitations) != 1 || !r.Invitations[0].Sent {
			t.Fatalf("resend: %d %s", code, body)
		}
	}
	sent := e.mail.all()
	if len(sent) != 2 || sent[0].UID != sent[1].UID || sent[0].UID != "invitation-"+l.ID+"@meet.example.com" {
		t.Fatalf("sent %+v", sent)
	}
	inv := sent[0]
	if inv.PIN != "2468" || inv.GuestLink != group.URL || inv.Schedule == nil || !inv.Schedule.Start.Equal(start) ||
		inv.Schedule.TimeZone != "Europe/Paris" {
		t.Errorf("invitation %+v (schedule %+v)", inv, inv.Schedule)
	}
	// A link with nothing to send to, another room's link, a bad ID.
	g := e.link(t, `{"kind": "group", "name": "G"}`)
	if code, body := call(t, e.srv, "POST", "/api/v1/rooms/2000/links/"+g.ID+"/resend", ""); code != 409 || decode[Error](t, body).Field != "email" {
		t.Errorf("resend of a group link: %d %s", code, body)
	}
	for _, p := range []string{"/api/v1/rooms/1000/links/" + l.ID + "/resend", "/api/v1/rooms/2000/links/x/resend", "/api/v1/rooms/2000/links/999/resend"} {
		if code, body := call(t, e.srv, "POST", p, ""); code != 404 || decode[Error](t, body).Field != "id" {
			t.Errorf("POST %s: %d %s", p, code, body)
		}
	}
	// All refused: 502.
	bad := e.link(t, `{"kind": "guest", "name": "X", "email": "x@fail.example"}`)
	if code, body := call(t, e.srv, "POST", "/api/v1/rooms/2000/links/"+bad.ID+"/resend", ""); code != 502 ||
		!strings.Contains(decode[Error](t, body).Message, "550") {
		t.Errorf("resend refused by the server: %d %s", code, body)
	}
}

func TestPatchLink(t *testing.T) {
	e := newLinkEnv(t)
	guest := e.link(t, `{"kind": "guest", "name": "Ada", "email": "ada@example.com", "language": "en"}`)
	group := e.link(t, `{"kind": "group", "name": "Team", "role": "attendee"}`)
	gp := "/api/v1/rooms/2000/links/" + guest.ID
	rp := "/api/v1/rooms/2000/links/" + group.ID

	// An invitation cannot be edited.
	for _, tc := range []struct{ path, body, field string }{
		{gp, `{"email": "eve@example.com"}`, "email"},
		{gp, `{"language": "fr"}`, "language"},
		{gp, `{"phone": "+447911123456"}`, "phone"},
		{gp, `{"name": "Eve"}`, "name"},
		{rp, `{"email": "eve@example.com"}`, "email"},
	} {
		code, body := call(t, e.srv, "PATCH", tc.path, tc.body)
		if got := decode[Error](t, body); code != 400 || got.Field != tc.field ||
			!strings.Contains(got.Message, "an invitation cannot be edited: delete it and create a new one") {
			t.Errorf("PATCH %s: %d %s", tc.body, code, body)
		}
	}
	// Group links may be renamed and described.
	code, body := call(t, e.srv, "PATCH", rp, `{"name": "Whole team", "description": "Mondays", "active": false}`)
	if l := decode[Link](t, body); code != 200 || l.Name != "Whole team" || l.Description != "Mondays" || l.Active || l.State != "inactive" {
		t.Errorf("rename: %d %s", code, body)
	}
	for _, tc := range []struct{ body, field, msg string }{
		{`{"name": ""}`, "name", "empty"},
		{`{"role": "boss"}`, "role", "unknown role"},
		{`{"role": ""}`, "role", "empty"},
		{`{"valid_until": "soon"}`, "valid_until", "RFC 3339"},
		{`{"expire_now": true, "valid_until": ""}`, "expire_now", "one or the other"},
		{fmt.Sprintf(`{"valid_from": %q, "valid_until": %q}`, rfc3339(time.Now().Add(2*time.Hour)), rfc3339(time.Now().Add(time.Hour))),
			"valid_until", "must be after"},
	} {
		code, body := call(t, e.srv, "PATCH", rp, tc.body)
		if got := decode[Error](t, body); code != 400 || got.Field != tc.field || !strings.Contains(got.Message, tc.msg) {
			t.Errorf("PATCH %s: %d %s", tc.body, code, body)
		}
	}
	// Expire now, then reopen.
	code, body = call(t, e.srv, "PATCH", gp, `{"expire_now": true}`)
	l := decode[Link](t, body)
	if code != 200 || l.ValidUntil == nil || time.Since(*l.ValidUntil) > time.Minute || l.State != "expired" {
		t.Errorf("expire now: %d %s", code, body)
	}
	code, body = call(t, e.srv, "PATCH", gp, `{"valid_until": ""}`)
	if l := decode[Link](t, body); code != 200 || l.ValidUntil != nil || l.State != "valid" {
		t.Errorf("reopen: %d %s", code, body)
	}
	// Another room's link is not found through this room.
	if code, body := call(t, e.srv, "PATCH", "/api/v1/rooms/1000/links/"+guest.ID, `{"active": false}`); code != 404 ||
		decode[Error](t, body).Field != "id" {
		t.Errorf("PATCH through another room: %d %s", code, body)
	}
}

func TestLinkRoleChangeActsAtOnce(t *testing.T) {
	e := newLinkEnv(t)
	group := e.link(t, `{"kind": "group", "name": "Team"}`)
	other := e.link(t, `{"kind": "group", "name": "Others"}`)
	a, _ := e.joinBy(t, group, "A")
	b, _ := e.joinBy(t, group, "B")
	c, _ := e.joinBy(t, other, "C")
	code, body := call(t, e.srv, "PATCH", "/api/v1/rooms/2000/links/"+group.ID, `{"role": "spectator"}`)
	if code != 200 || decode[Link](t, body).Role != "spectator" {
		t.Fatalf("role change: %d %s", code, body)
	}
	if a.Role() != bridge.RoleSpectator || b.Role() != bridge.RoleSpectator || c.Role() != bridge.RoleAttendee {
		t.Errorf("roles %s %s %s, want spectator spectator attendee", a.Role(), b.Role(), c.Role())
	}
	// no_access removes them.
	_, _ = call(t, e.srv, "PATCH", "/api/v1/rooms/2000/links/"+group.ID, `{"role": "no_access"}`)
	room, _ := e.bridge.Room("2000")
	if room.Len() != 1 {
		t.Errorf("%d in the room after no_access, want 1", room.Len())
	}
	code, body = call(t, e.srv, "GET", "/api/v1/rooms/2000/links/"+group.ID, "")
	if l := decode[Link](t, body); code != 200 || l.State != "no_access" {
		t.Errorf("get: %d %s", code, body)
	}
}

func TestDeleteLinkHangsUp(t *testing.T) {
	e := newLinkEnv(t)
	guest := e.link(t, `{"kind": "guest", "name": "Ada", "email": "ada@example.com"}`)
	_, leg := e.joinBy(t, guest, "Ada")
	stay, _ := e.joinBy(t, e.link(t, `{"kind": "group", "name": "G"}`), "Stays")
	code, _ := call(t, e.srv, "DELETE", "/api/v1/rooms/2000/links/"+guest.ID, "")
	if code != 204 {
		t.Fatalf("delete: %d", code)
	}
	select {
	case <-leg.Done():
	default:
		t.Error("the guest who came by the deleted link was not hung up")
	}
	room, _ := e.bridge.Room("2000")
	if ps := room.Participants(); len(ps) != 1 || ps[0] != stay {
		t.Errorf("participants left: %v", ps)
	}
	if code, _ := call(t, e.srv, "GET", "/api/v1/rooms/2000/links/"+guest.ID, ""); code != 404 {
		t.Errorf("get after delete: %d", code)
	}
	if code, _ := call(t, e.srv, "DELETE", "/api/v1/rooms/2000/links/"+guest.ID, ""); code != 404 {
		t.Errorf("second delete: %d", code)
	}
	if _, err := e.db.LinkByToken(context.Background(), guest.Token); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("token still found: %v", err)
	}
}

func TestListLinksAndTokens(t *testing.T) {
	e := newLinkEnv(t)
	e.link(t, `{"kind": "guest", "name": "Ada"}`)
	e.link(t, `{"kind": "group", "name": "G"}`)
	code, body := call(t, e.srv, "GET", "/api/v1/rooms/2000/links", "")
	if list := decode[[]Link](t, body); code != 200 || len(list) != 2 || list[0].Name != "Ada" || list[1].Kind != "group" {
		t.Errorf("list: %d %s", code, body)
	}
	if code, body := call(t, e.srv, "GET", "/api/v1/rooms/1000/links", ""); code != 200 || strings.TrimSpace(string(body)) != "[]" {
		t.Errorf("list of a room without links: %d %s", code, body)
	}
	mod, att := e.mint(t, "2000", "moderator"), e.mint(t, "2000", "attendee")
	if code, _ := callAs(t, e.srv, "Bearer "+mod, "GET", "/api/v1/rooms/2000/links", ""); code != 200 {
		t.Errorf("moderator token: %d", code)
	}
	if code, body := callAs(t, e.srv, "Bearer "+att, "GET", "/api/v1/rooms/2000/links", ""); code != 403 ||
		!strings.Contains(string(body), "attendees may not list the room's links") {
		t.Errorf("attendee token: %d %s", code, body)
	}
	// Without a public URL, links are made from the request's host.
	code, body = call(t, newStoreEnv(t).srv, "POST", "/api/v1/rooms/2000/links", `{"kind": "group", "name": "G"}`)
	if l := decode[Link](t, body); code != 201 || !strings.HasPrefix(l.URL, "http://127.0.0.1:") || !strings.HasSuffix(l.URL, "/join/"+l.Token) {
		t.Errorf("without a public URL: %d %s", code, body)
	}
}

func TestLinkToken(t *testing.T) {
	seen := make(map[string]bool)
	for range 1000 {
		tok := newLinkToken()
		if len(tok) != 24 || seen[tok] || strings.ContainsAny(tok, "+/=") {
			t.Fatalf("token %q", tok)
		}
		seen[tok] = true
	}
}

func TestLinkState(t *testing.T) {
	now := time.Now()
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	for _, tc := range []struct {
		l    store.Link
		want string
	}{
		{store.Link{Active: true, Role: "attendee"}, "valid"},
		{store.Link{Active: false, Role: "attendee"}, "inactive"},
		{store.Link{Active: true, Role: "no_access"}, "no_access"},
		{store.Link{Active: true, Role: "attendee", ValidUntil: &past}, "expired"},
		{store.Link{Active: true, Role: "attendee", ValidUntil: &now}, "expired"},
		{store.Link{Active: true, Role: "attendee", ValidFrom: &future}, "not_yet_valid"},
		{store.Link{Active: true, Role: "attendee", ValidFrom: &past, ValidUntil: &future}, "valid"},
		{store.Link{Active: true, Role: "attendee", Kind: store.LinkGroup}, "no_guests"},
		{store.Link{Active: true, Role: "attendee", Kind: store.LinkGuest}, "valid"},
	} {
		if got := linkState(tc.l, now, false); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.l, got, tc.want)
		}
	}
}
