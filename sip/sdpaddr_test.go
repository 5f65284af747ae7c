package sip

import (
	"errors"
	"strings"
	"testing"
)

// TestNegotiateConnectionAddress: multicast, broadcast and 0.0.0.0/8
// connection addresses are refused with ErrRefusedAddress (488); the
// unspecified address is the hold of RFC 3264 §8.4, answered inactive.
func TestNegotiateConnectionAddress(t *testing.T) {
	cases := []struct {
		c       string
		refused bool
		dir     Direction
	}{
		{"IN IP4 127.0.0.1", false, SendRecv},
		{"IN IP4 224.0.0.1", true, ""},
		{"IN IP4 239.1.2.3/16", true, ""},
		{"IN IP4 255.255.255.255", true, ""},
		{"IN IP4 0.0.0.1", true, ""},
		{"IN IP6 ff02::1", true, ""},
		{"IN IP4 0.0.0.0", false, Inactive},
		{"IN IP6 ::", false, Inactive},
	}
	for _, tc := range cases {
		offer := strings.Replace(sdpOffer, "c=IN IP4 127.0.0.1", "c="+tc.c, 1)
		n, err := Negotiate([]byte(offer))
		if tc.refused {
			if !errors.Is(err, ErrRefusedAddress) {
				t.Errorf("c=%s: err %v, want ErrRefusedAddress", tc.c, err)
			}
			if code, _ := statusOf(err); code != 488 {
				t.Errorf("c=%s: status %d, want 488", tc.c, code)
			}
			continue
		}
		if err != nil {
			t.Errorf("c=%s: %v", tc.c, err)
			continue
		}
		if n.Direction != tc.dir {
			t.Errorf("c=%s: direction %s, want %s", tc.c, n.Direction, tc.dir)
		}
	}
}
