package api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

type readiness struct{ err error }

func (r readiness) Ready() error { return r.err }

func TestHealthz(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		code int
	}{
		{"ready", nil, http.StatusOK},
		{"not ready", errors.New("sip not listening"), http.StatusServiceUnavailable},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			NewHandler(readiness{tt.err}).ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
			if rec.Code != tt.code {
				t.Errorf("status %d, want %d", rec.Code, tt.code)
			}
		})
	}
}
