package sip

import (
	"bytes"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/media"
)

// key30 and key28 are base64 key||salt of AES_CM_128 (30 bytes) and
// AEAD_AES_128_GCM (28 bytes).
var (
	key30 = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xa5}, 30))
	key28 = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x3c}, 28))
)

func TestParseCrypto(t *testing.T) {
	tests := []struct {
		name, line string
		suite      media.SRTPSuite
		tag        int
		err        string // a part of the error, "" for none
	}{
		{name: "80", line: "1 AES_CM_128_HMAC_SHA1_80 inline:" + key30, suite: media.SRTPAESCM128SHA1_80, tag: 1},
		{name: "32", line: "2 AES_CM_128_HMAC_SHA1_32 inline:" + key30, suite: media.SRTPAESCM128SHA1_32, tag: 2},
		{name: "gcm", line: "3 AEAD_AES_128_GCM inline:" + key28, suite: media.SRTPAEADAES128GCM, tag: 3},
		{name: "no padding", line: "1 AES_CM_128_HMAC_SHA1_80 inline:" + strings.TrimRight(key30, "="), suite: media.SRTPAESCM128SHA1_80, tag: 1},
		{name: "lifetime 2^31", line: "1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^31", suite: media.SRTPAESCM128SHA1_80, tag: 1},
		{name: "lifetime 2^48", line: "1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^48", suite: media.SRTPAESCM128SHA1_80, tag: 1},
		{name: "lifetime decimal", line: "1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|4294967296", suite: media.SRTPAESCM128SHA1_80, tag: 1},
		{name: "WSH and KDR=0", line: "9 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + " KDR=0 WSH=64", suite: media.SRTPAESCM128SHA1_80, tag: 9},
		{name: "big tag", line: "999999999 AES_CM_128_HMAC_SHA1_80 inline:" + key30, suite: media.SRTPAESCM128SHA1_80, tag: 999999999},

		{name: "short lifetime", line: "1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^20", err: "lifetime 2^20 shorter"},
		{name: "short decimal lifetime", line: "1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|1048576", err: "shorter"},
		{name: "mki", line: "1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^31|1:4", err: "MKI not supported"},
		{name: "mki without lifetime", line: "1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|1:4", err: "MKI not supported"},
		{name: "two keys", line: "1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|1:4;inline:" + key30 + "|2:4", err: "several keys"},
		{name: "unknown suite", line: "1 F8_128_HMAC_SHA1_80 inline:" + key30, err: `suite "F8_128_HMAC_SHA1_80" not supported`},
		{name: "aes256", line: "1 AES_256_CM_HMAC_SHA1_80 inline:" + key30, err: "not supported"},
		{name: "gcm key of cm length", line: "1 AEAD_AES_128_GCM inline:" + key30, err: "30 bytes"},
		{name: "cm key too short", line: "1 AES_CM_128_HMAC_SHA1_80 inline:" + key28, err: "28 bytes"},
		{name: "not base64", line: "1 AES_CM_128_HMAC_SHA1_80 inline:!!!!", err: "not base64"},
		{name: "not inline", line: "1 AES_CM_128_HMAC_SHA1_80 uri:https://k.example/1", err: "not inline"},
		{name: "tag not digits", line: "a AES_CM_128_HMAC_SHA1_80 inline:" + key30, err: "tag"},
		{name: "tag too long", line: "1234567890 AES_CM_128_HMAC_SHA1_80 inline:" + key30, err: "tag"},
		{name: "missing key", line: "1 AES_CM_128_HMAC_SHA1_80", err: "without tag, suite and key"},
		{name: "empty", line: "", err: "without"},
		{name: "unencrypted", line: "1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + " UNENCRYPTED_SRTP", err: "UNENCRYPTED_SRTP"},
		{name: "kdr", line: "1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + " KDR=24", err: "KDR"},
		{name: "lifetime junk", line: "1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^x", err: "malformed"},
		{name: "too many parts", line: "1 AES_CM_128_HMAC_SHA1_80 inline:" + key30 + "|2^31|2^31|2^31", err: "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCrypto(tt.line)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one saying %q", err, tt.err)
				}
				if strings.Contains(err.Error(), key30[:12]) || strings.Contains(err.Error(), key28[:12]) {
					t.Errorf("the error quotes the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Suite != tt.suite || c.Tag != tt.tag {
				t.Errorf("got %v tag %d", c.Suite, c.Tag)
			}
			back, err := ParseCrypto(c.String())
			if err != nil || back.Tag != c.Tag || back.Suite != c.Suite || !bytes.Equal(back.Key, c.Key) {
				t.Errorf("String %q parses back as %+v, %v", c.String(), back, err)
			}
		})
	}
}

// savpOffer is offer() with an RTP/SAVP m-line and crypto lines.
func savpOffer(profile string, cryptos ...string) string {
	attrs := []string{"rtpmap:0 PCMU/8000"}
	for _, c := range cryptos {
		attrs = append(attrs, "crypto:"+c)
	}
	return strings.Replace(offer("0", attrs...), "RTP/AVP", profile, 1)
}

func TestNegotiateSRTPPolicy(t *testing.T) {
	savp := savpOffer("RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:"+key30)
	plain := offer("0")
	both := savp + "m=audio 4002 RTP/AVP 0\r\n"
	tests := []struct {
		name   string
		offer  string
		mode   SRTPMode
		secure bool
		srtp   bool   // the answer is SRTP
		err    string // a part of the refusal, "" for none
	}{
		{name: "optional, savp over tls", offer: savp, mode: SRTPOptional, secure: true, srtp: true},
		{name: "optional, savpf over tls", offer: savpOffer("RTP/SAVPF", "1 AES_CM_128_HMAC_SHA1_80 inline:"+key30), mode: SRTPOptional, secure: true, srtp: true},
		{name: "optional, plain over udp", offer: plain, mode: SRTPOptional},
		{name: "optional, plain over tls", offer: plain, mode: SRTPOptional, secure: true},
		{name: "optional, savp over udp", offer: savp, mode: SRTPOptional, err: "cleartext signalling"},
		{name: "optional, savp and plain over udp: plain", offer: both, mode: SRTPOptional},
		{name: "optional, savp and plain over tls: savp", offer: both, mode: SRTPOptional, secure: true, srtp: true},
		{name: "required, savp over tls", offer: savp, mode: SRTPRequired, secure: true, srtp: true},
		{name: "required, plain over tls", offer: plain, mode: SRTPRequired, secure: true, err: "rtp.srtp is required"},
		{name: "required, savp over udp", offer: savp, mode: SRTPRequired, err: "cleartext signalling"},
		{name: "required, both over tls", offer: both, mode: SRTPRequired, secure: true, srtp: true},
		{name: "off, savp over tls", offer: savp, mode: SRTPOff, secure: true, err: "rtp.srtp is off"},
		{name: "off, both over tls: plain", offer: both, mode: SRTPOff, secure: true},
		{name: "savp without crypto", offer: savpOffer("RTP/SAVP"), mode: SRTPOptional, secure: true, err: "without a=crypto"},
		{name: "savp with only mki lines", offer: savpOffer("RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:"+key30+"|1:4"), mode: SRTPRequired, secure: true, err: "MKI not supported"},
		{name: "unusable savp falls back to plain", offer: savpOffer("RTP/SAVP", "1 F8_128_HMAC_SHA1_80 inline:"+key30) + "m=audio 4002 RTP/AVP 0\r\n",
			mode: SRTPOptional, secure: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := DefaultCodecs().NegotiateSRTP([]byte(tt.offer), tt.mode, tt.secure)
			if tt.err != "" {
				if !errors.Is(err, ErrSRTPRefused) || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want ErrSRTPRefused saying %q", err, tt.err)
				}
				if code, _ := statusOf(err); code != 488 {
					t.Errorf("status %d, want 488", code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (n.SRTP != nil) != tt.srtp {
				t.Fatalf("SRTP = %+v, want %v", n.SRTP, tt.srtp)
			}
			ans, err := n.Answer(netip.MustParseAddr("192.0.2.1"), 10000, 0, 1, 1)
			if err != nil {
				t.Fatal(err)
			}
			hasCrypto := strings.Contains(string(ans), "a=crypto:")
			if hasCrypto != tt.srtp || strings.Contains(string(ans), "m=audio 10000 RTP/SAVP") != tt.srtp {
				t.Errorf("answer\n%s", ans)
			}
		})
	}
}

func TestSRTPSuiteChoiceAndAnswer(t *testing.T) {
	o := savpOffer("RTP/SAVP",
		"1 AES_256_CM_HMAC_SHA1_80 inline:"+key30,        // not supported
		"2 AES_CM_128_HMAC_SHA1_80 inline:"+key30+"|1:4", // MKI: refused
		"3 AEAD_AES_128_GCM inline:"+key28,               // the first Parley takes
		"4 AES_CM_128_HMAC_SHA1_80 inline:"+key30)
	n, err := DefaultCodecs().NegotiateSRTP([]byte(o), SRTPRequired, true)
	if err != nil {
		t.Fatal(err)
	}
	if n.SRTP.Tag != 3 || n.SRTP.Keys.Suite != media.SRTPAEADAES128GCM {
		t.Fatalf("chose tag %d %v, want 3 AEAD_AES_128_GCM", n.SRTP.Tag, n.SRTP.Keys.Suite)
	}
	remote, _ := base64.StdEncoding.DecodeString(key28)
	if !bytes.Equal(n.SRTP.Keys.Remote, remote) || len(n.SRTP.Keys.Local) != 28 || bytes.Equal(n.SRTP.Keys.Local, remote) {
		t.Errorf("keys: local %d bytes, remote matches %v", len(n.SRTP.Keys.Local), bytes.Equal(n.SRTP.Keys.Remote, remote))
	}
	ans, err := n.Answer(netip.MustParseAddr("192.0.2.1"), 10000, 0, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(string(ans), "\r\n") {
		if v, ok := strings.CutPrefix(l, "a=crypto:"); ok {
			if line != "" {
				t.Fatalf("two crypto lines in\n%s", ans)
			}
			line = v
		}
	}
	c, err := ParseCrypto(line)
	if err != nil || c.Tag != 3 || c.Suite != media.SRTPAEADAES128GCM || !bytes.Equal(c.Key, n.SRTP.Keys.Local) {
		t.Errorf("answer's crypto %q: %+v, %v", line, c, err)
	}
	// A second negotiation draws another key.
	n2, _ := DefaultCodecs().NegotiateSRTP([]byte(o), SRTPRequired, true)
	if bytes.Equal(n2.SRTP.Keys.Local, n.SRTP.Keys.Local) {
		t.Error("the same local key twice")
	}
}

func TestSRTPKeepKeys(t *testing.T) {
	first, _ := DefaultCodecs().NegotiateSRTP([]byte(savpOffer("RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:"+key30)), SRTPOptional, true)
	// A re-INVITE with the same key (a hold): our key stays.
	same, _ := DefaultCodecs().NegotiateSRTP([]byte(savpOffer("RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:"+key30, "sendonly")), SRTPOptional, true)
	same.keepKeys(first.SRTP)
	if !same.SRTP.Keys.Equal(first.SRTP.Keys) {
		t.Error("same offered key: keys changed")
	}
	// A new key of the offerer's: new keys both ways.
	other := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 30))
	re, _ := DefaultCodecs().NegotiateSRTP([]byte(savpOffer("RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:"+other)), SRTPOptional, true)
	re.keepKeys(first.SRTP)
	if bytes.Equal(re.SRTP.Keys.Local, first.SRTP.Keys.Local) || bytes.Equal(re.SRTP.Keys.Remote, first.SRTP.Keys.Remote) {
		t.Error("new offered key: old keys kept")
	}
}

func FuzzParseCrypto(f *testing.F) {
	f.Add("1 AES_CM_128_HMAC_SHA1_80 inline:" + key30)
	f.Add("3 AEAD_AES_128_GCM inline:" + key28 + "|2^31 WSH=64")
	f.Add("1 AES_CM_128_HMAC_SHA1_32 inline:" + key30 + "|2^31|1:4")
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseCrypto(line)
		if err != nil {
			return
		}
		k, s := c.Suite.KeyLen()
		if len(c.Key) != k+s || c.Tag < 0 {
			t.Fatalf("accepted %q with a %d-byte key, tag %d", line, len(c.Key), c.Tag)
		}
		back, err := ParseCrypto(c.String())
		if err != nil || back.Tag != c.Tag || back.Suite != c.Suite || !bytes.Equal(back.Key, c.Key) {
			t.Fatalf("%q formats as %q, which parses as %+v, %v", line, c.String(), back, err)
		}
	})
}

