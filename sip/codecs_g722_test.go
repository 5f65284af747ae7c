package sip

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/parleyhq/parley/media"
)

// TestCodecsNegotiate: the answer takes the offerer's first format that is
// in the configured list, whatever the list's order, and telephone-event
// at the chosen codec's clock rate, else its sample rate, else 8000 Hz.
func TestCodecsNegotiate(t *testing.T) {
	g722Phone := offer("9 0 8 101 102", "rtpmap:9 G722/8000", "rtpmap:101 telephone-event/16000", "rtpmap:102 telephone-event/8000")
	tests := []struct {
		name      string
		codecs    Codecs
		offer     string
		format    media.Format
		pt, event uint8
		err       error
	}{
		{"G.722 phone, default list", DefaultCodecs(), g722Phone, media.G722, 9, 102, nil},
		{"G.722 phone, list puts PCMU first", Codecs{media.PCMU, media.G722}, g722Phone, media.G722, 9, 102, nil},
		{"G.722 left out of the list", Codecs{media.PCMA, media.PCMU}, g722Phone, media.PCMU, 0, 102, nil},
		{"G.722 only telephone-event/16000", DefaultCodecs(), offer("9 101", "rtpmap:101 telephone-event/16000"), media.G722, 9, 101, nil},
		{"G.722 static type without rtpmap", DefaultCodecs(), offer("9"), media.G722, 9, 0, nil},
		{"Opus at 48000 events", DefaultCodecs(), offer("111 101 110", "rtpmap:111 opus/48000/2", "rtpmap:101 telephone-event/8000", "rtpmap:110 telephone-event/48000"), media.Opus, 111, 110, nil},
		{"PCMU ignores 16000 events", DefaultCodecs(), offer("0 101", "rtpmap:101 telephone-event/16000"), media.PCMU, 0, 0, nil},
		{"nothing in the list", Codecs{media.Opus}, g722Phone, media.Format{}, 0, 0, ErrNoCommonCodec},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := tt.codecs.Negotiate([]byte(tt.offer))
			if tt.err != nil || err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if n.Format != tt.format || n.PayloadType != tt.pt || n.EventPayloadType != tt.event {
				t.Errorf("got %v pt %d event %d, want %v pt %d event %d", n.Format, n.PayloadType, n.EventPayloadType, tt.format, tt.pt, tt.event)
			}
		})
	}
}

// TestCodecsRefusalNamesTheList: the refusal names the offer's formats
// and the configured ones, not every format media builds.
func TestCodecsRefusalNamesTheList(t *testing.T) {
	_, err := Codecs{media.PCMA}.Negotiate([]byte(offer("9 0", "rtpmap:9 G722/8000")))
	if err == nil || !strings.Contains(err.Error(), "offered G722/8000 PCMU/8000; Parley supports PCMA/8000") {
		t.Errorf("error %v does not list both codec lists", err)
	}
}

// TestCodecsAnswerG722 checks the answer's lines: the 8000 clock in the
// rtpmap of G.722 and telephone-event echoed at the offer's rate.
func TestCodecsAnswerG722(t *testing.T) {
	n, err := DefaultCodecs().Negotiate([]byte(offer("9 101", "rtpmap:9 G722/8000", "rtpmap:101 telephone-event/16000")))
	if err != nil {
		t.Fatal(err)
	}
	ans, err := n.Answer(netip.MustParseAddr("198.51.100.1"), 10000, 0, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"m=audio 10000 RTP/AVP 9 101", "a=rtpmap:9 G722/8000", "a=rtpmap:101 telephone-event/16000"} {
		if !strings.Contains(string(ans), want+"\r\n") {
			t.Errorf("answer lacks %q:\n%s", want, ans)
		}
	}
}

