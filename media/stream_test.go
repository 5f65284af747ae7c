package media_test

import (
	"math"
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/media/dtmf"
	"github.com/parleyhq/parley/media/jitter"
)

const (
	pcmuPT  = 0
	opusPT  = 111
	eventPT = 101
)

// sine returns n samples of a tone of frequency f and amplitude amp at
// rate, starting at sample offset.
func sine(n, offset, rate int, f, amp float64) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(math.Round(amp * math.Sin(2*math.Pi*f*float64(offset+i)/float64(rate))))
	}
	return s
}

// toneShare returns the share, 0 to 1, of s's power that lies at frequency
// f (Goertzel's algorithm over the whole frame).
func toneShare(s []int16, rate int, f float64) float64 {
	c := 2 * math.Cos(2*math.Pi*f/float64(rate))
	var s1, s2, total float64
	for _, v := range s {
		s1, s2 = float64(v)+c*s1-s2, s1
		total += float64(v) * float64(v)
	}
	if total == 0 {
		return 0
	}
	return 2 * (s1*s1 + s2*s2 - c*s1*s2) / (float64(len(s)) * total)
}

func rms(s []int16) float64 {
	var e float64
	for _, v := range s {
		e += float64(v) * float64(v)
	}
	return math.Sqrt(e / float64(len(s)))
}

// phone is the far end of a call: a plain UDP socket that sends RTP.
type phone struct {
	t    *testing.T
	conn *net.UDPConn
	seq  uint16
	ts   uint32
}

func newPhone(t *testing.T) *phone {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &phone{t: t, conn: c, seq: 65530, ts: 1 << 31}
}

func (p *phone) addr() netip.AddrPort { return p.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// send sends one packet with the next sequence number and timestamp ts.
func (p *phone) send(to netip.AddrPort, pt uint8, marker bool, ts uint32, payload []byte) {
	p.t.Helper()
	b, err := (&rtp.Packet{Header: rtp.Header{
		Version: 2, PayloadType: pt, Marker: marker, SequenceNumber: p.seq, Timestamp: ts, SSRC: 0xCAFE,
	}, Payload: payload}).Marshal()
	if err != nil {
		p.t.Fatal(err)
	}
	p.seq++
	if _, err := p.conn.WriteToUDPAddrPort(b, to); err != nil {
		p.t.Fatal(err)
	}
}

// read reads one RTP packet sent to the phone.
func (p *phone) read() *rtp.Packet {
	p.t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 1500)
	n, err := p.conn.Read(buf)
	if err != nil {
		p.t.Fatal(err)
	}
	var pkt rtp.Packet
	if err := pkt.Unmarshal(buf[:n]); err != nil {
		p.t.Fatal(err)
	}
	return &pkt
}

