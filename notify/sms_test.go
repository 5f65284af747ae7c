package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// gatewayRequest is one request the test gateway received.
type gatewayRequest struct {
	method, path, query, contentType, auth, apiKey, body string
}

// gateway is an httptest server standing in for an SMS gateway.
type gateway struct {
	*httptest.Server
	// status is what it answers.
	status int
	// mu guards reqs.
	mu   sync.Mutex
	reqs []gatewayRequest
}

// startGateway starts a test gateway answering status, closed when the
// test ends.
func startGateway(t *testing.T, status int) *gateway {
	t.Helper()
	g := &gateway{status: status}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		g.mu.Lock()
		g.reqs = append(g.reqs, gatewayRequest{
			method: r.Method, path: r.URL.Path, query: r.URL.RawQuery,
			contentType: r.Header.Get("Content-Type"), auth: r.Header.Get("Authorization"),
			apiKey: r.Header.Get("X-Api-Key"), body: string(b),
		})
		g.mu.Unlock()
		w.WriteHeader(g.status)
		io.WriteString(w, `{"error": "quota exceeded"}`)
	}))
	t.Cleanup(g.Close)
	return g
}

// requests returns what the gateway has received.
func (g *gateway) requests() []gatewayRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]gatewayRequest(nil), g.reqs...)
}

func TestSMSSendJSON(t *testing.T) {
	g := startGateway(t, http.StatusAccepted)
	s, err := NewSMS(SMSConfig{
		URL:            g.URL + "/v1/messages",
		BodyTemplate:   `{"recipient": "{{to}}", "message": "{{text}}", "sender": "Parley"}`,
		AuthHeader:     "Authorization: Bearer tok-123",
		DefaultCountry: "GB",
	})
	if err != nil {
		t.Fatal(err)
	}
	text := `Ann "the boss", join Sync: https://m.example.com/join/t?a=1&b=2` + "\nline two"
	if err := s.Send(context.Background(), "+44 7911 123456", text); err != nil {
		t.Fatalf("Send: %v", err)
	}
	reqs := g.requests()
	if len(reqs) != 1 {
		t.Fatalf("gateway received %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != "POST" || r.path != "/v1/messages" || r.contentType != "application/json" || r.auth != "Bearer tok-123" {
		t.Errorf("request %+v", r)
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(r.body), &body); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.body)
	}
	if body["recipient"] != "+447911123456" || body["message"] != text || body["sender"] != "Parley" {
		t.Errorf("body = %q", body)
	}
	if st := s.Stats(); st != (SendStats{Sent: 1}) {
		t.Errorf("Stats() = %+v, want 1 sent", st)
	}
}

// TestSMSNationalNumber checks that a UK national mobile number becomes
// E.164 with the default country, sent in a form body.
func TestSMSNationalNumber(t *testing.T) {
	g := startGateway(t, http.StatusOK)
	s, err := NewSMS(SMSConfig{
		URL:            g.URL + "/send",
		BodyTemplate:   "to={{to}}&text={{text}}",
		AuthHeader:     "X-Api-Key: k3y",
		DefaultCountry: "GB",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), "07911 123456", "Join: https://m.example.com/j?a=1&b=2"); err != nil {
		t.Fatal(err)
	}
	reqs := g.requests()
	if len(reqs) != 1 {
		t.Fatalf("gateway received %d requests", len(reqs))
	}
	r := reqs[0]
	if r.contentType != "application/x-www-form-urlencoded" || r.apiKey != "k3y" || r.auth != "" {
		t.Errorf("request %+v", r)
	}
	form, err := url.ParseQuery(r.body)
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("to") != "+447911123456" || form.Get("text") != "Join: https://m.example.com/j?a=1&b=2" {
		t.Errorf("form = %v (body %q)", form, r.body)
	}
}

// TestSMSGet checks a gateway that takes its parameters in the query.
func TestSMSGet(t *testing.T) {
	g := startGateway(t, http.StatusOK)
	s, err := NewSMS(SMSConfig{URL: g.URL + "/send?to={{to}}&msg={{text}}", Method: "GET", AuthHeader: "Basic dXNlcjpwYXNz"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), "+33 6 12 34 56 78", "Rejoignez & parlez"); err != nil {
		t.Fatal(err)
	}
	r := g.requests()[0]
	q, _ := url.ParseQuery(r.query)
	if r.method != "GET" || q.Get("to") != "+33612345678" || q.Get("msg") != "Rejoignez & parlez" || r.body != "" || r.auth != "Basic dXNlcjpwYXNz" {
		t.Errorf("request %+v", r)
	}
}

