package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDialRefusedBeforeRinging: on a real `parley serve`, a call out to an
// extension with no registered device is refused at once with 409 naming
// it, and one into a locked room with 423; nothing is called out.
func TestDialRefusedBeforeRinging(t *testing.T) {
	t.Parallel()
	srv := startParley(t, dialConfig)
	type apiError struct {
		Error string `json:"error"`
		Field string `json:"field"`
	}
	var res apiError
	code := srv.apiCall(t, "POST", "/api/v1/rooms/1000/dial", map[string]any{"to": "2001"}, &res)
	if code != http.StatusConflict || res.Field != "to" || !strings.Contains(res.Error, "extension 2001 (Alice) has no registered device") {
		t.Errorf("dial the unregistered 2001: %d %+v, want 409 on \"to\" naming extension 2001", code, res)
	}
	if code := srv.apiCall(t, "PATCH", "/api/v1/rooms/1000", map[string]any{"locked": true}, nil); code != http.StatusOK {
		t.Fatalf("lock room 1000: %d", code)
	}
	res = apiError{}
	code = srv.apiCall(t, "POST", "/api/v1/rooms/1000/dial", map[string]any{"to": "#sip:bob@127.0.0.1:5999"}, &res)
	if code != http.StatusLocked || res.Field != "number" || !strings.Contains(res.Error, "room locked") {
		t.Errorf("dial into the locked room: %d %+v, want 423 on \"number\" saying it is locked", code, res)
	}
	srv.waitLog(t, "dial refused", 2, 2*time.Second)
	if n := len(srv.logged("calling out")); n != 0 {
		srv.dumpLogs(t)
		t.Errorf("parley logged %q %d times for refused dials", "calling out", n)
	}
}
