package e2e

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/h323/per"
	"github.com/parleyhq/parley/internal/erlper"
	"github.com/parleyhq/parley/internal/h323pcap"
	"github.com/parleyhq/parley/internal/tsharkcheck"
)

// wireMessage is one H.225.0 or H.245 message of a captured call.
type wireMessage struct {
	name        string // frame, kind, and where inside the message
	module, typ string
	b           []byte
	byParley    bool
}

// TestH323ErlangDecodesTheWire captures, on loopback, a call Parley places
// to H323Plus (Fast Connect, H.245 tunnelled) and one H323Plus places to
// Parley with H.245 on a connection of its own, and has Erlang's erlc -bper
// codec (internal/erlper, independent of h323/per) decode every H.225.0
// message, the H.245 tunnelled in them or carried in fastStart, and the
// separate H.245 connection's messages, both ways: Go's re-encoding of each
// equals Erlang's, and what Parley sent is what Erlang re-encodes, byte for
// byte.
func TestH323ErlangDecodesTheWire(t *testing.T) {
	erl := erlper.Start(t) // first: its compilation may take a minute once per machine
	srv := startParley(t, h323Config)
	_, p, _ := strings.Cut(srv.h323, ":")
	parleyPort, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	room := startH323Listener(t, h323PeerOptions{tone: 1000})
	live := tsharkcheck.StartLive(t, "tcp and host 127.0.0.1")

	id := srv.dial(t, "1000", fmt.Sprintf("#h323:@127.0.0.1:%d", room.port), nil)
	if d := srv.waitDial(t, "1000", id, 15*time.Second); d.Status != "answered" {
		t.Fatalf("call out %+v", d)
	}
	caller := startH323Caller(t, h323PeerOptions{alias: "caller", separateH245: true, tone: 440}, "1000@"+srv.h323, 3, false)
	if err := caller.wait(t, 30*time.Second); err != nil {
		srv.dumpLogs(t)
		t.Fatalf("the call in did not connect: %v\n%s", err, caller.logText())
	}
	srv.stop(t) // releases the call out: Parley's ReleaseComplete is captured too
	room.waitLog(t, "Call end reason", 10*time.Second)

	msgs := wireMessages(t, live.Stop(t), parleyPort, room.port)
	counts := map[string]int{}
	for _, m := range msgs {
		typ, err := per.H323().Type(m.module, m.typ)
		if err != nil {
			t.Fatal(err)
		}
		v, err := typ.Decode(m.b)
		if err != nil {
			t.Errorf("%s: Go cannot decode %x: %v", m.name, m.b, err)
			continue
		}
		goBytes, err := typ.Encode(v)
		if err != nil {
			t.Errorf("%s: Go cannot encode what it decoded: %v", m.name, err)
			continue
		}
		erlBytes, err := erl.Reencode(m.module, m.typ, m.b)
		switch {
		case err != nil:
			t.Errorf("%s: Erlang cannot decode %x: %v", m.name, m.b, err)
		case !bytes.Equal(goBytes, erlBytes):
			t.Errorf("%s: %x: Go re-encodes\n%x\nErlang\n%x", m.name, m.b, goBytes, erlBytes)
		case m.byParley && !bytes.Equal(m.b, erlBytes):
			t.Errorf("%s: Parley sent\n%x\nErlang re-encodes it as\n%x", m.name, m.b, erlBytes)
		}
		who := "peer"
		if m.byParley {
			who = "Parley"
		}
		counts[who+" "+m.typ]++
	}
	t.Logf("messages checked: %v", counts)
	for _, want := range []string{"Parley H323-UserInformation", "Parley MultimediaSystemControlMessage", "Parley OpenLogicalChannel",
		"peer H323-UserInformation", "peer MultimediaSystemControlMessage", "peer OpenLogicalChannel"} {
		if counts[want] < 2 {
			t.Errorf("%d of %s: the capture lacks what this test checks", counts[want], want)
		}
	}
}

// wireMessages are the H.225.0 messages on the call-signalling connections
// to Parley's port and the room system's, the H.245 messages inside them,
// and those of the separate H.245 connections their h245Address fields
// announce; each marked with whether Parley sent it.
func wireMessages(t *testing.T, capture string, parleyPort, roomPort int) []wireMessage {
	t.Helper()
	pdus, err := h323pcap.Read(capture, uint16(parleyPort), uint16(roomPort))
	if err != nil {
		t.Fatal(err)
	}
	uu, err := per.H323().Type("H323-MESSAGES", "H323-UserInformation")
	if err != nil {
		t.Fatal(err)
	}
	var out []wireMessage
	ours, theirs := map[uint16]bool{}, map[uint16]bool{} // the H.245 ports each side announced
	for _, p := range pdus {
		if p.Kind != h323pcap.H225 {
			continue
		}
		byParley := int(p.Src.Port()) == parleyPort || int(p.Dst.Port()) == roomPort
		name := fmt.Sprintf("frame %d %v %v→%v", p.Frame, p.Kind, p.Src, p.Dst)
		out = append(out, wireMessage{name, "H323-MESSAGES", "H323-UserInformation", p.Bytes, byParley})
		v, err := uu.Decode(p.Bytes)
		if err != nil {
			continue // reported by the caller
		}
		body, _ := per.Get(v, "h323-uu-pdu", "h323-message-body").(per.Choice)
		if a, ok := per.Get(body.Value, "h245Address", "ipAddress", "port").(int64); ok {
			if byParley {
				ours[uint16(a)] = true
			} else {
				theirs[uint16(a)] = true
			}
		}
		inner := func(list any, what, typ string) {
			items, _ := list.([]any)
			for i, b := range items {
				b, _ := b.([]byte)
				out = append(out, wireMessage{fmt.Sprintf("%s %s[%d]", name, what, i), "MULTIMEDIA-SYSTEM-CONTROL", typ, b, byParley})
			}
		}
		inner(per.Get(v, "h323-uu-pdu", "h245Control"), "h245Control", "MultimediaSystemControlMessage")
		inner(per.Get(body.Value, "fastStart"), body.Name+".fastStart", "OpenLogicalChannel")
	}
	announced := func(a netip.AddrPort, set map[uint16]bool) bool { return set[a.Port()] }
	for _, p := range pdus {
		if p.Kind != h323pcap.H245 || !(announced(p.Src, ours) || announced(p.Dst, ours) || announced(p.Src, theirs) || announced(p.Dst, theirs)) {
			continue
		}
		byParley := announced(p.Src, ours) || announced(p.Dst, theirs)
		out = append(out, wireMessage{fmt.Sprintf("frame %d %v %v→%v", p.Frame, p.Kind, p.Src, p.Dst),
			"MULTIMEDIA-SYSTEM-CONTROL", "MultimediaSystemControlMessage", p.Bytes, byParley})
	}
	return out
}
