package trace

import (
	"strings"
	"testing"
)

func TestMaskKeys(t *testing.T) {
	const key = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
	tests := []struct{ in, want string }{
		{"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key + "\r\n", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:***\r\n"},
		{"a=crypto:2 AEAD_AES_128_GCM inline:" + key + "|2^31|1:4 WSH=64\r\n", "a=crypto:2 AEAD_AES_128_GCM inline:***|2^31|1:4 WSH=64\r\n"},
		{"a=crypto:1 X inline:" + key + "|1:4;inline:" + key + "|2:4\r\n", "a=crypto:1 X inline:***|1:4;inline:***|2:4\r\n"},
		{"A=CRYPTO:1 X INLINE:" + key, "A=CRYPTO:1 X INLINE:***"},
		{"m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n", "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"},
	}
	for _, tt := range tests {
		got := string(MaskKeys([]byte(tt.in)))
		if got != tt.want || strings.Contains(got, key) {
			t.Errorf("MaskKeys(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
