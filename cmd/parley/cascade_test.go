package main

import (
	"math"
	"net/netip"
	"testing"
	"time"

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