// TestSMSBadNumber checks that bad numbers are refused before any request.
func TestSMSBadNumber(t *testing.T) {
	g := startGateway(t, http.StatusOK)
	s, err := NewSMS(SMSConfig{URL: g.URL, DefaultCountry: "GB"})
	if err != nil {
		t.Fatal(err)
	}
	noCountry, err := NewSMS(SMSConfig{URL: g.URL})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		s      *SMS
		number string
		reason string
	}{
		{s, "", "empty"},
		{s, "hello", "not a number"},
		{s, "12345", "a local number"},
		{s, "+44 12", "too short"},
		{s, "07911 12345", "not a number in use"},
		{s, "+999 123456", "invalid country code"},
		{s, "+44 7911 123456 123456", "too long"},
		{noCountry, "07911 123456", "no default country"},
	}
	for _, tt := range tests {
		err := tt.s.Send(context.Background(), tt.number, "hi")
		if !errors.Is(err, ErrBadNumber) {
			t.Errorf("Send(%q) = %v, want ErrBadNumber", tt.number, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("Send(%q) = %q, want the reason %q", tt.number, err, tt.reason)
		}
	}
	if n := len(g.requests()); n != 0 {
		t.Errorf("gateway received %d requests for bad numbers", n)
	}
	if st := s.Stats(); st != (SendStats{}) {
		t.Errorf("Stats() = %+v, want nothing counted for bad numbers", st)
	}
}

// TestSMSGatewayError checks that a non-2xx answer is an error with the
// status.
func TestSMSGatewayError(t *testing.T) {
	g := startGateway(t, http.StatusTooManyRequests)
	s, err := NewSMS(SMSConfig{URL: g.URL, DefaultCountry: "GB"})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), "07911123456", "hi")
	var ge *GatewayError
	if !errors.As(err, &ge) || ge.StatusCode != 429 {
		t.Fatalf("Send() = %v, want a GatewayError with status 429", err)
	}
	if want := `notify: sms gateway answered 429 Too Many Requests: {"error": "quota exceeded"}`; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
	if st := s.Stats(); st != (SendStats{Failed: 1}) {
		t.Errorf("Stats() = %+v, want 1 failed", st)
	}
}

// TestSMSTimeout checks that a gateway that does not answer is given up.
func TestSMSTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	s, err := NewSMS(SMSConfig{URL: srv.URL, DefaultCountry: "GB", Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), "07911123456", "hi"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send() = %v, want context.DeadlineExceeded", err)
	}
	if st := s.Stats(); st != (SendStats{Failed: 1}) {
		t.Errorf("Stats() = %+v, want 1 failed", st)
	}
}

func TestNewSMSErrors(t *testing.T) {
	for _, cfg := range []SMSConfig{
		{},
		{URL: "ftp://sms.example.com/"},
		{URL: "https://sms.example.com/", Method: "DELETE"},
		{URL: "https://sms.example.com/", BodyTemplate: "{{number}}"},
		{URL: "https://sms.example.com/?to={{to}"},
		{URL: "https://sms.example.com/", ContentType: "json"},
		{URL: "https://sms.example.com/", AuthHeader: "Bearer x\r\nX-Evil: 1"},
		{URL: "https://sms.example.com/", DefaultCountry: "XX"},
	} {
		if _, err := NewSMS(cfg); err == nil {
			t.Errorf("NewSMS(%+v) succeeded", cfg)
		}
	}
}

func TestE164(t *testing.T) {
	tests := []struct{ in, country, want string }{
		{"07911 123456", "GB", "+447911123456"},
		{"+44 (0)7911 123-456", "", "+447911123456"},
		{"020 7946 0000", "GB", "+442079460000"},
		{"+1 415 555 0100", "GB", "+14155550100"},
		{"06 12 34 56 78", "FR", "+33612345678"},
	}
	for _, tt := range tests {
		if got, err := E164(tt.in, tt.country); err != nil || got != tt.want {
			t.Errorf("E164(%q, %q) = %q, %v; want %q", tt.in, tt.country, got, err, tt.want)
		}
	}
}
