package h323

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/dialplan"
	"github.com/parleyhq/parley/h323/h225"
	"github.com/parleyhq/parley/h323/q931"
	"github.com/parleyhq/parley/ivr"
	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/prompts"
)

// noRooms is a bridge with no rooms.
type noRooms struct{ draining bool }

func (noRooms) Room(n string) (*bridge.Room, error) { return nil, bridge.ErrUnknownRoom }
func (r noRooms) Draining() bool                    { return r.draining }

// nopLimiter never limits a PIN.
type nopLimiter struct{}

func (nopLimiter) Check(netip.Addr, string) (time.Duration, bool) { return 0, false }
func (nopLimiter) Fail(netip.Addr, string)                        {}
func (nopLimiter) Succeed(netip.Addr, string)                     {}

// startServer runs a Server of rooms on a loopback port; it is closed when
// the test ends.
func startServer(t *testing.T, rooms Rooms, o Options) *Server {
	t.Helper()
	ports, err := media.NewPortRange(44000, 44098)
	if err != nil {
		t.Fatal(err)
	}
	voice, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	flow, err := ivr.New(ivr.Options{Prompts: func() *prompts.Set { return voice }, Guard: nopLimiter{}})
	if err != nil {
		t.Fatal(err)
	}
	o.Listen, o.Ports, o.Flow = "127.0.0.1:0", ports, flow
	s, err := New(rooms, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// setupTo returns a TPKT-framed Setup calling alias, fast start offered.
func setupTo(t *testing.T, to string) []byte {
	t.Helper()
	u := h225.Message{Body: h225.Setup, CallID: h225.NewGUID(), ConferenceID: h225.NewGUID(), H245Tunneling: true,
		DestinationAddress: []h225.Alias{aliasOf(to)}, SourceAddress: []h225.Alias{{Kind: h225.H323ID, Value: "tester"}}}
	enc, err := h225.Pack(q931.Message{CallRef: 7}, u)
	if err != nil {
		t.Fatal(err)
	}
	return tpkt(enc)
}

func tpkt(b []byte) []byte {
	n := len(b) + 4
	return append([]byte{3, 0, byte(n >> 8), byte(n)}, b...)
}

// readSignal reads one message from a test's connection.
func readSignal(t *testing.T, c net.Conn) signal {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := q931.NewTPKTReader(c, 0).Next()
	if err != nil {
		t.Fatalf("reading the server's answer: %v", err)
	}
	sg, err := decodeSignal(b)
	if err != nil {
		t.Fatalf("the server's answer: %v", err)
	}
	return sg
}

// TestServerRefusesSetup: a Setup for a room that does not exist, or one
// while the bridge drains, is released with its cause and reason, on the
// caller's call reference; the connection then closes.
func TestServerRefusesSetup(t *testing.T) {
	for _, tt := range []struct {
		name   string
		rooms  noRooms
		cause  uint8
		reason h225.ReleaseReason
	}{
		{"unknown room", noRooms{}, q931.CauseUnallocatedNumber, h225.ReasonCalledNotRegistered},
		{"draining", noRooms{draining: true}, q931.CauseTemporaryFailure, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, tt.rooms, Options{})
			c, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Write(setupTo(t, "9999")); err != nil {
				t.Fatal(err)
			}
			sg := readSignal(t, c)
			if sg.q.Type != q931.ReleaseComplete || sg.q.CallRef != 7 || !sg.q.CallRefFlag || sg.q.Cause == nil ||
				sg.q.Cause.Value != tt.cause || sg.uu.Reason != tt.reason || sg.uu.Body != h225.ReleaseComplete {
				t.Errorf("answer %s callref %d/%v cause %+v reason %q, want ReleaseComplete cause %d reason %q",
					sg.q.Type, sg.q.CallRef, sg.q.CallRefFlag, sg.q.Cause, sg.uu.Reason, tt.cause, tt.reason)
			}
			if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
				t.Errorf("after the release, read %v, want EOF", err)
			}
		})
	}
}

