package api

import (
	"net/http"
	"testing"
)

// FuzzSessionLogin feeds arbitrary bodies to POST /api/v1/session: each
// is answered 201 (a right password), 400, 401, 413 or 429, and only a
// 201 sets a cookie; nothing panics.
func FuzzSessionLogin(f *testing.F) {
	f.Add(`{"user":"bob","password":"bob-pw"}`)
	f.Add(`{"user":"bob","password":"wrong"}`)
	f.Add(`{"user":"","password":""}`)
	f.Add(`{"user":"*)(uid=*","password":"x"}`)
	f.Add(`{"user":1,"password":null}`)
	f.Add(`{"user":"bob"} {"password":"x"}`)
	f.Add(`[]`)
	f.Add(`{"user":"\ud800","password":"\u0000"}`)
	s, _ := sessionServer(f, Options{})
	f.Fuzz(func(t *testing.T, body string) {
		w := s.do(t, webReq{method: "POST", path: "/api/v1/session", body: body})
		switch w.Code {
		case http.StatusCreated:
			if len(w.Result().Cookies()) != 1 {
				t.Fatalf("201 with cookies %v", w.Result().Cookies())
			}
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests:
			if len(w.Result().Cookies()) != 0 {
				t.Fatalf("%d set a cookie", w.Code)
			}
		default:
			t.Fatalf("body %q: %d %s", body, w.Code, w.Body)
		}
	})
}
