package sip

import (
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/video"
)

// TestRoomSystemFollowsTopLayer: a room system is shown the highest
// simulcast layer of the speaker's track that flows. With layers 0 and 1
// flowing it gets layer 1; when layer 2 starts it moves up at layer 2's
// first keyframe (asked for); when layer 2 stops it moves back to layer 1.
// Every packet it gets is of one continuous stream (our SSRC, sequence
// numbers up by one).
func TestRoomSystemFollowsTopLayer(t *testing.T) {
	ports, err := media.NewPortRange(46000, 46998)
	if err != nil {
		t.Fatal(err)
	}
	port, err := ports.Listen(netip.MustParseAddr("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	sys, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	v := &videoStream{log: slog.New(slog.DiscardHandler), rtp: port, ssrc: 0xabc, done: make(chan struct{}),
		buf: make([]byte, media.MaxPacketSize+64)}
	v.rw = video.NewRewriter(v.ssrc, 99, h264.ClockRate, h264.MimeType, nil)
	remote := sys.LocalAddr().(*net.UDPAddr).AddrPort()
	v.latch = media.NewLatch(media.Peer{SDP: remote, Signalling: remote.Addr()})
	v.receives.Store(true)

	// The room system's receiver: the layer (the payload's tag) of each
	// packet it gets, checking the stream.
	var mu sync.Mutex
	var layers []int
	var reader sync.WaitGroup
	defer reader.Wait()
	defer sys.Close()
	reader.Go(func() {
		buf := make([]byte, 1500)
		var pkt rtp.Packet
		var last uint16
		for n := 0; ; n++ {
			k, err := sys.Read(buf)
			if err != nil {
				return
			}
			if pkt.Unmarshal(buf[:k]) != nil || pkt.SSRC != 0xabc || (n > 0 && pkt.SequenceNumber != last+1) {
				t.Errorf("packet %d: SSRC %x, sequence number %d after %d", n, pkt.SSRC, pkt.SequenceNumber, last)
			}
			last = pkt.SequenceNumber
			mu.Lock()
			if l := int(pkt.Payload[1]); len(layers) == 0 || layers[len(layers)-1] != l {
				layers = append(layers, l)
			}
			mu.Unlock()
		}
	})

	room := video.NewRoom(nil)
	var keyMu sync.Mutex
	var asked []int
	key := [3]bool{true, true, true}
	tr := room.Publish("speaker", h264, 3, func(l int) {
		keyMu.Lock()
		asked = append(asked, l)
		key[l] = true
		keyMu.Unlock()
	})
	var seq [3]uint16
	send := func(d time.Duration, flowing ...int) {
		for range int(d / (20 * time.Millisecond)) {
			for _, l := range flowing {
				keyMu.Lock()
				nal := byte(0x41) // a non-IDR slice
				if key[l] {
					nal, key[l] = 0x65, false // an IDR slice (RFC 6184 §5.6)
				}
				keyMu.Unlock()
				tr.Write(l, &rtp.Packet{Header: rtp.Header{Version: 2, SSRC: uint32(l + 1), SequenceNumber: seq[l],
					Timestamp: uint32(seq[l]) * 1800}, Payload: []byte{nal, byte(l), 0, 0}})
				seq[l]++
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	want := func(stage string, w ...int) {
		t.Helper()
		time.Sleep(50 * time.Millisecond) // the last packets on the wire
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(layers, w) {
			t.Fatalf("%s: the room system got layers %v, want %v", stage, layers, w)
		}
	}

	send(300*time.Millisecond, 0, 1) // before the room system subscribes
	room.Subscribe(v, "room", video.Speaker, nil)
	send(time.Second, 0, 1)
	want("layers 0 and 1 flow", 1)
	send(time.Second, 0, 1, 2)
	want("layer 2 starts", 1, 2)
	send(1500*time.Millisecond, 0, 1)
	want("layer 2 stops", 1, 2, 1)
	keyMu.Lock()
	t.Logf("keyframes asked of layers %v", asked)
	if !slices.Contains(asked, 2) {
		t.Errorf("no keyframe of layer 2 was asked for: %v", asked)
	}
	keyMu.Unlock()
	room.Unsubscribe(v)
}

// TestVideoLatch: a room system's video takes RTP only from the SDP's IP
// or the signalling source IP: an attacker on 127.0.0.2 that sends first
// is not latched and is sent nothing; nothing goes to a c= naming a third
// party (127.0.0.3) before media came from it; the phone's RTP latches.
func TestVideoLatch(t *testing.T) {
	att, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	if err != nil {
		t.Skip("no 127.0.0.2:", err)
	}
	defer att.Close()
	ports, err := media.NewPortRange(46000, 46998)
	if err != nil {
		t.Fatal(err)
	}
	port, err := ports.Listen(netip.MustParseAddr("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	v := &videoStream{log: slog.New(slog.DiscardHandler), rtp: port, ssrc: 0xabc, done: make(chan struct{}),
		buf: make([]byte, media.MaxPacketSize+64)}
	thirdParty := netip.MustParseAddrPort("127.0.0.3:9")
	v.start(&VideoNegotiation{PayloadType: 99, Remote: thirdParty, RTCP: thirdParty, Mux: true, Direction: SendRecv},
		media.Peer{SDP: thirdParty, Signalling: netip.MustParseAddr("127.0.0.1")})
	defer v.close()
	if _, ok := v.target(); ok {
		t.Fatal("video would be sent to a c= naming a third party")
	}
	to := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port.Number()))
	pkt, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 99, SSRC: 7}, Payload: []byte{0x65}}).Marshal()
	for range 5 {
		att.WriteToUDPAddrPort(pkt, to)
	}
	phone, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer phone.Close()
	phone.WriteToUDPAddrPort(pkt, to)
	want := phone.LocalAddr().(*net.UDPAddr).AddrPort()
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if got, ok := v.target(); ok {
			if got != want {
				t.Fatalf("video latched %v, want the phone %v", got, want)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the phone's video was not latched")
		}
	}
}
