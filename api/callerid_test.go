package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/parleyhq/parley/accounts"
	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/dialplan"
	"github.com/parleyhq/parley/store"
)

// TestDialCallerID: which caller ID a dial presents, by who asks: a
// signed-in user's own by default (from the directory, else the
// extension's), a foreign one refused with 403 naming caller_id unless
// the asker is an admin, or it is the room's or one a trunk allows; room
// tokens keep the room's by default and may not present a foreign one.
// A refused dial places no call.
func TestDialCallerID(t *testing.T) {
	fd := &fakeDialer{}
	b, err := bridge.New(bridge.Options{
		Rooms: []bridge.RoomSettings{{Number: "1000", Owner: "2002"}, {Number: "1001", Owner: "2002", CallerID: "+441632960100"}},
		Router: &dialplan.Router{
			Extensions: map[string]string{"2002": "Bob", "2003": "Carol"},
			CallerIDs:  map[string]string{"2002": "+441632960002", "2003": "+441632960003", "2004": "+441632960004"},
			Trunks: []dialplan.TrunkRoute{{Name: "pstn", Proxy: "sip:127.0.0.1:5099", CallerID: "+441632960000",
				Allow:            []*regexp.Regexp{regexp.MustCompile(`^\+44[0-9]{10}$`)},
				AllowedCallerIDs: []*regexp.Regexp{regexp.MustCompile(`^\+44163296009[0-9]$`)}}},
		},
		Dialer: fd,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	fa := &fakeAccounts{users: map[string]accounts.User{
		"root": {Login: "root", Role: accounts.RoleAdmin, Source: "local"},
		"bob":  {Login: "bob", Role: accounts.RoleUser, Extension: "2002", Source: "local"},
		"dir":  {Login: "dir", Role: accounts.RoleUser, Extension: "2002", Source: "ldap", CallerID: "+441632960077"},
		"bad":  {Login: "bad", Role: accounts.RoleUser, Extension: "2002", Source: "ldap", CallerID: "ext 12"},
	}}
	s := newServer(Options{Bridge: b, Accounts: fa, AdminTokens: []string{testToken}, Logger: slog.New(slog.DiscardHandler),
		Stores: Stores{Tokens: findOnly{fakeTokens{bySecret: map[string]store.Token{
			"mod-1000": {ID: 1, Room: "1000", Role: "moderator"},
			"op-1001":  {ID: 2, Room: "1001", Role: "moderator", Extension: "2003"},
		}}}}})
	refused := make(map[string]bool) // caller IDs only ever refused
	for _, tt := range []struct {
		name, who, room, callerID string
		code                      int
		want                      string // the caller ID presented, or a part of the 403's message
	}{
		{"user's own by default", "bob", "1000", "", 202, "+441632960002"},
		{"user's own over the room's", "bob", "1001", "", 202, "+441632960002"},
		{"directory caller ID", "dir", "1000", "", 202, "+441632960077"},
		{"malformed directory caller ID: the extension's", "bad", "1000", "", 202, "+441632960002"},
		{"user asks for their own", "bob", "1000", "+441632960002", 202, "+441632960002"},
		{"user asks for a foreign one", "bob", "1000", "+441632960997", 403, "you may not present caller ID +441632960997"},
		{"user asks for another user's", "bob", "1000", "+441632960004", 403, "your own (+441632960002)"},
		{"user asks for the room's", "bob", "1001", "+441632960100", 202, "+441632960100"},
		{"user asks for a trunk-allowed one", "bob", "1000", "+441632960091", 202, "+441632960091"},
		{"admin session asks for any", "root", "1000", "+441632960999", 202, "+441632960999"},
		{"admin session without one: the trunk's", "root", "1000", "", 202, "+441632960000"},
		{"admin token asks for any", "token", "1000", "+441632960999", 202, "+441632960999"},
		{"admin token without one: the room's", "token", "1001", "", 202, "+441632960100"},
		{"room token without one: the trunk's", "mod-1000", "1000", "", 202, "+441632960000"},
		{"room token asks for a foreign one", "mod-1000", "1000", "+441632960998", 403, "the room's or one a trunk lists"},
		{"room token asks for a trunk-allowed one", "mod-1000", "1000", "+441632960092", 202, "+441632960092"},
		{"operator token asks for its extension's", "op-1001", "1001", "+441632960003", 202, "+441632960003"},
		{"operator token without one: the room's", "op-1001", "1001", "", 202, "+441632960100"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"to": "+441632960555"`
			if tt.callerID != "" {
				body += `, "caller_id": "` + tt.callerID + `"`
			}
			req := webReq{method: "POST", path: "/api/v1/rooms/" + tt.room + "/dial", body: body + "}"}
			switch tt.who {
			case "token":
				req.auth = "Bearer " + testToken
			case "mod-1000", "op-1001":
				req.auth = "Bearer " + tt.who
			default:
				c, info := s.signIn(t, tt.who)
				req.cookie, req.csrf = c.Value, info.CSRFToken
			}
			w := s.do(t, req)
			if w.Code != tt.code {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.code, w.Body)
			}
			if tt.code != http.StatusAccepted {
				var e Error
				if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Field != "caller_id" || !strings.Contains(e.Message, tt.want) {
					t.Errorf("error %s, want field caller_id and %q", w.Body, tt.want)
				}
				refused[tt.callerID] = true
				return
			}
			var resp DialResponse
			if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
				t.Fatal(err)
			}
			if resp.Route.CallerID != tt.want {
				t.Errorf("caller ID %q, want %q", resp.Route.CallerID, tt.want)
			}
			// route answers the same caller ID without calling.
			q := "/api/v1/rooms/" + tt.room + "/route?to=%2B441632960555"
			if tt.callerID != "" {
				q += "&caller_id=" + strings.ReplaceAll(tt.callerID, "+", "%2B")
			}
			req.method, req.path, req.body = "GET", q, ""
			w = s.do(t, req)
			var rr RouteResponse
			if err := json.Unmarshal(w.Body.Bytes(), &rr); err != nil || w.Code != 200 || rr.Route.CallerID != tt.want {
				t.Errorf("route: %d %s, want caller ID %q", w.Code, w.Body, tt.want)
			}
		})
	}
	fd.mu.Lock()
	defer fd.mu.Unlock()
	for _, c := range fd.calls {
		if refused[c.Route.CallerID] {
			t.Errorf("a refused caller ID was dialled: %+v", c.Route)
		}
	}
}

// findOnly is a TokenStore that only finds tokens: this test mints none.
type findOnly struct {
	fakeTokens
}

func (findOnly) CreateToken(context.Context, store.Token) (store.Token, error) { panic("not used") }
func (findOnly) Tokens(context.Context, string) ([]store.Token, error)         { panic("not used") }
func (findOnly) DeleteToken(context.Context, int64) error                      { panic("not used") }