func newStream(t *testing.T, f media.Format, pt uint8, to netip.AddrPort, onDigit func(rune)) *media.Stream {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := media.NewStream(c, media.Peer{SDP: to, Signalling: to.Addr()}, media.StreamConfig{
		Format: f, PayloadType: pt, EventPayloadType: eventPT, OnDigit: onDigit,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// waitIn waits until the stream has accepted n packets.
func waitIn(t *testing.T, s *media.Stream, n uint64) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if s.Stats().Session.PacketsIn >= n {
			return
		}
	}
	t.Fatalf("stream accepted %d packets, want %d", s.Stats().Session.PacketsIn, n)
}

// TestStreamPCMU sends a 1 kHz PCMU tone from a phone and reads it back
// through the jitter buffer, the decoder and the resampler, at 8 kHz and
// then at 48 kHz, with one packet lost on the way.
func TestStreamPCMU(t *testing.T) {
	const (
		freq = 1000.0
		amp  = 8000.0
		lost = 15 // index of the packet the network loses
	)
	ph := newPhone(t)
	s := newStream(t, media.PCMU, pcmuPT, ph.addr(), nil)
	enc, err := media.NewEncoder(media.PCMU)
	if err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, 160)
	sent := uint64(0)
	for i := range 40 {
		if i != lost {
			n, err := enc.Encode(sine(160, 160*i, 8000, freq, amp), payload)
			if err != nil {
				t.Fatal(err)
			}
			ph.send(s.Session().LocalAddr(), pcmuPT, i == 0, ph.ts+uint32(160*i), payload[:n])
			sent++
			waitIn(t, s, sent)
		} else {
			ph.seq++
		}
		// The mixer's tick: 8 kHz for the first 20 frames, then 48 kHz.
		rate := 8000
		if i >= 20 {
			rate = 48000
		}
		frame := make([]int16, rate/50)
		ok := s.ReadAudio(frame, rate)
		played := i - 3 // the jitter buffer's initial delay is 3 frames
		switch {
		case played < 0:
			if ok {
				t.Errorf("tick %d: audio during the initial delay", i)
			}
			continue
		case !ok:
			t.Errorf("tick %d (packet %d): no audio", i, played)
			continue
		case played == lost:
			if r := rms(frame); r < amp/20 {
				t.Errorf("lost packet %d concealed with rms %.0f, want audible", played, r)
			}
			continue
		case played < 2, i == 20, played == lost+1:
			// The decoder's concealment delay, the resampler's start
			// and the concealment's merge make these frames impure.
			continue
		}
		if share := toneShare(frame, rate, freq); share < 0.95 {
			t.Errorf("tick %d at %d Hz: %.2f of the power at %v Hz, want at least 0.95", i, rate, share, freq)
		}
		if r, want := rms(frame), amp/math.Sqrt2; math.Abs(20*math.Log10(r/want)) > 1 {
			t.Errorf("tick %d at %d Hz: rms %.0f, want %.0f within 1 dB", i, rate, r, want)
		}
	}
	st := s.Stats()
	if st.Jitter.Lost != 1 || st.Jitter.Late != 0 || st.DecodeErrors != 0 {
		t.Errorf("stats %+v, want exactly 1 lost", st)
	}
}

// TestStreamOpus sends an Opus tone and reads it at 48 kHz, the codec's own
// rate, with a loss that in-band FEC repairs from the next packet.
func TestStreamOpus(t *testing.T) {
	const freq, amp, lost = 440.0, 8000.0, 12
	ph := newPhone(t)
	s := newStream(t, media.Opus, opusPT, ph.addr(), nil)
	enc, err := media.NewEncoder(media.Opus)
	if err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, 1500)
	sent := uint64(0)
	for i := range 30 {
		n, err := enc.Encode(sine(960, 960*i, 48000, freq, amp), payload)
		if err != nil {
			t.Fatal(err)
		}
		if i != lost {
			ph.send(s.Session().LocalAddr(), opusPT, i == 0, ph.ts+uint32(960*i), payload[:n])
			sent++
			waitIn(t, s, sent)
		} else {
			ph.seq++
		}
		frame := make([]int16, 960)
		ok := s.ReadAudio(frame, 48000)
		played := i - 3
		if played < 0 {
			continue
		}
		if !ok {
			t.Fatalf("tick %d: no audio", i)
		}
		if played < 5 {
			continue // the encoder's start-up
		}
		if share := toneShare(frame, 48000, freq); share < 0.8 {
			t.Errorf("frame %d: %.2f of the power at %v Hz, want at least 0.8", played, share, freq)
		}
	}
	if st := s.Stats(); st.Jitter.Lost != 1 {
		t.Errorf("jitter stats %+v, want 1 lost", st.Jitter)
	}
}

