package sip

import (
	"sync"
	"testing"
)

// messageLog records what OnMessage is told.
type messageLog struct {
	mu   sync.Mutex
	msgs []Message
}

func (l *messageLog) add(m Message) {
	l.mu.Lock()
	l.msgs = append(l.msgs, m)
	l.mu.Unlock()
}

func (l *messageLog) take() []Message {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.msgs
	l.msgs = nil
	return m
}

// TestMessagesCounted checks that the guarded handlers report every
// request received and every response sent to it, refusals and answers
// alike, with whether the request carried credentials.
func TestMessagesCounted(t *testing.T) {
	h := newHarness(t)
	var log messageLog
	h.s.opts.OnMessage = log.add
	tests := []struct {
		name string
		raw  string
		want []Message
	}{
		{"options", request("OPTIONS", ""), []Message{
			{Method: "OPTIONS"}, {Sent: true, Method: "OPTIONS", Status: 200}}},
		{"refused", request("INVITE", sdpOffer, "Max-Forwards: 0"), []Message{
			{Method: "INVITE"}, {Sent: true, Method: "INVITE", Status: 483}}},
		{"unknown method", request("FOO", ""), []Message{
			{Method: "FOO"}, {Sent: true, Method: "FOO", Status: 501}}},
		{"register challenged", request("REGISTER", "", "REGISTER sip:127.0.0.1 SIP/2.0", "To: <sip:2001@127.0.0.1>",
			"From: <sip:2001@127.0.0.1>;tag=r1", "Contact: <sip:2001@127.0.0.1:5062>"), []Message{
			{Method: "REGISTER"}, {Sent: true, Method: "REGISTER", Status: 401}}},
		{"register with credentials", request("REGISTER", "", "REGISTER sip:127.0.0.1 SIP/2.0", "To: <sip:2001@127.0.0.1>",
			"From: <sip:2001@127.0.0.1>;tag=r1", "Contact: <sip:2001@127.0.0.1:5062>",
			`+Authorization: Digest username="2001", realm="127.0.0.1", nonce="bogus", uri="sip:127.0.0.1", response="00000000000000000000000000000000"`), []Message{
			{Method: "REGISTER", Credentials: true}, {Sent: true, Method: "REGISTER", Status: 401, Credentials: true}}},
	}
	for _, tt := range tests {
		res := h.send(t, tt.raw)
		got := log.take()
		if len(got) != len(tt.want) {
			t.Errorf("%s: answered %d, reported %+v, want %+v", tt.name, res.StatusCode, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: message %d = %+v, want %+v", tt.name, i, got[i], tt.want[i])
			}
		}
	}
}