// TestServerLimits: a connection that sends no Setup within the setup
// timeout is closed, one that sends something else is closed at once, and
// a source past max_conns_per_ip is closed on accept.
func TestServerLimits(t *testing.T) {
	s := startServer(t, noRooms{}, Options{SetupTimeout: 300 * time.Millisecond, MaxConnsPerIP: 2})
	dial := func() net.Conn {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	closedWithin := func(c net.Conn, d time.Duration) bool {
		_ = c.SetReadDeadline(time.Now().Add(d))
		_, err := c.Read(make([]byte, 1))
		return errors.Is(err, io.EOF)
	}
	silent, other := dial(), dial()
	if _, err := other.Write(tpkt([]byte{8, 2, 0, 1, byte(q931.StatusEnquiry)})); err != nil {
		t.Fatal(err)
	}
	if !closedWithin(other, 2*time.Second) {
		t.Error("a connection whose first message is no Setup stays open")
	}
	third := dial() // the second slot is free again once other closed
	fourth := dial()
	if !closedWithin(fourth, 2*time.Second) {
		t.Error("a third connection from one source is not closed at once")
	}
	start := time.Now()
	if !closedWithin(silent, 5*time.Second) || !closedWithin(third, 5*time.Second) {
		t.Fatal("a silent connection is not closed")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("silent connections closed after %v, want the 300 ms setup timeout", d)
	}
}

// TestServerNew refuses a server without what it needs.
func TestServerNew(t *testing.T) {
	ports, _ := media.NewPortRange(44100, 44110)
	flow, _ := ivr.New(ivr.Options{Prompts: func() *prompts.Set { return nil }, Guard: nopLimiter{}})
	for _, tt := range []struct {
		name  string
		rooms Rooms
		o     Options
	}{
		{"no rooms", nil, Options{Ports: ports, Flow: flow}},
		{"no ports", noRooms{}, Options{Flow: flow}},
		{"no flow", noRooms{}, Options{Ports: ports}},
		{"bad listen", noRooms{}, Options{Ports: ports, Flow: flow, Listen: "1720"}},
	} {
		if _, err := New(tt.rooms, tt.o); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

// calleeAnswers runs a fake called endpoint on loopback: it reads the
// Setup and answers with the messages reply returns for it. It returns the
// address to dial.
func calleeAnswers(t *testing.T, reply func(setup signal) [][]byte) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, err := q931.NewTPKTReader(c, 0).Next()
		if err != nil {
			return
		}
		sg, err := decodeSignal(b)
		if err != nil {
			return
		}
		for _, m := range reply(sg) {
			if _, err := c.Write(tpkt(m)); err != nil {
				return
			}
		}
		_, _ = io.Copy(io.Discard, c) // until Parley closes
	}()
	return netip.MustParseAddrPort(ln.Addr().String())
}

// TestDialFailures: a call out that the endpoint releases reports why,
// classified by its cause and reason, and one to a closed port fails.
func TestDialFailures(t *testing.T) {
	release := func(cause uint8, reason h225.ReleaseReason) func(signal) [][]byte {
		return func(setup signal) [][]byte {
			m, err := h225.Pack(q931.Message{CallRef: setup.q.CallRef, CallRefFlag: true, Cause: &q931.Cause{Value: cause}},
				h225.Message{Body: h225.ReleaseComplete, CallID: setup.uu.CallID, Reason: reason})
			if err != nil {
				panic(err)
			}
			return [][]byte{m}
		}
	}
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := netip.MustParseAddrPort(closed.Addr().String())
	closed.Close()
	for _, tt := range []struct {
		name   string
		addr   netip.AddrPort
		status bridge.DialStatus
		reason string
	}{
		{"busy", calleeAnswers(t, release(q931.CauseUserBusy, h225.ReasonInConf)), bridge.DialBusy, "cause 17 (inConf)"},
		{"rejected", calleeAnswers(t, release(q931.CauseCallRejected, "")), bridge.DialDeclined, "cause 21"},
		{"no such alias", calleeAnswers(t, release(q931.CauseUnallocatedNumber, h225.ReasonCalledNotRegistered)), bridge.DialNotFound, "calledPartyNotRegistered"},
		{"no answer", calleeAnswers(t, release(q931.CauseNoAnswer, "")), bridge.DialNoAnswer, "cause 19"},
		{"closed port", closedAddr, bridge.DialFailed, "cannot reach"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, noRooms{}, Options{})
			route := dialplan.Route{Via: dialplan.ViaH323, Addr: tt.addr, Destination: "#h323:room@" + tt.addr.String(),
				Target: dialplan.Target{Kind: dialplan.KindH323, User: "room", Host: tt.addr.Addr().String(), Port: int(tt.addr.Port())}}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			leg, err := s.Dial(ctx, bridge.Outbound{Route: route, Room: bridge.RoomSettings{Number: "1000", Name: "Weekly"}})
			var de *bridge.DialError
			if leg != nil || !errors.As(err, &de) || de.Status != tt.status || !strings.Contains(de.Reason, tt.reason) {
				t.Fatalf("Dial = %v, %v; want a %s DialError naming %q", leg, err, tt.status, tt.reason)
			}
			if n := s.Calls(); n != 0 {
				t.Errorf("%d calls left after the failure", n)
			}
		})
	}
}