// TestStreamDTMF sends two key presses the way phones do (updates, then the
// end report three times) and expects each digit once, on the reader
// goroutine, with other payload types ignored.
func TestStreamDTMF(t *testing.T) {
	ph := newPhone(t)
	digits := make(chan rune, 10)
	s := newStream(t, media.PCMU, pcmuPT, ph.addr(), func(d rune) { digits <- d })
	to := s.Session().LocalAddr()
	n := uint64(0)
	for k, code := range []uint8{1, 11} {
		ts := ph.ts + uint32(8000*k)
		for j, dur := range []uint16{400, 800, 1200, 1600, 1600, 1600} {
			ev := dtmf.Event{Code: code, End: j >= 3, Volume: 10, Duration: dur}
			ph.send(to, eventPT, j == 0, ts, ev.AppendTo(nil))
			n++
		}
	}
	ph.send(to, 13, false, ph.ts, []byte{1, 2, 3}) // comfort noise: not ours
	ph.send(to, eventPT, false, ph.ts, []byte{1})  // broken event
	waitIn(t, s, n+2)

	var got []rune
	for len(digits) > 0 {
		got = append(got, <-digits)
	}
	if string(got) != "1#" {
		t.Errorf("digits %q, want \"1#\"", string(got))
	}
	st := s.Stats()
	if st.Digits != 2 || st.OtherPayloadTypes != 1 || st.BadEvents != 1 || st.Jitter.Received != 0 {
		t.Errorf("stats %+v", st)
	}
}

// dtmfTone returns n samples at rate of the tone pair of key '7' (852 Hz
// and 1209 Hz), each at -10 dBFS, starting at sample offset.
func dtmfTone(n, offset, rate int) []int16 {
	const amp = 10362 // -10 dBFS
	lo, hi := sine(n, offset, rate, 852, amp), sine(n, offset, rate, 1209, amp)
	for i := range lo {
		lo[i] += hi[i]
	}
	return lo
}

