package h245

import (
	"errors"
	"testing"
)

// FuzzHandle feeds arbitrary PDUs to Sessions in several states (fresh,
// started, mid slow start, after fast start) and to the fast-start
// readers: nothing panics, a failure is ErrMalformed and returns nothing,
// and everything a Session sends decodes. The seed corpus is
// testdata/fuzz/FuzzHandle (the captured PDUs).
func FuzzHandle(f *testing.F) {
	f.Fuzz(func(t *testing.T, pdu []byte) {
		fresh := newSession(t, "192.0.2.1", 4000, nil)
		started := newSession(t, "192.0.2.1", 4000, func(c *Config) { c.Random = fixed(1) })
		if _, err := started.Start(t0); err != nil {
			t.Fatal(err)
		}
		mid, _ := ready(t, PCMA, PCMU)
		fast := newSession(t, "192.0.2.1", 4000, nil)
		offer, err := newSession(t, "198.51.100.1", 5000, nil).OfferFastStart()
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := fast.AnswerFastStart(offer); err != nil {
			t.Fatal(err)
		}
		for _, s := range []*Session{fresh, started, mid, fast} {
			out, ev, err := s.Handle(t0, pdu)
			if err != nil {
				if !errors.Is(err, ErrMalformed) || out != nil || ev != nil {
					t.Fatalf("error %v with %x %#v", err, out, ev)
				}
				continue
			}
			for _, b := range out {
				if _, err := Decode(b); err != nil {
					t.Fatalf("sent %x that does not decode: %v", b, err)
				}
			}
			if _, _, err := s.Tick(t0.Add(s.cfg.Timeout)); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := newSession(t, "192.0.2.1", 4000, nil).AnswerFastStart(append(offer[:1:1], pdu)); err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNoCodec) {
			t.Fatal(err)
		}
		caller := newSession(t, "192.0.2.1", 4000, nil)
		if _, err := caller.OfferFastStart(); err != nil {
			t.Fatal(err)
		}
		if _, err := caller.AcceptFastStart([][]byte{pdu}); err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNoCodec) {
			t.Fatal(err)
		}
	})
}