func TestLogMasksCryptoKeys(t *testing.T) {
	var logs strings.Builder
	log := slog.New(newLimitedHandler(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}), time.Now, slog.LevelWarn))
	msg := savpOffer("RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:"+key30)
	log.Debug("sipgo message", "msg", msg)
	log.Error("cannot parse", "data", msg)
	if strings.Contains(logs.String(), key30[:12]) || strings.Count(logs.String(), "inline:***") != 2 {
		t.Errorf("logs:\n%s", logs.String())
	}
}

func TestOfferSRTPRoundTrip(t *testing.T) {
	offer, offered, err := DefaultCodecs().OfferSRTP(netip.MustParseAddr("192.0.2.1"), 10000, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(offer), "m=audio 10000 RTP/SAVP ") || strings.Count(string(offer), "a=crypto:") != 3 || strings.Contains(string(offer), "m=video") {
		t.Fatalf("offer\n%s", offer)
	}
	// The far end answers with the first suite (ours: AES_CM_128_HMAC_SHA1_80).
	far, err := DefaultCodecs().NegotiateSRTP(offer, SRTPRequired, true)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := far.Answer(netip.MustParseAddr("192.0.2.9"), 20000, 0, 5, 5)
	if err != nil {
		t.Fatal(err)
	}
	n, err := DefaultCodecs().ReadAnswerSRTP(answer, offered)
	if err != nil {
		t.Fatal(err)
	}
	if n.SRTP.Tag != 1 || !bytes.Equal(n.SRTP.Keys.Local, far.SRTP.Keys.Remote) || !bytes.Equal(n.SRTP.Keys.Remote, far.SRTP.Keys.Local) {
		t.Errorf("keys do not mirror: tag %d", n.SRTP.Tag)
	}
	// An answer with a tag we never offered, or in plain RTP, is refused.
	bad := strings.Replace(string(answer), "a=crypto:1 ", "a=crypto:7 ", 1)
	if _, err := DefaultCodecs().ReadAnswerSRTP([]byte(bad), offered); !errors.Is(err, ErrSRTPRefused) {
		t.Errorf("unknown tag: %v", err)
	}
	if _, err := DefaultCodecs().ReadAnswerSRTP([]byte(offer2plain(answer)), offered); !errors.Is(err, ErrSRTPRefused) {
		t.Errorf("plain answer: %v", err)
	}
}

