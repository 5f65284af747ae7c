package main

import (
	"log/slog"
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/cluster"
	"github.com/parleyhq/parley/internal/testnats"
	"github.com/parleyhq/parley/media"
)

// TestCascadeLegCarriesAudio: two link legs on loopback, each told the
// other's address, carry a 1 kHz tone at 16 kHz from one mixer's
// WriteAudio to the other's ReadAudio, both ways, at its level.
func TestCascadeLegCarriesAudio(t *testing.T) {
	ports, err := media.NewPortRange(51000, 51098)
	if err != nil {
		t.Fatal(err)
	}
	lo := netip.MustParseAddr("127.0.0.1")
	pa, err := ports.Listen(lo)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := ports.Listen(lo)
	if err != nil {
		t.Fatal(err)
	}
	a, err := newCascadeLeg(pa, netip.AddrPortFrom(lo, uint16(pb.Number())))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Hangup("test over")
	b, err := newCascadeLeg(pb, netip.AddrPortFrom(lo, uint16(pa.Number())))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Hangup("test over")

	for _, dir := range []struct {
		name     string
		from, to *cascadeLeg
	}{{"a to b", a, b}, {"b to a", b, a}} {
		t.Run(dir.name, func(t *testing.T) {
			enc, err := media.NewEncoderFrom(cascadeFormat, 16000)
			if err != nil {
				t.Fatal(err)
			}
			pcm := make([]int16, 320)
			payload := make([]byte, 1500)
			frame := make([]int16, 320)
			var best float64
			for i := range 50 {
				for j := range pcm {
					pcm[j] = int16(8000 * math.Sin(2*math.Pi*1000*float64(i*320+j)/16000))
				}
				n, err := enc.Encode(pcm, payload)
				if err != nil {
					t.Fatal(err)
				}
				dir.from.WriteAudio(payload[:n])
				time.Sleep(20 * time.Millisecond)
				if dir.to.ReadAudio(frame, 16000) {
					best = max(best, rms(frame))
				}
			}
			want := 8000 / math.Sqrt2
			if math.Abs(20*math.Log10(best/want)) > 1 {
				t.Errorf("heard an RMS of %.0f, want %.0f", best, want)
			}
		})
	}
}

func rms(x []int16) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(x)))
}

// cascadeNode is one node of TestCascadesLinkAndUnlink: a bridge with
// room 1000, its cluster membership and its cascades.
func cascadeNode(t *testing.T, url, name string, ports *media.PortRange) (*bridge.Bridge, *cascades) {
	t.Helper()
	b, err := bridge.New(bridge.Options{Rooms: []bridge.RoomSettings{{Number: "1000"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	c, err := cluster.New(cluster.Options{Self: cluster.Node{Name: name, SIP: "127.0.0.1:5060"}, URLs: []string{url}, TTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	lo := netip.MustParseAddr("127.0.0.1")
	k := newCascades(b, c, ports, 0, lo, lo, slog.New(slog.DiscardHandler))
	stop, err := c.ServeCascades(k)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(); k.Close() })
	return b, k
}

// TestCascadesLinkAndUnlink: a call for node a's room reaching node b is
// taken on b, which links the room with a (one link participant on
// each side) for as long as any such call lasts; the last one's end
// unlinks both sides.
func TestCascadesLinkAndUnlink(t *testing.T) {
	srv := testnats.Start(t)
	ports, err := media.NewPortRange(51100, 51198)
	if err != nil {
		t.Fatal(err)
	}
	ba, ka := cascadeNode(t, srv.URL, "a", ports)
	bb, kb := cascadeNode(t, srv.URL, "b", ports)
	roomA, _ := ba.Room("1000")
	roomB, _ := bb.Room("1000")

	redirect, doneA := ka.route("1000")
	if redirect != "" || doneA == nil {
		t.Fatalf("the first call on a: %q", redirect)
	}
	defer doneA()
	redirect, done1 := kb.route("1000")
	if redirect != "" || done1 == nil {
		t.Fatalf("a call on b for a's room: redirect %q, want a cascade", redirect)
	}
	_, done2 := kb.route("1000")
	if roomA.Len() != 1 || roomB.Len() != 1 {
		t.Fatalf("linked: %d participants on a, %d on b; want the link on each", roomA.Len(), roomB.Len())
	}
	if p := roomB.Participants()[0]; p.Via != "cascade" || p.Role() != bridge.RoleModerator {
		t.Errorf("b's link participant: via %q, role %q", p.Via, p.Role())
	}
	done1()
	done1() // once only
	if roomB.Len() != 1 {
		t.Fatal("unlinked while a call still needs the link")
	}
	done2()
	deadline := time.Now().Add(3 * time.Second)
	for roomA.Len() != 0 || roomB.Len() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after the last call: %d participants on a, %d on b; want none", roomA.Len(), roomB.Len())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
