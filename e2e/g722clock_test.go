package e2e

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleyhq/parley/media/g722"
)

// TestG722WrittenAt16000: a desk phone that writes G.722's rtpmap at its
// sample rate, "G722/16000" (RFC 3551 gives 8000), with telephone-event at
// 16000 only (sipp playing a pcap of a 1000 Hz tone encoded with
// media/g722), joins a room where a G.711 phone (baresip, PCMU) sends a
// 700 Hz tone. Parley answers G.722 and telephone-event as the phone
// wrote them (the scenario checks the 200's SDP), says so in its log
// line, the G.711 phone hears the 1000 Hz at the level it was sent, and
// the G.722 that Parley sends the desk phone carries the 700 Hz.
func TestG722WrittenAt16000(t *testing.T) {
	const amplitude = 0.25
	srv := startParley(t, roomConfig)
	dir := t.TempDir()
	pcap := filepath.Join(dir, "tone1k-g722.pcap")
	enc, err := g722.NewEncoder()
	if err != nil {
		t.Fatal(err)
	}
	tonePcap(t, pcap, 9, g722.SampleRate, g722.FrameSamples, 1000, amplitude, 8,
		func(pcm []int16) ([]byte, error) {
			payload := make([]byte, g722.FrameBytes)
			_, err := enc.Encode(pcm, payload)
			return payload, err
		})
	wav := filepath.Join(dir, "tone700.wav")
	if err := writeTone(wav, 8000, 700, amplitude, 20); err != nil {
		t.Fatal(err)
	}
	phone := newPhone(t, "g711", wav, "PCMU/8000/1", 43300)
	phone.dial(t, "sip:1000@"+srv.sipUDP, 12)
	srv.waitLog(t, "call joined", 1, 10*time.Second)
	deskPort := dialogFreePort(t)
	capture := startDialogCapture(t, deskPort)
	out, err := runSippWith(t, "g722_16000.xml", map[string]string{"PCAP_FILE": pcap, "PAUSE_MS": "8500"},
		"1000", srv.sipUDP, "-mi", "127.0.0.1", "-mp", fmt.Sprint(deskPort))
	if err != nil {
		srv.dumpLogs(t)
		t.Fatalf("the G722/16000 call failed (or its answer did not write G722/16000 and telephone-event/16000): %v\n%s", err, out)
	}
	sent := dialogToPort(capture.stop(t), deskPort)
	phone.wait(t)
	answered := srv.logged("call answered")
	if len(answered) != 2 || fmt.Sprint(answered[1]["codec"]) != "G722/8000" || fmt.Sprint(answered[1]["codec_written"]) != "G722/16000" {
		srv.dumpLogs(t)
		t.Fatalf("call answered lines %v, want the second with codec G722/8000 and codec_written G722/16000", answered)
	}
	x, rate, err := readWAV(phone.recording(t))
	if err != nil {
		t.Fatal(err)
	}
	// The phone joined first; the desk phone's tone plays from about 0.5 s
	// to 8.5 s after that: listen from 2 s to 5 s.
	if len(x) < 5*rate {
		t.Fatalf("recording is %.1f s long, want at least 5 s; log:\n%s", float64(len(x))/float64(rate), phone.logText())
	}
	spec := newSpectrum(x[2*rate:5*rate], rate)
	peaks := spec.peaks(100, 3900)
	if len(peaks) == 0 || math.Abs(peaks[0].freq-1000) > 10 {
		t.Fatalf("the phone's dominant tone is not 1000 Hz: %v", fmtPeaks(peaks[:min(3, len(peaks))]))
	}
	level := dB(spec.amplitude(1000) / amplitude)
	t.Logf("the G.711 phone hears the G.722 desk phone's 1000 Hz at %+.1f dB relative to what was sent", level)
	if math.Abs(level) > 3 {
		t.Errorf("1000 Hz arrives at %+.1f dB, want within 3 dB of the sent level", level)
	}
	dec, err := g722.NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	toneHeard(t, "the G.722 desk phone", sent, 9, g722.FrameBytes, g722.SampleRate, dec.Decode, 700, amplitude)
}
