package e2e

import (
	"fmt"
	"path/filepath"
	"testing"

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
	sent := pcapCall(t, srv, phone, "g722_16000.xml", pcap)
	answered := srv.logged("call answered")
	if len(answered) != 2 || fmt.Sprint(answered[1]["codec"]) != "G722/8000" || fmt.Sprint(answered[1]["codec_written"]) != "G722/16000" {
		srv.dumpLogs(t)
		t.Fatalf("call answered lines %v, want the second with codec G722/8000 and codec_written G722/16000", answered)
	}
	phoneHeard(t, phone, "the G.722 desk phone", 1000, amplitude)
	dec, err := g722.NewDecoder()
	if err != nil {
		t.Fatal(err)
	}
	toneHeard(t, "the G.722 desk phone", sent, 9, g722.FrameBytes, g722.SampleRate, dec.Decode, 700, amplitude)
}
