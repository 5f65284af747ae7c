package e2e

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/zaf/g711"
)

// The media end of a call played by the PIN tests: it labels the tones it
// receives and sends RFC 4733 digits.

// rtpPeer is the media end of a call, played by the test: it receives
// PCMU, labels each 20 ms packet with the tone it carries, and sends RFC
// 4733 events (payload type 101) back to where the packets come from.
type rtpPeer struct {
	conn  *net.UDPConn
	tones map[rune]float64 // label → frequency in Hz
	done  chan struct{}

	mu     sync.Mutex
	runs   []toneRun    // what was heard, in order; guarded by mu
	remote *net.UDPAddr // Parley's RTP address, once a packet came; guarded by mu

	seq uint16
	ts  uint32
}

// toneRun is a stretch of packets carrying the same tone, without a gap.
type toneRun struct {
	label       rune
	first, last time.Time
	packets     int
}

func newRTPPeer(t *testing.T, tones map[rune]float64) *rtpPeer {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	p := &rtpPeer{conn: conn, tones: tones, done: make(chan struct{})}
	go p.read()
	t.Cleanup(func() {
		conn.Close()
		<-p.done
	})
	return p
}

func (p *rtpPeer) port() int { return p.conn.LocalAddr().(*net.UDPAddr).Port }

// read runs on its own goroutine until the socket is closed.
func (p *rtpPeer) read() {
	defer close(p.done)
	buf := make([]byte, 1500)
	for {
		n, from, err := p.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		var pkt rtp.Packet
		if pkt.Unmarshal(buf[:n]) != nil || pkt.PayloadType != 0 {
			continue
		}
		label := p.label(pkt.Payload)
		now := time.Now()
		p.mu.Lock()
		p.remote = from
		if k := len(p.runs) - 1; k >= 0 && p.runs[k].label == label && now.Sub(p.runs[k].last) < 100*time.Millisecond {
			p.runs[k].last = now
			p.runs[k].packets++
		} else {
			p.runs = append(p.runs, toneRun{label: label, first: now, last: now, packets: 1})
		}
		p.mu.Unlock()
	}
}

// label names the strongest of the tones in a PCMU payload, or '.' if
// none reaches -26 dBFS.
func (p *rtpPeer) label(payload []byte) rune {
	pcm := g711.DecodeUlaw(payload)
	x := make([]float64, len(pcm)/2)
	for i := range x {
		x[i] = float64(int16(uint16(pcm[2*i])|uint16(pcm[2*i+1])<<8)) / 32768
	}
	spec := newSpectrum(x, 8000)
	best, label := 0.05, '.'
	for l, f := range p.tones {
		if a := spec.amplitude(f); a > best {
			best, label = a, l
		}
	}
	return label
}

// waitHeard waits until a tone labelled label, begun after since, has been
// followed by 300 ms without packets (the prompt has ended), and reports
// whether it was within the timeout.
func (p *rtpPeer) waitHeard(label rune, since time.Time, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		k := len(p.runs) - 1
		ended := k >= 0 && p.runs[k].label == label && p.runs[k].first.After(since) &&
			time.Since(p.runs[k].last) > 300*time.Millisecond
		p.mu.Unlock()
		if ended {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// heard returns the labels of the tones heard, one per run of at least
// three packets (shorter runs are the seams between clips).
func (p *rtpPeer) heard() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	for _, r := range p.runs {
		if r.label != '.' && r.packets >= 3 {
			b.WriteRune(r.label)
		}
	}
	return b.String()
}

// sendDigits sends each key as an RFC 4733 event (§2.5): 100 ms of
// updates every 20 ms, the first with the marker bit, then the end report
// three times, and 100 ms of pause before the next key.
func (p *rtpPeer) sendDigits(keys string) {
	p.mu.Lock()
	to := p.remote
	p.mu.Unlock()
	for _, k := range keys {
		code := byte(strings.IndexRune("0123456789*#", k))
		p.ts += 1600
		for i := 1; i <= 8; i++ {
			end := i > 5
			dur := uint16(160 * min(i, 5))
			flags := byte(10) // volume −10 dBm0
			if end {
				flags |= 0x80
			}
			p.seq++
			pkt := rtp.Packet{
				Header:  rtp.Header{Version: 2, Marker: i == 1, PayloadType: 101, SequenceNumber: p.seq, Timestamp: p.ts, SSRC: 0x50494e31},
				Payload: []byte{code, flags, byte(dur >> 8), byte(dur)},
			}
			if b, err := pkt.Marshal(); err == nil {
				_, _ = p.conn.WriteToUDP(b, to)
			}
			if i < 6 {
				time.Sleep(20 * time.Millisecond)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}
