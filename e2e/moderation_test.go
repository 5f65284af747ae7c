package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// participantsByName lists the room's participants by display name.
func (s *server) participantsByName(t *testing.T, room string) map[string]string {
	t.Helper()
	var list []struct {
		ID, Name string
	}
	if code := s.apiCall(t, "GET", "/api/v1/rooms/"+room+"/participants", nil, &list); code != http.StatusOK {
		t.Fatalf("GET participants: %d", code)
	}
	out := map[string]string{}
	for _, p := range list {
		out[p.Name] = p.ID
	}
	return out
}

// logTime returns the time of the first log record with msg and key=value.
func (s *server) logTime(t *testing.T, msg, key, value string) time.Time {
	t.Helper()
	for _, rec := range s.logged(msg) {
		if rec[key] == value {
			at, err := time.Parse(time.RFC3339Nano, rec["time"].(string))
			if err != nil {
				t.Fatal(err)
			}
			return at
		}
	}
	t.Fatalf("no %q log with %s=%s", msg, key, value)
	return time.Time{}
}

// TestRoleChangesActAtOnce: a PATCH to spectator takes a phone's tone out
// of what the others hear at once, and a PATCH to no_access removes a phone
// within a second.
func TestRoleChangesActAtOnce(t *testing.T) {
	srv := startParley(t, dialConfig)
	const amplitude = 0.25
	dir := t.TempDir()
	var peers []*phone
	for i, ph := range []struct {
		name string
		freq float64
	}{{"alice", 440}, {"bob", 1000}, {"carol", 700}} {
		wav := filepath.Join(dir, ph.name+".wav")
		if err := writeTone(wav, 8000, ph.freq, amplitude, 20); err != nil {
			t.Fatal(err)
		}
		peers = append(peers, newPhone(t, ph.name, wav, "PCMU/8000/1", 41400+40*i))
	}
	for _, p := range peers {
		p.dial(t, "sip:1000@"+srv.sipUDP, 12)
	}
	srv.waitLog(t, "call joined", 3, 10*time.Second)
	ids := srv.participantsByName(t, "1000")
	time.Sleep(5 * time.Second) // past the "there are N participants" each phone hears alone

	patched := time.Now()
	if code := srv.apiCall(t, "PATCH", "/api/v1/rooms/1000/participants/"+ids["alice"], map[string]any{"role": "spectator"}, nil); code != http.StatusOK {
		t.Fatalf("PATCH alice to spectator: %d", code)
	}
	time.Sleep(2 * time.Second)
	removed := time.Now()
	if code := srv.apiCall(t, "PATCH", "/api/v1/rooms/1000/participants/"+ids["carol"], map[string]any{"role": "no_access"}, nil); code != http.StatusOK {
		t.Fatalf("PATCH carol to no_access: %d", code)
	}
	srv.waitLog(t, "participant left", 1, 2*time.Second)
	left := srv.logTime(t, "participant left", "participant", ids["carol"])
	t.Logf("no_access: carol left %v after the PATCH was sent", left.Sub(removed))
	if left.Sub(removed) > time.Second {
		t.Errorf("carol left %v after the PATCH to no_access, want within 1 s", left.Sub(removed))
	}
	for _, p := range peers {
		p.wait(t)
	}

	// Bob's recording starts when his call was answered.
	answeredBob := srv.logTime(t, "call answered", "from", "sip:bob@127.0.0.1")
	x, rate, err := readWAV(peers[1].recording(t))
	if err != nil {
		t.Fatal(err)
	}
	at := func(tm time.Time) int { return int(tm.Sub(answeredBob).Seconds() * float64(rate)) }
	before := newSpectrum(x[at(patched.Add(-time.Second)):at(patched.Add(-100*time.Millisecond))], rate)
	after := newSpectrum(x[at(patched.Add(150*time.Millisecond)):at(patched.Add(1150*time.Millisecond))], rate)
	// Where, in 20 ms steps, does alice's tone vanish from what bob hears?
	// This includes baresip's own jitter buffer and the network, so it is
	// an upper bound on the mixer's reaction (one 20 ms tick).
	for off := -200 * time.Millisecond; off < 600*time.Millisecond; off += 20 * time.Millisecond {
		w := newSpectrum(x[at(patched.Add(off)):at(patched.Add(off+40*time.Millisecond))], rate)
		if dB(w.amplitude(440)/amplitude) < -30 {
			t.Logf("alice's tone is gone from bob's ear %v after the PATCH was sent (his jitter buffer included)", off)
			break
		}
	}
	lb, la := dB(before.amplitude(440)/amplitude), dB(after.amplitude(440)/amplitude)
	t.Logf("bob hears alice's 440 Hz at %+.1f dB before the PATCH and %+.1f dB from 150 ms after it", lb, la)
	if lb < -6 {
		t.Errorf("before the PATCH bob hears alice at %+.1f dB, want her tone", lb)
	}
	if la > -30 {
		t.Errorf("from 150 ms after the PATCH to spectator bob still hears alice at %+.1f dB", la)
	}
	if l := dB(after.amplitude(700) / amplitude); l < -6 {
		t.Errorf("bob no longer hears carol (%+.1f dB) while she was still in", l)
	}
}

// TestAttendeeTokenIsRefused: a room's attendee token may read the room but
// gets 403 on mute, kick and dial, and every refusal names its field.
func TestAttendeeTokenIsRefused(t *testing.T) {
	srv := startParley(t, dialConfig)
	var tok struct {
		Token string `json:"token"`
	}
	if code := srv.apiCall(t, "POST", "/api/v1/rooms/1000/tokens", map[string]any{"role": "attendee"}, &tok); code != http.StatusCreated || tok.Token == "" {
		t.Fatalf("minting an attendee token: %d %+v", code, tok)
	}
	call := func(method, path string, body any) (int, map[string]any) {
		var r *bytes.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			r = bytes.NewReader(b)
		} else {
			r = bytes.NewReader(nil)
		}
		req, _ := http.NewRequest(method, "http://"+srv.http+path, r)
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	if code, _ := call("GET", "/api/v1/rooms/1000", nil); code != http.StatusOK {
		t.Errorf("attendee GET room: %d, want 200", code)
	}
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"PATCH", "/api/v1/rooms/1000/participants/1", map[string]any{"muted": true}},
		{"DELETE", "/api/v1/rooms/1000/participants/1", nil},
		{"POST", "/api/v1/rooms/1000/dial", map[string]any{"to": "2001"}},
	} {
		code, body := call(c.method, c.path, c.body)
		if code != http.StatusForbidden || body["error"] == nil || body["field"] == nil {
			t.Errorf("attendee %s %s: %d %v, want 403 with error and field", c.method, c.path, code, body)
		}
	}
	// Errors name their field.
	var e map[string]any
	if code := srv.apiCall(t, "POST", "/api/v1/rooms/1000/dial", map[string]any{"to": 42}, &e); code != http.StatusBadRequest || e["field"] != "to" {
		t.Errorf("dial with a number for to: %d %v, want 400 naming to", code, e)
	}
	if code := srv.apiCall(t, "POST", "/api/v1/rooms/1000/dial", map[string]any{"to": "2001", "role": "boss"}, &e); code != http.StatusBadRequest || e["field"] != "role" {
		t.Errorf("dial with a bad role: %d %v, want 400 naming role", code, e)
	}
}
