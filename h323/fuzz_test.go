package h323

import (
	"net/netip"
	"testing"
)

// FuzzDecodeSignal feeds what the endpoint does with a call-signalling
// message as it arrives (Q.931 and H.225.0 unpacked, a missing User-user
// element tolerated, then the room and caller read from it) arbitrary
// bytes: it must refuse with an error or give a message, never panic. The
// seeds are the H323Plus peer's Setup, CallProceeding, Connect and
// ReleaseCompletes.
func FuzzDecodeSignal(f *testing.F) {
	peer := netip.MustParseAddr("192.0.2.7")
	f.Fuzz(func(t *testing.T, data []byte) {
		sg, err := decodeSignal(data)
		if err != nil {
			return
		}
		if sg.q == nil {
			t.Fatal("no error and no Q.931 message")
		}
		_ = roomNumber(sg)
		if callerAddress(sg, peer) == "" {
			t.Fatalf("no caller address for %+v", sg.uu)
		}
		_ = callerName(sg, peer)
	})
}