// TestStreamInbandDTMF sends the key '7' as audio tones (120 ms between
// silences) from a phone that sends no telephone events, and expects the
// digit exactly once through OnDigit, whatever rate the room reads at,
// and only when InbandDTMF is set. A phone that sends telephone events
// after all turns in-band detection off.
func TestStreamInbandDTMF(t *testing.T) {
	tests := []struct {
		name     string
		f        media.Format
		pt       uint8
		roomRate int
		inband   bool
		event    bool // a telephone event comes first
		want     string
	}{
		{"PCMU at 8 kHz", media.PCMU, pcmuPT, 8000, true, false, "7"},
		{"PCMU at 48 kHz", media.PCMU, pcmuPT, 48000, true, false, "7"},
		{"Opus at 48 kHz", media.Opus, opusPT, 48000, true, false, "7"},
		{"Opus at 16 kHz", media.Opus, opusPT, 16000, true, false, "7"},
		{"PCMU, detection off", media.PCMU, pcmuPT, 8000, false, false, ""},
		{"PCMU, telephone events seen", media.PCMU, pcmuPT, 8000, true, true, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ph := newPhone(t)
			digits := make(chan rune, 10)
			c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			s, err := media.NewStream(c, media.Peer{SDP: ph.addr(), Signalling: ph.addr().Addr()}, media.StreamConfig{
				Format: tt.f, PayloadType: tt.pt, EventPayloadType: eventPT,
				InbandDTMF: tt.inband, OnDigit: func(d rune) { digits <- d },
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			to := s.Session().LocalAddr()
			sent := uint64(0)
			if tt.event {
				ph.send(to, eventPT, true, ph.ts, dtmf.Event{Code: 1, End: true, Duration: 800}.AppendTo(nil))
				sent++
			}
			enc, err := media.NewEncoder(tt.f)
			if err != nil {
				t.Fatal(err)
			}
			n := tt.f.FrameSamples()
			payload := make([]byte, 1500)
			frame := make([]int16, tt.roomRate/50)
			for i := range 25 {
				pcm := make([]int16, n)
				if i >= 5 && i < 11 {
					pcm = dtmfTone(n, n*i, tt.f.SampleRate())
				}
				m, err := enc.Encode(pcm, payload)
				if err != nil {
					t.Fatal(err)
				}
				ph.send(to, tt.pt, i == 0, ph.ts+uint32(n*i), payload[:m])
				sent++
				waitIn(t, s, sent)
				s.ReadAudio(frame, tt.roomRate)
			}
			for range 5 { // drain the jitter buffer
				s.ReadAudio(frame, tt.roomRate)
			}
			var got []rune
			for len(digits) > 0 {
				got = append(got, <-digits)
			}
			if string(got) != tt.want {
				t.Errorf("digits %q, want %q", string(got), tt.want)
			}
			st := s.Stats()
			wantInband := uint64(0)
			if tt.inband && !tt.event {
				wantInband = 1
			}
			if st.Digits != uint64(len(tt.want)) || st.InbandDigits != wantInband {
				t.Errorf("stats: %d digits, %d in-band; want %d, %d", st.Digits, st.InbandDigits, len(tt.want), wantInband)
			}
		})
	}
}

// TestStreamWriteAudio checks the packets WriteAudio sends: the negotiated
// payload type, the marker on the first only, and timestamps 20 ms apart at
// the RTP clock rate.
func TestStreamWriteAudio(t *testing.T) {
	for _, tc := range []struct {
		f       media.Format
		pt      uint8
		samples uint32
	}{{media.PCMU, pcmuPT, 160}, {media.Opus, opusPT, 960}} {
		ph := newPhone(t)
		s := newStream(t, tc.f, tc.pt, ph.addr(), nil)
		var first *rtp.Packet
		for i := range 3 {
			s.WriteAudio([]byte{byte(i), 0xFF})
			p := ph.read()
			if i == 0 {
				first = p
			}
			if p.PayloadType != tc.pt || p.Marker != (i == 0) || p.Payload[0] != byte(i) ||
				p.SSRC != s.Session().SSRC() ||
				p.SequenceNumber != first.SequenceNumber+uint16(i) ||
				p.Timestamp != first.Timestamp+tc.samples*uint32(i) {
				t.Errorf("%v packet %d: %+v", tc.f, i, p.Header)
			}
		}
	}
}

func TestStreamNothingBeforeAudio(t *testing.T) {
	s := newStream(t, media.PCMU, pcmuPT, netip.AddrPort{}, nil)
	frame := make([]int16, 160)
	for i := range 5 {
		if s.ReadAudio(frame, 8000) {
			t.Fatalf("tick %d: audio before any packet", i)
		}
	}
	if s.ReadAudio(make([]int16, 100), 8000) {
		t.Error("audio into a frame of the wrong size")
	}
	// WriteAudio with nowhere to send withholds and counts, not as an error.
	s.WriteAudio([]byte{1})
	if st := s.Stats(); st.WriteErrors != 0 || st.Session.Withheld != 1 {
		t.Errorf("write errors = %d, withheld = %d, want 0 and 1", st.WriteErrors, st.Session.Withheld)
	}
}

func TestNewStreamInvalid(t *testing.T) {
	for _, cfg := range []media.StreamConfig{
		{Format: media.Format{Name: "G723", ClockRate: 8000}},
		{Format: media.PCMU, PayloadType: 200},
		{Format: media.Opus, PayloadType: 101, EventPayloadType: 101},
		{Format: media.PCMU, Jitter: jitter.Options{MaxDelay: -1}},
	} {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := media.NewStream(c, media.Peer{}, cfg); err == nil {
			t.Errorf("NewStream(%+v) succeeded", cfg)
		}
		c.Close()
	}
}

func TestStreamCloseStopsReader(t *testing.T) {
	before := runtime.NumGoroutine()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := media.NewStream(c, media.Peer{}, media.StreamConfig{Format: media.PCMU})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close()
	for deadline := time.Now().Add(2 * time.Second); runtime.NumGoroutine() > before; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after Close, %d before", runtime.NumGoroutine(), before)
		}
	}
}
