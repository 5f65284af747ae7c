package h323

import (
	"errors"
	"testing"

	"github.com/parleyhq/parley/h323/q931"
)

// FuzzDecodeSignal feeds the endpoint's reading of a call-signalling
// message (Q.931, then the H323-UserInformation in its User-user element)
// arbitrary bytes: it must refuse what it cannot read with an error and
// never panic, and what it reads must encode again. The seeds are the
// H323Plus peer's Setup, CallProceeding, Connect and ReleaseCompletes.
func FuzzDecodeSignal(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		sg, err := decodeSignal(data)
		if err != nil {
			if !errors.Is(err, q931.ErrMalformed) && !errors.Is(err, errMalformedUU) {
				t.Fatalf("error %v wraps neither q931.ErrMalformed nor errMalformedUU", err)
			}
			return
		}
		if sg.uu.body == "" || len(sg.uu.callID) != 16 {
			return // nothing of ours to encode again
		}
		switch sg.uu.body {
		case bodySetup, bodyCallProceeding, bodyAlerting, bodyConnect, bodyReleaseComplete, bodyStatus:
		default:
			return
		}
		u := sg.uu
		if len(u.confID) != 16 {
			u.confID = make([]byte, 16)
		}
		// Aliases of other kinds and reasons that are not NULL are read
		// but never sent.
		u.srcAlias, u.destAlias, u.reason = nil, nil, ""
		if _, err := encodeUU(u); err != nil {
			t.Fatalf("decoded %+v does not encode: %v", u, err)
		}
	})
}