// TestCodecsG722At16000: G.722 written "G722/16000" (the sample rate, a
// common mistake; RFC 3551 §4.5.2 says 8000) is taken as G.722, and the
// answer writes it back as the offerer did, with telephone-event at the
// rate the offer has: 8000 (the audio's RTP clock, RFC 4733) when offered,
// else 16000.
func TestCodecsG722At16000(t *testing.T) {
	tests := []struct {
		name, offer string
		event       uint8
		want        []string
	}{
		{"events at 8000 and 16000", offer("9 101 102", "rtpmap:9 G722/16000", "rtpmap:101 telephone-event/16000", "rtpmap:102 telephone-event/8000"),
			102, []string{"m=audio 10000 RTP/AVP 9 102", "a=rtpmap:9 G722/16000", "a=rtpmap:102 telephone-event/8000"}},
		{"events at 16000 only", offer("9 101", "rtpmap:9 G722/16000", "rtpmap:101 telephone-event/16000"),
			101, []string{"m=audio 10000 RTP/AVP 9 101", "a=rtpmap:9 G722/16000", "a=rtpmap:101 telephone-event/16000"}},
		{"dynamic type, lower case", offer("96 0", "rtpmap:96 g722/16000"),
			0, []string{"m=audio 10000 RTP/AVP 96\r\n", "a=rtpmap:96 g722/16000"}},
		{"the right clock is answered as it is", offer("9 101", "rtpmap:9 G722/8000", "rtpmap:101 telephone-event/8000"),
			101, []string{"a=rtpmap:9 G722/8000", "a=rtpmap:101 telephone-event/8000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := DefaultCodecs().Negotiate([]byte(tt.offer))
			if err != nil {
				t.Fatal(err)
			}
			if n.Format != media.G722 || n.EventPayloadType != tt.event {
				t.Fatalf("got %v event %d, want %v event %d", n.Format, n.EventPayloadType, media.G722, tt.event)
			}
			ans, err := n.Answer(netip.MustParseAddr("198.51.100.1"), 10000, 0, 1, 1)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tt.want {
				if !strings.Contains(string(ans), want) {
					t.Errorf("answer lacks %q:\n%s", want, ans)
				}
			}
		})
	}
	// Only G.722 is forgiven its sample rate: PCMU/16000 stays unknown.
	if _, err := DefaultCodecs().Negotiate([]byte(offer("96", "rtpmap:96 PCMU/16000"))); !errors.Is(err, ErrNoCommonCodec) {
		t.Errorf("PCMU/16000: %v, want ErrNoCommonCodec", err)
	}
}

// TestCodecsOfferG722Events pins what Parley offers with G.722:
// telephone-event at 8000 Hz, G.722's RTP clock (RFC 3551 §4.5.2), as
// RFC 4733 wants events at the audio's RTP clock; never at 16000.
func TestCodecsOfferG722Events(t *testing.T) {
	for _, c := range []Codecs{{media.G722}, {media.G722, media.PCMU}, DefaultCodecs()} {
		o, err := c.Offer(netip.MustParseAddr("198.51.100.1"), 10000, 0, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(o), "a=rtpmap:101 telephone-event/8000\r\n") || strings.Contains(string(o), "telephone-event/16000") {
			t.Errorf("%v: offer's telephone-event is not at 8000 alone:\n%s", c, o)
		}
	}
}

// TestCodecsOfferOrder: Parley's offer lists the configured formats in order,
// static payload types where they exist, and telephone-event at each clock
// rate; the answer to it reads back.
func TestCodecsOfferOrder(t *testing.T) {
	tests := []struct {
		codecs Codecs
		want   []string
	}{
		{DefaultCodecs(), []string{"m=audio 10000 RTP/AVP 111 9 0 8 110 101", "a=rtpmap:111 opus/48000/2", "a=fmtp:111 minptime=10;useinbandfec=1",
			"a=rtpmap:9 G722/8000", "a=rtpmap:110 telephone-event/48000", "a=rtpmap:101 telephone-event/8000"}},
		{Codecs{media.PCMA, media.G722}, []string{"m=audio 10000 RTP/AVP 8 9 101", "a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000"}},
	}
	for _, tt := range tests {
		o, err := tt.codecs.Offer(netip.MustParseAddr("198.51.100.1"), 10000, 0, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range tt.want {
			if !strings.Contains(string(o), want+"\r\n") {
				t.Errorf("%v: offer lacks %q:\n%s", tt.codecs, want, o)
			}
		}
		n, err := tt.codecs.ReadAnswer(o)
		if err != nil || n.Format != tt.codecs[0] {
			t.Errorf("%v: own offer reads back as %v, %v", tt.codecs, n, err)
		}
	}
}

func TestCodecsNamed(t *testing.T) {
	got := CodecsNamed([]string{"pcma", "G722", "G723"})
	if len(got) != 2 || got[0] != media.PCMA || got[1] != media.G722 {
		t.Errorf("CodecsNamed = %v", got)
	}
	if got := CodecsNamed(nil); len(got) != len(DefaultCodecs()) {
		t.Errorf("CodecsNamed(nil) = %v, want the default", got)
	}
}
