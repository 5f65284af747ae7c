package sip

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/parleyhq/parley/media"
)

// Negotiate is DefaultCodecs().Negotiate, for the tests written before
// Codecs.
func Negotiate(offer []byte) (*Negotiation, error) { return DefaultCodecs().Negotiate(offer) }

// Offer is DefaultCodecs().Offer, for the tests written before Codecs.
func Offer(local netip.Addr, rtpPort, videoPort int, sessionID, version uint64) ([]byte, error) {
	return DefaultCodecs().Offer(local, rtpPort, videoPort, sessionID, version)
}

// ReadAnswer is DefaultCodecs().ReadAnswer, for the tests written before
// Codecs.
func ReadAnswer(answer []byte) (*Negotiation, error) { return DefaultCodecs().ReadAnswer(answer) }

func TestCodecsG729(t *testing.T) {
	g729 := DefaultCodecs().WithG729()
	tests := []struct {
		name   string
		codecs Codecs
		offer  string
		want   media.Format
		pt     uint8
		fmtp   string // the answer's a=fmtp for the chosen format
	}{
		{"g729 with rtpmap", g729, offer("18 101", "rtpmap:18 G729/8000", "fmtp:18 annexb=yes", "rtpmap:101 telephone-event/8000"), media.G729, 18, "a=fmtp:18 annexb=no"},
		{"g729 static, no rtpmap", g729, offer("18"), media.G729, 18, "a=fmtp:18 annexb=no"},
		{"offerer's order wins", g729, offer("18 0"), media.G729, 18, "a=fmtp:18 annexb=no"},
		{"g711 before g729", g729, offer("0 18"), media.PCMU, 0, ""},
		{"off: g711 chosen over g729", DefaultCodecs(), offer("18 0"), media.PCMU, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := tt.codecs.Negotiate([]byte(tt.offer))
			if err != nil {
				t.Fatal(err)
			}
			if !n.Format.Is(tt.want) || n.PayloadType != tt.pt {
				t.Fatalf("chose %v/%d, want %v/%d", n.Format, n.PayloadType, tt.want, tt.pt)
			}
			ans, err := n.Answer(netip.MustParseAddr("192.0.2.1"), 4000, 0, 1, 1)
			if err != nil {
				t.Fatal(err)
			}
			if tt.fmtp != "" && !strings.Contains(string(ans), tt.fmtp+"\r\n") {
				t.Errorf("answer lacks %q:\n%s", tt.fmtp, ans)
			}
			if tt.fmtp == "" && strings.Contains(string(ans), "annexb") {
				t.Errorf("answer has annexb for %v:\n%s", tt.want, ans)
			}
		})
	}
}

func TestCodecsG729Off(t *testing.T) {
	_, err := DefaultCodecs().Negotiate([]byte(offer("18", "rtpmap:18 G729/8000")))
	if !errors.Is(err, ErrNoCommonCodec) {
		t.Fatalf("G.729-only offer with G.729 off: %v, want ErrNoCommonCodec", err)
	}
	if !strings.Contains(err.Error(), "offered G729/8000; Parley supports PCMU/8000 PCMA/8000 opus/48000/2") {
		t.Errorf("error %q does not name both lists", err)
	}
	if _, err := DefaultCodecs().WithG729().Negotiate([]byte(offer("18", "rtpmap:18 G729/8000"))); err != nil {
		t.Errorf("G.729-only offer with G.729 on: %v", err)
	}
}

func TestCodecsOffer(t *testing.T) {
	local := netip.MustParseAddr("192.0.2.1")
	for _, tt := range []struct {
		codecs Codecs
		mline  string
		g729   bool
	}{
		{DefaultCodecs(), "m=audio 4000 RTP/AVP 0 8 111 101\r\n", false},
		{DefaultCodecs().WithG729(), "m=audio 4000 RTP/AVP 0 8 111 18 101\r\n", true},
	} {
		o, err := tt.codecs.Offer(local, 4000, 0, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(o), tt.mline) {
			t.Errorf("offer lacks %q:\n%s", tt.mline, o)
		}
		has := strings.Contains(string(o), "a=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=no\r\n")
		if has != tt.g729 {
			t.Errorf("offer has G.729 lines %v, want %v:\n%s", has, tt.g729, o)
		}
		// Our own offer, answered with G.729 by a trunk, is read back.
		if tt.g729 {
			n, err := tt.codecs.ReadAnswer([]byte(offer("18", "rtpmap:18 G729/8000")))
			if err != nil || !n.Format.Is(media.G729) {
				t.Errorf("ReadAnswer of a G.729 answer = %v, %v", n, err)
			}
		}
	}
}

func TestCodecsCheck(t *testing.T) {
	if err := DefaultCodecs().WithG729().check(); err != nil {
		t.Errorf("check of the defaults and G.729: %v", err)
	}
	if err := (Codecs{}).check(); err == nil {
		t.Error("check of no codecs succeeded")
	}
	if err := (Codecs{{Name: "G723", ClockRate: 8000}}).check(); !errors.Is(err, media.ErrUnsupportedFormat) {
		t.Errorf("check of G723: %v, want ErrUnsupportedFormat", err)
	}
	d := DefaultCodecs()
	if g := d.WithG729(); len(g.WithG729()) != len(d)+1 || len(d) != 3 {
		t.Errorf("WithG729 twice gives %v; defaults now %v", g.WithG729(), d)
	}
}
