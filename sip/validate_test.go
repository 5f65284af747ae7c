package sip

import (
	"strings"
	"testing"
)

// sdpOffer is a G.711 offer from 127.0.0.1.
const sdpOffer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
	"m=audio 49170 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"

// noFromInvite is the 171-byte INVITE without From that took the process
// down (nil dereference in onInvite).
const noFromInvite = "INVITE sip:1000@127.0.0.1 SIP/2.0\r\n" +
	"Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1\r\n" +
	"To: <sip:1000@127.0.0.1>\r\n" +
	"Call-ID: nofrom123@host\r\n" +
	"CSeq: 1 INVITE\r\n" +
	"Max-Forwards: 70\r\n\r\n"

// request builds a request of method to room 1000 with the usual headers;
// edit changes them: a "Name: value" line replaces the header of that
// name (or adds it), "+Name: value" adds one more, "-Name" removes it. The start line may be
// replaced with a line starting with method's name.
func request(method, body string, edit ...string) string {
	start := method + " sip:1000@127.0.0.1 SIP/2.0"
	headers := [][2]string{
		{"Via", "SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-" + strings.ToLower(method) + "1"},
		{"Max-Forwards", "70"},
		{"From", "\"Alice\" <sip:alice@127.0.0.1>;tag=a1"},
		{"To", "<sip:1000@127.0.0.1>"},
		{"Call-ID", "validate-" + method + "@127.0.0.1"},
		{"CSeq", "1 " + method},
		{"Contact", "<sip:alice@127.0.0.1:5062>"},
	}
	if body != "" {
		headers = append(headers, [2]string{"Content-Type", "application/sdp"})
	}
	for _, e := range edit {
		if strings.HasPrefix(e, method+" ") || strings.Contains(e, " SIP/") && !strings.Contains(e, ":") {
			start = e
			continue
		}
		if add, ok := strings.CutPrefix(e, "+"); ok {
			name, value, _ := strings.Cut(add, ":")
			headers = append(headers, [2]string{name, strings.TrimSpace(value)})
			continue
		}
		if name, ok := strings.CutPrefix(e, "-"); ok {
			for i := range headers {
				if strings.EqualFold(headers[i][0], name) {
					headers = append(headers[:i], headers[i+1:]...)
					break
				}
			}
			continue
		}
		name, value, _ := strings.Cut(e, ":")
		found := false
		for i := range headers {
			if strings.EqualFold(headers[i][0], name) {
				headers[i][1], found = strings.TrimSpace(value), true
			}
		}
		if !found {
			headers = append(headers, [2]string{name, strings.TrimSpace(value)})
		}
	}
	var b strings.Builder
	b.WriteString(start + "\r\n")
	for _, h := range headers {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("Content-Length: " + itoa(len(body)) + "\r\n\r\n" + body)
	return b.String()
}

// TestNoFromInviteDoesNotCrash: the INVITE without From is refused with
// 400 naming the header, and nothing panics.
func TestNoFromInviteDoesNotCrash(t *testing.T) {
	if len(noFromInvite) != 171 {
		t.Fatalf("the INVITE is %d bytes, want 171", len(noFromInvite))
	}
	h := newHarness(t)
	res := h.send(t, noFromInvite)
	if res.StatusCode != 400 || res.Reason != "Missing From header" {
		t.Fatalf("got %d %q, want 400 Missing From header", res.StatusCode, res.Reason)
	}
	if strings.Contains(h.log.String(), "recovered from panic") {
		t.Errorf("a handler panicked:\n%s", h.log)
	}
}

// TestValidateRequest: each malformed or unsupported request gets the
// answer RFC 3261 §8.2 gives it; well-formed ones are answered.
func TestValidateRequest(t *testing.T) {
	multipart := "--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b1\r\nContent-Type: application/sdp\r\n\r\n" +
		sdpOffer + "\r\n--b1--\r\n"
	cases := []struct {
		name   string
		raw    string
		code   int
		reason string // "" checks nothing
		header string // "Name: value" the response must carry
	}{
		{"valid invite", request("INVITE", sdpOffer), 200, "", ""},
		{"late offer", request("INVITE", ""), 200, "", ""},
		{"require timer", request("INVITE", sdpOffer, "Require: timer", "Supported: timer", "Session-Expires: 1800"), 200, "", ""},
		{"require foobar", request("INVITE", sdpOffer, "Require: foobar"), 420, "Bad Extension", "Unsupported: foobar"},
		{"require 100rel", request("INVITE", sdpOffer, "Require: 100rel, timer"), 420, "", "Unsupported: 100rel"},
		{"require on options", request("OPTIONS", "", "Require: nothingSupportsThis"), 420, "", "Unsupported: nothingSupportsThis"},
		{"require ignored on cancel", request("CANCEL", "", "Require: foobar"), 481, "", ""},
		{"version 7", request("INVITE", sdpOffer, "INVITE sip:1000@127.0.0.1 SIP/7.0"), 505, "Version Not Supported", ""},
		{"version 7 options", request("OPTIONS", "", "OPTIONS sip:1000@127.0.0.1 SIP/7.0"), 505, "", ""},
		{"no call-id", request("INVITE", sdpOffer, "-Call-ID"), 400, "Missing Call-ID header", ""},
		{"no to", request("INVITE", sdpOffer, "-To"), 400, "Missing To header", ""},
		{"no from", request("INVITE", sdpOffer, "-From"), 400, "Missing From header", ""},
		{"no from bye", request("BYE", "", "-From"), 400, "Missing From header", ""},
		{"no contact", request("INVITE", sdpOffer, "-Contact"), 400, "Missing Contact header", ""},
		{"no contact options", request("OPTIONS", "", "-Contact"), 200, "", "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO, REGISTER"},
		{"no max-forwards", request("INVITE", sdpOffer, "-Max-Forwards"), 400, "Missing Max-Forwards header", ""},
		{"two call-ids", request("INVITE", sdpOffer, "+Call-ID: other@127.0.0.1"), 400, "Multiple Call-ID headers", ""},
		{"cseq mismatch", request("OPTIONS", "", "CSeq: 8 INVITE"), 400, "CSeq method does not match the request method", ""},
		{"max-forwards 0", request("INVITE", sdpOffer, "Max-Forwards: 0"), 483, "Too Many Hops", ""},
		{"max-forwards 0 bye", request("BYE", "", "Max-Forwards: 0"), 483, "", ""},
		{"max-forwards 0 options", request("OPTIONS", "", "Max-Forwards: 0"), 200, "", ""},
		{"max-forwards 300", request("INVITE", sdpOffer, "Max-Forwards: 300"), 400, "Invalid Max-Forwards header", ""},
		{"cancel without invite", request("CANCEL", ""), 481, "", ""},
		{"bye without dialog", request("BYE", ""), 481, "", ""},
		{"text body", request("INVITE", "hello", "Content-Type: text/plain"), 415, "", "Accept: application/sdp"},
		{"no content-type", request("INVITE", sdpOffer, "-Content-Type"), 400, "Missing Content-Type header", ""},
		{"gzip", request("INVITE", sdpOffer, "Content-Encoding: gzip"), 415, "", "Accept-Encoding: identity"},
		{"multipart with sdp", request("INVITE", multipart, "Content-Type: multipart/mixed;boundary=b1"), 200, "", ""},
		{"multipart without sdp", request("INVITE", "--b1\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b1--\r\n",
			"Content-Type: multipart/mixed;boundary=b1"), 415, "", "Accept: application/sdp"},
		{"multicast c=", request("INVITE", strings.Replace(sdpOffer, "c=IN IP4 127.0.0.1", "c=IN IP4 224.2.1.1/127", 1)), 488, "", ""},
		{"broadcast c=", request("INVITE", strings.Replace(sdpOffer, "c=IN IP4 127.0.0.1", "c=IN IP4 255.255.255.255", 1)), 488, "", ""},
		{"this-network c=", request("INVITE", strings.Replace(sdpOffer, "c=IN IP4 127.0.0.1", "c=IN IP4 0.1.2.3", 1)), 488, "", ""},
		{"ipv6 multicast c=", request("INVITE", strings.Replace(sdpOffer, "c=IN IP4 127.0.0.1", "c=IN IP6 ff0e::1", 1)), 488, "", ""},
		{"hold c=0.0.0.0", request("INVITE", strings.Replace(sdpOffer, "c=IN IP4 127.0.0.1", "c=IN IP4 0.0.0.0", 1)), 200, "", ""},
		{"tel request-uri", request("OPTIONS", "", "OPTIONS tel:+15551234 SIP/2.0"), 416, "", ""},
		{"unknown method", request("FOO", ""), 501, "", "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO, REGISTER"},
		{"subscribe", request("SUBSCRIBE", ""), 405, "", "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO, REGISTER"},
		{"register unauthenticated", request("REGISTER", "", "REGISTER sip:127.0.0.1 SIP/2.0",
			"To: <sip:2001@127.0.0.1>", "From: <sip:2001@127.0.0.1>;tag=r1"), 401, "", ""},
		{"unknown room", request("INVITE", sdpOffer, "INVITE sip:9999@127.0.0.1 SIP/2.0"), 404, "", ""},
	}
	h := newHarness(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.raw
			res := h.send(t, raw)
			if res.StatusCode != tc.code {
				t.Fatalf("got %d %s, want %d\n%s", res.StatusCode, res.Reason, tc.code, raw)
			}
			if tc.reason != "" && res.Reason != tc.reason {
				t.Errorf("reason %q, want %q", res.Reason, tc.reason)
			}
			if res.SipVersion != "SIP/2.0" {
				t.Errorf("response version %q, want SIP/2.0", res.SipVersion)
			}
			if tc.header != "" {
				name, want, _ := strings.Cut(tc.header, ": ")
				if got := res.GetHeader(name); got == nil || got.Value() != want {
					t.Errorf("%s: %v, want %q\n%s", name, got, want, res)
				}
			}
		})
	}
	if strings.Contains(h.log.String(), "recovered from panic") {
		t.Errorf("a handler panicked:\n%s", h.log)
	}
	if !strings.Contains(h.log.String(), "224.2.1.1 is a multicast address") {
		t.Errorf("the multicast refusal does not say why:\n%s", h.log)
	}
}

// TestAllowedWithoutRegistrar: without extensions REGISTER is not in Allow
// (it gets 405 like any method Parley does not take).
func TestAllowedWithoutRegistrar(t *testing.T) {
	if got := (&Server{}).allowed(); got != "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, INFO" {
		t.Errorf("Allow %q", got)
	}
}
