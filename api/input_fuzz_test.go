package api

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/parleyhq/parley/bridge"
)

// FuzzParseGuests feeds arbitrary bytes to the CSV guest import: it either
// returns one link and line number per row, or a 400 that names the
// problem; it never panics.
func FuzzParseGuests(f *testing.F) {
	f.Add([]byte("name,email,role,language\nAda Lovelace,ada@example.com,attendee,en\n"))
	f.Add([]byte("\xef\xbb\xbfemail,name,language,role\r\nbob@example.com,Bob,fr,\r\n"))
	f.Add([]byte("name,email,role,language\n\"unterminated,a@b.c,,\n"))
	f.Add([]byte("name,email\nx,y\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		links, lines, err := parseGuests(data, bridge.RoleAttendee)
		if err != nil {
			var apiErr *Error
			if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest {
				t.Fatalf("error %v is not a 400 *Error", err)
			}
			return
		}
		if len(links) != len(lines) {
			t.Fatalf("%d links but %d line numbers", len(links), len(lines))
		}
	})
}

// FuzzDecodeJSON feeds arbitrary bodies to the JSON decoder every endpoint
// uses, into the largest request type: a body either decodes or is refused
// with a 4xx *Error; nothing panics.
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"kind":"guest","name":"Ada","email":"ada@example.com","role":"attendee"}`))
	f.Add([]byte(`{"kind":1}`))
	f.Add([]byte(`{"active":"yes"}`))
	f.Add([]byte(`{"kind":"group"} trailing`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"unknown":true}`))
	f.Add([]byte(`{"name":"\ud800"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/rooms/1000/links", bytes.NewReader(body))
		var req LinkRequest
		err := decodeJSON(httptest.NewRecorder(), r, &req)
		if err == nil {
			return
		}
		var apiErr *Error
		if !errors.As(err, &apiErr) || apiErr.Status < 400 || apiErr.Status > 499 {
			t.Fatalf("error %v is not a 4xx *Error", err)
		}
	})
}
