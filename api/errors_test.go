package api

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/parleyhq/parley/store"
)

// TestStatusOfStore: the store's errors become their statuses; a
// database out of reach is 503 with a Retry-After and a message that says
// so, not a bare 500.
func TestStatusOfStore(t *testing.T) {
	for _, tc := range []struct {
		err        error
		status     int
		retryAfter int
	}{
		{fmt.Errorf("store: create room %q: %w: %w", "2000", store.ErrUnavailable, errors.New("dial tcp: connection refused")),
			http.StatusServiceUnavailable, storeRetryAfter},
		{fmt.Errorf("store: %w", store.ErrExists), http.StatusConflict, 0},
		{fmt.Errorf("store: %w", store.ErrInvalid), http.StatusBadRequest, 0},
		{errors.New("disk full"), http.StatusInternalServerError, 0},
	} {
		e := statusOf(tc.err)
		if e.Status != tc.status || e.retryAfter != tc.retryAfter {
			t.Errorf("statusOf(%v) = %d, Retry-After %d; want %d, %d", tc.err, e.Status, e.retryAfter, tc.status, tc.retryAfter)
		}
	}
	if e := statusOf(store.ErrUnavailable); e.Message == "internal error" {
		t.Errorf("a database out of reach answers %q", e.Message)
	}
}
