package e2e

import (
	"path/filepath"
	"testing"
	"time"
)

const quotaConfig = `
sip:
  listen: [udp://127.0.0.1:0, tcp://127.0.0.1:0]
rtp:
  ports: 42000-42998
http:
  listen: 127.0.0.1:0
log:
  format: json
admin_tokens: ["` + adminToken + `"]
rooms:
  - number: "1000"
    name: Quota room
    quota: 2
    capacity: 3
`

// TestQuotaMakesSpectatorsAndCapacityRefuses: with quota 2 and capacity 3,
// the third phone joins as a spectator (it hears the others, they do not
// hear it) and a fourth caller is refused with 486 after a prompt.
func TestQuotaMakesSpectatorsAndCapacityRefuses(t *testing.T) {
	srv := startParley(t, quotaConfig)
	const amplitude = 0.25
	phones := []struct {
		name, codec string
		freq        float64
	}{
		{"alice", "PCMU/8000/1", 440},
		{"bob", "PCMA/8000/1", 1000},
		{"carol", "PCMU/8000/1", 700},
	}
	peers := make([]*phone, len(phones))
	for i, ph := range phones {
		wav := filepath.Join(t.TempDir(), ph.name+".wav")
		if err := writeTone(wav, 8000, ph.freq, amplitude, 20); err != nil {
			t.Fatal(err)
		}
		peers[i] = newPhone(t, ph.name, wav, ph.codec, 41200+40*i)
	}
	peers[0].dial(t, "sip:1000@"+srv.sipUDP, 12)
	peers[1].dial(t, "sip:1000@"+srv.sipUDP, 12)
	srv.waitLog(t, "call joined", 2, 10*time.Second)
	peers[2].dial(t, "sip:1000@"+srv.sipUDP, 11)
	srv.waitLog(t, "call joined", 3, 10*time.Second)

	out, err := runSippWith(t, "refused.xml", map[string]string{"STATUS": "486"}, "1000", srv.sipUDP, "-key", "fmts", "0")
	if err != nil {
		t.Errorf("a fourth caller was not refused with 486: %v\n%s", err, out)
	}
	for _, p := range peers {
		p.wait(t)
	}
	joined := srv.logged("call joined")
	if len(joined) != 3 {
		t.Fatalf("%d calls joined, want 3", len(joined))
	}
	if joined[2]["role"] != "spectator" || joined[2]["over_quota"] != true {
		t.Errorf("third caller joined as %v (over_quota %v), want spectator over quota", joined[2]["role"], joined[2]["over_quota"])
	}
	for _, j := range joined[:2] {
		if j["role"] != "attendee" {
			t.Errorf("first callers joined as %v, want attendee", j["role"])
		}
	}

	level := func(p *phone, freq float64) float64 {
		x, rate, err := readWAV(p.recording(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(x) < 8*rate {
			t.Fatalf("%s: recording is %.1f s, want at least 8 s", p.name, float64(len(x))/float64(rate))
		}
		return dB(newSpectrum(x[5*rate:8*rate], rate).amplitude(freq) / amplitude)
	}
	// The spectator's tone is not mixed: alice and bob do not hear 700 Hz.
	for _, i := range []int{0, 1} {
		if l := level(peers[i], 700); l > -30 {
			t.Errorf("%s hears the spectator's 700 Hz at %+.1f dB, want below −30 dB", phones[i].name, l)
		}
		other := phones[1-i].freq
		if l := level(peers[i], other); l < -6 {
			t.Errorf("%s hears %v Hz at %+.1f dB, want within 6 dB", phones[i].name, other, l)
		}
	}
	// The spectator hears both active participants.
	for _, f := range []float64{440, 1000} {
		if l := level(peers[2], f); l < -6 || l > 6 {
			t.Errorf("the spectator hears %v Hz at %+.1f dB, want within 6 dB", f, l)
		}
	}
}
