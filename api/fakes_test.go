package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parleyhq/parley/store"
)

// fakeTokens is a TokenFinder over a map of tokens by their secret; err,
// when set, is every lookup's answer.
type fakeTokens struct {
	bySecret map[string]store.Token
	err      error
}

func (f fakeTokens) TokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	if f.err != nil {
		return store.Token{}, f.err
	}
	for secret, t := range f.bySecret {
		if string(store.HashToken(secret)) == string(hash) {
			return t, nil
		}
	}
	return store.Token{}, store.ErrNotFound
}

// TestAuthenticatorWithAFake: the authenticator needs only TokenFinder: a
// room token it finds speaks for its room, one it does not is 401, and a
// store that fails is a 500, not a wrong token.
func TestAuthenticatorWithAFake(t *testing.T) {
	found := fakeTokens{bySecret: map[string]store.Token{"room-secret": {ID: 7, Room: "1000", Role: "moderator"}}}
	for _, tt := range []struct {
		name   string
		tokens fakeTokens
		auth   string
		status int // 0: authenticated
		room   string
	}{
		{"room token", found, "Bearer room-secret", 0, "1000"},
		{"admin token", found, "Bearer " + testToken, 0, ""},
		{"unknown token", found, "Bearer guess", http.StatusUnauthorized, ""},
		{"store fails", fakeTokens{err: errors.New("disk on fire")}, "Bearer room-secret", http.StatusInternalServerError, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(Options{AdminTokens: []string{testToken}, Logger: slog.New(slog.DiscardHandler)})
			a := newAuthenticator([]string{testToken}, tt.tokens, s.now, s.console.guard)
			r := httptest.NewRequest("GET", "/api/v1/rooms", nil)
			r.Header.Set("Authorization", tt.auth)
			p, err := a.check(r, false)
			got := 0
			if err != nil {
				got = statusOf(err).Status
			}
			if got != tt.status {
				t.Fatalf("check: %v (status %d), want status %d", err, got, tt.status)
			}
			if p.room != tt.room {
				t.Errorf("principal's room %q, want %q", p.room, tt.room)
			}
		})
	}
}

// fakeContacts is a ContactStore over a slice.
type fakeContacts struct{ list []store.Contact }

func (f *fakeContacts) CreateContact(ctx context.Context, c store.Contact) (store.Contact, error) {
	for _, have := range f.list {
		if have.Owner == c.Owner && have.Name == c.Name {
			return store.Contact{}, store.ErrExists
		}
	}
	c.ID = int64(len(f.list) + 1)
	f.list = append(f.list, c)
	return c, nil
}

func (f *fakeContacts) Contacts(ctx context.Context, owner, query string) ([]store.Contact, error) {
	return f.list, nil
}

func (f *fakeContacts) ContactByName(ctx context.Context, owner, name string) (store.Contact, error) {
	for _, c := range f.list {
		if c.Name == name && (c.Owner == owner || c.Owner == "") {
			return c, nil
		}
	}
	return store.Contact{}, store.ErrNotFound
}

func (f *fakeContacts) DeleteContact(ctx context.Context, id int64) error {
	return store.ErrNotFound
}

// TestOneJobsStore: a handler given only the address book serves it from
// a fake, and answers the calls of the jobs it has no store for with 503.
func TestOneJobsStore(t *testing.T) {
	contacts := &fakeContacts{}
	srv := httptest.NewServer(NewHandler(Options{Bridge: newTestBridge(t, nil), Stores: Stores{Contacts: contacts},
		AdminTokens: []string{testToken}, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	for _, tt := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"POST", "/api/v1/contacts", `{"name": "Reception", "target": "2001"}`, http.StatusCreated, `"name": "Reception"`},
		{"POST", "/api/v1/contacts", `{"name": "Reception", "target": "2001"}`, http.StatusConflict, "already has a contact"},
		{"GET", "/api/v1/contacts", "", http.StatusOK, `"target": "2001"`},
		{"DELETE", "/api/v1/contacts/9", "", http.StatusNotFound, `no contact \"9\"`},
		{"GET", "/api/v1/rooms/1000/route?to=Reception", "", http.StatusOK, `"contact": "Reception"`},
		{"GET", "/api/v1/rooms/1000/tokens", "", http.StatusServiceUnavailable, "no store"},
		{"GET", "/api/v1/rooms/1000/schedules", "", http.StatusServiceUnavailable, "no store"},
		{"GET", "/api/v1/rooms/1000/links", "", http.StatusServiceUnavailable, "no store"},
		{"GET", "/api/v1/rooms/1000/attendance", "", http.StatusServiceUnavailable, "no store"},
		{"PATCH", "/api/v1/rooms/1000", `{"name": "New"}`, http.StatusServiceUnavailable, "no store"},
	} {
		code, body := call(t, srv, tt.method, tt.path, tt.body)
		if code != tt.status || !strings.Contains(string(body), tt.want) {
			t.Errorf("%s %s: %d %s, want %d with %s", tt.method, tt.path, code, body, tt.status, tt.want)
		}
	}
}
