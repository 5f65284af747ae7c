package h245_test

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/h323/h245"
	"github.com/parleyhq/parley/internal/erlper"
	"github.com/parleyhq/parley/internal/tsharkcheck"
)

// sent is one PDU a Session sent, and the ASN.1 type it encodes.
type sent struct {
	typ string // "MultimediaSystemControlMessage" or "OpenLogicalChannel"
	b   []byte
}

// conversation records what two Sessions send each other through a call:
// fast start (offer, answer), then the slow-start procedures (TCS, MSD,
// OLC), digits, and the end.
func conversation(t *testing.T) []sent {
	t.Helper()
	now := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	newSession := func(host string, port uint16, random uint32) *h245.Session {
		ip := netip.MustParseAddr(host)
		s, err := h245.NewSession(h245.Config{RTP: netip.AddrPortFrom(ip, port), RTCP: netip.AddrPortFrom(ip, port+1),
			Random: func() uint32 { return random }})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	var out []sent
	record := func(typ string, pdus [][]byte) [][]byte {
		for _, b := range pdus {
			out = append(out, sent{typ, b})
		}
		return pdus
	}
	must := func(pdus [][]byte, err error) [][]byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return record("MultimediaSystemControlMessage", pdus)
	}
	exchange := func(a, b *h245.Session, toB, toA [][]byte) {
		t.Helper()
		for i := 0; len(toA)+len(toB) > 0; i++ {
			if i > 100 {
				t.Fatal("the sessions never settle")
			}
			var nextA, nextB [][]byte
			for _, p := range toB {
				o, _, err := b.Handle(now, p)
				nextA = append(nextA, must(o, err)...)
			}
			for _, p := range toA {
				o, _, err := a.Handle(now, p)
				nextB = append(nextB, must(o, err)...)
			}
			toA, toB = nextA, nextB
		}
	}

	caller, callee := newSession("192.0.2.1", 4000, 1000), newSession("192.0.2.2", 6000, 2000)
	offer, err := caller.OfferFastStart()
	if err != nil {
		t.Fatal(err)
	}
	answer, _, err := callee.AnswerFastStart(record("OpenLogicalChannel", offer))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := caller.AcceptFastStart(record("OpenLogicalChannel", answer)); err != nil {
		t.Fatal(err)
	}

	a, b := newSession("192.0.2.1", 4000, 1000), newSession("192.0.2.2", 6000, 2000)
	exchange(a, b, must(a.Start(now)), must(b.Start(now)))
	exchange(a, b, must(a.Digits("19#*")), nil)
	exchange(a, b, must(a.End()), nil)
	return out
}

// TestIndependentDecoders has Erlang (erlc -bper) and tshark decode every
// PDU two Sessions send each other through a call: Erlang re-encodes each
// to the same bytes, tshark finds nothing malformed and names the
// messages.
func TestIndependentDecoders(t *testing.T) {
	pdus := conversation(t)
	erl := erlper.Start(t)
	var framed [][]byte
	for _, p := range pdus {
		e, err := erl.Reencode("MULTIMEDIA-SYSTEM-CONTROL", p.typ, p.b)
		if err != nil {
			t.Errorf("Erlang cannot decode the %s %x: %v", p.typ, p.b, err)
		} else if !bytes.Equal(e, p.b) {
			t.Errorf("%s: Erlang re-encodes %x as %x", p.typ, p.b, e)
		}
		if p.typ == "MultimediaSystemControlMessage" {
			framed = append(framed, append([]byte{3, 0, byte((len(p.b) + 4) >> 8), byte(len(p.b) + 4)}, p.b...))
		}
	}
	frames := tsharkcheck.H245(t, framed...)
	if p := tsharkcheck.Problems(frames); len(p) > 0 {
		t.Errorf("tshark: %v", p)
	}
	var names []string
	for _, f := range frames {
		for _, field := range []string{"h245.request", "h245.response", "h245.command", "h245.indication"} {
			for _, s := range f.Shownames(field) {
				names = append(names, strings.Fields(s)[1])
			}
		}
	}
	t.Logf("%d PDUs; tshark names %q", len(pdus), names)
	for _, want := range []string{"terminalCapabilitySet", "terminalCapabilitySetAck", "masterSlaveDetermination",
		"masterSlaveDeterminationAck", "openLogicalChannel", "openLogicalChannelAck", "userInput", "endSessionCommand"} {
		if !slices.Contains(names, want) {
			t.Errorf("tshark saw no %s among %q", want, names)
		}
	}
}
