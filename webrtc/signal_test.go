package webrtc

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	pion "github.com/pion/webrtc/v4"
)

// TestWebSocket round-trips messages through the coder/websocket adapter,
// including one larger than the library's default read limit.
func TestWebSocket(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		sig := WebSocket(c)
		var m Message
		if err := sig.ReadJSON(r.Context(), &m); err != nil {
			t.Errorf("server read: %v", err)
			return
		}
		if err := sig.WriteJSON(r.Context(), Message{Type: TypeAnswer, SDP: m.SDP}); err != nil {
			t.Errorf("server write: %v", err)
		}
		_ = sig.ReadJSON(r.Context(), &m) // until the client closes
	}))
	defer hs.Close()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	sig := WebSocket(c)
	offer := "v=0\r\n" + strings.Repeat("a=candidate:x\r\n", 4000) // about 60 KB
	if err := sig.WriteJSON(ctx, Message{Type: TypeOffer, SDP: offer}); err != nil {
		t.Fatal(err)
	}
	var m Message
	if err := sig.ReadJSON(ctx, &m); err != nil {
		t.Fatal(err)
	}
	if m.Type != TypeAnswer || m.SDP != offer {
		t.Errorf("got %q with %d bytes of SDP", m.Type, len(m.SDP))
	}
	c.Close(websocket.StatusNormalClosure, "")
}

// TestMessageJSON pins the wire form the browser page relies on.
func TestMessageJSON(t *testing.T) {
	idx := uint16(0)
	mid := "0"
	for _, tc := range []struct {
		m    Message
		want string
	}{
		{Message{Type: TypeJoined, Participant: "3"}, `{"type":"joined","participant":"3"}`},
		{Message{Type: TypeError, Error: "the room is full"}, `{"type":"error","error":"the room is full"}`},
		{Message{Type: TypeBanner, Text: "hi"}, `{"type":"banner","text":"hi"}`},
		{Message{Type: TypeCandidate, Candidate: &pion.ICECandidateInit{Candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host", SDPMid: &mid, SDPMLineIndex: &idx}},
			`{"type":"candidate","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":null}}`},
		{Message{Type: TypeConfig, ICEServers: []ICEServer{{URLs: []string{"stun:s:3478"}}}}, `{"type":"config","iceServers":[{"urls":["stun:s:3478"]}]}`},
	} {
		a, b := signalPipe()
		if err := a.WriteJSON(context.Background(), tc.m); err != nil {
			t.Fatal(err)
		}
		if got := string(<-b.in); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.m.Type, got, tc.want)
		}
	}
}
