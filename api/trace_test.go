package api

import (
	"bufio"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/trace"
)

func newTraceServer(t *testing.T) (*httptest.Server, *trace.Switch) {
	t.Helper()
	sw, err := trace.New(trace.Options{File: filepath.Join(t.TempDir(), "t.log"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sw.Close() })
	srv := httptest.NewServer(NewHandler(Options{AdminTokens: []string{testToken}, Trace: sw,
		Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	return srv, sw
}

// TestTraceAPI: starting, listing and stopping traces, and every bad
// request refused with the field at fault.
func TestTraceAPI(t *testing.T) {
	srv, sw := newTraceServer(t)
	for _, tc := range []struct {
		name, method, path, body string
		code                     int
		want                     string // in the body
	}{
		{"by source", "POST", "/api/v1/trace", `{"source": "192.0.2.10"}`, 201, `"source": "192.0.2.10/32"`},
		{"by prefix", "POST", "/api/v1/trace", `{"source": "2001:db8::1/64", "expires_in": 60}`, 201, `"source": "2001:db8::/64"`},
		{"by call id", "POST", "/api/v1/trace", `{"call_id": " abc@h "}`, 201, `"call_id": "abc@h"`},
		{"both", "POST", "/api/v1/trace", `{"source": "192.0.2.10", "call_id": "x"}`, 400, `"field": "source"`},
		{"neither", "POST", "/api/v1/trace", `{}`, 400, `"field": "source"`},
		{"host name", "POST", "/api/v1/trace", `{"source": "pbx.example"}`, 400, `"field": "source"`},
		{"too long", "POST", "/api/v1/trace", `{"source": "192.0.2.10", "expires_in": 3601}`, 400, `"field": "expires_in"`},
		{"negative", "POST", "/api/v1/trace", `{"call_id": "x", "expires_in": -1}`, 400, `"field": "expires_in"`},
		{"long call id", "POST", "/api/v1/trace", `{"call_id": "` + strings.Repeat("x", 300) + `"}`, 400, `"field": "call_id"`},
		{"unknown field", "POST", "/api/v1/trace", `{"ip": "192.0.2.10"}`, 400, `"field": "ip"`},
		{"list", "GET", "/api/v1/trace", "", 200, `"id": "3"`},
		{"stop one", "DELETE", "/api/v1/trace/rules/2", "", 204, ""},
		{"stop unknown", "DELETE", "/api/v1/trace/rules/2", "", 404, `"field": "id"`},
		{"stop all", "DELETE", "/api/v1/trace", "", 200, `"stopped": 2`},
		{"list none", "GET", "/api/v1/trace", "", 200, `[]`},
	} {
		code, body := call(t, srv, tc.method, tc.path, tc.body)
		if code != tc.code || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: %d %s, want %d with %s", tc.name, code, body, tc.code, tc.want)
		}
	}
	if sw.On() {
		t.Error("a trace is on after stopping all")
	}
	code, body := call(t, srv, "POST", "/api/v1/trace", `{"call_id": "x", "expires_in": 60}`)
	var tr Trace
	if err := json.Unmarshal(body, &tr); code != 201 || err != nil {
		t.Fatalf("%d %s %v", code, body, err)
	}
	if d := time.Until(tr.ExpiresAt); d < 50*time.Second || d > 61*time.Second {
		t.Errorf("expires_at %v: %v from now, want 60s", tr.ExpiresAt, d)
	}
}

func TestTraceAPIUnavailable(t *testing.T) {
	srv := newTestServer(t, nil)
	for _, m := range []string{"GET", "POST", "DELETE"} {
		if code, _ := call(t, srv, m, "/api/v1/trace", `{"call_id": "x"}`); code != http.StatusServiceUnavailable {
			t.Errorf("%s without a trace: %d, want 503", m, code)
		}
	}
}

// TestTraceStream: a follower gets each traced message's text as it is
// traced.
func TestTraceStream(t *testing.T) {
	srv, sw := newTraceServer(t)
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/trace/stream", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	sw.Start(trace.Filter{CallID: "abc"})
	sw.Observe(trace.Message{Dir: trace.Received, Transport: "udp", Local: netip.MustParseAddrPort("192.0.2.1:5060"),
		Remote: netip.MustParseAddrPort("192.0.2.10:5060"), Data: []byte("BYE sip:a@b SIP/2.0\r\nCall-ID: abc\r\n\r\n")})
	rd := bufio.NewReader(resp.Body)
	line, err := rd.ReadString('\n')
	if err != nil || !strings.Contains(line, "recv udp 192.0.2.10:5060 -> 192.0.2.1:5060 call-id=\"abc\"") {
		t.Fatalf("first line %q, %v", line, err)
	}
	if line, _ = rd.ReadString('\n'); line != "BYE sip:a@b SIP/2.0\r\n" {
		t.Errorf("second line %q", line)
	}
}
