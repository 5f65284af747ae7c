package api

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestDialWhileDraining: once the bridge drains, a dial is refused with
// 503 and Retry-After, and nothing is dialled.
func TestDialWhileDraining(t *testing.T) {
	fd := &fakeDialer{}
	b := newTestBridge(t, fd)
	srv := newTestServer(t, b)
	b.Drain()
	req, err := http.NewRequest("POST", srv.URL+"/api/v1/rooms/1000/dial", strings.NewReader(`{"to": "2001"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	e := decode[Error](t, body)
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "60" || !strings.Contains(e.Message, "restarting") {
		t.Errorf("dial while draining: %d, Retry-After %q, %+v; want 503, 60 and a message saying it restarts",
			res.StatusCode, res.Header.Get("Retry-After"), e)
	}
	if n := fd.count(); n != 0 {
		t.Errorf("the dialer was called %d times while draining", n)
	}
}
