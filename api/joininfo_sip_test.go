package api

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestJoinInfoSIPAddress: with no dial_in numbers, join info still says
// how a SIP phone joins: the room's SIP address, sip:ROOM@SIPHost; so do
// the mail and the SMS. Attendee tokens, which may not see the room
// number, do not get it.
func TestJoinInfoSIPAddress(t *testing.T) {
	e := newLinkEnv(t)
	e.s = newServer(Options{Bridge: e.bridge, Stores: StoresOf(e.db), AdminTokens: []string{testToken}, Logger: slog.New(slog.DiscardHandler),
		PublicURL: testPublicURL, SIPHost: "sip.example.com", Mailer: e.mail, SMS: e.sms})
	e.srv = httptest.NewServer(e.s.mux)
	t.Cleanup(e.srv.Close)
	const uri = "sip:2000@sip.example.com"

	_, _, text := getText(t, e, "Bearer "+testToken, "/api/v1/rooms/2000/join-info")
	if !strings.Contains(text, "From a SIP phone or app: "+uri+"\n") {
		t.Errorf("join info lacks the SIP address:\n%s", text)
	}
	code, body := call(t, e.srv, "GET", "/api/v1/rooms/2000/join-info?format=json", "")
	if info := decode[JoinInfo](t, body); code != 200 || info.SIPURI != uri {
		t.Errorf("json: %d %s", code, body)
	}
	att := "Bearer " + e.mint(t, "2000", "attendee")
	if _, _, text := getText(t, e, att, "/api/v1/rooms/2000/join-info"); strings.Contains(text, "sip:") {
		t.Errorf("an attendee token sees the SIP address (the room number):\n%s", text)
	}
	e.link(t, `{"kind": "guest", "name": "Ada", "email": "ada@example.com", "phone": "+447911123456", "send_email": true, "send_sms": true}`)
	if m := e.mail.all(); len(m) != 1 || m[0].SIPURI != uri {
		t.Errorf("mail: %+v", m)
	}
	if s := e.sms.all(); len(s) != 1 || !strings.HasSuffix(s[0][1], "\nFrom a SIP phone or app: "+uri) {
		t.Errorf("sms: %q", s)
	}
}
