package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// adminToken is the admin token of the test configs that use the API.
const adminToken = "e2e-admin-token-6f1d2a9c0b7e4c3d8a5f"

// apiCall sends a JSON request to the running parley's REST API and
// decodes the JSON answer into out (when not nil); it returns the status.
func (s *server) apiCall(t *testing.T, method, path string, body, out any) int {
	t.Helper()
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	code, _, data := s.apiRaw(t, method, path, "application/json", b)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %q: %v", method, path, code, data, err)
		}
	}
	return code
}

// apiRaw sends a request with the admin token and the given body and content
// type, and returns the status, the headers and the body.
func (s *server) apiRaw(t *testing.T, method, path, contentType string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+s.http+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, data := httpDo(t, req)
	return res.StatusCode, res.Header, data
}

// httpDo sends req with the default client and returns the response and
// its body, read whole and closed.
func httpDo(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, data
}

// dialResult is what the tests read of a call out's state.
type dialResult struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Code   int    `json:"code"`
	Reason string `json:"reason"`
	Role   string `json:"role"`
	Name   string `json:"name"`
}

// dial asks parley to call to into room, and returns the participant ID.
func (s *server) dial(t *testing.T, room, to string, extra map[string]any) string {
	t.Helper()
	body := map[string]any{"to": to}
	for k, v := range extra {
		body[k] = v
	}
	var res struct {
		ParticipantID string `json:"participant_id"`
		Error         string `json:"error"`
	}
	if code := s.apiCall(t, "POST", "/api/v1/rooms/"+room+"/dial", body, &res); code != http.StatusAccepted {
		t.Fatalf("dial %s: status %d: %s", to, code, res.Error)
	}
	return res.ParticipantID
}

// waitDial polls a call out until it is no longer ringing.
func (s *server) waitDial(t *testing.T, room, id string, within time.Duration) dialResult {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var d dialResult
		s.apiCall(t, "GET", fmt.Sprintf("/api/v1/rooms/%s/participants/%s", room, id), nil, &d)
		if d.Status != "ringing" && d.Status != "" {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("call out %s still %q after %v", id, d.Status, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitLog waits until parley has logged msg n times.
func (s *server) waitLog(t *testing.T, msg string, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for len(s.logged(msg)) < n {
		if time.Now().After(deadline) {
			s.dumpLogs(t)
			t.Fatalf("parley did not log %q %d times within %v", msg, n, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
