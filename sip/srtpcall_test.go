package sip

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"

	gosip "github.com/emiago/sipgo/sip"

	"github.com/parleyhq/parley/media"
)

// TestReinviteSRTP: a call goes from plain RTP to SRTP and back by
// re-INVITE over TLS; the same offered key again keeps the keys (and the
// contexts), a new one rekeys both ways; RTP/SAVP in a re-INVITE over UDP
// is refused with 488 and the session stays as it was.
func TestReinviteSRTP(t *testing.T) {
	h := newHarness(t)
	c, release := h.establishCall(t, sdpOffer)
	defer release()
	savp := func(key string) string {
		return strings.Replace(sdpOffer, "RTP/AVP", "RTP/SAVP", 1) + "a=crypto:5 AES_CM_128_HMAC_SHA1_80 inline:" + key + "\r\n"
	}
	other := strings.Replace(key30, "p", "Q", 4)
	steps := []struct {
		name, body, transport string
		code                  int
		srtp                  bool
		newPort               bool // a new stream
		rekeyed               bool // our key changed
	}{
		{"plain to SRTP over TLS", savp(key30), "TLS", 200, true, true, true},
		{"same key: kept", savp(key30), "TLS", 200, true, false, false},
		{"new key: rekeyed", savp(other), "TLS", 200, true, false, true},
		{"SRTP over UDP refused", savp(key30), "UDP", 488, true, false, false},
		{"back to plain RTP", sdpOffer, "TLS", 200, false, true, true},
	}
	m := c.media.Load()
	var local []byte
	for i, st := range steps {
		req := parse(t, inDialog("INVITE", st.body, i+2)).(*gosip.Request)
		req.SetTransport(st.transport)
		res := h.dispatch(req).final()
		if res == nil || res.StatusCode != st.code {
			t.Fatalf("%s: %v, want %d", st.name, res, st.code)
		}
		now := c.media.Load()
		if (now != m) != st.newPort {
			t.Errorf("%s: new stream %v, want %v", st.name, now != m, st.newPort)
		}
		suite, on := now.Session().SRTP()
		if on != st.srtp || (on && suite != media.SRTPAESCM128SHA1_80) {
			t.Errorf("%s: session SRTP %v %v, want %v", st.name, suite, on, st.srtp)
		}
		var key []byte
		if now.srtp != nil {
			key = now.srtp.Keys.Local
		}
		if changed := !bytes.Equal(key, local); changed != st.rekeyed {
			t.Errorf("%s: our key changed %v, want %v", st.name, changed, st.rekeyed)
		}
		if st.code == 200 && st.srtp {
			c, err := ParseCrypto(cryptoLine(t, res.Body()))
			if err != nil || c.Tag != 5 || !bytes.Equal(c.Key, key) {
				t.Errorf("%s: answer's crypto %+v, %v", st.name, c, err)
			}
		}
		m, local = now, key
	}
}

// cryptoLine returns the value of the one a=crypto line of sdp.
func cryptoLine(t *testing.T, sdp []byte) string {
	t.Helper()
	for _, l := range strings.Split(string(sdp), "\r\n") {
		if v, ok := strings.CutPrefix(l, "a=crypto:"); ok {
			return v
		}
	}
	t.Fatalf("no a=crypto in\n%s", sdp)
	return ""
}

func TestSRTPDeclinesPlainVideo(t *testing.T) {
	o := strings.Replace(sdpOffer, "RTP/AVP", "RTP/SAVP", 1) + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "\r\n" + roomVideo
	n, err := DefaultCodecs().NegotiateSRTP([]byte(o), SRTPOptional, true)
	if err != nil {
		t.Fatal(err)
	}
	if n.Video != nil {
		t.Fatal("video taken beside SRTP audio")
	}
	ans, err := n.Answer(netip.MustParseAddr("127.0.0.1"), 10000, 10002, 1, 1)
	if err != nil || !strings.Contains(string(ans), "m=video 0 ") {
		t.Errorf("answer %v\n%s", err, ans)
	}
}

func TestOfferOut(t *testing.T) {
	h := newHarness(t)
	local := netip.MustParseAddr("127.0.0.1")
	tests := []struct {
		mode      SRTPMode
		transport string
		savp      bool
		err       bool
	}{
		{SRTPRequired, "tls", true, false},
		{SRTPRequired, "udp", false, true},
		{SRTPRequired, "tcp", false, true},
		{SRTPOptional, "tls", false, false},
		{SRTPOff, "udp", false, false},
	}
	for _, tt := range tests {
		offer, offered, err := h.s.offerOut(tt.mode, tt.transport, local, 10000, 0, 1)
		if tt.err {
			if !errors.Is(err, ErrSRTPRefused) {
				t.Errorf("%s over %s: %v, want ErrSRTPRefused", tt.mode, tt.transport, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s over %s: %v", tt.mode, tt.transport, err)
		}
		if got := strings.Contains(string(offer), "RTP/SAVP"); got != tt.savp || (offered != nil) != tt.savp {
			t.Errorf("%s over %s: SAVP %v with %d keys, want %v", tt.mode, tt.transport, got, len(offered), tt.savp)
		}
	}
	if got := h.s.outSRTP(TrunkAuth{SRTP: SRTPRequired}); got != SRTPRequired {
		t.Errorf("trunk's mode: %s", got)
	}
	if got := h.s.outSRTP(TrunkAuth{}); got != SRTPOptional {
		t.Errorf("default mode: %s", got)
	}
}

// TestReinviteUnderCallsPolicy: a re-INVITE is judged by the call's own
// SRTP policy: a call out through a trunk by the trunk's srtp, whatever
// rtp.srtp says; a call in (no mode of its own) by rtp.srtp.
func TestReinviteUnderCallsPolicy(t *testing.T) {
	savp := strings.Replace(sdpOffer, "RTP/AVP", "RTP/SAVP", 1) + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "\r\n"
	tests := []struct {
		name            string
		server, call    SRTPMode
		body, transport string
		code            int
	}{
		{"trunk off, server required: plain taken", SRTPRequired, SRTPOff, sdpOffer, "UDP", 200},
		{"trunk required, server off: SRTP taken", SRTPOff, SRTPRequired, savp, "TLS", 200},
		{"trunk required, server off: plain refused", SRTPOff, SRTPRequired, sdpOffer, "TLS", 488},
		{"trunk optional, server off: SRTP taken", SRTPOff, SRTPOptional, savp, "TLS", 200},
		{"call in, server required: plain refused", SRTPRequired, "", sdpOffer, "UDP", 488},
		{"call in, server off: SRTP refused", SRTPOff, "", savp, "TLS", 488},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			c, release := h.establishCall(t, sdpOffer)
			defer release()
			h.s.opts.SRTP, c.srtp = tt.server, tt.call
			req := parse(t, inDialog("INVITE", tt.body, 2)).(*gosip.Request)
			req.SetTransport(tt.transport)
			if res := h.dispatch(req).final(); res == nil || res.StatusCode != tt.code {
				t.Fatalf("re-INVITE answered %v, want %d", res, tt.code)
			}
		})
	}
}
