// Package api is Parley's HTTP surface for moderators, admins and
// monitoring. For now it serves /healthz; the REST API under /api/v1 grows
// here.
package api

import (
	"net/http"
)

// Readiness reports whether the bridge takes calls.
type Readiness interface {
	// Ready returns nil when Parley is ready, else why not.
	Ready() error
}

// NewHandler returns the HTTP handler for every route Parley serves.
func NewHandler(ready Readiness) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := ready.Ready(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready: " + err.Error() + "\n"))
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}
