package e2e

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"
)

const roomConfig = `
sip:
  listen: [udp://127.0.0.1:0, tcp://127.0.0.1:0]
  domain: 127.0.0.1
rtp:
  ports: 42000-42998
http:
  listen: 127.0.0.1:0
log:
  format: json
  level: info
rooms:
  - number: "1000"
    name: E2E room
`

// TestThreePhonesHearEachOther is the walking skeleton's acceptance test:
// three real softphones dial room 1000, one each in PCMU, PCMA and Opus,
// each sending its own tone. Each must hear the other two tones at the
// level they were sent, and not its own. One phone calls over TCP.
func TestThreePhonesHearEachOther(t *testing.T) {
	srv := startParley(t, roomConfig)
	const amplitude = 0.25 // −12 dBFS peak: two tones summed stay clear of clipping
	phones := []struct {
		name, codec string
		freq        float64
		rate        int
	}{
		{"alice", "PCMU/8000/1", 440, 8000},
		{"bob", "PCMA/8000/1", 1000, 8000},
		{"carol", "opus/48000/2", 700, 48000},
	}
	peers := make([]*phone, len(phones))
	for i, ph := range phones {
		wav := filepath.Join(t.TempDir(), ph.name+".wav")
		if err := writeTone(wav, ph.rate, ph.freq, amplitude, 20); err != nil {
			t.Fatal(err)
		}
		peers[i] = newPhone(t, ph.name, wav, ph.codec, 41000+40*i)
	}
	// Alice and Bob call over UDP, Carol over TCP.
	peers[0].dial(t, "sip:1000@"+srv.sipUDP, 10)
	peers[1].dial(t, "sip:1000@"+srv.sipUDP, 10)
	peers[2].dial(t, "sip:1000@"+srv.sipTCP+";transport=tcp", 10)
	for _, p := range peers {
		p.wait(t)
	}
	answered := srv.logged("call answered")
	codecs := map[string]bool{}
	for _, rec := range answered {
		codecs[fmt.Sprint(rec["codec"])] = true
	}
	if len(answered) != 3 || !codecs["PCMU/8000"] || !codecs["PCMA/8000"] || !codecs["opus/48000/2"] {
		srv.dumpLogs(t)
		t.Fatalf("parley answered %d calls with codecs %v, want PCMU, PCMA and Opus", len(answered), codecs)
	}

	for i, ph := range phones {
		t.Run(ph.name, func(t *testing.T) {
			x, rate, err := readWAV(peers[i].recording(t))
			if err != nil {
				t.Fatal(err)
			}
			// Everyone has joined within a second or two; listen from 3 s to 8 s.
			if len(x) < 8*rate {
				t.Fatalf("recording is %.1f s long, want at least 8 s; log:\n%s", float64(len(x))/float64(rate), peers[i].logText())
			}
			spec := newSpectrum(x[3*rate:8*rate], rate)
			var want []float64
			for j, other := range phones {
				if j != i {
					want = append(want, other.freq)
				}
			}
			peaks := spec.peaks(100, math.Min(3900, float64(rate)/2-100))
			if len(peaks) < 2 {
				t.Fatalf("fewer than two tones heard: %v", peaks)
			}
			for _, f := range want {
				if !nearAny(f, peaks[:2], 10) {
					t.Errorf("%v Hz is not among the two dominant tones %v", f, fmtPeaks(peaks[:3]))
				}
				level := dB(spec.amplitude(f) / amplitude)
				t.Logf("hears %v Hz at %+.1f dB relative to what was sent", f, level)
				if math.Abs(level) > 6 {
					t.Errorf("%v Hz arrives at %+.1f dB, want within 6 dB of the sent level", f, level)
				}
			}
			weakest := math.Min(spec.amplitude(want[0]), spec.amplitude(want[1]))
			own := dB(spec.amplitude(ph.freq) / weakest)
			t.Logf("own %v Hz tone at %.1f dB relative to the others", ph.freq, own)
			if own > -30 {
				t.Errorf("hears its own %v Hz tone at %.1f dB relative, want below −30 dB", ph.freq, own)
			}
		})
	}
}

func nearAny(f float64, peaks []peak, tol float64) bool {
	for _, p := range peaks {
		if math.Abs(p.freq-f) <= tol {
			return true
		}
	}
	return false
}

func fmtPeaks(ps []peak) string {
	s := ""
	for _, p := range ps {
		s += fmt.Sprintf("%.0f Hz (%.1f dBFS) ", p.freq, dB(p.amp))
	}
	return s
}