// offer2plain turns an SRTP SDP into plain RTP/AVP without its crypto lines.
func offer2plain(b []byte) string {
	var out []string
	for _, l := range strings.Split(strings.Replace(string(b), "RTP/SAVP", "RTP/AVP", 1), "\r\n") {
		if !strings.HasPrefix(l, "a=crypto:") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\r\n")
}

func FuzzNegotiateSRTP(f *testing.F) {
	f.Add(savpOffer("RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_80 inline:"+key30), true)
	f.Add(savpOffer("RTP/SAVPF", "1 AES_CM_128_HMAC_SHA1_80 inline:"+key30+"|2^31|1:4", "2 AEAD_AES_128_GCM inline:"+key28), true)
	f.Add(savpOffer("RTP/SAVP", "1 AES_CM_128_HMAC_SHA1_32 inline:"+key30)+"m=audio 4002 RTP/AVP 0\r\n", false)
	f.Fuzz(func(t *testing.T, o string, secure bool) {
		for _, mode := range []SRTPMode{SRTPOff, SRTPOptional, SRTPRequired} {
			n, err := DefaultCodecs().NegotiateSRTP([]byte(o), mode, secure)
			if err != nil {
				continue
			}
			if n.SRTP != nil && (!secure || mode == SRTPOff) {
				t.Fatalf("%s, secure %v: SRTP taken", mode, secure)
			}
			if n.SRTP == nil && mode == SRTPRequired {
				t.Fatalf("required: plain RTP taken")
			}
			ans, err := n.Answer(netip.MustParseAddr("127.0.0.1"), 10000, 0, 1, 1)
			if err != nil {
				t.Fatalf("accepted offer gives no answer: %v", err)
			}
			back, err := DefaultCodecs().NegotiateSRTP(ans, mode, true)
			if err != nil || (back.SRTP != nil) != (n.SRTP != nil) {
				t.Fatalf("answer %q does not parse back alike: %v", ans, err)
			}
		}
	})
}
